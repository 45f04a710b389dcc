package dev.loralimits.cli;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * How many significant digits two results share: the minimum, over the loss (as a 1 x 1 matrix)
 * and every gradient matrix, of {@code -log10(max|a - b| / max|b|)}. Decided on the exact decimals
 * of the two results; positive infinity when they are identical.
 */
final class FormAgreement {
  /** Digits of the ratio {@code max|a-b| / max|b|} kept before taking its logarithm. */
  private static final MathContext RATIO = new MathContext(17, RoundingMode.HALF_EVEN);

  private FormAgreement() {}

  /**
   * Agreement of {@code a} with {@code b} in significant digits; {@link Double#POSITIVE_INFINITY}
   * when every number is equal, 0 when a matrix of b is zero but that of a is not.
   *
   * @throws IllegalArgumentException when the two results have different adapters or shapes
   */
  static double digits(GradientResult a, GradientResult b) {
    List<DecimalMatrix> as = matrices(a);
    List<DecimalMatrix> bs = matrices(b);
    if (as.size() != bs.size()) {
      throw new IllegalArgumentException("results with different adapters cannot be compared");
    }
    double min = Double.POSITIVE_INFINITY;
    for (int k = 0; k < as.size(); k++) {
      min = Math.min(min, digits(as.get(k), bs.get(k)));
    }
    return min;
  }

  /** {@code -log10(max|a-b| / max|b|)} for one matrix. */
  static double digits(DecimalMatrix a, DecimalMatrix b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
      throw new IllegalArgumentException(
          "matrices of shapes " + a.shape() + " and " + b.shape() + " cannot be compared");
    }
    BigDecimal diff = BigDecimal.ZERO;
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        diff = diff.max(a.get(i, j).subtract(b.get(i, j)).abs());
      }
    }
    if (diff.signum() == 0) {
      return Double.POSITIVE_INFINITY;
    }
    BigDecimal scale = b.maxAbs();
    if (scale.signum() == 0) {
      return 0;
    }
    return -log10(diff.divide(scale, RATIO));
  }

  /** log10 of a positive decimal, without leaving the range of double for tiny or huge x. */
  static double log10(BigDecimal x) {
    // x = u * 10^(-scale) with u the unscaled value; u = m * 10^(precision-1), 1 <= m < 10.
    long exponent = (long) x.precision() - x.scale() - 1;
    double mantissa = x.movePointLeft((int) exponent).doubleValue();
    return exponent + Math.log10(mantissa);
  }

  /** The loss as a 1 x 1 matrix, then A and B of each adapter in Q, K, V order. */
  private static List<DecimalMatrix> matrices(GradientResult r) {
    List<DecimalMatrix> m = new ArrayList<>();
    m.add(DecimalMatrix.of("loss", new BigDecimal[][] {{r.loss()}}));
    for (Adapter mu : r.gradients().keySet()) {
      m.add(r.gradients().get(mu).a());
      m.add(r.gradients().get(mu).b());
    }
    return m;
  }
}
