package dev.loralimits.check;

import dev.loralimits.fast.Dense;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.OutOfDoubleRangeException;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The precision-aware tolerance of {@code check}: for every entry of the loss and of every adapter
 * gradient, an instance-specific bound on the error that a correct implementation computing in a
 * given {@link FloatFormat} makes (proofs-notes/CHECK-TOLERANCE.md, whose section numbers the
 * comments below cite).
 *
 * <p><b>What it bounds.</b> The family of CHECK-TOLERANCE.md Section 1.1: inputs rounded to the
 * format, merged or unmerged LoRA projections, scores, any-shift or log-sum-exp softmax, output,
 * residual, loss, {@code G = c V^T}, the softmax backward in its uncentred, centred, pivoted or
 * {@code p1 - p2} form, the products with X, K, Q, B, A in any association and summation order,
 * with or without fused multiply-adds, the adapter gradients through the merged {@code dW} or by
 * the unmerged {@code s (X B)^T dQ}, {@code s X^T (dQ A^T)} (Section 3.10: each path has its own
 * bound, the larger is used). For each quantity x of the pass this class computes its
 * float64 value {@code x^} and a first-order error bound {@code e(x)}, valid for every member of
 * the family (running error analysis made order-independent, Section 2):
 *
 * <pre>
 *   sum of products y = sum_t prod_f a_tf, at most N roundings on a term's path (Lemma A):
 *       e(y) = sum_t sum_f e(a_tf) prod_{f' != f} mag(a_tf') + N u sum_t prod_f mag(a_tf),
 *       mag(a) = |a^| + e(a)
 *   softmax entry (3.4d):  e(F_l) = F_l ((1 - F_l) eps_l + sum_{m != l} F_m eps_m + tau) + (Lk + 1) eta,
 *       eps_l = e(S_l) + u |S_l - m| + 2u,   tau = (Lk + 1) u + u (|m| + 4 ln Lk + 2)
 * </pre>
 *
 * The tolerance of an entry is {@code SAFETY (e + u |value| + n eta)} (5.1): the result's own
 * rounding, an underflow allowance and the factor {@link #SAFETY} for the second-order terms,
 * valid while {@link Result#firstOrderSize()} {@code = N u <= 0.1}.
 *
 * <p><b>Cost.</b> {@code O(Lq Lk (h + o) + (Lq + Lk) d^2)} per data point, one pass over the
 * query rows with {@code O(Lk)} scratch and {@code O((Lq + Lk) d)} accumulators: no
 * {@code Lq x Lk} matrix is held.
 */
public final class PrecisionTolerance {
  /**
   * The factor on the first-order bound: it absorbs the second-order terms, at most a relative
   * {@code (1 + nu)^2 - 1 <= 0.21} of the bound while {@code nu <= 0.1}, and the use of computed
   * doubles for F (CHECK-TOLERANCE.md Section 5).
   */
  public static final double SAFETY = 2;
  /** The largest {@code n u} for which the first-order model is stated to hold. */
  public static final double FIRST_ORDER_LIMIT = 0.1;

  private PrecisionTolerance() {}

  /**
   * The tolerance of every entry, in the order of a gradient file.
   *
   * @param format the format the tolerance is for
   * @param loss the loss's tolerance
   * @param a the tolerance of each entry of {@code dLoss/dA_mu}, per adapted mu
   * @param b the tolerance of each entry of {@code dLoss/dB_mu}, per adapted mu
   * @param firstOrderSize the largest {@code n u} over the sums of the pass, n the longest rounding
   *     path: the first-order model holds while it is at most {@link #FIRST_ORDER_LIMIT}
   */
  public record Result(
      FloatFormat format, double loss, Map<Adapter, double[][]> a, Map<Adapter, double[][]> b,
      double firstOrderSize) {
    public Result {
      Checks.notNull("format", format);
      a = deepCopy(a);
      b = deepCopy(b);
    }

    /** A copy of the tolerance matrix of {@code dLoss/dA_mu}. */
    public double[][] a(Adapter mu) {
      return Dense.copy(Checks.notNull("a tolerance for " + mu, a.get(mu)));
    }

    /** A copy of the tolerance matrix of {@code dLoss/dB_mu}. */
    public double[][] b(Adapter mu) {
      return Dense.copy(Checks.notNull("b tolerance for " + mu, b.get(mu)));
    }

    @Override
    public Map<Adapter, double[][]> a() {
      return deepCopy(a);
    }

    @Override
    public Map<Adapter, double[][]> b() {
      return deepCopy(b);
    }

    /** Whether the first-order model is within its stated range. */
    public boolean firstOrderValid() {
      return firstOrderSize <= FIRST_ORDER_LIMIT;
    }

    private static Map<Adapter, double[][]> deepCopy(Map<Adapter, double[][]> m) {
      Checks.notNull("tolerances", m);
      EnumMap<Adapter, double[][]> out = new EnumMap<>(Adapter.class);
      for (Map.Entry<Adapter, double[][]> e : m.entrySet()) {
        out.put(e.getKey(), Dense.copy(e.getValue()));
      }
      return Collections.unmodifiableMap(out);
    }
  }

  /**
   * The tolerance of every entry of the loss and the adapter gradients of {@code inst} for an
   * implementation computing in {@code format}.
   *
   * @throws IllegalArgumentException when an input, or an intermediate of the forward pass
   *     (projection, score, output, residual), is outside the format's finite range: an
   *     implementation in that format overflows, and the message names what and where
   */
  public static Result of(LoraInstance inst, FloatFormat format) {
    Checks.notNull("instance", inst);
    Checks.notNull("format", format);
    DoubleInstance d;
    try {
      d = DoubleInstance.of(inst);
    } catch (OutOfDoubleRangeException e) {
      throw new IllegalArgumentException(
          "the instance is outside the float64 range (" + e.getMessage().replaceFirst("; try --method reference$", "")
              + "): no " + format.optionName() + " implementation can read it",
          e);
    }
    return new Run(d, format).result();
  }

  /** One evaluation of the bound over all data points. */
  private static final class Run {
    private final DoubleInstance inst;
    private final FloatFormat format;
    private final double u;
    private final double eta;
    private final double beta;
    private final Map<Adapter, double[][]> merged = new EnumMap<>(Adapter.class);
    private final Map<Adapter, double[][]> absFrozen = new EnumMap<>(Adapter.class);
    private final Map<Adapter, double[][]> absLora = new EnumMap<>(Adapter.class);
    private final Map<Adapter, Integer> loraCount = new EnumMap<>(Adapter.class);
    /** dLoss/dW_mu as computed, its error bound, and the sum over points of |per-point value|. */
    private final Map<Adapter, double[][]> vW = new EnumMap<>(Adapter.class);
    private final Map<Adapter, double[][]> eW = new EnumMap<>(Adapter.class);
    private final Map<Adapter, double[][]> pW = new EnumMap<>(Adapter.class);
    /** The magnitude of dLoss/dW_mu's terms, {@code sum_points |X|^T mag(U)} (Section 3.10). */
    private final Map<Adapter, double[][]> tW = new EnumMap<>(Adapter.class);
    private double eLoss;
    private double aLoss;
    private long lossTerms;
    /** The longest chain of roundings from the inputs to a gradient entry, before the adapters. */
    private long chainToGradient;
    /** The same for the loss, but for its final sum. */
    private long chainToLoss;
    /** The longest rounding path of one projection (Section 3.2), this point. */
    private long projectionPath;
    private long underflowOps;

    Run(DoubleInstance inst, FloatFormat format) {
      this.inst = inst;
      this.format = format;
      this.u = format.unitRoundoff();
      this.eta = format.smallestSubnormal();
      this.beta = inst.beta();
      checkRange("beta", Math.abs(beta));
      checkRange("alpha", Math.abs(inst.alpha()));
      for (Adapter mu : Adapter.values()) {
        DoubleInstance.Weight w = inst.weight(mu);
        checkRange("weights." + mu + ".W", Dense.maxAbs(w.frozen()));
        absFrozen.put(mu, Dense.abs(w.frozen()));
        double[][] m = w.isAdapted()
            ? Dense.loraMerge(w.frozen(), w.a(), w.b(), inst.alpha())
            : Dense.copy(w.frozen());
        if (w.isAdapted()) {
          checkRange("weights." + mu + ".A", Dense.maxAbs(w.a()));
          checkRange("weights." + mu + ".B", Dense.maxAbs(w.b()));
          double s = inst.alpha() / w.rank();
          // |s| |B| |A|: the absolute LoRA term of the merged weight (T2 of Section 3.2)
          double[][] t2 = Dense.multiply(Dense.abs(w.b()), Dense.abs(w.a()));
          Dense.scaleInPlace(t2, Math.abs(s));
          absLora.put(mu, t2);
          // roundings on a LoRA term's path, any association: 3 products, rows - 1 + r - 1 sums,
          // one addition to the frozen part (Section 3.2)
          loraCount.put(mu, w.frozen().length + w.rank() + 2);
          vW.put(mu, new double[m.length][m[0].length]);
          eW.put(mu, new double[m.length][m[0].length]);
          pW.put(mu, new double[m.length][m[0].length]);
          tW.put(mu, new double[m.length][m[0].length]);
        }
        merged.put(mu, m);
      }
    }

    Result result() {
      int points = inst.points().size();
      for (int i = 0; i < points; i++) {
        point(inst.points().get(i), "data[" + i + "]");
      }
      Map<Adapter, double[][]> ta = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> tb = new EnumMap<>(Adapter.class);
      long adapterPath = 0;
      for (Adapter mu : eW.keySet()) {
        DoubleInstance.Weight w = inst.weight(mu);
        double sc = inst.alpha() / w.rank();
        double[][] val = vW.get(mu);
        double[][] e = eW.get(mu);
        double[][] pa = pW.get(mu);
        int rows = e.length;
        int cols = e[0].length;
        double[][][] t = adapterStage(val, e, pa, tW.get(mu), w.a(), w.b(), sc, points, 2, u, floor());
        double[][] tA = t[0];
        double[][] tB = t[1];
        adapterPath = Math.max(adapterPath, Math.max(rows, cols) + 4 + points);
        ta.put(mu, tA);
        tb.put(mu, tB);
      }
      // loss = sum 1/2 c^2: lossTerms - 1 additions, one product (the 1/2 is exact) (Section 3.6)
      double lossE = eLoss + (lossTerms + 1) * u * aLoss;
      // Section 5: N, the longest chain of roundings any term passes through
      long longestPath = Math.max(chainToGradient + adapterPath, chainToLoss + lossTerms + 1);
      double loss = tolerance(lossE, aLoss);
      return new Result(format, loss, ta, tb, longestPath * u);
    }

    private double floor() {
      return underflowOps * eta;
    }

    /**
     * {@code SAFETY (e + u |value| + floor)}: the first-order bound, the rounding of the result to
     * the format, the underflow allowance (Section 5).
     */
    private double tolerance(double e, double absValue) {
      return bound(e, absValue, u, floor());
    }

    /** Computed value, error bound and magnitude {@code |value| + e} of {@code X W_mu} (Section 3.2). */
    private final class Projected {
      final double[][] value;
      final double[][] e;
      final double[][] mag;

      Projected(double[][] x, Adapter mu, String where) {
        value = Dense.multiply(x, merged.get(mu));
        checkRange(where + " X^" + mu + " W_" + mu, Dense.maxAbs(value));
        double[][] ax = Dense.abs(x);
        double[][] t1 = Dense.multiply(ax, absFrozen.get(mu));
        int rows = absFrozen.get(mu).length;
        e = new double[t1.length][t1[0].length];
        mag = new double[t1.length][t1[0].length];
        double[][] t2 = absLora.containsKey(mu) ? Dense.multiply(ax, absLora.get(mu)) : null;
        // frozen terms X W*: rows - 1 sums and 1 product, the input roundings of X and W*, and
        // with an adapter the addition to the LoRA part (merged: W* + s B A; unmerged: X W* + ..)
        double c1 = (rows + (t2 == null ? 2 : 3)) * u;
        // LoRA terms s X B A: their path count, plus the roundings of X, B, A (u each) and s (2u)
        double c2 = t2 == null ? 0 : (loraCount.get(mu) + 5) * u;
        for (int j = 0; j < t1.length; j++) {
          for (int k = 0; k < t1[0].length; k++) {
            double lora = t2 == null ? 0 : t2[j][k];
            e[j][k] = c1 * t1[j][k] + c2 * lora;
            mag[j][k] = Math.abs(value[j][k]) + e[j][k];
          }
        }
        projectionPath = Math.max(projectionPath, (t2 == null ? rows : loraCount.get(mu)) + 5);
      }
    }

    private void point(DoubleInstance.Point p, String where) {
      checkRange(where + ".XQ", Dense.maxAbs(p.xq()));
      checkRange(where + ".XK", Dense.maxAbs(p.xk()));
      checkRange(where + ".XV", Dense.maxAbs(p.xv()));
      checkRange(where + ".Y", Dense.maxAbs(p.y()));
      projectionPath = 0;
      Projected q = new Projected(p.xq(), Adapter.Q, where);
      Projected k = new Projected(p.xk(), Adapter.K, where);
      Projected v = new Projected(p.xv(), Adapter.V, where);
      int lq = p.xq().length;
      int lk = p.xk().length;
      int h = q.value[0].length;
      int o = v.value[0].length;
      double absBeta = Math.abs(beta);
      boolean adaptQ = eW.containsKey(Adapter.Q);
      boolean adaptK = eW.containsKey(Adapter.K);
      boolean adaptV = eW.containsKey(Adapter.V);
      // per query row (Q) or key row (K, V): the value of the right factor, its propagated
      // error and the magnitude sum its rounding term needs (Section 3.9)
      Side sq = adaptQ ? new Side(lq, h) : null;
      Side sk = adaptK ? new Side(lk, h) : null;
      Side sv = adaptV ? new Side(lk, o) : null;
      double[] s = new double[lk];
      double[] f = new double[lk];
      double[] eps = new double[lk];
      double[] ef = new double[lk];
      double[] g = new double[lk];
      double[] eg = new double[lk];
      double[] z = new double[o];
      double[] ez = new double[o];
      double[] zAbs = new double[o];
      double[] c = new double[o];
      double[] ec = new double[o];
      double[] cMag = new double[o];
      double scoreMax = 0;
      double residualMax = 0;
      double[] pv = new double[lk];
      double[] ep = new double[lk];
      double[] pMag = new double[lk];
      for (int j = 0; j < lq; j++) {
        // Section 3.3: scores and their error bounds
        for (int l = 0; l < lk; l++) {
          s[l] = beta * Dense.dot(q.value[j], k.value[l]);
          double sAbs = absBeta * absDot(q.value[j], k.value[l]);
          // beta q.k: h - 1 sums, 2 products, and the rounding of beta
          eps[l] = absBeta * (Dense.dot(q.e[j], k.mag[l]) + Dense.dot(q.mag[j], k.e[l])) + (h + 2) * u * sAbs;
          scoreMax = Math.max(scoreMax, Math.abs(s[l]));
        }
        // Section 3.4: the softmax row
        SoftmaxRow row = SoftmaxRow.forward(s, eps, lk, u, eta, f, ef);
        // Section 3.5: output z = F V and residual c = z - Y
        java.util.Arrays.fill(z, 0);
        java.util.Arrays.fill(ez, 0);
        java.util.Arrays.fill(zAbs, 0);
        for (int l = 0; l < lk; l++) {
          for (int i = 0; i < o; i++) {
            z[i] += f[l] * v.value[l][i];
            zAbs[i] += f[l] * Math.abs(v.value[l][i]);
            ez[i] += ef[l] * v.mag[l][i] + f[l] * v.e[l][i];
          }
        }
        for (int i = 0; i < o; i++) {
          ez[i] += lk * u * zAbs[i];
          double y = p.y()[j][i];
          c[i] = z[i] - y;
          ec[i] = ez[i] + u * Math.abs(y) + u * (Math.abs(z[i]) + Math.abs(y));
          cMag[i] = Math.abs(c[i]) + ec[i];
          residualMax = Math.max(residualMax, Math.abs(c[i]));
          // Section 3.6: loss = sum 1/2 c^2
          eLoss += cMag[i] * ec[i];
          aLoss += 0.5 * cMag[i] * cMag[i];
        }
        lossTerms += o;
        if (!(adaptQ || adaptK || adaptV)) {
          continue;
        }
        // Section 3.7: G = c V^T
        for (int l = 0; l < lk; l++) {
          g[l] = Dense.dot(c, v.value[l]);
          eg[l] = Dense.dot(ec, v.mag[l]) + Dense.dot(cMag, v.e[l]) + o * u * absDot(c, v.value[l]);
        }
        // Section 3.8: P = dLoss/dS, every form
        row.backward(f, ef, eps, g, eg, lk, u, pv, ep, pMag);
        for (int l = 0; l < lk; l++) {
          if (adaptQ) {
            sq.add(j, pv[l], ep[l], pMag[l], k.value[l], k.e[l], k.mag[l]);
          }
          if (adaptK) {
            sk.add(l, pv[l], ep[l], pMag[l], q.value[j], q.e[j], q.mag[j]);
          }
          if (adaptV) {
            double fMag = f[l] + ef[l];
            for (int i = 0; i < o; i++) {
              sv.value[l][i] += f[l] * c[i];
              sv.err[l][i] += ef[l] * cMag[i] + fMag * ec[i];
              sv.abs[l][i] += fMag * cMag[i];
            }
          }
        }
      }
      checkRange(where + " scores beta (X^Q W_Q)(X^K W_K)^T", scoreMax);
      checkRange(where + " residual X^V-output - Y", residualMax);
      // Section 3.9: dW_Q = beta XQ^T P K over Lq + Lk - 2 sums and 3 products, plus the
      // roundings of beta and XQ; dW_K likewise; dW_V = XV^T F^T c: Lq + Lk - 2 sums, 2 products
      int pathQk = lq + lk + 1;
      if (adaptQ) {
        accumulate(Adapter.Q, p.xq(), sq, beta, (pathQk + 2) * u);
      }
      if (adaptK) {
        accumulate(Adapter.K, p.xk(), sk, beta, (pathQk + 2) * u);
      }
      if (adaptV) {
        accumulate(Adapter.V, p.xv(), sv, 1, (lq + lk + 1) * u);
      }
      // Section 5: the stages' counts added: projection, scores h + 2, softmax lk + 4, z lk, c 2,
      // G o, D lk + 2, P 2, the final products lq + lk + 3
      chainToGradient = Math.max(chainToGradient, projectionPath + h + o + lq + 4L * lk + 15);
      // loss: projection, scores, softmax, z, c, then its own sum (added in result())
      chainToLoss = Math.max(chainToLoss, projectionPath + h + 2L * lk + 8);
      underflowOps += 2L * (lq + lk) + h + o + 8;
    }

    /**
     * {@code G_W += c X^T U} in value; {@code e(G_W) += |c| |X|^T (e(U) + k Uabs)} (Section 3.9):
     * U the right factor ({@code P K}, {@code P^T Q} or {@code F^T c}), e(U) its propagated error,
     * Uabs the magnitude sum of its terms, k the rounding allowance of the whole product.
     */
    private void accumulate(Adapter mu, double[][] x, Side side, double c, double k) {
      PrecisionTolerance.accumulate(vW.get(mu), eW.get(mu), pW.get(mu), tW.get(mu), x, side, c, k);
    }

    private void checkRange(String what, double maxAbs) {
      if (!(maxAbs <= format.max())) {
        throw new IllegalArgumentException(
            what + " reaches " + maxAbs + ", beyond " + format.optionName() + "'s largest finite number "
                + format.max() + ": a " + format.optionName() + " implementation overflows");
      }
    }
  }

  /** {@code SAFETY (e + u |value| + floor)} (Section 5). */
  static double bound(double e, double absValue, double u, double floor) {
    return SAFETY * (e + u * absValue + floor);
  }

  /**
   * Section 3.10: the tolerances of {@code dLoss/dA = s B^T G_W} and {@code dLoss/dB = s G_W A^T}
   * from the weight gradient {@code G_W = sum_points X^T U} ({@code val}, its error bound {@code e}
   * before the sum over points, {@code pa = sum_points |per-point value|} and {@code terms}, the
   * magnitude of its terms {@code sum_points |X|^T mag(U)}), for the merged path (through G_W) and
   * the unmerged one ({@code s (X B)^T U}, {@code s X^T (U A^T)}), whichever is larger:
   *
   * <pre>
   *   e(dA) = |s| |B|^T ew + |s| max((rows + 2 + sigma) u |B|^T mag,
   *                                  (rows + 1) u |B|^T terms + (1 + sigma) u |B|^T (pa + ew))   (3.10d)
   *   ew = e + N u pa,   mag = |G_W| + ew
   * </pre>
   *
   * and {@code dB} alike with {@code cols} and {@code |A|^T}.
   *
   * @param scaleRoundings the roundings in the scale s (sigma): 2 for {@code alpha / r} (alpha's
   *     input rounding and the division), 3 for {@code alpha / sqrt(r)} (and the square root)
   * @return {@code {tA, tB}}
   */
  static double[][][] adapterStage(
      double[][] val, double[][] e, double[][] pa, double[][] terms, double[][] a, double[][] b, double sc,
      int points, int scaleRoundings, double u, double floor) {
    double s = Math.abs(sc);
    int rows = e.length;
    int cols = e[0].length;
    int rank = a.length;
    // the sum over points: N - 1 more additions on every path (Section 3.10); then the
    // magnitude |G_W| + e(G_W) that the adapter products propagate
    double[][] mag = new double[rows][cols];
    double[][] ew = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < cols; k++) {
        ew[i][k] = e[i][k] + points * u * pa[i][k];
        mag[i][k] = Math.abs(val[i][k]) + ew[i][k];
      }
    }
    // merged s B^T G_W: rows - 1 sums and 1 product, e(B) = u, e(s) = scaleRoundings u, 1 product
    // with s; unmerged s (X B)^T U: X B's rows - 1 sums, 1 product and e(B) on the terms, then the
    // scale's roundings on the per-point values (Section 3.10: (3.10b) merged, (3.10c) unmerged)
    int countA = rows + 2 + scaleRoundings;
    double[][] tA = new double[rank][cols];
    for (int t = 0; t < rank; t++) {
      for (int k = 0; k < cols; k++) {
        double ee = 0;
        double mm = 0;
        double tt = 0;
        double pp = 0;
        double vv = 0;
        for (int i = 0; i < rows; i++) {
          double bb = b[i][t];
          ee += Math.abs(bb) * ew[i][k];
          mm += Math.abs(bb) * mag[i][k];
          tt += Math.abs(bb) * terms[i][k];
          pp += Math.abs(bb) * (pa[i][k] + ew[i][k]);
          vv += bb * val[i][k];
        }
        double rounding = Math.max(countA * u * mm, (rows + 1) * u * tt + (1 + scaleRoundings) * u * pp);
        tA[t][k] = bound(s * ee + s * rounding, Math.abs(sc * vv), u, floor);
      }
    }
    int countB = cols + 2 + scaleRoundings;
    double[][] tB = new double[rows][rank];
    for (int i = 0; i < rows; i++) {
      for (int t = 0; t < rank; t++) {
        double ee = 0;
        double mm = 0;
        double tt = 0;
        double pp = 0;
        double vv = 0;
        for (int k = 0; k < cols; k++) {
          double aa = Math.abs(a[t][k]);
          ee += ew[i][k] * aa;
          mm += mag[i][k] * aa;
          tt += terms[i][k] * aa;
          pp += (pa[i][k] + ew[i][k]) * aa;
          vv += val[i][k] * a[t][k];
        }
        double rounding = Math.max(countB * u * mm, (cols + 1) * u * tt + (1 + scaleRoundings) * u * pp);
        tB[i][t] = bound(s * ee + s * rounding, Math.abs(sc * vv), u, floor);
      }
    }
    return new double[][][] {tA, tB};
  }

  /**
   * The right factor of a final product, row by row: its value, propagated error and the
   * magnitude sum of its terms (Section 3.9).
   */
  static final class Side {
    final double[][] value;
    final double[][] err;
    final double[][] abs;

    Side(int rows, int cols) {
      value = new double[rows][cols];
      err = new double[rows][cols];
      abs = new double[rows][cols];
    }

    /** Row {@code row} += p x, with p's error ep and magnitude pMag, x's error ex and magnitude xMag. */
    void add(int row, double p, double ep, double pMag, double[] x, double[] ex, double[] xMag) {
      addBlock(row, 0, value[row].length, p, ep, pMag, x, ex, xMag);
    }

    /** {@link #add} on the columns {@code from .. to-1} only (one head's block of a layer). */
    void addBlock(int row, int from, int to, double p, double ep, double pMag, double[] x, double[] ex, double[] xMag) {
      double[] vr = value[row];
      double[] er = err[row];
      double[] ar = abs[row];
      for (int i = from; i < to; i++) {
        vr[i] += p * x[i];
        er[i] += ep * xMag[i] + pMag * ex[i];
        ar[i] += pMag * xMag[i];
      }
    }
  }

  /**
   * {@code point = c X^T U} in value; {@code e += |c| |X|^T (e(U) + k Uabs)} (Section 3.9): U the
   * right factor ({@code P K}, {@code P^T Q} or {@code F^T c}, row by row in {@code side}), e(U)
   * its propagated error, Uabs the magnitude sum of its terms, k the rounding allowance of the
   * whole product; then {@code val += point}, {@code pa += |point|} (for the sum over points,
   * Section 3.10) and {@code terms += |c| |X|^T (|U| + e(U) + k Uabs)}, a majorant of
   * {@code |X|^T mag(c U)} (the unmerged path's terms, Section 3.10).
   */
  static void accumulate(
      double[][] val, double[][] e, double[][] pa, double[][] terms, double[][] x, Side side, double c, double k) {
    double[][] point = new double[e.length][e[0].length];
    double ac = Math.abs(c);
    for (int j = 0; j < x.length; j++) {
      for (int i = 0; i < e.length; i++) {
        double xv = x[j][i];
        double xa = Math.abs(xv) * ac;
        if (xv == 0) {
          continue;
        }
        for (int t = 0; t < e[0].length; t++) {
          point[i][t] += c * xv * side.value[j][t];
          double prop = xa * (side.err[j][t] + k * side.abs[j][t]);
          e[i][t] += prop;
          terms[i][t] += xa * Math.abs(side.value[j][t]) + prop;
        }
      }
    }
    for (int i = 0; i < e.length; i++) {
      for (int t = 0; t < e[0].length; t++) {
        val[i][t] += point[i][t];
        pa[i][t] += Math.abs(point[i][t]);
      }
    }
  }

  static double absDot(double[] a, double[] b) {
    return absDot(a, b, 0, a.length);
  }

  /** {@code sum_{from <= i < to} |a_i b_i|}. */
  static double absDot(double[] a, double[] b, int from, int to) {
    double acc = 0;
    for (int i = from; i < to; i++) {
      acc += Math.abs(a[i] * b[i]);
    }
    return acc;
  }
}
