package dev.loralimits.fast;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;

/**
 * FAST-BOUND.md §11.7: the a-posteriori score moments of one point. For even t,
 * {@link #evenMoment} returns per query row j an upper bound of
 * {@code (1/Lk) sum_l (Qh^_j . Kc^_l)^t}, computed through the homogeneous degree-t monomials
 * ({@code (q . k)^t = sum_{|m| = t} (t choose m) q^m k^m}, multinomial theorem): one key aggregate
 * {@code A_m = sum_l k_l^m} and one dot product per query row, plus the rounding bound
 * {@code gamma_{nT} (q_j/qn)^t mu_t} against the Cauchy-Schwarz moment of §11.3. {@link #shift}
 * gives {@code a_j >= -Qh^_j . mean_l Kc^_l}, so that Jensen's inequality bounds the softmax
 * denominator from below. Every multiplication of the monomial passes is checked for underflow;
 * when one occurs (or the result is not finite) the moment is {@code +infinity} (no new bound).
 * The monomial levels are shared between the degrees t (FAST-BOUND.md §11.10: the top level of every
 * row is kept, within {@link #STORE_LIMIT}, and a higher t continues from it), which gives the same
 * numbers bit for bit as {@link #evenMomentFromScratch}.
 */
final class ScoreMoments {
  private final double[] qf;
  private final double[] kf;
  private final int lq;
  private final int lk;
  private final int h;
  private final FastBound.KeyRows rows;
  private final double[] qNorm;
  private final Map<Integer, double[]> cache = new HashMap<>();
  private final double[] shift;
  private final long storeLimit;
  // FAST-BOUND.md §11.10: the highest level stored for every key and query row (0: none), and the
  // lowest level at which an evaluation product underflowed (MAX_VALUE: none)
  private int topLevel;
  private double[] kTop;
  private double[] qTop;
  private int underLevel = Integer.MAX_VALUE;

  /** Doubles per side (keys, queries) that a stored level may take: 2^24, i.e. 128 MB. */
  static final long STORE_LIMIT = 1L << 24;

  /**
   * @param qf the (exactly scaled) computed queries, row-major {@code lq x h}
   * @param kf the (exactly scaled) computed centred keys, row-major {@code lk x h}
   * @param kc the computed centred keys, unscaled (for the mean), row-major {@code lk x h}
   * @param qNorm {@code q_j >= ||Qh^_j||} of the unscaled queries
   * @param rows the point's norm bounds and Cauchy-Schwarz moments (§11.3-11.4)
   */
  ScoreMoments(double[] qf, double[] kf, double[] kc, int lq, int lk, int h, double[] qNorm, FastBound.KeyRows rows) {
    this(qf, kf, kc, lq, lk, h, qNorm, rows, STORE_LIMIT);
  }

  /** The same with a given cap on the stored level per side ({@code 0}: never store, every t from level 1). */
  ScoreMoments(double[] qf, double[] kf, double[] kc, int lq, int lk, int h, double[] qNorm, FastBound.KeyRows rows,
      long storeLimit) {
    this.storeLimit = storeLimit;
    this.qf = qf;
    this.kf = kf;
    this.lq = lq;
    this.lk = lk;
    this.h = h;
    this.rows = rows;
    this.qNorm = qNorm;
    this.shift = shifts(kc, lk, h, qNorm);
  }

  /** {@code a_j = up(cp(q_j, kmU))}, {@code kmU >= ||(1/Lk) sum_l Kc^_l||_2} (§11.7 (c)). */
  static double[] shifts(double[] kc, int lk, int h, double[] qNorm) {
    double[] b = new double[h];
    double g = FastBound.gamma(lk);
    for (int i = 0; i < h; i++) {
      double s = 0;
      double a = 0;
      for (int l = 0; l < lk; l++) {
        s += kc[l * h + i];
        a += Math.abs(kc[l * h + i]);
      }
      b[i] = FastBound.up(Math.abs(s) + FastBound.clampedProduct(FastBound.clampedProduct(g, a), 1 + g));
    }
    double kmU = meanNormUpper(b, lk);
    double[] out = new double[qNorm.length];
    for (int j = 0; j < qNorm.length; j++) {
      out[j] = FastBound.up(FastBound.clampedProduct(qNorm[j], kmU));
    }
    return out;
  }

  /** {@code up(normUpper(b) / Lk)}. */
  static double meanNormUpper(double[] b, int lk) {
    return FastBound.up(FastBound.normUpper(b, 0, b.length) / lk);
  }

  /** The shifts {@code a_j} (§11.7 (c)). */
  double[] shift() {
    return shift;
  }

  /**
   * §11.7 (b): for even {@code t >= 0}, {@code T_j >= (1/Lk) sum_l (Qh^_j . Kc^_l)^t}; all
   * {@code +infinity} on underflow or overflow. Cached (the latest t and t - 2 only: O(Lq) doubles).
   */
  double[] evenMoment(int t) {
    if (t % 2 != 0 || t < 0) {
      throw new IllegalArgumentException("t (" + t + ") must be even and >= 0");
    }
    double[] m = cache.get(t);
    if (m == null) {
      m = compute(t);
      cache.put(t, m);
      // keep O(Lq) doubles, not one array per degree: the degree search asks t - 2, t, t + 2 next
      // (absMoment of p = g + 1, g increasing); an evicted t is computed again, the same numbers
      // (compute gives evenMomentFromScratch's numbers whatever was asked before, §11.10)
      cache.keySet().removeIf(k -> k < t - 2);
    }
    return m;
  }

  /**
   * §11.7 (d): {@code U_j >= (1/Lk) sum_l |Qh^_j . Kc^_l|^p}: {@code T^(p)_j} for even p,
   * {@code up(sqrt(cp(T^(p-1)_j, T^(p+1)_j)))} for odd p (Cauchy-Schwarz).
   */
  double[] absMoment(int p) {
    if (p % 2 == 0) {
      return evenMoment(p);
    }
    double[] a = evenMoment(p - 1);
    double[] b = evenMoment(p + 1);
    double[] u = new double[lq];
    for (int j = 0; j < lq; j++) {
      u[j] = FastBound.up(Math.sqrt(FastBound.clampedProduct(a[j], b[j])));
    }
    return u;
  }

  /**
   * FAST-BOUND.md §11.10: the same numbers as {@link #evenMomentFromScratch}, with the monomial levels
   * shared between degrees: the top stored level of every key and query row (when it fits in
   * {@link #storeLimit} doubles) is the start of the next, higher degree's evaluation, so a degree-t
   * request evaluates only the levels above it. Every product is the same product of the same two
   * doubles (a level-s monomial is its level-(s-1) parent times one variable for every t >= s), so every
   * monomial, aggregate and dot product is bitwise the one of the reference, and the underflow test is
   * the same set of products (the lowest level at which an evaluation product underflowed is kept).
   */
  private double[] compute(int t) {
    double[] out = new double[lq];
    if (t == 0) {
      java.util.Arrays.fill(out, 1);
      return out;
    }
    Monomials mon = Monomials.of(h, t);
    int from = topLevel > 0 && topLevel < t ? topLevel : 0;
    int nm = mon.count();
    boolean store = t > topLevel && (long) lq * nm <= storeLimit && (long) lk * nm <= storeLimit;
    double[] kNew = store ? new double[lk * nm] : null;
    double[] qNew = store ? new double[lq * nm] : null;
    int nFrom = from == 0 ? 0 : Monomials.of(h, from).count();
    double[] agg = new double[nm];
    double[] work = new double[mon.workSize()];
    int off = mon.topOffset();
    int lowest = Integer.MAX_VALUE;
    for (int l = 0; l < lk; l++) {
      lowest = Math.min(lowest, mon.evaluateFrom(from, kTop, l * nFrom, kf, l * h, work));
      for (int m = 0; m < nm; m++) {
        agg[m] += work[off + m];
      }
      if (store) {
        System.arraycopy(work, off, kNew, l * nm, nm);
      }
    }
    double mu = rows.moment(t);
    double gammaT = FastBound.gamma(2.0 * t + lk + nm + 2);
    boolean[] under = new boolean[1];
    double[] coef = mon.coef;
    for (int j = 0; j < lq; j++) {
      lowest = Math.min(lowest, mon.evaluateFrom(from, qTop, j * nFrom, qf, j * h, work));
      if (store) {
        System.arraycopy(work, off, qNew, j * nm, nm);
      }
      // evenMomentFromScratch's checkedProduct(checkedProduct(coef, x, under), agg, under), inlined:
      // the same products and the same underflow test, the flag kept in a local
      double s = 0;
      boolean u = false;
      for (int m = 0; m < nm; m++) {
        double c = coef[m];
        double x = work[off + m];
        double cx = c * x;
        u |= Math.abs(cx) < Double.MIN_NORMAL & c != 0 & x != 0;
        double a = agg[m];
        double term = cx * a;
        u |= Math.abs(term) < Double.MIN_NORMAL & cx != 0 & a != 0;
        s += term;
      }
      if (u) {
        under[0] = true;
      }
      double qPow = FastBound.ratioPowerUpper(qNorm[j], rows.qn, t);
      out[j] = FastBound.up(Math.max(s, 0) / lk
          + FastBound.clampedProduct(FastBound.clampedProduct(gammaT, qPow), mu));
      if (!Double.isFinite(s)) {
        under[0] = true;
      }
    }
    underLevel = Math.min(underLevel, lowest);
    if (store) {
      kTop = kNew;
      qTop = qNew;
      topLevel = t;
    }
    if (under[0] || underLevel <= t) {
      java.util.Arrays.fill(out, Double.POSITIVE_INFINITY);
    }
    return out;
  }

  /** The highest monomial level stored for every row (0: none; for the tests). */
  int topLevel() {
    return topLevel;
  }

  /**
   * §11.7 (b) as first written: every level from 1 for this t alone (no state). The reference that
   * {@link #evenMoment} must equal bit for bit (FAST-BOUND.md §11.10); used by the tests.
   */
  double[] evenMomentFromScratch(int t) {
    double[] out = new double[lq];
    if (t == 0) {
      java.util.Arrays.fill(out, 1);
      return out;
    }
    Monomials mon = Monomials.of(h, t);
    int nm = mon.count();
    double[] agg = new double[nm];
    double[] work = new double[mon.workSize()];
    boolean[] under = new boolean[1];
    for (int l = 0; l < lk; l++) {
      mon.evaluate(kf, l * h, work, under);
      int off = mon.topOffset();
      for (int m = 0; m < nm; m++) {
        agg[m] += work[off + m];
      }
    }
    double mu = rows.moment(t);
    double gammaT = FastBound.gamma(2.0 * t + lk + nm + 2);
    for (int j = 0; j < lq; j++) {
      mon.evaluate(qf, j * h, work, under);
      int off = mon.topOffset();
      double s = 0;
      for (int m = 0; m < nm; m++) {
        s += Monomials.checkedProduct(Monomials.checkedProduct(mon.coefficient(m), work[off + m], under), agg[m], under);
      }
      double qPow = FastBound.ratioPowerUpper(qNorm[j], rows.qn, t);
      out[j] = FastBound.up(Math.max(s, 0) / lk
          + FastBound.clampedProduct(FastBound.clampedProduct(gammaT, qPow), mu));
      if (!Double.isFinite(s)) {
        under[0] = true;
      }
    }
    if (under[0]) {
      java.util.Arrays.fill(out, Double.POSITIVE_INFINITY);
    }
    return out;
  }

  /**
   * The monomials of exact degree t in h variables (non-decreasing index sequences), evaluated level
   * by level: level s holds the degree-s monomials, each its parent of level s-1 times one variable
   * whose index is at least the parent's last. Coefficients {@code (t choose m)} are exact integers
   * rounded once to double.
   */
  static final class Monomials {
    private final int t;
    private final int[] levelStart; // offset of level s in the work array, s = 1..t
    private final int[] parent; // per work slot: the slot of its parent (level s-1), -1 at level 1
    private final int[] var; // per work slot: the variable it multiplies by
    private final double[] coef; // per top-level monomial: fl((t choose m))

    private Monomials(int h, int t) {
      this.t = t;
      java.util.List<int[]> slots = new java.util.ArrayList<>(); // {parent, var, last, level}
      levelStart = new int[t + 2];
      levelStart[1] = 0;
      java.util.List<BigInteger> coefs = new java.util.ArrayList<>();
      java.util.List<int[]> mult = new java.util.ArrayList<>();
      for (int v = 0; v < h; v++) {
        slots.add(new int[] {-1, v, v, 1});
        coefs.add(BigInteger.ONE);
        int[] mm = new int[h];
        mm[v] = 1;
        mult.add(mm);
      }
      for (int s = 2; s <= t; s++) {
        levelStart[s] = slots.size();
        for (int p = levelStart[s - 1]; p < levelStart[s]; p++) {
          int last = slots.get(p)[2];
          for (int v = last; v < h; v++) {
            slots.add(new int[] {p, v, v, s});
            int[] mm = mult.get(p).clone();
            mm[v]++;
            mult.add(mm);
            // (s choose m) = (s-1 choose m') s / m_v
            coefs.add(coefs.get(p).multiply(BigInteger.valueOf(s)).divide(BigInteger.valueOf(mm[v])));
          }
        }
      }
      levelStart[t + 1] = slots.size();
      parent = new int[slots.size()];
      var = new int[slots.size()];
      for (int i = 0; i < slots.size(); i++) {
        parent[i] = slots.get(i)[0];
        var[i] = slots.get(i)[1];
      }
      coef = new double[levelStart[t + 1] - levelStart[t]];
      for (int m = 0; m < coef.length; m++) {
        coef[m] = coefs.get(levelStart[t] + m).doubleValue();
      }
    }

    private static final Map<Long, Monomials> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    static Monomials of(int h, int t) {
      return CACHE.computeIfAbsent(((long) h << 32) | t, key -> new Monomials(h, t));
    }

    int count() {
      return coef.length;
    }

    int workSize() {
      return parent.length;
    }

    int topOffset() {
      return levelStart[t];
    }

    double coefficient(int m) {
      return coef[m];
    }

    /**
     * FAST-BOUND.md §11.10: levels {@code from+1 .. t} of {@code x[off .. off+h-1]} into {@code work}, level
     * {@code from} (if {@code from >= 1}) copied from {@code start[startOff ..]} (the level-{@code from} values
     * of the same vector, as a previous evaluation computed them); level 1 is x itself. Returns the lowest
     * level at which a product of two nonzero doubles fell below the normal range ({@code MAX_VALUE}: none).
     */
    int evaluateFrom(int from, double[] start, int startOff, double[] x, int off, double[] work) {
      int lowest = Integer.MAX_VALUE;
      int s0;
      if (from >= 1) {
        int a = levelStart[from];
        System.arraycopy(start, startOff, work, a, levelStart[from + 1] - a);
        s0 = from + 1;
      } else {
        for (int i = 0; i < levelStart[2]; i++) {
          work[i] = x[off + var[i]];
        }
        s0 = 2;
      }
      for (int s = s0; s <= t; s++) {
        int end = levelStart[s + 1];
        for (int i = levelStart[s]; i < end; i++) {
          double a = work[parent[i]];
          double b = x[off + var[i]];
          double r = a * b;
          if (Math.abs(r) < Double.MIN_NORMAL && a != 0 && b != 0 && s < lowest) {
            lowest = s;
          }
          work[i] = r;
        }
      }
      return lowest;
    }

    /** Every monomial of degree 1..t of {@code x[off .. off+h-1]} into {@code work}; flags underflow. */
    void evaluate(double[] x, int off, double[] work, boolean[] under) {
      for (int i = 0; i < work.length; i++) {
        double xv = x[off + var[i]];
        work[i] = parent[i] < 0 ? xv : checkedProduct(work[parent[i]], xv, under);
      }
    }

    /** {@code fl(x y)}, setting {@code under[0]} when the product of two nonzero numbers fell below the normal range. */
    static double checkedProduct(double x, double y, boolean[] under) {
      double r = x * y;
      if (Math.abs(r) < Double.MIN_NORMAL && x != 0 && y != 0) {
        under[0] = true;
      }
      return r;
    }
  }
}
