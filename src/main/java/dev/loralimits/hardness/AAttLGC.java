package dev.loralimits.hardness;

import dev.loralimits.fast.Dense;
import dev.loralimits.model.Checks;

/**
 * An approximate attention loss gradient computation instance (AAttLGC; Alman-Song 2024,
 * Definition 1.4; the LoRA paper's Definition E.1), with {@code E = 0} and {@code X = lambda I_m}:
 *
 * <pre>
 *   l(X) = 1/2 || D^{-1} exp(A1 X A2^T / m) A3 ||_F^2,     D = diag(exp(A1 X A2^T / m) 1)
 * </pre>
 *
 * The answer is {@code dl/dX} at {@code X = lambda I_m} ({@link #gradient()}), computed here
 * directly in doubles (the comparison target of H4, proofs-notes/MODEL.md §5.3). {@code A1} is {@code Lq x m};
 * {@code A2} and {@code A3} are {@code Lk x m} (Alman-Song take {@code Lq = Lk = L}).
 *
 * <p>The constructor copies the arrays; the accessors return the internal arrays, which callers
 * must not modify.
 *
 * @param a1 A1, {@code Lq x m}
 * @param a2 A2, {@code Lk x m}
 * @param a3 A3, {@code Lk x m}
 * @param m the width m, at least 1
 * @param lambda lambda (Alman-Song take it in [0, 1]; any finite value is accepted)
 */
public record AAttLGC(double[][] a1, double[][] a2, double[][] a3, int m, double lambda) {
  /** @throws IllegalArgumentException when a shape is wrong or a number is not finite */
  public AAttLGC {
    Checks.positive("m", m);
    Checks.finite("lambda", lambda);
    a1 = copy("A1", a1, -1, m);
    a2 = copy("A2", a2, -1, m);
    a3 = copy("A3", a3, a2.length, m);
  }

  /**
   * H3's mapping of an H2 instance (proofs-notes/MODEL.md §5.3): {@code A1 = m Q}, {@code A2 = K}, {@code A3 = V},
   * so that {@code A1 X A2^T / m = lambda Q K^T} (the H2 scores at lambda = 1) and, after H4,
   * {@code ||C1 B_Q A_Q||_inf = lambda ||Q||_inf = lambda sqrt(B)},
   * {@code ||C2||_inf = ||K||_inf = sqrt(B)} (when a vector of each padded side has a 1;
   * in doubles {@code m Q} and {@code lambda/m} are rounded, so equality is to a few ulps, exact
   * when m is a power of two and lambda = 1).
   *
   * @throws IllegalArgumentException when the detection instance is missing or lambda not finite
   */
  public static AAttLGC ofDetection(AttentionDetection det, double lambda) {
    Checks.notNull("detection", det);
    int m = det.m();
    double[][] a1 = new double[det.length()][m];
    for (int i = 0; i < a1.length; i++) {
      for (int j = 0; j < m; j++) {
        a1[i][j] = m * det.q()[i][j];
      }
    }
    return new AAttLGC(a1, det.k(), det.v(), m, lambda);
  }

  private static double[][] copy(String name, double[][] x, int rows, int cols) {
    Checks.notNull(name, x);
    Checks.argument(x.length > 0, name + " must have at least one row");
    if (rows >= 0) {
      Checks.argument(x.length == rows, name + " has " + x.length + " rows, expected " + rows + " (A2 and A3 have the same length)");
    }
    double[][] c = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      c[i] = Checks.notNull(name + "[" + i + "]", x[i]).clone();
      Checks.argument(c[i].length == cols, name + "[" + i + "] has " + c[i].length + " entries, expected m = " + cols);
      for (int j = 0; j < cols; j++) {
        Checks.finite(name + "[" + i + "][" + j + "]", c[i][j]);
      }
    }
    return c;
  }

  /** The scores {@code S = A1 X A2^T / m} at {@code X = lambda I}: {@code S[j,l] = lambda (A1_j . A2_l) / m}. */
  public double[][] scores() {
    double[][] s = new double[a1.length][a2.length];
    for (int j = 0; j < a1.length; j++) {
      for (int l = 0; l < a2.length; l++) {
        double dot = 0;
        for (int c = 0; c < m; c++) {
          dot += a1[j][c] * a2[l][c];
        }
        s[j][l] = lambda * dot / m;
      }
    }
    return s;
  }

  /** The row-softmax {@code F = D^{-1} exp(S)}, stably (row maxima subtracted). */
  public double[][] attention() {
    double[][] f = scores();
    for (double[] row : f) {
      double max = Double.NEGATIVE_INFINITY;
      for (double x : row) {
        max = Math.max(max, x);
      }
      double z = 0;
      for (int l = 0; l < row.length; l++) {
        row[l] = StrictMath.exp(row[l] - max);
        z += row[l];
      }
      for (int l = 0; l < row.length; l++) {
        row[l] /= z;
      }
    }
    return f;
  }

  /** The output {@code Z = F A3} ({@code Lq x m}). */
  private double[][] output(double[][] f) {
    return Dense.multiply(f, a3);
  }

  /** The loss {@code l(lambda I) = 1/2 ||F A3||_F^2}. */
  public double loss() {
    double sum = 0;
    for (double[] row : output(attention())) {
      for (double x : row) {
        sum += x * x;
      }
    }
    return sum / 2;
  }

  /**
   * The AAttLGC answer {@code dl/dX = (1/m) A1^T P A2} at {@code X = lambda I_m} ({@code m x m}),
   * with {@code P = dl/dS} by the softmax backward step: {@code c = Z} (since E = 0),
   * {@code P[j,l] = F[j,l] (c_j . A3_l - c_j . z_j)}.
   */
  public double[][] gradient() {
    double[][] f = attention();
    double[][] z = output(f);
    int lq = a1.length;
    int lk = a2.length;
    double[][] p = new double[lq][lk];
    for (int j = 0; j < lq; j++) {
      double sj = Dense.dot(z[j], z[j]);
      for (int l = 0; l < lk; l++) {
        p[j][l] = f[j][l] * (Dense.dot(z[j], a3[l]) - sj);
      }
    }
    double[][] g = Dense.multiplyTransposeLeft(a1, Dense.multiply(p, a2));
    for (double[] row : g) {
      for (int c = 0; c < m; c++) {
        row[c] /= m;
      }
    }
    return g;
  }
}
