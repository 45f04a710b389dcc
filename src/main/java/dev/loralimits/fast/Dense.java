package dev.loralimits.fast;

/**
 * Dense double kernels shared by every double-precision package (fast, hardness, check, vectors):
 * dot products, axpy, maxima, products and the LoRA merge of small matrices.
 *
 * <p><b>Summation order.</b> Each method states the order in which it adds, and callers rely on
 * it: their rounding bounds count the additions of that order (proofs-notes/EXACT-DOUBLE.md §3,
 * FAST-BOUND.md §1), and their results must not change by a bit when they move here. Two orders
 * exist:
 * <ul>
 *   <li><i>sequential</i> (every method unless named otherwise): one accumulator, starting at
 *       {@code +0.0}, terms added in increasing index. Products {@code a b} computed row by row
 *       ({@code c[i][j] += a[i][k] b[k][j]} for increasing k) and as dot products
 *       ({@code s += a[i][k] b[k][j]}, then {@code c[i][j] = s}) perform the same additions, so
 *       both are this one order;
 *   <li><i>four-way</i> ({@link #sum4}, {@link #dot4}): four accumulators over the indices
 *       {@code 0, 1, 2, 3 (mod 4)}, combined as {@code (p0 + p1) + (p2 + p3)}. The exact double
 *       algorithm sums its long rows (length Lk) this way: independent accumulators run faster,
 *       and the depth of each term, at most {@code max(n - 1, 0)}, is what EXACT-DOUBLE.md §3
 *       bounds. Its results differ from the sequential order in the last bits, so both are kept.
 * </ul>
 * No method uses {@link Math#fma}; Java never contracts {@code a * b + c} by itself.
 */
public final class Dense {
  private Dense() {}

  /**
   * {@code sum_i x_i y_i}, sequential.
   *
   * @param x left vector
   * @param y right vector, at least as long as x
   * @return the dot product over the indices of x
   */
  public static double dot(double[] x, double[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += x[i] * y[i];
    }
    return s;
  }

  /**
   * {@code sum_{l < n} x[l]}, four-way: four sequential sums over {@code l = 0, 1, 2, 3 (mod 4)}
   * in increasing l, then {@code (p0 + p1) + (p2 + p3)}; each term passes through at most
   * {@code max(n - 1, 0)} additions (EXACT-DOUBLE.md section 3).
   *
   * @param x the terms
   * @param n how many of them, {@code <= x.length}
   * @return the sum
   */
  public static double sum4(double[] x, int n) {
    double p0 = 0;
    double p1 = 0;
    double p2 = 0;
    double p3 = 0;
    int l = 0;
    for (; l + 3 < n; l += 4) {
      p0 += x[l];
      p1 += x[l + 1];
      p2 += x[l + 2];
      p3 += x[l + 3];
    }
    if (l < n) {
      p0 += x[l];
    }
    if (l + 1 < n) {
      p1 += x[l + 1];
    }
    if (l + 2 < n) {
      p2 += x[l + 2];
    }
    return (p0 + p1) + (p2 + p3);
  }

  /**
   * {@code sum_{l < n} a[l] b[l]} in the four-way order of {@link #sum4}, each product rounded once.
   *
   * @param a left vector
   * @param b right vector
   * @param n how many terms, {@code <= min(a.length, b.length)}
   * @return the dot product
   */
  public static double dot4(double[] a, double[] b, int n) {
    double p0 = 0;
    double p1 = 0;
    double p2 = 0;
    double p3 = 0;
    int l = 0;
    for (; l + 3 < n; l += 4) {
      p0 += a[l] * b[l];
      p1 += a[l + 1] * b[l + 1];
      p2 += a[l + 2] * b[l + 2];
      p3 += a[l + 3] * b[l + 3];
    }
    if (l < n) {
      p0 += a[l] * b[l];
    }
    if (l + 1 < n) {
      p1 += a[l + 1] * b[l + 1];
    }
    if (l + 2 < n) {
      p2 += a[l + 2] * b[l + 2];
    }
    return (p0 + p1) + (p2 + p3);
  }

  /**
   * {@code y += a x} entrywise (one product and one addition per entry).
   *
   * @param a the scalar
   * @param x the vector added, as long as y
   * @param y the vector updated in place
   */
  public static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a * x[i];
    }
  }

  /**
   * {@code max_i |x_i|}; NaN when some entry is NaN.
   *
   * @param x a vector
   * @return the largest magnitude, 0 for an empty vector
   */
  public static double maxAbs(double[] x) {
    double m = 0;
    for (double v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /**
   * {@code max_ij |x_ij|}; NaN when some entry is NaN.
   *
   * @param x a matrix (rows may differ in length)
   * @return the largest magnitude, 0 when there is no entry
   */
  public static double maxAbs(double[][] x) {
    double m = 0;
    for (double[] row : x) {
      m = Math.max(m, maxAbs(row));
    }
    return m;
  }

  /**
   * {@code |m|} entrywise, in a new matrix of the same (possibly ragged) shape.
   *
   * @param m a matrix
   * @return the absolute values
   */
  public static double[][] abs(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = new double[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        out[i][j] = Math.abs(m[i][j]);
      }
    }
    return out;
  }

  /**
   * A deep copy.
   *
   * @param m a matrix
   * @return a new matrix with the same rows
   */
  public static double[][] copy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  /**
   * {@code m^T}.
   *
   * @param m a rectangular matrix with at least one row
   * @return its transpose
   */
  public static double[][] transpose(double[][] m) {
    double[][] t = new double[m[0].length][m.length];
    for (int l = 0; l < m.length; l++) {
      for (int i = 0; i < m[0].length; i++) {
        t[i][l] = m[l][i];
      }
    }
    return t;
  }

  /**
   * {@code max_i ||x_i||_2} over the rows of a row-major array, each row's squares summed
   * sequentially before one square root.
   *
   * @param x row-major {@code rows x cols}
   * @param rows number of rows
   * @param cols number of columns
   * @return the largest row norm
   */
  public static double maxRowNorm(double[] x, int rows, int cols) {
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

  /**
   * {@code a b}, each entry summed sequentially over k.
   *
   * @param a {@code n x k}
   * @param b {@code k x m}
   * @return {@code n x m}
   */
  public static double[][] multiply(double[][] a, double[][] b) {
    double[][] c = new double[a.length][b[0].length];
    multiplyRows(a, b, 0, a.length, c);
    return c;
  }

  /**
   * Rows {@code from .. to-1} of {@code a b} into the same rows of c (which must hold zeros there),
   * each entry summed sequentially over k: the kernel of {@link #multiply}, for callers that split
   * the rows over threads.
   *
   * @param a {@code n x k}
   * @param b {@code k x m}
   * @param from first row
   * @param to row after the last
   * @param c {@code n x m}, zero in the rows written
   */
  public static void multiplyRows(double[][] a, double[][] b, int from, int to, double[][] c) {
    int m = b[0].length;
    for (int i = from; i < to; i++) {
      double[] ci = c[i];
      for (int k = 0; k < b.length; k++) {
        double aik = a[i][k];
        double[] bk = b[k];
        for (int j = 0; j < m; j++) {
          ci[j] += aik * bk[j];
        }
      }
    }
  }

  /**
   * {@code x w} as a flat row-major array, each entry summed sequentially (the same numbers as
   * {@link #multiply}).
   *
   * @param x {@code n x k}
   * @param w {@code k x m}
   * @return row-major {@code n x m}
   */
  public static double[] multiplyFlat(double[][] x, double[][] w) {
    double[][] p = multiply(x, w);
    int m = w[0].length;
    double[] out = new double[x.length * m];
    for (int i = 0; i < p.length; i++) {
      System.arraycopy(p[i], 0, out, i * m, m);
    }
    return out;
  }

  /**
   * The row vector {@code x^T m}: entry c is {@code sum_a x_a m[a][c]}, summed sequentially in a
   * (the same numbers as row 0 of {@link #multiply} of the {@code 1 x k} matrix {@code x}).
   *
   * @param x length k
   * @param m {@code k x n}
   * @return length n
   */
  public static double[] rowTimes(double[] x, double[][] m) {
    double[] out = new double[m[0].length];
    for (int c = 0; c < out.length; c++) {
      double acc = 0;
      for (int a = 0; a < x.length; a++) {
        acc += x[a] * m[a][c];
      }
      out[c] = acc;
    }
    return out;
  }

  /**
   * The row vector {@code x^T m^T} ({@code = m x}): entry a is {@code sum_c x_c m[a][c]}, summed
   * sequentially in c (the same numbers as {@link #dot} of x with row a of m).
   *
   * @param x length n
   * @param m {@code k x n}
   * @return length k
   */
  public static double[] rowTimesTransposed(double[] x, double[][] m) {
    double[] out = new double[m.length];
    for (int a = 0; a < out.length; a++) {
      double acc = 0;
      for (int c = 0; c < x.length; c++) {
        acc += x[c] * m[a][c];
      }
      out[a] = acc;
    }
    return out;
  }

  /**
   * {@code b^T g}, each entry summed sequentially over the rows.
   *
   * @param b {@code n x r}
   * @param g {@code n x m}
   * @return {@code r x m}
   */
  public static double[][] multiplyTransposeLeft(double[][] b, double[][] g) {
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

  /**
   * {@code g a^T}, each entry a sequential {@link #dot} of two rows.
   *
   * @param g {@code n x m}
   * @param a {@code r x m}
   * @return {@code n x r}
   */
  public static double[][] multiplyTransposeRight(double[][] g, double[][] a) {
    double[][] out = new double[g.length][a.length];
    for (int i = 0; i < g.length; i++) {
      for (int k = 0; k < a.length; k++) {
        out[i][k] = dot(g[i], a[k]);
      }
    }
    return out;
  }

  /**
   * {@code s m} in a new matrix.
   *
   * @param s the scalar
   * @param m a rectangular matrix with at least one row
   * @return the scaled copy
   */
  public static double[][] scale(double s, double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = s * m[i][j];
      }
    }
    return out;
  }

  /**
   * {@code m *= s} entrywise, in place.
   *
   * @param m the matrix updated
   * @param s the scalar
   */
  public static void scaleInPlace(double[][] m, double s) {
    for (double[] row : m) {
      for (int i = 0; i < row.length; i++) {
        row[i] *= s;
      }
    }
  }

  /**
   * {@code acc += x} entrywise.
   *
   * @param acc the vector updated
   * @param x the vector added, at least as long as acc
   */
  public static void addInto(double[] acc, double[] x) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += x[i];
    }
  }

  /**
   * {@code acc += x} entrywise.
   *
   * @param acc the matrix updated
   * @param x the matrix added, of acc's shape
   */
  public static void addInto(double[][] acc, double[][] x) {
    for (int i = 0; i < acc.length; i++) {
      addInto(acc[i], x[i]);
    }
  }

  /**
   * {@code u + v} in a new matrix.
   *
   * @param u a rectangular matrix with at least one row
   * @param v a matrix of u's shape
   * @return the sum
   */
  public static double[][] sum(double[][] u, double[][] v) {
    double[][] s = new double[u.length][u[0].length];
    for (int i = 0; i < u.length; i++) {
      for (int j = 0; j < u[0].length; j++) {
        s[i][j] = u[i][j] + v[i][j];
      }
    }
    return s;
  }

  /**
   * A row-major flat array as a matrix.
   *
   * @param flat row-major {@code rows x cols}
   * @param rows number of rows
   * @param cols number of columns
   * @return the matrix
   */
  public static double[][] reshape(double[] flat, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * cols, m[i], 0, cols);
    }
    return m;
  }

  /**
   * Definition 1.1 in doubles: {@code W = W* + (alpha/r) (B A)}, with {@code s = alpha / r} rounded
   * once, {@code (B A)_ij} summed sequentially over k, and {@code W_ij = W*_ij + s (B A)_ij}; a copy
   * of {@code W*} when the projection is frozen.
   *
   * @param frozen {@code W*} ({@code rows x cols})
   * @param a {@code A} ({@code r x cols}), or null when frozen
   * @param b {@code B} ({@code rows x r}), or null when frozen
   * @param alpha the LoRA scale
   * @return the merged weight, a new matrix
   */
  public static double[][] loraMerge(double[][] frozen, double[][] a, double[][] b, double alpha) {
    return a == null ? copy(frozen) : loraMergeScaled(frozen, a, b, alpha / a.length);
  }

  /**
   * {@code W* + s B A} for a scale s given by the caller (rsLoRA's {@code alpha / sqrt(r)}):
   * {@link #loraMerge} is this with {@code s = alpha / r}, bit for bit.
   *
   * @param frozen {@code W*} ({@code rows x cols})
   * @param a {@code A} ({@code r x cols})
   * @param b {@code B} ({@code rows x r})
   * @param s the adapter's scale
   * @return the merged weight, a new matrix
   */
  public static double[][] loraMergeScaled(double[][] frozen, double[][] a, double[][] b, double s) {
    double[][] out = copy(frozen);
    double[][] ba = multiply(b, a);
    for (int i = 0; i < out.length; i++) {
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] += s * ba[i][j];
      }
    }
    return out;
  }
}
