package dev.loralimits.api;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.FastResult;
import dev.loralimits.io.GradientExtras;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

/**
 * The double methods' results as the common result type: {@link DoubleGradients} to {@link
 * GradientResult} (every double converted exactly), and a {@link FastResult}'s certificate to the
 * {@link GradientExtras.Certificate} that gradient files and {@link Answer} carry.
 */
public final class Conversions {
  /**
   * Significant digits recorded for a double: 17 decimal digits identify every binary64 number
   * ({@code 1 + ceil(53 log10 2) = 17}, IEEE 754-2008 Section 5.12.2), so the written number,
   * the double's exact value rounded half to even, reads back as the same double.
   */
  public static final int DOUBLE_DIGITS = 17;

  private Conversions() {}

  /**
   * {@code g} with every number converted exactly ({@code new BigDecimal(double)}); writers
   * round to {@value #DOUBLE_DIGITS} digits.
   *
   * @param method the name recorded as the result's method ({@code exact}, {@code fast})
   * @param g the double result
   * @return the same numbers as decimals
   * @throws IllegalArgumentException when method or g is null
   * @throws ArithmeticException when a number is NaN or infinite (the computation overflowed),
   *     naming the matrix and entry
   */
  public static GradientResult toResult(String method, DoubleGradients g) {
    Checks.notNull("method", method);
    Checks.notNull("g", g);
    Map<Adapter, AdapterGradient> out = new EnumMap<>(Adapter.class);
    for (Adapter mu : g.gradA().keySet()) {
      out.put(
          mu,
          new AdapterGradient(
              matrix("dLoss/dA_" + mu, g.gradA().get(mu)), matrix("dLoss/dB_" + mu, g.gradB().get(mu))));
    }
    return new GradientResult(method, DOUBLE_DIGITS, exact("the loss", g.loss()), out);
  }

  /**
   * The certificate of a fast answer.
   *
   * @param r the fast answer
   * @return its epsilon, bounds, degree, rank, radius, polynomial and kernel error
   * @throws IllegalArgumentException when r is null
   */
  public static GradientExtras.Certificate certificate(FastResult r) {
    Checks.notNull("r", r);
    Map<Adapter, GradientExtras.FactorBounds> bound = new EnumMap<>(Adapter.class);
    for (Adapter mu : r.boundA().keySet()) {
      bound.put(mu, new GradientExtras.FactorBounds(r.boundA().get(mu), r.boundB().get(mu)));
    }
    return new GradientExtras.Certificate(
        r.epsilon(), bound, r.lossBound(), r.degree(), r.rank(), r.radius(), r.kind().name(), r.kernelDelta());
  }

  private static DecimalMatrix matrix(String name, double[][] m) {
    BigDecimal[][] b = new BigDecimal[m.length][];
    for (int i = 0; i < m.length; i++) {
      b[i] = new BigDecimal[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        b[i][j] = exact(name + "[" + i + "][" + j + "]", m[i][j]);
      }
    }
    return DecimalMatrix.of(name, b);
  }

  private static BigDecimal exact(String name, double x) {
    if (!Double.isFinite(x)) {
      throw new ArithmeticException(name + " is not finite (" + x + "): an intermediate overflowed the double range");
    }
    return new BigDecimal(x);
  }
}
