package dev.loralimits.check;

import dev.loralimits.fast.Dense;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The precision-aware tolerance of an attention layer ({@link LayerInstance}: H heads, a causal
 * mask, an optional output projection O, LoRA or rsLoRA scaling; spec/PROBLEMS.md Section 7): for
 * the loss and every entry of every adapter gradient, a bound on the error of a correct
 * implementation computing in a {@link FloatFormat} (proofs-notes/CHECK-TOLERANCE.md Section 7,
 * whose numbers the comments cite; the single-head steps are that note's Sections 3.2-3.10).
 *
 * <p>Per head and query row it is the single-head rule's row ({@link SoftmaxRow}) over the
 * attended keys, the masked entries exact zeros; the heads' outputs side by side, then
 * {@code Z W_O} and {@code G = R W_O^T} with their own Lemma A bounds (7.4, 7.6), the weight
 * gradient of O (7.7), and the adapter stage of Section 3.10 with the scale's roundings (2 for
 * alpha / r, 3 for alpha / sqrt(r)). On the paper's model (one head, no mask, no O, alpha / r) it
 * performs the operations of {@link PrecisionTolerance} in the same order: the same numbers.
 *
 * <p>Cost: {@code O(Lq Lk H (h + v) + (Lq + Lk) d^2)} per point, one pass over the query rows.
 */
public final class LayerPrecisionTolerance {
  private LayerPrecisionTolerance() {}

  /**
   * The tolerance of every entry, in the order of a layer gradient file.
   *
   * @param format the format the tolerance is for
   * @param loss the loss's tolerance
   * @param a the tolerance of each entry of {@code dLoss/dA_mu}, per adapted mu (Q, K, V, O)
   * @param b the tolerance of each entry of {@code dLoss/dB_mu}, per adapted mu
   * @param firstOrderSize the largest {@code N u}, N the longest rounding path: the first-order
   *     model holds while it is at most {@link PrecisionTolerance#FIRST_ORDER_LIMIT}
   */
  public record Result(
      FloatFormat format, double loss, Map<LayerWeight, double[][]> a, Map<LayerWeight, double[][]> b,
      double firstOrderSize) {
    public Result {
      Checks.notNull("format", format);
      a = deepCopy(a);
      b = deepCopy(b);
    }

    /** A copy of the tolerance matrix of {@code dLoss/dA_mu}. */
    public double[][] a(LayerWeight mu) {
      return Dense.copy(Checks.notNull("a tolerance for " + mu, a.get(mu)));
    }

    /** A copy of the tolerance matrix of {@code dLoss/dB_mu}. */
    public double[][] b(LayerWeight mu) {
      return Dense.copy(Checks.notNull("b tolerance for " + mu, b.get(mu)));
    }

    @Override
    public Map<LayerWeight, double[][]> a() {
      return deepCopy(a);
    }

    @Override
    public Map<LayerWeight, double[][]> b() {
      return deepCopy(b);
    }

    /** Whether the first-order model is within its stated range. */
    public boolean firstOrderValid() {
      return firstOrderSize <= PrecisionTolerance.FIRST_ORDER_LIMIT;
    }

    private static Map<LayerWeight, double[][]> deepCopy(Map<LayerWeight, double[][]> m) {
      Checks.notNull("tolerances", m);
      EnumMap<LayerWeight, double[][]> out = new EnumMap<>(LayerWeight.class);
      for (Map.Entry<LayerWeight, double[][]> e : m.entrySet()) {
        out.put(e.getKey(), Dense.copy(e.getValue()));
      }
      return Collections.unmodifiableMap(out);
    }
  }

  /**
   * The tolerance of every entry of the loss and the adapter gradients of {@code inst} for an
   * implementation computing in {@code format}.
   *
   * @throws IllegalArgumentException when an argument is null, or an input or an intermediate of
   *     the forward pass (projection, score, output, residual) is outside the format's finite
   *     range: an implementation in that format overflows, and the message names what and where
   */
  public static Result of(LayerInstance inst, FloatFormat format) {
    Checks.notNull("instance", inst);
    Checks.notNull("format", format);
    return new Run(inst, format).result();
  }

  /** One adapted or frozen projection as doubles, with the magnitudes its bounds need. */
  private static final class Weight {
    final double[][] merged;
    final double[][] absFrozen;
    /** {@code |s| |B| |A|}, null when frozen. */
    final double[][] absLora;
    final double[][] a;
    final double[][] b;
    final double scale;
    final int rank;

    Weight(double[][] merged, double[][] absFrozen, double[][] absLora, double[][] a, double[][] b, double scale) {
      this.merged = merged;
      this.absFrozen = absFrozen;
      this.absLora = absLora;
      this.a = a;
      this.b = b;
      this.scale = scale;
      this.rank = a == null ? 0 : a.length;
    }

    boolean adapted() {
      return a != null;
    }
  }

  /** One evaluation of the bound over all data points. */
  private static final class Run {
    private final LayerInstance inst;
    private final FloatFormat format;
    private final double u;
    private final double eta;
    private final double beta;
    private final int heads;
    private final int hw;
    private final int vw;
    /** Roundings in a scale s: alpha's input rounding and the division, and rsLoRA's square root. */
    private final int scaleRoundings;
    private final Map<LayerWeight, Weight> weights = new EnumMap<>(LayerWeight.class);
    /** dLoss/dW_mu as computed, its error bound, and the sum over points of |per-point value|. */
    private final Map<LayerWeight, double[][]> vW = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> eW = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> pW = new EnumMap<>(LayerWeight.class);
    /** The magnitude of dLoss/dW's terms, {@code sum_points |X|^T mag(U)} (Sections 3.10, 7.8). */
    private final Map<LayerWeight, double[][]> tW = new EnumMap<>(LayerWeight.class);
    private double eLoss;
    private double aLoss;
    private long lossTerms;
    private long chainToGradient;
    private long chainToLoss;
    private long projectionPath;
    private long underflowOps;

    Run(LayerInstance inst, FloatFormat format) {
      this.inst = inst;
      this.format = format;
      this.u = format.unitRoundoff();
      this.eta = format.smallestSubnormal();
      this.heads = inst.heads();
      this.hw = inst.headWidth();
      this.vw = inst.valueHeadWidth();
      this.scaleRoundings = inst.scaling() == LoraScaling.LORA ? 2 : 3;
      this.beta = scalar("beta", inst.beta());
      double alpha = scalar("alpha", inst.alpha());
      for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
        LayerWeight mu = e.getKey();
        Projection p = e.getValue();
        double[][] frozen = matrix("weights." + mu + ".W", p.frozen());
        if (!p.isAdapted()) {
          weights.put(mu, new Weight(Dense.copy(frozen), Dense.abs(frozen), null, null, null, 0));
          continue;
        }
        double[][] a = matrix("weights." + mu + ".A", p.a());
        double[][] b = matrix("weights." + mu + ".B", p.b());
        int r = a.length;
        double s = inst.scaling() == LoraScaling.LORA ? alpha / r : alpha / Math.sqrt(r);
        // |s| |B| |A|: the absolute LoRA term of the merged weight (Section 3.2)
        double[][] t2 = Dense.multiply(Dense.abs(b), Dense.abs(a));
        Dense.scaleInPlace(t2, Math.abs(s));
        weights.put(mu, new Weight(Dense.loraMergeScaled(frozen, a, b, s), Dense.abs(frozen), t2, a, b, s));
        vW.put(mu, new double[frozen.length][frozen[0].length]);
        eW.put(mu, new double[frozen.length][frozen[0].length]);
        pW.put(mu, new double[frozen.length][frozen[0].length]);
        tW.put(mu, new double[frozen.length][frozen[0].length]);
      }
    }

    private double scalar(String name, BigDecimal x) {
      double d = x.doubleValue();
      checkRange(name, Math.abs(d));
      Checks.argument(d != 0 || x.signum() == 0, name + " (" + x + ") is below the float64 range and would round to 0");
      return d;
    }

    private double[][] matrix(String name, DecimalMatrix m) {
      double[][] d = m.toDoubles();
      checkRange(name, Dense.maxAbs(d));
      return d;
    }

    /** Roundings on the path of a LoRA term {@code s x B A} of a product with `rows` inner terms (Section 3.2). */
    private long loraPath(int rows, Weight w) {
      // 3 products, rows - 1 + r - 1 sums, one addition to the frozen part
      return rows + w.rank + 2L;
    }

    Result result() {
      int points = inst.data().size();
      for (int i = 0; i < points; i++) {
        point(inst.data().get(i), "data[" + i + "]");
      }
      Map<LayerWeight, double[][]> ta = new EnumMap<>(LayerWeight.class);
      Map<LayerWeight, double[][]> tb = new EnumMap<>(LayerWeight.class);
      long adapterPath = 0;
      for (LayerWeight mu : eW.keySet()) {
        Weight w = weights.get(mu);
        double[][] e = eW.get(mu);
        // Section 3.10 (7.8): the sum over points, then s B^T G_W and s G_W A^T
        double[][][] t = PrecisionTolerance.adapterStage(
            vW.get(mu), e, pW.get(mu), tW.get(mu), w.a, w.b, w.scale, points, scaleRoundings, u, floor());
        adapterPath = Math.max(adapterPath, Math.max(e.length, e[0].length) + 2 + scaleRoundings + points);
        ta.put(mu, t[0]);
        tb.put(mu, t[1]);
      }
      // loss = sum 1/2 R^2 (Section 3.6)
      double lossE = eLoss + (lossTerms + 1) * u * aLoss;
      long longestPath = Math.max(chainToGradient + adapterPath, chainToLoss + lossTerms + 1);
      return new Result(format, PrecisionTolerance.bound(lossE, aLoss, u, floor()), ta, tb, longestPath * u);
    }

    private double floor() {
      return underflowOps * eta;
    }

    /** Computed value, error bound and magnitude {@code |value| + e} of {@code X W_mu} (Section 3.2, 7.1). */
    private final class Projected {
      final double[][] value;
      final double[][] e;
      final double[][] mag;

      Projected(double[][] x, LayerWeight mu, String where) {
        Weight w = weights.get(mu);
        value = Dense.multiply(x, w.merged);
        checkRange(where + " X^" + mu + " W_" + mu, Dense.maxAbs(value));
        double[][] ax = Dense.abs(x);
        double[][] t1 = Dense.multiply(ax, w.absFrozen);
        int rows = w.absFrozen.length;
        e = new double[t1.length][t1[0].length];
        mag = new double[t1.length][t1[0].length];
        double[][] t2 = w.adapted() ? Dense.multiply(ax, w.absLora) : null;
        // frozen terms X W*: rows - 1 sums and 1 product, the input roundings of X and W*, and
        // with an adapter the addition to the LoRA part (Section 3.2)
        double c1 = (rows + (t2 == null ? 2 : 3)) * u;
        // LoRA terms s X B A: their path, plus the roundings of X, B, A (u each) and of s
        double c2 = t2 == null ? 0 : (loraPath(rows, w) + 3 + scaleRoundings) * u;
        for (int j = 0; j < t1.length; j++) {
          for (int k = 0; k < t1[0].length; k++) {
            double lora = t2 == null ? 0 : t2[j][k];
            e[j][k] = c1 * t1[j][k] + c2 * lora;
            mag[j][k] = Math.abs(value[j][k]) + e[j][k];
          }
        }
        projectionPath = Math.max(projectionPath, t2 == null ? rows + 5 : loraPath(rows, w) + 3 + scaleRoundings);
      }
    }

    private void point(DataPoint p, String where) {
      double[][] xq = matrix(where + (p.selfAttention() ? ".X" : ".XQ"), p.xq());
      double[][] xk = p.selfAttention() ? xq : matrix(where + ".XK", p.xk());
      double[][] xv = p.selfAttention() ? xq : matrix(where + ".XV", p.xv());
      double[][] y = matrix(where + ".Y", p.y());
      projectionPath = 0;
      Projected q = new Projected(xq, LayerWeight.Q, where);
      Projected k = new Projected(xk, LayerWeight.K, where);
      Projected v = new Projected(xv, LayerWeight.V, where);
      Weight wo = weights.get(LayerWeight.O);
      int lq = xq.length;
      int lk = xk.length;
      int zw = heads * vw;
      int ow = y[0].length;
      double absBeta = Math.abs(beta);
      boolean adaptQ = eW.containsKey(LayerWeight.Q);
      boolean adaptK = eW.containsKey(LayerWeight.K);
      boolean adaptV = eW.containsKey(LayerWeight.V);
      boolean adaptO = eW.containsKey(LayerWeight.O);
      PrecisionTolerance.Side sq = adaptQ ? new PrecisionTolerance.Side(lq, heads * hw) : null;
      PrecisionTolerance.Side sk = adaptK ? new PrecisionTolerance.Side(lk, heads * hw) : null;
      PrecisionTolerance.Side sv = adaptV ? new PrecisionTolerance.Side(lk, zw) : null;
      // 7.7: Z^T R for this point, with its propagated error and the magnitude sum of its terms
      PrecisionTolerance.Side so = adaptO ? new PrecisionTolerance.Side(zw, ow) : null;
      double[][] s = new double[heads][lk];
      double[][] eps = new double[heads][lk];
      double[][] f = new double[heads][lk];
      double[][] ef = new double[heads][lk];
      SoftmaxRow[] rows = new SoftmaxRow[heads];
      double[] g = new double[lk];
      double[] eg = new double[lk];
      double[] pv = new double[lk];
      double[] ep = new double[lk];
      double[] pMag = new double[lk];
      double[] z = new double[zw];
      double[] ez = new double[zw];
      double[] zAbs = new double[zw];
      double[] zMag = new double[zw];
      double[] c = new double[ow];
      double[] ec = new double[ow];
      double[] cMag = new double[ow];
      double[] gz = new double[zw];
      double[] egz = new double[zw];
      double[] gzMag = new double[zw];
      double scoreMax = 0;
      double residualMax = 0;
      long attendedMax = 0;
      for (int j = 0; j < lq; j++) {
        // 7.2: the keys 0 .. n-1 query j attends to; the other entries are exact zeros
        int n = inst.masking().lastKey(j, lq, lk) + 1;
        attendedMax = Math.max(attendedMax, n);
        Arrays.fill(z, 0);
        Arrays.fill(ez, 0);
        Arrays.fill(zAbs, 0);
        for (int t = 0; t < heads; t++) {
          int q0 = t * hw;
          int q1 = q0 + hw;
          // Section 3.3 on head t's block
          for (int l = 0; l < n; l++) {
            s[t][l] = beta * dot(q.value[j], k.value[l], q0, q1);
            double sAbs = absBeta * PrecisionTolerance.absDot(q.value[j], k.value[l], q0, q1);
            eps[t][l] = absBeta * (dot(q.e[j], k.mag[l], q0, q1) + dot(q.mag[j], k.e[l], q0, q1)) + (hw + 2) * u * sAbs;
            scoreMax = Math.max(scoreMax, Math.abs(s[t][l]));
          }
          // Section 3.4 over the attended keys (7.3)
          rows[t] = SoftmaxRow.forward(s[t], eps[t], n, u, eta, f[t], ef[t]);
          // Section 3.5's output on head t's block of Z (7.4)
          int v0 = t * vw;
          for (int l = 0; l < n; l++) {
            for (int i = v0; i < v0 + vw; i++) {
              z[i] += f[t][l] * v.value[l][i];
              zAbs[i] += f[t][l] * Math.abs(v.value[l][i]);
              ez[i] += ef[t][l] * v.mag[l][i] + f[t][l] * v.e[l][i];
            }
          }
        }
        for (int i = 0; i < zw; i++) {
          ez[i] += n * u * zAbs[i];
          zMag[i] = Math.abs(z[i]) + ez[i];
        }
        // 7.5: the output Z W_O (or Z), the residual R = output - Y, the loss
        for (int cc = 0; cc < ow; cc++) {
          double out;
          double eOut;
          if (wo == null) {
            out = z[cc];
            eOut = ez[cc];
          } else {
            out = 0;
            double prop = 0;
            double frozenAbs = 0;
            double loraAbs = 0;
            for (int a = 0; a < zw; a++) {
              out += z[a] * wo.merged[a][cc];
              double lora = wo.adapted() ? wo.absLora[a][cc] : 0;
              prop += ez[a] * (wo.absFrozen[a][cc] + lora);
              frozenAbs += Math.abs(z[a]) * wo.absFrozen[a][cc];
              loraAbs += Math.abs(z[a]) * lora;
            }
            // 7.5a: Lemma A on Z W* (path zw, W*'s rounding, the addition to the LoRA part when
            // adapted) and s Z B A (its path, the roundings of B, A and s)
            eOut = prop + (zw + (wo.adapted() ? 2 : 1)) * u * frozenAbs
                + (wo.adapted() ? (loraPath(zw, wo) + 2 + scaleRoundings) * u * loraAbs : 0);
          }
          double yy = y[j][cc];
          c[cc] = out - yy;
          ec[cc] = eOut + u * Math.abs(yy) + u * (Math.abs(out) + Math.abs(yy));
          cMag[cc] = Math.abs(c[cc]) + ec[cc];
          residualMax = Math.max(residualMax, Math.abs(c[cc]));
          eLoss += cMag[cc] * ec[cc];
          aLoss += 0.5 * cMag[cc] * cMag[cc];
        }
        lossTerms += ow;
        if (adaptO) {
          // 7.7: dLoss/dW_O = Z^T R, row j's terms
          for (int a = 0; a < zw; a++) {
            so.add(a, z[a], ez[a], zMag[a], c, ec, cMag);
          }
        }
        if (!(adaptQ || adaptK || adaptV)) {
          continue;
        }
        // 7.6: G = R W_O^T (without O: G = R)
        for (int a = 0; a < zw; a++) {
          if (wo == null) {
            gz[a] = c[a];
            egz[a] = ec[a];
          } else {
            double val = 0;
            double prop = 0;
            double frozenAbs = 0;
            double loraAbs = 0;
            for (int cc = 0; cc < ow; cc++) {
              val += c[cc] * wo.merged[a][cc];
              double lora = wo.adapted() ? wo.absLora[a][cc] : 0;
              prop += ec[cc] * (wo.absFrozen[a][cc] + lora);
              frozenAbs += cMag[cc] * wo.absFrozen[a][cc];
              loraAbs += cMag[cc] * lora;
            }
            gz[a] = val;
            egz[a] = prop + (ow + (wo.adapted() ? 2 : 1)) * u * frozenAbs
                + (wo.adapted() ? (loraPath(ow, wo) + 2 + scaleRoundings) * u * loraAbs : 0);
          }
          gzMag[a] = Math.abs(gz[a]) + egz[a];
        }
        for (int t = 0; t < heads; t++) {
          int q0 = t * hw;
          int q1 = q0 + hw;
          int v0 = t * vw;
          int v1 = v0 + vw;
          // Section 3.7 on head t: dLoss/dF_jl = G_j^t . V_l^t
          for (int l = 0; l < n; l++) {
            g[l] = dot(gz, v.value[l], v0, v1);
            eg[l] = dot(egz, v.mag[l], v0, v1) + dot(gzMag, v.e[l], v0, v1)
                + vw * u * PrecisionTolerance.absDot(gz, v.value[l], v0, v1);
          }
          // Section 3.8: P = dLoss/dS on the attended keys
          rows[t].backward(f[t], ef[t], eps[t], g, eg, n, u, pv, ep, pMag);
          for (int l = 0; l < n; l++) {
            if (adaptQ) {
              sq.addBlock(j, q0, q1, pv[l], ep[l], pMag[l], k.value[l], k.e[l], k.mag[l]);
            }
            if (adaptK) {
              sk.addBlock(l, q0, q1, pv[l], ep[l], pMag[l], q.value[j], q.e[j], q.mag[j]);
            }
            if (adaptV) {
              double fl = f[t][l];
              double efl = ef[t][l];
              double fMag = fl + efl;
              for (int i = v0; i < v1; i++) {
                sv.value[l][i] += fl * gz[i];
                sv.err[l][i] += efl * gzMag[i] + fMag * egz[i];
                sv.abs[l][i] += fMag * gzMag[i];
              }
            }
          }
        }
      }
      checkRange(where + " scores beta Q^t (K^t)^T", scoreMax);
      checkRange(where + " residual output - Y", residualMax);
      // Section 3.9 (7.8): the products with X^Q, X^K, X^V, per head block of the columns
      int pathQk = lq + lk + 1;
      if (adaptQ) {
        accumulate(LayerWeight.Q, xq, sq, beta, (pathQk + 2) * u);
      }
      if (adaptK) {
        accumulate(LayerWeight.K, xk, sk, beta, (pathQk + 2) * u);
      }
      if (adaptV) {
        accumulate(LayerWeight.V, xv, sv, 1, (lq + lk + 1) * u);
      }
      if (adaptO) {
        // 7.7: Z^T R, Lq - 1 sums and one product, no input rounding
        double[][] val = vW.get(LayerWeight.O);
        double[][] e = eW.get(LayerWeight.O);
        double[][] pa = pW.get(LayerWeight.O);
        // the terms' magnitude for the unmerged O backward s (Z B_O)^T R, s Z^T (R A_O^T):
        // sum_j mag(Z_ja) mag(R_jc) >= sum_j |Z_ja| |R_jc| (7.8)
        double[][] terms = tW.get(LayerWeight.O);
        for (int a = 0; a < zw; a++) {
          for (int cc = 0; cc < ow; cc++) {
            val[a][cc] += so.value[a][cc];
            e[a][cc] += so.err[a][cc] + lq * u * so.abs[a][cc];
            pa[a][cc] += Math.abs(so.value[a][cc]);
            terms[a][cc] += so.abs[a][cc];
          }
        }
      }
      // Section 5 (7.9): the stages' counts added (n_j for the row's sums, Lk for the final products)
      long outPath = wo == null ? 0 : (wo.adapted() ? loraPath(zw, wo) : zw) + 2 + scaleRoundings;
      long gPath = wo == null ? 0 : (wo.adapted() ? loraPath(ow, wo) : ow) + 2 + scaleRoundings;
      long toResidual = projectionPath + hw + 2 * attendedMax + 6 + outPath + 2;
      chainToGradient = Math.max(chainToGradient,
          Math.max(toResidual + gPath + vw + (attendedMax + 2) + 2 + (lq + lk + 3), toResidual + lq));
      chainToLoss = Math.max(chainToLoss, toResidual);
      underflowOps += 2L * (lq + lk) + hw + vw + 8 + (wo == null ? 0 : zw + ow);
    }

    private void accumulate(LayerWeight mu, double[][] x, PrecisionTolerance.Side side, double c, double k) {
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

  /** {@code sum_{from <= i < to} a_i b_i}, in increasing i. */
  private static double dot(double[] a, double[] b, int from, int to) {
    double acc = 0;
    for (int i = from; i < to; i++) {
      acc += a[i] * b[i];
    }
    return acc;
  }
}
