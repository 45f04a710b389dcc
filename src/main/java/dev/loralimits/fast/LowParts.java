package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The low parts of the inputs that enter the attention scores: for each such decimal input x with
 * nearest double {@code hi = RN(x)} (the entry of the {@link DoubleInstance}), {@code lo = RN(x -
 * hi)}, so that {@code hi + lo} is a normalised double-double with
 * {@code |x - (hi + lo)| <= u |lo| <= u^2 |hi|} (proofs-notes/EXACT-DOUBLE.md section 5.4). Kept for
 * alpha, beta, {@code W*, A, B} of Q and K, and every point's {@code X^Q, X^K, X^V} (X^K and X^V
 * for the centred differences {@code X_l - X_0}); all zero when the instance is given in doubles
 * (its numbers are then exact).
 */
final class LowParts {
  final double alpha;
  final double beta;
  /** {frozen, a, b} per adapter Q and K; a and b are null when frozen. */
  final Map<Adapter, double[][][]> weights = new EnumMap<>(Adapter.class);
  /** {xq, xk, xv} per point (the same array three times for self-attention). */
  final List<double[][][]> points = new ArrayList<>();

  private LowParts(double alpha, double beta) {
    this.alpha = alpha;
    this.beta = beta;
  }

  /** Zero low parts: the double instance is the exact instance. */
  static LowParts zero(DoubleInstance inst) {
    LowParts lp = new LowParts(0, 0);
    for (Adapter mu : new Adapter[] {Adapter.Q, Adapter.K}) {
      DoubleInstance.Weight w = inst.weight(mu);
      lp.weights.put(mu, new double[][][] {zeros(w.frozen()), w.isAdapted() ? zeros(w.a()) : null, w.isAdapted() ? zeros(w.b()) : null});
    }
    for (DoubleInstance.Point p : inst.points()) {
      double[][] q = zeros(p.xq());
      lp.points.add(new double[][][] {
        q, p.xk() == p.xq() ? q : zeros(p.xk()), p.xv() == p.xq() ? q : zeros(p.xv())});
    }
    return lp;
  }

  /**
   * The low parts of a decimal instance whose doubles are {@code doubles} (= {@link
   * DoubleInstance#of}(inst), which has checked every number is in the double range).
   */
  static LowParts of(LoraInstance inst, DoubleInstance doubles) {
    LowParts lp = new LowParts(
        low(inst.alpha(), doubles.alpha()), low(inst.beta(), doubles.beta()));
    for (Adapter mu : new Adapter[] {Adapter.Q, Adapter.K}) {
      Projection p = inst.projection(mu);
      DoubleInstance.Weight w = doubles.weight(mu);
      lp.weights.put(mu, new double[][][] {
        low(p.frozen(), w.frozen()),
        p.isAdapted() ? low(p.a(), w.a()) : null,
        p.isAdapted() ? low(p.b(), w.b()) : null
      });
    }
    for (int i = 0; i < inst.data().size(); i++) {
      DataPoint p = inst.data().get(i);
      DoubleInstance.Point d = doubles.points().get(i);
      double[][] q = low(p.xq(), d.xq());
      lp.points.add(new double[][][] {
        q, d.xk() == d.xq() ? q : low(p.xk(), d.xk()), d.xv() == d.xq() ? q : low(p.xv(), d.xv())});
    }
    return lp;
  }

  /** {@code RN(x - hi)}: the subtraction is exact in BigDecimal, then rounded once. */
  static double low(BigDecimal x, double hi) {
    return x.subtract(new BigDecimal(hi)).doubleValue();
  }

  private static double[][] low(DecimalMatrix x, double[][] hi) {
    double[][] lo = new double[hi.length][hi[0].length];
    for (int i = 0; i < hi.length; i++) {
      for (int j = 0; j < hi[0].length; j++) {
        lo[i][j] = low(x.get(i, j), hi[i][j]);
      }
    }
    return lo;
  }

  private static double[][] zeros(double[][] shape) {
    return new double[shape.length][shape[0].length];
  }
}
