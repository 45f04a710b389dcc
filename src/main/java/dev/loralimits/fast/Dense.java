package dev.loralimits.fast;

/**
 * Dense double kernels: products, sums and norms of small matrices, each in one fixed summation
 * order (stated per method) so that a caller's results do not change when it moves here.
 */
final class Dense {
  private Dense() {}

  /** {@code |m|} entrywise. */
  static double[][] abs(double[][] m) {
    double[][] c = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        c[i][j] = Math.abs(m[i][j]);
      }
    }
    return c;
  }

  /** {@code max_i |x_i|} (0 for an empty array). */
  static double maxAbs(double[] x) {
    double m = 0;
    for (double v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** {@code max_ij |x_ij|}. */
  static double maxAbs(double[][] x) {
    double m = 0;
    for (double[] row : x) {
      m = Math.max(m, maxAbs(row));
    }
    return m;
  }

  /** {@code max_i ||x_i||_2} over the rows of a row-major {@code rows x cols} array, squares summed in index order. */
  static double maxRowNorm(double[] x, int rows, int cols) {
    double m = 0;
    for (int i = 0; i < rows; i++) {
      double s = 0;
      for (int j = 0; j < cols; j++) {
        s += x[i * cols + j] * x[i * cols + j];
      }
      m = Math.max(m, Math.sqrt(s));
    }
    return m;
  }

  /** {@code x w} as a flat row-major array, each entry a dot product summed in increasing index. */
  static double[] multiplyFlat(double[][] x, double[][] w) {
    int n = x.length;
    int k = w.length;
    int m = w[0].length;
    double[] out = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += x[i][t] * w[t][j];
        }
        out[i * m + j] = s;
      }
    }
    return out;
  }

  /** {@code B^T G}, each entry summed over the rows of B in increasing order. */
  static double[][] multiplyTransposeLeft(double[][] b, double[][] g) {
    int r = b[0].length;
    int n = g[0].length;
    double[][] out = new double[r][n];
    for (int k = 0; k < r; k++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int a = 0; a < b.length; a++) {
          s += b[a][k] * g[a][j];
        }
        out[k][j] = s;
      }
    }
    return out;
  }

  /** {@code G A^T}, each entry summed over the columns in increasing order. */
  static double[][] multiplyTransposeRight(double[][] g, double[][] a) {
    int rows = g.length;
    int r = a.length;
    double[][] out = new double[rows][r];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < r; k++) {
        double s = 0;
        for (int b = 0; b < a[0].length; b++) {
          s += g[i][b] * a[k][b];
        }
        out[i][k] = s;
      }
    }
    return out;
  }

  /** {@code s m} in a new matrix. */
  static double[][] scale(double s, double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = s * m[i][j];
      }
    }
    return out;
  }

  /** {@code acc += x} entrywise. */
  static void addInto(double[] acc, double[] x) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += x[i];
    }
  }

  /** {@code u + v} in a new matrix. */
  static double[][] sum(double[][] u, double[][] v) {
    double[][] s = new double[u.length][u[0].length];
    for (int i = 0; i < u.length; i++) {
      for (int j = 0; j < u[0].length; j++) {
        s[i][j] = u[i][j] + v[i][j];
      }
    }
    return s;
  }

  /** A row-major flat array as a {@code rows x cols} matrix. */
  static double[][] reshape(double[] flat, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * cols, m[i], 0, cols);
    }
    return m;
  }
}
