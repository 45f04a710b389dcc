package dev.loralimits.cli;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.FastResult;
import dev.loralimits.io.GradientExtras;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

/**
 * The results of the double methods ({@code exact}, {@code fast}) as a {@link GradientResult}, so
 * that one writer ({@link dev.loralimits.io.GradientJson}) serves every method.
 */
final class DoubleResults {
  /**
   * Significant digits written for a double: 17 decimal digits identify every binary64 number
   * ({@code 1 + ceil(53 log10 2) = 17}, IEEE 754-2008 Section 5.12.2), so the written number,
   * the double's exact value rounded half to even, reads back as the same double.
   */
  static final int DIGITS = 17;

  private DoubleResults() {}

  /**
   * {@code g} with every number converted exactly ({@code new BigDecimal(double)}); the writer
   * rounds to {@value #DIGITS} digits.
   *
   * @throws ArithmeticException when a number is NaN or infinite (the computation overflowed)
   */
  static GradientResult of(String method, DoubleGradients g) {
    Map<Adapter, AdapterGradient> out = new EnumMap<>(Adapter.class);
    for (Adapter mu : g.gradA().keySet()) {
      out.put(
          mu,
          new AdapterGradient(
              matrix("dLoss/dA_" + mu, g.gradA().get(mu)), matrix("dLoss/dB_" + mu, g.gradB().get(mu))));
    }
    return new GradientResult(method, DIGITS, exact("the loss", g.loss()), out);
  }

  /** The certificate of a fast answer, for the extra fields of the gradient file. */
  static GradientExtras.Certificate certificate(FastResult r) {
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
