package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Theorem 3.1 (Q adapters) and Theorem A.1 (K adapters), plus the V adapters: LoRA gradients in
 * almost-linear time through low-rank factors, with a certified max-entry error bound.
 *
 * <p>Per data point, with queries {@code Qh = beta X^Q W_Q}, centred keys {@code Kc = X^K W_K - 1 kbar^T}
 * (softmax is invariant under the shift, proofs-notes/MODEL.md §1.2) and values {@code Vm = X^V W_V}:
 * <ol>
 *   <li>{@link #lemma33Radius}: certified {@code R >= |Qh_j . Kc_l|} (Cauchy-Schwarz);
 *       {@link #lemma33Polynomial}: the smallest degree g whose certified bound meets epsilon;
 *       {@link FeatureMap}: {@code P(S) = U1 V1^T} of rank {@code k1 = binom(g + h, h)}.
 *   <li>{@link #lemma34KeyAggregates} and {@link #lemma34to37QueryRow}, one method per lemma per
 *       row ({@link #lemma34Row}, {@link #lemma37Diagonal}, {@link #lemma36Row},
 *       {@link #lemma37Row}, {@link #theorem31Accumulate}): {@code Dtilde},
 *       {@code ztilde = Ftilde Vm}, {@code ctilde = ztilde - Y} (Lemma 3.4), {@code q = Vm ctilde^T}
 *       in factored form (Lemma 3.5, {@link #lemma35Entry}), {@code p1 = Ftilde (.) (ctilde Vm^T)} through the
 *       Kronecker aggregate {@code sum_l psi(Kc_l) (x) Vm_l (x) Kc_l} (Lemma 3.6), and
 *       {@code p2 = diag(s) Ftilde} with {@code s_j = <ctilde_j, ztilde_j>} (Lemma 3.7), giving row
 *       j of {@code (p1 - p2) Kc} and hence {@code G_Q = beta X^Q^T (p Kc)} (Theorem 3.1).
 *   <li>{@link #theoremA1KeyRow}: row l of {@code p^T Qh} and of {@code Ftilde^T ctilde} from
 *       query-side aggregates, giving {@code G_K = X^K^T (p^T Qh)} (Theorem A.1) and
 *       {@code G_V = X^V^T (Ftilde^T ctilde)}.
 * </ol>
 * No L x L matrix is formed: time {@code O((Lq + Lk) k1 h o)}, memory {@code O((Lq + Lk) d + k1 h o)}.
 * Work is split into {@link #CHUNKS} fixed index ranges whose partial sums are added in range
 * order, so the result does not depend on the number of threads.
 *
 * <p>The bound ({@link FastBound}, proofs-notes/FAST-BOUND.md) covers the polynomial's error and
 * every rounding of this code; the answer is refused ({@link OutsideEfficientRegimeException})
 * rather than returned with a bound above epsilon.
 */
public final class AlmostLinear {
  /** Fixed number of index ranges per pass (independent of the thread count). */
  public static final int CHUNKS = 8;
  /**
   * Rows summed sequentially before a partial sum is added to its range's total: a sum over L rows
   * then passes each term through at most {@code BLOCK + L/BLOCK + CHUNKS} additions instead of L
   * ({@link FastBound#depth}), which keeps the certified rounding part small at large L.
   */
  public static final int BLOCK = 1024;

  private AlmostLinear() {}

  /**
   * Options.
   *
   * @param epsilon requested max-entry accuracy of every adapter gradient, {@code > 0}
   * @param threads worker threads, {@code >= 1}
   * @param rankBudget largest feature rank allowed; 0 means the rank at which this algorithm's
   *     operation count exceeds the exact quadratic algorithm's ({@link #defaultRankBudget})
   */
  public record Options(double epsilon, int threads, long rankBudget) {
    public Options {
      Checks.positive("epsilon", epsilon);
      Checks.finite("epsilon", epsilon);
      Checks.positive("threads", threads);
      Checks.argument(rankBudget >= 0, "rankBudget (" + rankBudget + ") must be >= 0");
    }

    public static Options of(double epsilon) {
      return new Options(epsilon, Runtime.getRuntime().availableProcessors(), 0);
    }
  }

  /** Gradients to max-entry accuracy epsilon, or {@link OutsideEfficientRegimeException}. */
  public static FastResult gradient(LoraInstance inst, double epsilon) {
    return gradient(inst, Options.of(epsilon));
  }

  /**
   * @throws OutsideEfficientRegimeException when no certified degree within the rank budget meets
   *     epsilon
   * @throws IllegalArgumentException on bad options or non-finite inputs
   */
  public static FastResult gradient(LoraInstance inst, Options opt) {
    Checks.notNull("instance", inst);
    return gradient(DoubleInstance.of(inst), opt);
  }

  /**
   * The same on an instance already in doubles (benchmarks, large L). The bound then refers to
   * the exact gradient of the double inputs (conversion errors are zero).
   */
  public static FastResult gradient(DoubleInstance inst, Options opt) {
    Checks.notNull("instance", inst);
    Checks.notNull("options", opt);
    Setup su = setup(inst, opt);
    DoubleData dd = su.dd;
    List<Prepared> pts = su.pts;
    double radius = su.radius;
    Certificate cert = su.cert;
    FeatureMap fm = new FeatureMap(pts.get(0).h, cert.poly.coefficients());

    Map<Adapter, double[][]> g = new EnumMap<>(Adapter.class);
    boolean needKV = dd.a.containsKey(Adapter.K) || dd.a.containsKey(Adapter.V);
    double loss = 0;
    ExecutorService pool = Executors.newFixedThreadPool(opt.threads());
    Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
    try {
      for (Prepared p : pts) {
        PointResult r = runPoint(p, fm, needKV, pool);
        loss += r.loss;
        add(g, Adapter.Q, r.gq);
        add(g, Adapter.K, r.gk);
        add(g, Adapter.V, r.gv);
      }
      requireFinite("the loss", loss);
      for (Adapter mu : dd.a.keySet()) {
        double s = dd.alpha / dd.rank.get(mu);
        ga.put(mu, requireFinite("dLoss/dA_" + mu, scale(s, multiplyTransposeLeft(dd.b.get(mu), g.get(mu)))));
        gb.put(mu, requireFinite("dLoss/dB_" + mu, scale(s, multiplyTransposeRight(g.get(mu), dd.a.get(mu)))));
      }
    } catch (NonFiniteException e) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: %s is not finite in double at degree %d, rank %d, R = %.4g (overflow in the features or aggregates; epsilon %.3g)",
              e.getMessage(), cert.poly.degree(), fm.rank(), radius, opt.epsilon()),
          cert.poly.degree(), fm.rank(), radius, su.budget);
    } finally {
      pool.shutdownNow();
    }
    return new FastResult(
        new DoubleGradients(loss, ga, gb), cert.lossBound, cert.boundA, cert.boundB, opt.epsilon(),
        cert.poly.degree(), fm.rank(), radius, cert.poly.kind(), cert.poly.relativeErrorBound(), cert.norms);
  }

  /**
   * What {@link #gradient} would use, without running it: the certified degree, rank, radius and
   * bound for epsilon, or the refusal. Cost {@code O(L d^2)} plus the degree search.
   *
   * @param degree polynomial degree g
   * @param rank feature rank k1
   * @param radius score radius R
   * @param kind polynomial kind
   * @param kernelDelta certified relative error of the polynomial
   * @param maxGradientBound the largest certified gradient bound ({@code <= epsilon})
   * @param rankBudget the budget that was applied
   */
  public record Plan(
      int degree, long rank, double radius, ExpPolynomial.Kind kind, double kernelDelta,
      double maxGradientBound, long rankBudget) {}

  /**
   * The plan for an instance in doubles.
   *
   * @throws OutsideEfficientRegimeException exactly when {@link #gradient} would throw it
   */
  public static Plan plan(DoubleInstance inst, double epsilon, long rankBudget) {
    Checks.notNull("instance", inst);
    Setup su = setup(inst, new Options(epsilon, 1, rankBudget));
    Certificate c = su.cert;
    return new Plan(
        c.poly.degree(), FeatureMap.rank(su.pts.get(0).h, c.poly.degree()), su.radius, c.poly.kind(),
        c.poly.relativeErrorBound(), c.maxGradientBound(), su.budget);
  }

  /** Everything before the passes: doubles, prepared points, radius, budget, certificate. */
  private record Setup(DoubleData dd, List<Prepared> pts, double radius, long budget, Certificate cert) {}

  private static Setup setup(DoubleInstance inst, Options opt) {
    DoubleData dd = new DoubleData(inst);
    List<Prepared> pts = new ArrayList<>();
    for (int i = 0; i < dd.points.size(); i++) {
      pts.add(prepare(dd, i));
    }
    double radius = 0;
    for (Prepared p : pts) {
      radius = Math.max(radius, lemma33Radius(p));
    }
    long budget = opt.rankBudget() > 0 ? opt.rankBudget() : defaultRankBudget(pts);
    Certificate cert = lemma33Polynomial(dd, pts, radius, opt.epsilon(), budget, pts.get(0).h);
    return new Setup(dd, pts, radius, budget, cert);
  }

  // ---------------------------------------------------------------- preparation and norms

  /** One data point in doubles, with the norms of FAST-BOUND.md §1. */
  static final class Prepared {
    int lq;
    int lk;
    int h;
    int o;
    double[] qh; // lq x h
    double[] kc; // lk x h
    double[] kbar; // h: the shift of the keys, Kc = X^K W_K - 1 kbar^T
    double[] qf; // qh 2^-e: the feature map's input (FAST-BOUND.md §2, scaling)
    double[] kf; // kc 2^e
    double[] vm; // lk x o
    double[] y; // lq x o
    double[][] xq;
    double[][] xk;
    double[][] xv;
    FastBound.PointNorms norms;
    double maxQNorm;
    double maxKNorm;
  }

  static Prepared prepare(DoubleData dd, int index) {
    double[][][] pt = dd.points.get(index);
    Prepared p = new Prepared();
    p.xq = pt[0];
    p.xk = pt[1];
    p.xv = pt[2];
    double[][] y = pt[3];
    p.lq = p.xq.length;
    p.lk = p.xk.length;
    p.h = dd.merged.get(Adapter.Q)[0].length;
    p.o = dd.merged.get(Adapter.V)[0].length;
    double[] qm = DoubleData.multiply(p.xq, dd.merged.get(Adapter.Q));
    p.qh = new double[qm.length];
    for (int i = 0; i < qm.length; i++) {
      p.qh[i] = dd.beta * qm[i];
    }
    double[] km = DoubleData.multiply(p.xk, dd.merged.get(Adapter.K));
    // centre each key column at its mid-range: any shift is exact for softmax; this one minimises max|Kc|
    double[] kbar = new double[p.h];
    double kbarMax = 0;
    double kmMax = 0;
    for (int b = 0; b < p.h; b++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < p.lk; l++) {
        lo = Math.min(lo, km[l * p.h + b]);
        hi = Math.max(hi, km[l * p.h + b]);
      }
      kbar[b] = lo + (hi - lo) / 2;
      kbarMax = Math.max(kbarMax, Math.abs(kbar[b]));
      kmMax = Math.max(kmMax, Math.max(Math.abs(lo), Math.abs(hi)));
    }
    p.kbar = kbar;
    p.kc = new double[km.length];
    for (int l = 0; l < p.lk; l++) {
      for (int b = 0; b < p.h; b++) {
        p.kc[l * p.h + b] = km[l * p.h + b] - kbar[b];
      }
    }
    p.vm = DoubleData.multiply(p.xv, dd.merged.get(Adapter.V));
    p.y = new double[p.lq * p.o];
    for (int j = 0; j < p.lq; j++) {
      for (int i = 0; i < p.o; i++) {
        p.y[j * p.o + i] = y[j][i];
      }
    }
    // errors of the computed Qh, Kc, Vm (FAST-BOUND.md §1, (1.1)-(1.3))
    int rq = dd.rank.get(Adapter.Q);
    int rk = dd.rank.get(Adapter.K);
    int rv = dd.rank.get(Adapter.V);
    double eQ = FastBound.queryError(
        p.xq[0].length, rq, dd.beta, maxRowAbsSum(p.xq), dd.maxMergedMajorant.get(Adapter.Q));
    double eK = FastBound.keyError(
        p.xk[0].length, rk, maxRowAbsSum(p.xk), dd.maxMergedMajorant.get(Adapter.K), kmMax, kbarMax);
    double eV = FastBound.valueError(
        p.xv[0].length, rv, maxRowAbsSum(p.xv), dd.maxMergedMajorant.get(Adapter.V));
    p.norms = new FastBound.PointNorms(
        p.lq, p.lk, p.h, p.o, dd.beta, maxAbs(p.qh), maxAbs(p.kc), FastBound.valueMajorant(maxAbs(p.vm), eV),
        maxAbs(p.y), FastBound.up(maxColAbsSum(p.xq) * (1 + FastBound.gamma(p.lq + 1.0))), maxAbs(p.xk),
        maxAbs(p.xv), eQ, eK, eV);
    int e = balancingExponent(p.norms.qMax(), p.norms.kMax());
    p.qf = scaledExactly(p.qh, -e);
    p.kf = scaledExactly(p.kc, e);
    if (p.qf == null || p.kf == null) {
      p.qf = p.qh;
      p.kf = p.kc;
    }
    p.maxQNorm = maxRowNorm(p.qh, p.lq, p.h);
    p.maxKNorm = maxRowNorm(p.kc, p.lk, p.h);
    return p;
  }

  /**
   * FAST-BOUND.md §2 (scaling): the e with {@code qMax 2^-e} and {@code kMax 2^e} of about the same
   * binary exponent, 0 when either is 0. Since {@code phi_m(q 2^-e) psi_m(k 2^e) = phi_m(q) psi_m(k)}
   * (degree |m| in each), the features of the scaled vectors give the same kernel while neither
   * side's monomials overflow or underflow because the other side's are small or large.
   */
  static int balancingExponent(double qMax, double kMax) {
    if (!(qMax > 0 && kMax > 0)) {
      return 0;
    }
    return (Math.getExponent(qMax) - Math.getExponent(kMax)) / 2;
  }

  /** {@code x 2^e} entrywise, or null when some entry would not be exact (a subnormal result). */
  static double[] scaledExactly(double[] x, int e) {
    if (e == 0) {
      return x;
    }
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.scalb(x[i], e);
      if (Math.scalb(y[i], -e) != x[i]) {
        return null;
      }
    }
    return y;
  }

  /**
   * Lemma 3.3, the radius: {@code |Qh_j . Kc_l| <= ||Qh_j||_2 ||Kc_l||_2 <= R} (Cauchy-Schwarz) for
   * the computed vectors; the norms are rounded up ({@code sqrt} of a sum of h squares has relative
   * error below {@code gamma_{h+2}}).
   */
  static double lemma33Radius(Prepared p) {
    return FastBound.up(p.maxQNorm * p.maxKNorm * (1 + 2 * FastBound.gamma(p.h + 2.0)));
  }

  /** The chosen polynomial and the bounds it certifies. */
  static final class Certificate {
    ExpPolynomial poly;
    double lossBound;
    Map<Adapter, Double> boundA = new EnumMap<>(Adapter.class);
    Map<Adapter, Double> boundB = new EnumMap<>(Adapter.class);
    List<FastBound.PointNorms> norms = new ArrayList<>();

    /**
     * What the degree search holds to epsilon: the largest gradient bound. With no adapted
     * projection there is no gradient, and the loss is not held to epsilon (spec/FORMATS.md 2.2);
     * the degree must still give a finite loss bound (0 then, infinity otherwise), or the search
     * would stop at degree 0 with an infinite {@code lossBound}.
     */
    double certifiedBound() {
      if (boundA.isEmpty()) {
        return Double.isFinite(lossBound) ? 0 : Double.POSITIVE_INFINITY;
      }
      return maxGradientBound();
    }

    double maxGradientBound() {
      double m = 0;
      for (double x : boundA.values()) {
        m = Math.max(m, x);
      }
      for (double x : boundB.values()) {
        m = Math.max(m, x);
      }
      return m;
    }
  }

  /**
   * Lemma 3.3, the degree: the smallest g (over the Taylor and Chebyshev polynomials of
   * {@link ExpPolynomial}) whose certified gradient bounds ({@link FastBound}) are all
   * {@code <= epsilon}.
   *
   * @throws OutsideEfficientRegimeException when the rank {@code binom(g + h, h)} of that g exceeds
   *     the budget, or no degree up to {@link ExpPolynomial#MAX_DEGREE} meets epsilon
   */
  static Certificate lemma33Polynomial(
      DoubleData dd, List<Prepared> pts, double radius, double epsilon, long budget, int h) {
    if (!(radius <= ExpPolynomial.MAX_RADIUS)) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: score radius R = %.4g exceeds %.0f, where no polynomial certificate exists (epsilon %.3g)",
              radius, ExpPolynomial.MAX_RADIUS, epsilon),
          -1, Long.MAX_VALUE, radius, budget);
    }
    double lastBound = Double.NaN;
    for (int g = 0; g <= ExpPolynomial.MAX_DEGREE; g++) {
      long rank = FeatureMap.rank(h, g);
      if (rank > budget) {
        String closest = Double.isNaN(lastBound) ? "" : String.format(", where the certified bound is %.3g", lastBound);
        throw new OutsideEfficientRegimeException(
            String.format(
                "outside the efficient regime: needs degree > %d, rank > %d at R = %.4g (rank budget %d%s; epsilon %.3g)",
                g - 1, FeatureMap.rank(h, Math.max(g - 1, 0)), radius, budget, closest, epsilon),
            g, rank, radius, budget);
      }
      lastBound = Double.POSITIVE_INFINITY;
      Certificate best = null;
      boolean roundingAloneTooLarge = true;
      for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
        ExpPolynomial poly = ExpPolynomial.of(kind, g, radius);
        Certificate c = certify(dd, pts, poly, radius, (int) rank);
        lastBound = Math.min(lastBound, c.certifiedBound());
        if (c.certifiedBound() <= epsilon && (best == null || c.certifiedBound() < best.certifiedBound())) {
          best = c;
        }
      }
      // Any polynomial with relative error <= 1/2 on [-R, R] has A(R) >= |P(R)| >= e^R / 2, and the
      // rounding part grows with n_agg (so with g): if it alone exceeds epsilon with delta = 0 and
      // A(R) = e^R / 2 at this g, no degree >= g can be certified (FAST-BOUND.md §8).
      roundingAloneTooLarge =
          certify(dd, pts, 0.0, Math.exp(radius) / 2, g, radius, (int) rank).certifiedBound() > epsilon;
      if (best != null) {
        return best;
      }
      if (roundingAloneTooLarge && g >= 1) {
        // the rounding part grows with g (n_agg and A(R) do), so no higher degree can succeed
        throw new OutsideEfficientRegimeException(
            String.format(
                "outside the efficient regime: rounding alone exceeds epsilon %.3g at degree %d, rank %d, R = %.4g",
                epsilon, g, rank, radius),
            g, rank, radius, budget);
      }
    }
    throw new OutsideEfficientRegimeException(
        String.format("outside the efficient regime: no degree <= %d certifies epsilon %.3g at R = %.4g",
            ExpPolynomial.MAX_DEGREE, epsilon, radius),
        -1, Long.MAX_VALUE, radius, budget);
  }

  /** The bounds of FAST-BOUND.md for one polynomial. */
  static Certificate certify(DoubleData dd, List<Prepared> pts, ExpPolynomial poly, double radius, int rank) {
    Certificate c = certify(
        dd, pts, poly.relativeErrorBound(), poly.absoluteCoefficientSum(), poly.degree(), radius, rank);
    c.poly = poly;
    return c;
  }

  /** The bounds for a polynomial of degree g with relative error delta and {@code A(R) = absSum}. */
  static Certificate certify(
      DoubleData dd, List<Prepared> pts, double delta, double absSum, int degree, double radius, int rank) {
    Certificate c = new Certificate();
    Map<Adapter, Double> err = new EnumMap<>(Adapter.class);
    Map<Adapter, Double> maj = new EnumMap<>(Adapter.class);
    double loss = 0;
    for (Prepared p : pts) {
      FastBound.PointBound b = FastBound.point(p.norms, delta, absSum, radius, rank, degree);
      err.merge(Adapter.Q, b.gq(), Double::sum);
      err.merge(Adapter.K, b.gk(), Double::sum);
      err.merge(Adapter.V, b.gv(), Double::sum);
      maj.merge(Adapter.Q, b.gqMaj(), Double::sum);
      maj.merge(Adapter.K, b.gkMaj(), Double::sum);
      maj.merge(Adapter.V, b.gvMaj(), Double::sum);
      loss += b.loss();
      c.norms.add(p.norms);
    }
    double sumRounding = FastBound.gamma(pts.size() + 1.0);
    c.lossBound = FastBound.up(loss * (1 + sumRounding));
    for (Adapter mu : dd.a.keySet()) {
      double e = FastBound.up(err.get(mu) + sumRounding * maj.get(mu));
      double[][] w = dd.merged.get(mu);
      double[] ab = FastBound.adapter(
          e, maj.get(mu), Math.abs(dd.alpha / dd.rank.get(mu)), maxColAbsSum(dd.b.get(mu)),
          maxRowAbsSum(dd.a.get(mu)), w.length, w[0].length);
      c.boundA.put(mu, ab[0]);
      c.boundB.put(mu, ab[1]);
    }
    return c;
  }

  /**
   * The rank at which this algorithm's operation count, about {@code 2 (Lq + Lk) k1 (2 h o + h + o)}
   * multiply-adds per point, reaches the exact algorithm's {@code 2 Lq Lk (h + o)} per pass (two
   * passes when K or V is adapted, one otherwise; we count two).
   */
  public static long defaultRankBudget(List<Prepared> pts) {
    double exact = 0;
    double perRank = 0;
    for (Prepared p : pts) {
      exact += 4.0 * p.lq * p.lk * (p.h + p.o);
      perRank += 2.0 * (p.lq + p.lk) * (2.0 * p.h * p.o + p.h + p.o);
    }
    return Math.max(1, (long) Math.floor(exact / perRank));
  }

  /**
   * Most bytes the aggregates of one data point may take when {@code --method fast} chooses its
   * degree: 1 GiB. Within it fast answers whenever a certified degree exists (issue 12: the cost
   * rule of {@link #defaultRankBudget} refused in-regime instances); the cost rule is {@code auto}'s.
   */
  public static final long AGGREGATE_BYTES_CAP = 1L << 30;

  /**
   * The largest rank whose aggregates fit {@link #AGGREGATE_BYTES_CAP}. At rank k1 one point holds
   * at most {@code 2 CHUNKS + 1} key-side sets of {@code k1 (1 + o + h + o h)} doubles (each chunk's
   * running total and current block, and the merged one) and {@code 2 CHUNKS} query-side sets of
   * {@code k1 (o h + h + o)}: at most {@code 8 (2 CHUNKS + 1) k1 (1 + 2o + 2h + 2 o h)} bytes.
   *
   * @param h width of the queries and keys ({@code cols(W_Q)})
   * @param o width of the values ({@code cols(W_V)})
   * @return the cap, at least 1
   * @throws IllegalArgumentException when h or o is not positive
   */
  public static long memoryRankCap(int h, int o) {
    Checks.positive("h", h);
    Checks.positive("o", o);
    long perRank = 8L * (2L * CHUNKS + 1) * (1 + 2L * o + 2L * h + 2L * o * h);
    return Math.max(1, AGGREGATE_BYTES_CAP / perRank);
  }

  // ---------------------------------------------------------------- the passes

  /** Lemma 3.4 (key side): {@code V1^T 1}, {@code V1^T Vm}, {@code V1^T Kc} and {@code sum_l psi_l (x) Vm_l (x) Kc_l}. */
  static final class KeyAggregates {
    final double[] a1;
    final double[] av;
    final double[] ak;
    final double[] t;

    KeyAggregates(int k1, int o, int h) {
      a1 = new double[k1];
      av = new double[k1 * o];
      ak = new double[k1 * h];
      t = new double[k1 * o * h];
    }

    void add(KeyAggregates x) {
      addInto(a1, x.a1);
      addInto(av, x.av);
      addInto(ak, x.ak);
      addInto(t, x.t);
    }
  }

  /** Lemma 3.4 and 3.6, key side, for keys {@code from .. to-1}. */
  static KeyAggregates lemma34KeyAggregates(Prepared p, FeatureMap fm, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    KeyAggregates a = new KeyAggregates(k1, o, h);
    double[] psi = new double[k1];
    for (int l = from; l < to; l++) {
      fm.keyFeatures(p.kf, l * h, psi);
      for (int m = 0; m < k1; m++) {
        double v = psi[m];
        a.a1[m] += v;
        for (int b = 0; b < h; b++) {
          a.ak[m * h + b] += v * p.kc[l * h + b];
        }
        for (int i = 0; i < o; i++) {
          double vv = v * p.vm[l * o + i];
          a.av[m * o + i] += vv;
          int base = (m * o + i) * h;
          for (int b = 0; b < h; b++) {
            a.t[base + b] += vv * p.kc[l * h + b];
          }
        }
      }
    }
    return a;
  }

  /** Query-side aggregates for Theorem A.1 and the V gradient, and partial sums of one range. */
  static final class QueryPartial {
    final double[] gq; // dq x h: X^Q^T (p Kc), before beta
    final double[] t2; // k1 x o x h: sum_j (phi_jm / D_j) c_ji Qh_jb
    final double[] t3; // k1 x h: sum_j (phi_jm / D_j) s_j Qh_jb
    final double[] t4; // k1 x o: sum_j (phi_jm / D_j) c_ji
    double loss;

    QueryPartial(int dq, int k1, int o, int h, boolean kv) {
      gq = new double[dq * h];
      t2 = kv ? new double[k1 * o * h] : new double[0];
      t3 = kv ? new double[k1 * h] : new double[0];
      t4 = kv ? new double[k1 * o] : new double[0];
    }

    void add(QueryPartial x) {
      addInto(gq, x.gq);
      addInto(t2, x.t2);
      addInto(t3, x.t3);
      addInto(t4, x.t4);
      loss += x.loss;
    }
  }

  /**
   * Lemmas 3.4-3.7 for query rows {@code from .. to-1}: {@code D_j = phi_j . (V1^T 1)},
   * {@code ztilde_j = phi_j (V1^T Vm) / D_j}, {@code ctilde_j = ztilde_j - Y_j} (3.4);
   * {@code s_j = <ctilde_j, ztilde_j>} (3.7); row j of {@code p Kc} is
   * {@code (sum_{m,i} phi_jm ctilde_ji T[m,i,:] - s_j phi_j (V1^T Kc)) / D_j} (3.5, 3.6, 3.7), and
   * Theorem 3.1 accumulates {@code X^Q_j^T} times it.
   */
  static QueryPartial lemma34to37QueryRow(
      Prepared p, FeatureMap fm, KeyAggregates ka, boolean kv, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    int dq = p.xq[0].length;
    QueryPartial r = new QueryPartial(dq, k1, o, h, kv);
    double[] phi = new double[k1];
    double[] z = new double[o];
    double[] c = new double[o];
    double[] w = new double[h];
    for (int j = from; j < to; j++) {
      fm.queryFeatures(p.qf, j * h, phi);
      double dj = lemma34Row(phi, ka, p.y, j * o, z, c);
      if (!Double.isFinite(dj)) {
        // a non-finite D_j would hide non-finite features: x / infinity = 0 (FAST-BOUND.md §1)
        throw new NonFiniteException("D_j of query row " + j);
      }
      double s = lemma37Diagonal(c, z);
      double loss = 0;
      for (int i = 0; i < o; i++) {
        loss += c[i] * c[i];
      }
      r.loss += 0.5 * loss;
      java.util.Arrays.fill(w, 0);
      lemma36Row(phi, c, ka, w);
      lemma37Row(phi, s, ka, w);
      for (int b = 0; b < h; b++) {
        w[b] /= dj;
      }
      theorem31Accumulate(p.xq[j], w, r.gq);
      if (kv) {
        theoremA1QuerySide(phi, dj, c, s, p.qh, j * h, r);
      }
    }
    return r;
  }

  /**
   * Lemma 3.4 (approximate c), one query row: {@code Dtilde_j = phi_j . (V1^T 1)},
   * {@code ztilde_j = phi_j (V1^T Vm) / Dtilde_j}, {@code ctilde_j = ztilde_j - Y_j}; fills z and c
   * and returns {@code Dtilde_j}.
   */
  static double lemma34Row(double[] phi, KeyAggregates ka, double[] y, int yOffset, double[] z, double[] c) {
    int k1 = phi.length;
    int o = z.length;
    double dj = 0;
    for (int m = 0; m < k1; m++) {
      dj += phi[m] * ka.a1[m];
    }
    java.util.Arrays.fill(z, 0);
    for (int m = 0; m < k1; m++) {
      for (int i = 0; i < o; i++) {
        z[i] += phi[m] * ka.av[m * o + i];
      }
    }
    for (int i = 0; i < o; i++) {
      z[i] /= dj;
      c[i] = z[i] - y[yOffset + i];
    }
    return dj;
  }

  /**
   * Lemma 3.5 (approximate q), one entry: {@code qtilde = Vm ctilde^T = U2 V2^T} has rank o, with
   * {@code U2 = Vm} (row l, key side) and {@code V2 = ctilde} (row j, query side), so
   * {@code qtilde[l][j] = <Vm_l, ctilde_j>} (proofs-notes/MODEL.md §4.3). The algorithm never
   * evaluates q entrywise: {@link #lemma34KeyAggregates} folds the rows of U2 into the Kronecker
   * aggregate T and {@link #lemma36Row} multiplies V2's row j into it; this method is the
   * factorisation itself, checked entry by entry against the exact {@code q = Vm c^T}
   * ({@code LemmaKernelProperties}, proofs-notes/LEMMAS.md §10).
   *
   * @param vm the computed values {@code Vm}, row-major {@code Lk x o}
   * @param l the key row
   * @param c {@code ctilde_j} (length o), as filled by {@link #lemma34Row}
   * @return {@code <Vm_l, ctilde_j>}, summed in index order
   */
  static double lemma35Entry(double[] vm, int l, double[] c) {
    int o = c.length;
    double q = 0;
    for (int i = 0; i < o; i++) {
      q += vm[l * o + i] * c[i];
    }
    return q;
  }

  /** Lemma 3.7 (the diagonal of p2): {@code s_j = <ctilde_j, ztilde_j>}, row j of {@code p1 1}. */
  static double lemma37Diagonal(double[] c, double[] z) {
    double s = 0;
    for (int i = 0; i < c.length; i++) {
      s += c[i] * z[i];
    }
    return s;
  }

  /**
   * Lemma 3.6 (approximate p1), row j of {@code p1 Kc} times {@code Dtilde_j}: with Lemma 3.5's
   * factors of {@code q = Vm ctilde^T} (rank o: {@code U2 = Vm}, {@code V2 = ctilde}), the Hadamard
   * product {@code Ftilde (.) (ctilde Vm^T)} has the row-wise Kronecker factors
   * {@code phi_j (x) ctilde_j} and {@code psi_l (x) Vm_l}, so row j of {@code p1 Kc} is
   * {@code sum_{m,i} phi_jm ctilde_ji T[m,i,:]} with {@code T = sum_l psi_l (x) Vm_l (x) Kc_l}.
   * Adds into w.
   */
  static void lemma36Row(double[] phi, double[] c, KeyAggregates ka, double[] w) {
    int o = c.length;
    int h = w.length;
    for (int m = 0; m < phi.length; m++) {
      double pm = phi[m];
      for (int i = 0; i < o; i++) {
        double pc = pm * c[i];
        int base = (m * o + i) * h;
        for (int b = 0; b < h; b++) {
          w[b] += pc * ka.t[base + b];
        }
      }
    }
  }

  /**
   * Lemma 3.7 (approximate p2 = diag(s) Ftilde), row j of {@code p2 Kc} times {@code Dtilde_j}:
   * {@code s_j phi_j (V1^T Kc)}; subtracts it from w.
   */
  static void lemma37Row(double[] phi, double s, KeyAggregates ka, double[] w) {
    int h = w.length;
    for (int m = 0; m < phi.length; m++) {
      double ps = phi[m] * s;
      for (int b = 0; b < h; b++) {
        w[b] -= ps * ka.ak[m * h + b];
      }
    }
  }

  /** Theorem 3.1, one row: {@code X^Q_j^T} times row j of {@code p Kc}, added into {@code G_Q} (before beta). */
  static void theorem31Accumulate(double[] xqRow, double[] w, double[] gq) {
    int h = w.length;
    for (int a = 0; a < xqRow.length; a++) {
      double x = xqRow[a];
      for (int b = 0; b < h; b++) {
        gq[a * h + b] += x * w[b];
      }
    }
  }

  /**
   * Theorem A.1 (and the V gradient), query side of row j: adds {@code (phi_jm / D_j) ctilde_ji Qh_j}
   * to T2, {@code (phi_jm / D_j) s_j Qh_j} to T3 and {@code (phi_jm / D_j) ctilde_ji} to T4.
   */
  static void theoremA1QuerySide(
      double[] phi, double dj, double[] c, double s, double[] qh, int qOffset, QueryPartial r) {
    int o = c.length;
    int h = r.t3.length / phi.length;
    for (int m = 0; m < phi.length; m++) {
      double e = phi[m] / dj;
      for (int i = 0; i < o; i++) {
        double ec = e * c[i];
        r.t4[m * o + i] += ec;
        int base = (m * o + i) * h;
        for (int b = 0; b < h; b++) {
          r.t2[base + b] += ec * qh[qOffset + b];
        }
      }
      double es = e * s;
      for (int b = 0; b < h; b++) {
        r.t3[m * h + b] += es * qh[qOffset + b];
      }
    }
  }

  /**
   * Theorem A.1 (and the V gradient) for keys {@code from .. to-1}: row l of {@code p^T Qh} is
   * {@code sum_m psi_lm (sum_i Vm_li T2[m,i,:] - T3[m,:])} and row l of {@code Ftilde^T ctilde} is
   * {@code sum_m psi_lm T4[m,:]}; accumulates {@code X^K_l^T} and {@code X^V_l^T} times them.
   *
   * @return {@code {gk (dk x h), gv (dv x o)}}
   */
  static double[][] theoremA1KeyRow(Prepared p, FeatureMap fm, QueryPartial qa, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    int dk = p.xk[0].length;
    int dv = p.xv[0].length;
    double[] gk = new double[dk * h];
    double[] gv = new double[dv * o];
    double[] psi = new double[k1];
    double[] row = new double[h];
    double[] f = new double[o];
    for (int l = from; l < to; l++) {
      fm.keyFeatures(p.kf, l * h, psi);
      java.util.Arrays.fill(row, 0);
      java.util.Arrays.fill(f, 0);
      for (int m = 0; m < k1; m++) {
        double v = psi[m];
        for (int i = 0; i < o; i++) {
          double vv = v * p.vm[l * o + i];
          int base = (m * o + i) * h;
          for (int b = 0; b < h; b++) {
            row[b] += vv * qa.t2[base + b];
          }
          f[i] += v * qa.t4[m * o + i];
        }
        for (int b = 0; b < h; b++) {
          row[b] -= v * qa.t3[m * h + b];
        }
      }
      for (int a = 0; a < dk; a++) {
        double x = p.xk[l][a];
        for (int b = 0; b < h; b++) {
          gk[a * h + b] += x * row[b];
        }
      }
      for (int a = 0; a < dv; a++) {
        double x = p.xv[l][a];
        for (int i = 0; i < o; i++) {
          gv[a * o + i] += x * f[i];
        }
      }
    }
    return new double[][] {gk, gv};
  }

  private static final class PointResult {
    double loss;
    double[][] gq;
    double[][] gk;
    double[][] gv;
  }

  private static PointResult runPoint(Prepared p, FeatureMap fm, boolean kv, ExecutorService pool) {
    List<KeyAggregates> kParts = parallel(pool, p.lk, (from, to) -> blocked(from, to,
        (f, t) -> lemma34KeyAggregates(p, fm, f, t), (x, y) -> { x.add(y); return x; }));
    KeyAggregates ka = kParts.get(0);
    for (int i = 1; i < kParts.size(); i++) {
      ka.add(kParts.get(i));
    }
    List<QueryPartial> qParts = parallel(pool, p.lq, (from, to) -> blocked(from, to,
        (f, t) -> lemma34to37QueryRow(p, fm, ka, kv, f, t), (x, y) -> { x.add(y); return x; }));
    QueryPartial qa = qParts.get(0);
    for (int i = 1; i < qParts.size(); i++) {
      qa.add(qParts.get(i));
    }
    PointResult r = new PointResult();
    r.loss = qa.loss;
    int dq = p.xq[0].length;
    double beta = p.norms.beta();
    double[] gq = qa.gq.clone();
    for (int i = 0; i < gq.length; i++) {
      gq[i] *= beta;
    }
    r.gq = reshape(gq, dq, p.h);
    if (kv) {
      List<double[][]> cParts = parallel(pool, p.lk, (from, to) -> blocked(from, to,
          (f, t) -> theoremA1KeyRow(p, fm, qa, f, t),
          (x, y) -> { addInto(x[0], y[0]); addInto(x[1], y[1]); return x; }));
      double[] gk = cParts.get(0)[0];
      double[] gv = cParts.get(0)[1];
      for (int i = 1; i < cParts.size(); i++) {
        addInto(gk, cParts.get(i)[0]);
        addInto(gv, cParts.get(i)[1]);
      }
      r.gk = reshape(gk, p.xk[0].length, p.h);
      r.gv = reshape(gv, p.xv[0].length, p.o);
    }
    return r;
  }

  private interface RangeTask<T> {
    T run(int from, int to);
  }

  /**
   * {@code task} over {@code from .. to-1} in blocks of {@link #BLOCK} rows, each block's partial
   * result added into the running total in block order (deterministic).
   */
  private static <T> T blocked(int from, int to, RangeTask<T> task, java.util.function.BinaryOperator<T> add) {
    T total = task.run(from, Math.min(to, from + BLOCK));
    for (int s = from + BLOCK; s < to; s += BLOCK) {
      total = add.apply(total, task.run(s, Math.min(to, s + BLOCK)));
    }
    return total;
  }

  /** Runs {@link #CHUNKS} fixed ranges of {@code 0 .. n-1} on the pool; results in range order. */
  private static <T> List<T> parallel(ExecutorService pool, int n, RangeTask<T> task) {
    List<Callable<T>> calls = new ArrayList<>();
    IntFunction<Integer> bound = c -> (int) ((long) n * c / CHUNKS);
    for (int c = 0; c < CHUNKS; c++) {
      int from = bound.apply(c);
      int to = bound.apply(c + 1);
      calls.add(() -> task.run(from, to));
    }
    try {
      List<T> out = new ArrayList<>();
      for (Future<T> f : pool.invokeAll(calls)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  // ---------------------------------------------------------------- small helpers

  /**
   * A non-finite value in a pass: outside FAST-BOUND's floating-point model (no overflow), so the
   * answer is refused ({@link OutsideEfficientRegimeException}) rather than returned.
   */
  private static final class NonFiniteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NonFiniteException(String what) {
      super(what);
    }
  }

  private static void requireFinite(String what, double x) {
    if (!Double.isFinite(x)) {
      throw new NonFiniteException(what);
    }
  }

  private static double[][] requireFinite(String what, double[][] m) {
    for (double[] row : m) {
      for (double x : row) {
        requireFinite(what, x);
      }
    }
    return m;
  }

  private static void add(Map<Adapter, double[][]> g, Adapter mu, double[][] x) {
    if (x == null) {
      return;
    }
    g.merge(mu, x, (u, v) -> {
      double[][] s = new double[u.length][u[0].length];
      for (int i = 0; i < u.length; i++) {
        for (int j = 0; j < u[0].length; j++) {
          s[i][j] = u[i][j] + v[i][j];
        }
      }
      return s;
    });
  }

  private static void addInto(double[] acc, double[] x) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += x[i];
    }
  }

  private static double[][] reshape(double[] flat, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * cols, m[i], 0, cols);
    }
    return m;
  }

  /** {@code B^T G}. */
  static double[][] multiplyTransposeLeft(double[][] b, double[][] g) {
    int r = b[0].length;
    int n = g[0].length;
    double[][] out = new double[r][n];
    for (int k = 0; k < r; k++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int a = 0; a < b.length; a++) {
          s += b[a][k] * g[a][j];
        }
        out[k][j] = s;
      }
    }
    return out;
  }

  /** {@code G A^T}. */
  static double[][] multiplyTransposeRight(double[][] g, double[][] a) {
    int rows = g.length;
    int r = a.length;
    double[][] out = new double[rows][r];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < r; k++) {
        double s = 0;
        for (int b = 0; b < a[0].length; b++) {
          s += g[i][b] * a[k][b];
        }
        out[i][k] = s;
      }
    }
    return out;
  }

  private static double[][] scale(double s, double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = s * m[i][j];
      }
    }
    return out;
  }

  static double maxAbs(double[] x) {
    double m = 0;
    for (double v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  static double maxAbs(double[][] x) {
    double m = 0;
    for (double[] row : x) {
      m = Math.max(m, maxAbs(row));
    }
    return m;
  }

  /** {@code max_i sum_j |x_ij|}. */
  static double maxRowAbsSum(double[][] x) {
    double m = 0;
    for (double[] row : x) {
      double s = 0;
      for (double v : row) {
        s += Math.abs(v);
      }
      m = Math.max(m, s);
    }
    return FastBound.up(m * (1 + FastBound.gamma(x[0].length + 1.0)));
  }

  /** {@code max_j sum_i |x_ij|}. */
  static double maxColAbsSum(double[][] x) {
    double m = 0;
    for (int j = 0; j < x[0].length; j++) {
      double s = 0;
      for (double[] row : x) {
        s += Math.abs(row[j]);
      }
      m = Math.max(m, s);
    }
    return FastBound.up(m * (1 + FastBound.gamma(x.length + 1.0)));
  }

  private static double maxRowNorm(double[] x, int rows, int cols) {
    double m = 0;
    for (int i = 0; i < rows; i++) {
      double s = 0;
      for (int j = 0; j < cols; j++) {
        s += x[i * cols + j] * x[i * cols + j];
      }
      m = Math.max(m, Math.sqrt(s));
    }
    return m;
  }
}
