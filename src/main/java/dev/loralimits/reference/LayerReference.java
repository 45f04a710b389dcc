package dev.loralimits.reference;

import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Projection;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * The reference for attention layers (spec/PROBLEMS.md Section 7, proofs-notes/LAYER.md): the
 * loss and every adapter gradient of a {@link LayerInstance} (heads, causal masks, output
 * projection, batches), under the precision contract of spec/FORMATS.md Section 3.1, certified by
 * the two-level protocol of Section 3.2 (the same acceptance test as {@link ReferenceGradient}).
 *
 * <p>The backward pass is LAYER.md (2.1)-(2.7): per head and query row, the softmax over the
 * attended keys only (masked entries are exact zeros, never {@code exp} of a large negative
 * number) and its centred backward {@code dS_l = F_l ((dF_l - dF_*) - sum_m F_m (dF_m - dF_*))},
 * {@code *} the row's first largest score, which is {@code F (.) (dF - sum F dF)} rewritten so
 * that a near one-hot row does not cancel (LAYER.md 2.4).
 *
 * <p>Engines: the levels run on the binary engine first ({@link BinaryLayer}: P-bit mantissas, one
 * rounding per sum; several times faster than apfloat), and on apfloat ({@link #computeAt}) when
 * the binary engine cannot represent a number or no pair of its levels agrees (an exact zero that
 * binary rounding of decimal inputs blurs). Both follow LAYER.md (1.1)-(2.7) in the same order.
 *
 * <p>Range: results as {@link RangeGuard} (gradients wide when beyond the decimal range); a row
 * with a shifted score below {@code -DROP_ARGUMENT / 2} is refused ({@link OutOfRangeException}):
 * the dropping argument of LEMMAS.md 9.2 is not carried over to layers.
 */
public final class LayerReference {
  /** The method name written in gradient files. */
  public static final String METHOD = "reference";

  private LayerReference() {}

  /** One unverified evaluation: the loss and, per adapted projection, dLoss/dA and dLoss/dB. */
  record ApLayer(Apfloat loss, Map<LayerWeight, ApMatrix> gradA, Map<LayerWeight, ApMatrix> gradB) {}

  /**
   * The loss and adapter gradients of {@code inst}, each number correct to {@code digits}
   * significant digits under the precision contract.
   *
   * @param inst the layer instance, not null
   * @param digits significant digits, 1 to {@value ReferenceGradient#MAX_DIGITS}
   * @return the certified result, method {@value #METHOD}
   * @throws IllegalArgumentException when an argument is null or digits is out of range
   * @throws ArithmeticException when the contract cannot be verified below
   *     {@link ReferenceGradient#maxPrecision}
   * @throws OutOfRangeException when a result is outside the range the reference can write, or a
   *     softmax argument is below {@code -10^18}
   */
  public static LayerResult compute(LayerInstance inst, int digits) {
    return compute(inst, digits, Progress.NONE);
  }

  /**
   * As {@link #compute(LayerInstance, int)}, reporting finished query rows (per head, per level)
   * to {@code progress}.
   *
   * @throws IllegalArgumentException when an argument is null or digits is out of range
   * @throws ArithmeticException as {@link #compute(LayerInstance, int)}
   */
  public static LayerResult compute(LayerInstance inst, int digits, Progress progress) {
    Checks.notNull("instance", inst);
    Checks.notNull("progress", progress);
    Checks.inRange("digits", digits, 1, ReferenceGradient.MAX_DIGITS);
    Rows rows = new Rows(inst, progress);
    try {
      LayerResult r = certify(inst, digits, BinaryLayer::computeAt, false, rows);
      if (r != null) {
        return r;
      }
    } catch (OutOfBinaryRangeException e) {
      // beyond the binary engine's exact conversions: the apfloat path answers
    }
    return certify(inst, digits, LayerReference::computeAt, true, rows);
  }

  /**
   * As {@link #compute}, on the apfloat path only (the binary engine's fallback, and the
   * independent evaluation the properties compare it with).
   *
   * @throws ArithmeticException as {@link #compute}
   */
  static LayerResult computeApfloat(LayerInstance inst, int digits) {
    return certify(inst, digits, LayerReference::computeAt, true, new Rows(inst, Progress.NONE));
  }

  /** One unverified evaluation at p digits, calling {@code rowDone} after each query row of each head. */
  interface Evaluation {
    ApLayer at(LayerInstance inst, long p, Runnable rowDone);
  }

  /** The rows of every level so far, reported to a {@link Progress}. */
  private static final class Rows {
    private final long perLevel;
    private final Progress progress;
    private long done;
    private long total;

    Rows(LayerInstance inst, Progress progress) {
      long n = 0;
      for (var p : inst.data()) {
        n += (long) p.queryLength() * inst.heads();
      }
      this.perLevel = n;
      this.progress = progress;
    }

    void level() {
      total += perLevel;
      progress.advance(done, total);
    }

    void row() {
      done++;
      progress.advance(done, total);
    }
  }

  /**
   * The two-level protocol (FORMATS 3.2) on {@code eval}: null when no pair of levels agrees below
   * the cap and {@code mustAnswer} is false (the binary engine's binary rounding of decimal zeros,
   * as in {@link BinaryReference}), an ArithmeticException when it is true.
   */
  private static LayerResult certify(LayerInstance inst, int digits, Evaluation eval, boolean mustAnswer, Rows rows) {
    long p = digits + ReferenceGradient.GUARD_DIGITS;
    long step = ReferenceGradient.GUARD_DIGITS;
    rows.level();
    ApLayer coarse = admit(eval.at(inst, p, rows::row));
    while (true) {
      long fine = p + step;
      rows.level();
      ApLayer accurate = admit(eval.at(inst, fine, rows::row));
      String disagreement = disagreement(coarse, accurate, digits);
      if (disagreement == null) {
        return round(accurate, digits);
      }
      if (fine >= ReferenceGradient.maxPrecision(digits)) {
        if (!mustAnswer) {
          return null;
        }
        throw new ArithmeticException(
            "could not certify " + digits + " digits of " + disagreement + " at precision " + fine);
      }
      coarse = accurate;
      p = fine;
      step *= 2;
    }
  }

  private static ApLayer admit(ApLayer g) {
    Apfloat loss = RangeGuard.inRange("the loss", ApMatrix.column(new Apfloat[] {g.loss()}), RangeGuard.MAX_RESULT_EXPONENT, "").get(0, 0);
    Map<LayerWeight, ApMatrix> a = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, ApMatrix> b = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : g.gradA().keySet()) {
      a.put(mu, RangeGuard.inRange("dLoss/dA_" + mu, g.gradA().get(mu), RangeGuard.MAX_WIDE_EXPONENT, ""));
      b.put(mu, RangeGuard.inRange("dLoss/dB_" + mu, g.gradB().get(mu), RangeGuard.MAX_WIDE_EXPONENT, ""));
    }
    return new ApLayer(loss, a, b);
  }

  /** Null when every matrix of the two levels agrees, else the name of the first that does not. */
  static String disagreement(ApLayer coarse, ApLayer fine, int digits) {
    if (!ReferenceGradient.agrees(coarse.loss(), fine.loss(), ReferenceGradient.magnitude(fine.loss()), digits)) {
      return "the loss";
    }
    for (LayerWeight mu : fine.gradA().keySet()) {
      if (!ReferenceGradient.agrees(coarse.gradA().get(mu), fine.gradA().get(mu), digits)) {
        return "dLoss/dA_" + mu;
      }
      if (!ReferenceGradient.agrees(coarse.gradB().get(mu), fine.gradB().get(mu), digits)) {
        return "dLoss/dB_" + mu;
      }
    }
    return null;
  }

  private static LayerResult round(ApLayer g, int digits) {
    MathContext mc = new MathContext(digits, RoundingMode.HALF_EVEN);
    Map<LayerWeight, AdapterGradient> out = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : g.gradA().keySet()) {
      out.put(mu, new AdapterGradient(
          ReferenceGradient.round(g.gradA().get(mu), "dLoss/dA_" + mu, mc),
          ReferenceGradient.round(g.gradB().get(mu), "dLoss/dB_" + mu, mc)));
    }
    return new LayerResult(METHOD, digits, ApMatrix.toBigDecimal(g.loss()).round(mc), out);
  }

  /**
   * The adapter scale {@code s = alpha / r} or {@code alpha / sqrt(r)} at working precision
   * (LAYER.md 1.1).
   */
  static Apfloat scale(LoraScaling scaling, Apfloat alpha, int r, Arithmetic ar) {
    Apfloat root = scaling == LoraScaling.LORA ? new Apfloat(r) : ApfloatMath.sqrt(new Apfloat(r, ar.precision()));
    return ar.divide(alpha, root);
  }

  /**
   * One evaluation of LAYER.md (1.1)-(2.7) with every operation rounded to p digits (for the
   * protocol above and for tests).
   */
  static ApLayer computeAt(LayerInstance inst, long p) {
    return computeAt(inst, p, () -> {});
  }

  /** As {@link #computeAt(LayerInstance, long)}, calling {@code rowDone} after each query row of each head. */
  static ApLayer computeAt(LayerInstance inst, long p, Runnable rowDone) {
    Arithmetic ar = new Arithmetic(p);
    Apfloat alpha = ApMatrix.exact(inst.alpha());
    Apfloat beta = ApMatrix.exact(inst.beta());
    Map<LayerWeight, ApMatrix> w = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Apfloat> s = new EnumMap<>(LayerWeight.class);
    for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
      Projection pr = e.getValue();
      ApMatrix frozen = ApMatrix.exact(pr.frozen());
      if (pr.isAdapted()) {
        Apfloat sc = scale(inst.scaling(), alpha, pr.rank().orElseThrow(), ar);
        s.put(e.getKey(), sc);
        w.put(e.getKey(), ar.add(frozen, ar.scale(sc, ar.multiply(ApMatrix.exact(pr.b()), ApMatrix.exact(pr.a())))));
      } else {
        w.put(e.getKey(), frozen);
      }
    }
    Map<LayerWeight, ApMatrix> dw = new EnumMap<>(LayerWeight.class);
    Apfloat loss = Apfloat.ZERO;
    for (int i = 0; i < inst.data().size(); i++) {
      PointGradient pg = point(inst, i, w, beta, ar, rowDone);
      loss = ar.add(loss, pg.loss);
      for (Map.Entry<LayerWeight, ApMatrix> e : pg.dw.entrySet()) {
        dw.merge(e.getKey(), e.getValue(), ar::add);
      }
    }
    Map<LayerWeight, ApMatrix> ga = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, ApMatrix> gb = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : inst.adapted()) {
      Projection pr = inst.projection(mu).orElseThrow();
      Apfloat sc = s.get(mu);
      ApMatrix g = dw.get(mu);
      // (2.7): dLoss/dA = s B^T dW, dLoss/dB = s dW A^T
      ga.put(mu, ar.scale(sc, ar.multiply(ApMatrix.exact(pr.b()).transpose(), g)));
      gb.put(mu, ar.scale(sc, ar.multiply(g, ApMatrix.exact(pr.a()).transpose())));
    }
    return new ApLayer(loss, ga, gb);
  }

  private record PointGradient(Apfloat loss, Map<LayerWeight, ApMatrix> dw) {}

  /** The loss of point i and the gradients with respect to every merged weight W_mu. */
  private static PointGradient point(
      LayerInstance inst, int i, Map<LayerWeight, ApMatrix> w, Apfloat beta, Arithmetic ar, Runnable rowDone) {
    DataPoint pt = inst.data().get(i);
    ApMatrix xq = ApMatrix.exact(pt.xq());
    ApMatrix xk = ApMatrix.exact(pt.xk());
    ApMatrix xv = ApMatrix.exact(pt.xv());
    ApMatrix q = ar.multiply(xq, w.get(LayerWeight.Q));
    ApMatrix k = ar.multiply(xk, w.get(LayerWeight.K));
    ApMatrix v = ar.multiply(xv, w.get(LayerWeight.V));
    int lq = q.rows();
    int lk = k.rows();
    int heads = inst.heads();
    int hw = inst.headWidth();
    int vw = inst.valueHeadWidth();
    // (1.2)-(1.3): softmax rows over the attended keys, and Z
    Apfloat[][][] f = new Apfloat[heads][lq][];
    int[][] star = new int[heads][lq];
    Apfloat[][] z = new Apfloat[lq][heads * vw];
    for (int t = 0; t < heads; t++) {
      for (int j = 0; j < lq; j++) {
        int n = inst.masking().lastKey(j, lq, lk) + 1;
        Apfloat[] sc = new Apfloat[n];
        for (int l = 0; l < n; l++) {
          sc[l] = ar.multiply(beta, dot(q, j, k, l, t * hw, hw, ar));
        }
        star[t][j] = argMax(sc);
        checkNotDropped(sc, sc[star[t][j]], i, t, j, ar);
        f[t][j] = AttentionHead.softmaxRow(sc, ar);
        for (int c = 0; c < vw; c++) {
          Apfloat acc = Apfloat.ZERO;
          for (int l = 0; l < n; l++) {
            acc = ar.add(acc, ar.multiply(f[t][j][l], v.get(l, t * vw + c)));
          }
          z[j][t * vw + c] = acc;
        }
      }
    }
    ApMatrix zm = ApMatrix.of(z);
    ApMatrix wo = w.get(LayerWeight.O);
    // (1.4): residual R = Z W_O - Y (or Z - Y); (2.1): G = dLoss/dZ = R W_O^T (or R)
    ApMatrix r = ar.subtract(wo == null ? zm : ar.multiply(zm, wo), ApMatrix.exact(pt.y()));
    Apfloat loss = ar.halfSquaredFrobenius(r);
    ApMatrix g = wo == null ? r : ar.multiply(r, wo.transpose());
    Map<LayerWeight, ApMatrix> dw = new EnumMap<>(LayerWeight.class);
    if (wo != null) {
      dw.put(LayerWeight.O, ar.multiply(zm.transpose(), r)); // (2.2)
    }
    Apfloat[][] dq = zeros(lq, heads * hw);
    Apfloat[][] dk = zeros(lk, heads * hw);
    Apfloat[][] dv = zeros(lk, heads * vw);
    for (int t = 0; t < heads; t++) {
      for (int j = 0; j < lq; j++) {
        Apfloat[] fj = f[t][j];
        int n = fj.length;
        // (2.3): dF_l = G_j^t . V_l^t ; (2.4): centred softmax backward
        Apfloat[] df = new Apfloat[n];
        for (int l = 0; l < n; l++) {
          df[l] = dot(g, j, v, l, t * vw, vw, ar);
        }
        Apfloat pivot = df[star[t][j]];
        Apfloat[] c = new Apfloat[n];
        Apfloat shift = Apfloat.ZERO;
        for (int l = 0; l < n; l++) {
          c[l] = ar.subtract(df[l], pivot);
          shift = ar.add(shift, ar.multiply(fj[l], c[l]));
        }
        for (int l = 0; l < n; l++) {
          Apfloat ds = ar.multiply(beta, ar.multiply(fj[l], ar.subtract(c[l], shift)));
          for (int a = 0; a < hw; a++) {
            // (2.5): dQ_j^t = beta sum_l dS_jl K_l^t, dK_l^t += beta dS_jl Q_j^t
            dq[j][t * hw + a] = ar.add(dq[j][t * hw + a], ar.multiply(ds, k.get(l, t * hw + a)));
            dk[l][t * hw + a] = ar.add(dk[l][t * hw + a], ar.multiply(ds, q.get(j, t * hw + a)));
          }
          for (int a = 0; a < vw; a++) {
            // (2.6): dV_l^t += F_jl G_j^t
            dv[l][t * vw + a] = ar.add(dv[l][t * vw + a], ar.multiply(fj[l], g.get(j, t * vw + a)));
          }
        }
        rowDone.run();
      }
    }
    dw.put(LayerWeight.Q, ar.multiply(xq.transpose(), ApMatrix.of(dq)));
    dw.put(LayerWeight.K, ar.multiply(xk.transpose(), ApMatrix.of(dk)));
    dw.put(LayerWeight.V, ar.multiply(xv.transpose(), ApMatrix.of(dv)));
    return new PointGradient(loss, dw);
  }

  /** {@code sum_{c < width} a[j, from + c] b[l, from + c]}, left to right. */
  private static Apfloat dot(ApMatrix a, int j, ApMatrix b, int l, int from, int width, Arithmetic ar) {
    Apfloat s = Apfloat.ZERO;
    for (int c = 0; c < width; c++) {
      s = ar.add(s, ar.multiply(a.get(j, from + c), b.get(l, from + c)));
    }
    return s;
  }

  /** The index of the first largest entry. */
  private static int argMax(Apfloat[] s) {
    int m = 0;
    for (int l = 1; l < s.length; l++) {
      if (s[l].compareTo(s[m]) > 0) {
        m = l;
      }
    }
    return m;
  }

  private static void checkNotDropped(Apfloat[] s, Apfloat max, int point, int head, int row, Arithmetic ar) {
    Apfloat threshold = AttentionHead.DROP_ARGUMENT.divide(new Apfloat(2)).negate();
    for (Apfloat x : s) {
      Apfloat t = ar.subtract(x, max);
      if (t.compareTo(threshold) < 0) {
        throw new OutOfRangeException(
            "the reference cannot answer: the softmax of data point " + point + ", head " + head + ", row " + row
                + " has an entry of about exp(" + t.precision(3).toString(false) + "), below 10^-(4.3e17);"
                + " layers do not take such entries as 0");
      }
    }
  }

  private static Apfloat[][] zeros(int rows, int cols) {
    Apfloat[][] a = new Apfloat[rows][cols];
    for (Apfloat[] row : a) {
      java.util.Arrays.fill(row, Apfloat.ZERO);
    }
    return a;
  }
}
