package dev.loralimits.hardness;

import dev.loralimits.fast.Dense;
import dev.loralimits.model.Checks;

/**
 * The AAttLGC loss and gradient in doubles (Alman-Song 2024, Definition 1.4; the paper's
 * Definition E.1), with {@code E = 0}:
 * {@code l(X) = 1/2 ||D^{-1} exp(A1 X A2^T / m) A3||_F^2} at {@code X = lambda I_m}.
 *
 * <p>With {@code S = lambda A1 A2^T / m}, {@code F = softmax rows of S} (row maxima subtracted),
 * {@code c = F A3}, {@code s_j = ||c_j||^2}:
 * {@code P[j,l] = F[j,l] (c_j . A3_l - s_j) = dl/dS} and {@code dl/dX = (1/m) A1^T P A2}.
 * This is the direct double-precision oracle the quadrature tests use; its rounding error is not
 * bounded here (it is the quadratic algorithm, whose analysis is proofs-notes/EXACT-DOUBLE.md).
 */
public final class AttentionLossGradient {
  private AttentionLossGradient() {}

  /**
   * {@code dl/dX (lambda I_m)}, an m x m matrix.
   *
   * @throws IllegalArgumentException when the matrices are not all L x m with L, m >= 1, or
   *     lambda is not finite
   */
  public static double[][] gradient(double[][] a1, double[][] a2, double[][] a3, double lambda) {
    int m = checkShapes(a1, a2, a3);
    Checks.finite("lambda", lambda);
    int len = a1.length;
    double[][] f = softmax(scores(a1, a2), lambda);
    double[][] c = Dense.multiply(f, a3);
    double[][] t = new double[len][m]; // t = P A2, row by row
    for (int j = 0; j < len; j++) {
      double s = Dense.dot(c[j], c[j]);
      for (int l = 0; l < len; l++) {
        double p = f[j][l] * (Dense.dot(c[j], a3[l]) - s);
        for (int k = 0; k < m; k++) {
          t[j][k] += p * a2[l][k];
        }
      }
    }
    double[][] g = new double[m][m];
    for (int j = 0; j < len; j++) {
      for (int k1 = 0; k1 < m; k1++) {
        double a = a1[j][k1];
        for (int k2 = 0; k2 < m; k2++) {
          g[k1][k2] += a * t[j][k2];
        }
      }
    }
    for (double[] row : g) {
      for (int k = 0; k < m; k++) {
        row[k] /= m;
      }
    }
    return g;
  }

  /** The gradient as an oracle: {@code lambda -> gradient(a1, a2, a3, lambda)}. */
  public static GradientOracle oracle(double[][] a1, double[][] a2, double[][] a3) {
    checkShapes(a1, a2, a3);
    double[][] c1 = Dense.copy(a1);
    double[][] c2 = Dense.copy(a2);
    double[][] c3 = Dense.copy(a3);
    return lambda -> gradient(c1, c2, c3, lambda);
  }

  /**
   * {@code phi(lambda) = l(lambda I_m)}, evaluated directly (row maxima subtracted).
   *
   * @throws IllegalArgumentException as {@link #gradient}
   */
  public static double loss(double[][] a1, double[][] a2, double[][] a3, double lambda) {
    checkShapes(a1, a2, a3);
    Checks.finite("lambda", lambda);
    double[][] c = Dense.multiply(softmax(scores(a1, a2), lambda), a3);
    double sum = 0;
    for (double[] row : c) {
      sum += Dense.dot(row, row);
    }
    return sum / 2;
  }

  /** {@code A1 A2^T / m}, the scores at lambda = 1. */
  static double[][] scores(double[][] a1, double[][] a2) {
    int len = a1.length;
    int m = a1[0].length;
    double[][] g = new double[len][len];
    for (int j = 0; j < len; j++) {
      for (int l = 0; l < len; l++) {
        g[j][l] = Dense.dot(a1[j], a2[l]) / m;
      }
    }
    return g;
  }

  private static double[][] softmax(double[][] g, double lambda) {
    int len = g.length;
    double[][] f = new double[len][len];
    for (int j = 0; j < len; j++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < len; l++) {
        max = Math.max(max, lambda * g[j][l]);
      }
      double sum = 0;
      for (int l = 0; l < len; l++) {
        f[j][l] = Math.exp(lambda * g[j][l] - max);
        sum += f[j][l];
      }
      for (int l = 0; l < len; l++) {
        f[j][l] /= sum;
      }
    }
    return f;
  }

  /**
   * Checks that a1, a2, a3 are L x m with L, m >= 1 and finite entries; returns m.
   *
   * @throws IllegalArgumentException "a2 has 3 rows, expected 4 (rows of a1)" and the like
   */
  static int checkShapes(double[][] a1, double[][] a2, double[][] a3) {
    Checks.notNull("a1", a1);
    Checks.notNull("a2", a2);
    Checks.notNull("a3", a3);
    Checks.positive("rows of a1", a1.length);
    Checks.notNull("a1[0]", a1[0]);
    int m = Checks.positive("columns of a1", a1[0].length);
    int len = a1.length;
    checkMatrix("a1", a1, len, m);
    checkMatrix("a2", a2, len, m);
    checkMatrix("a3", a3, len, m);
    return m;
  }

  private static void checkMatrix(String name, double[][] a, int len, int m) {
    Checks.argument(a.length == len,
        name + " has " + a.length + " rows, expected " + len + " (rows of a1)");
    for (int i = 0; i < len; i++) {
      Checks.notNull(name + "[" + i + "]", a[i]);
      Checks.argument(a[i].length == m, name + " row " + i + " has " + a[i].length
          + " columns, expected " + m + " (columns of a1)");
      for (int k = 0; k < m; k++) {
        Checks.finite(name + "[" + i + "][" + k + "]", a[i][k]);
      }
    }
  }
}
