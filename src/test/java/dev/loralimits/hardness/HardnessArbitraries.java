package dev.loralimits.hardness;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random AAttLGC instances for the H4 properties (seeded, so failures replay). */
final class HardnessArbitraries {
  private HardnessArbitraries() {}

  /**
   * AAttLGC instances with {@code Lq, Lk in [1, maxL]}, {@code m in [1, maxM]}, entries in
   * {@code [-scale, scale]} and {@code lambda in [0, 1]} (lambda = 0 and 1 included).
   */
  static Arbitrary<AAttLGC> instances(int maxL, int maxM, double scale) {
    return Combinators.combine(
            Arbitraries.integers().between(1, maxL),
            Arbitraries.integers().between(1, maxL),
            Arbitraries.integers().between(1, maxM),
            Arbitraries.doubles().between(0, 1).edgeCases(c -> c.includeOnly(0.0, 1.0)),
            Arbitraries.longs())
        .as((lq, lk, m, lambda, seed) -> {
          Random r = new Random(seed);
          return new AAttLGC(
              matrix(lq, m, scale, r), matrix(lk, m, scale, r), matrix(lk, m, scale, r), m, lambda);
        });
  }

  static double[][] matrix(int rows, int cols, double scale, Random r) {
    double[][] x = new double[rows][cols];
    for (double[] row : x) {
      for (int j = 0; j < cols; j++) {
        row[j] = scale * (2 * r.nextDouble() - 1);
      }
    }
    return x;
  }

  /** {@code max_ij |x_ij - y_ij|}. */
  static double maxDiff(double[][] x, double[][] y) {
    double d = 0;
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        d = Math.max(d, Math.abs(x[i][j] - y[i][j]));
      }
    }
    return d;
  }
}
