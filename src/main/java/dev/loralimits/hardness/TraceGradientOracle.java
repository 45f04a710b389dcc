package dev.loralimits.hardness;

import dev.loralimits.model.Checks;
import java.math.BigDecimal;

/**
 * The quantity the quadrature integrates: {@code phi'(lambda) = trace(dl/dX (lambda I_m))}.
 *
 * <p>Contract used by {@link LossFromGradients#phiAtOne}: for every lambda in (0, 1) the returned
 * t satisfies {@code |t - phi'(lambda)| <= m eps + u |t|} ({@code u = 2^-53}), where eps is the
 * {@code oracleEps} passed there. An m x m oracle with max-entry error eps meets it through
 * {@link #ofGradient} (m diagonal entries, each off by at most eps; the exact sum is rounded
 * once).
 */
@FunctionalInterface
public interface TraceGradientOracle {
  /** An approximation of {@code trace(dl/dX (lambda I_m))}. */
  double traceGradient(double lambda);

  /**
   * The trace of a matrix oracle, summed exactly (BigDecimal) and rounded once to double.
   *
   * @throws IllegalArgumentException (when called) if the matrix is not square or has a
   *     non-finite diagonal entry
   */
  static TraceGradientOracle ofGradient(GradientOracle oracle) {
    Checks.notNull("oracle", oracle);
    return lambda -> {
      double[][] g = oracle.gradient(lambda);
      BigDecimal sum = BigDecimal.ZERO;
      for (int i = 0; i < g.length; i++) {
        Checks.argument(g[i].length == g.length,
            "gradient row " + i + " has " + g[i].length + " entries, expected " + g.length);
        sum = sum.add(new BigDecimal(Checks.finite("gradient[" + i + "][" + i + "]", g[i][i])));
      }
      return sum.doubleValue();
    };
  }
}
