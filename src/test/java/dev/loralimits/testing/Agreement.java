package dev.loralimits.testing;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApGradients;
import dev.loralimits.reference.ApMatrix;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.math.MathContext;
import org.apfloat.Apfloat;

/**
 * Normwise agreement in significant digits: {@code -log10(max|a - b| / max|b|)} per matrix, the
 * minimum over all matrices of two results (the LRE of NIST StRD, normwise). Identical matrices
 * count as {@link #IDENTICAL} digits.
 */
public final class Agreement {
  /** Reported when two matrices are identical (including both zero). */
  public static final double IDENTICAL = 1000;

  private Agreement() {}

  /** Agreement of two matrices in normwise significant digits. */
  public static double digits(ApMatrix a, ApMatrix b) {
    return digits(a, b, BigDecimal.ZERO);
  }

  /**
   * Agreement of two matrices in significant digits relative to {@code max(max|b|, floor)}: a
   * matrix that vanishes (or nearly) is compared absolutely against {@code floor}.
   */
  public static double digits(ApMatrix a, ApMatrix b, BigDecimal floor) {
    BigDecimal diff = BigDecimal.ZERO;
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        diff = diff.max(dec(a.get(i, j)).subtract(dec(b.get(i, j))).abs());
      }
    }
    return digits(diff, dec(b.maxAbs()).max(floor));
  }

  /** Agreement of two scalars in significant digits. */
  public static double digits(Apfloat a, Apfloat b) {
    return digits(dec(a).subtract(dec(b)).abs(), dec(b).abs());
  }

  /**
   * The least agreement over the loss and every adapter gradient, each matrix measured relative to
   * {@code max(max|matrix of b|, zeroFloor * M)} with M = {@link #largestMagnitude}(b).
   */
  public static double digits(ApGradients a, ApGradients b, double zeroFloor) {
    if (!a.gradA().keySet().equals(b.gradA().keySet())) {
      return 0;
    }
    BigDecimal floor = dec(largestMagnitude(b)).multiply(new BigDecimal(zeroFloor));
    double m = digits(a.loss(), b.loss());
    for (Adapter mu : b.gradA().keySet()) {
      m = Math.min(m, digits(a.gradA().get(mu), b.gradA().get(mu), floor));
      m = Math.min(m, digits(a.gradB().get(mu), b.gradB().get(mu), floor));
    }
    return m;
  }

  /**
   * The largest magnitude among the loss and every gradient entry of g: a scale for the rounding
   * noise of matrices that vanish, in tests that compare unverified runs. (The precision contract
   * itself scales each matrix by its own largest entry, {@link ReferenceGradient#magnitude}.)
   */
  public static Apfloat largestMagnitude(ApGradients g) {
    Apfloat m = ReferenceGradient.magnitude(g.loss());
    for (Adapter mu : g.gradA().keySet()) {
      m = max(m, ReferenceGradient.magnitude(g.gradA().get(mu)));
      m = max(m, ReferenceGradient.magnitude(g.gradB().get(mu)));
    }
    return m;
  }

  private static Apfloat max(Apfloat a, Apfloat b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static double digits(BigDecimal diff, BigDecimal scale) {
    if (diff.signum() == 0) {
      return IDENTICAL;
    }
    if (scale.signum() == 0) {
      return -log10(diff);
    }
    return log10(scale) - log10(diff);
  }

  private static double log10(BigDecimal x) {
    BigDecimal r = x.round(new MathContext(17));
    return Math.log10(r.unscaledValue().doubleValue()) - r.scale();
  }

  private static BigDecimal dec(Apfloat x) {
    return ApMatrix.toBigDecimal(x);
  }
}
