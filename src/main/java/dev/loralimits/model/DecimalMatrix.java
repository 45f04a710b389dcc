package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * An immutable matrix of exact decimal numbers: the input model. Every number is kept exactly as
 * written in the instance file (never through a {@code double}); the reference converts it to
 * apfloat, the double algorithms to the nearest double.
 */
public final class DecimalMatrix implements Shaped {
  private final BigDecimal[][] a;

  private DecimalMatrix(BigDecimal[][] a) {
    this.a = a;
  }

  /**
   * Copies {@code rows}; all rows must have the same, positive length and no entry may be null.
   *
   * @throws IllegalArgumentException naming {@code name} when the array is empty or ragged
   */
  public static DecimalMatrix of(String name, BigDecimal[][] rows) {
    Checks.notNull(name, rows);
    Checks.argument(rows.length > 0, name + " must have at least one row");
    int cols = Checks.notNull(name + "[0]", rows[0]).length;
    Checks.argument(cols > 0, name + " must have at least one column");
    BigDecimal[][] copy = new BigDecimal[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      Checks.notNull(name + "[" + i + "]", rows[i]);
      Checks.argument(
          rows[i].length == cols,
          name + " is ragged: row " + i + " has " + rows[i].length + " entries, row 0 has " + cols);
      copy[i] = rows[i].clone();
      for (int j = 0; j < cols; j++) {
        Checks.notNull(name + "[" + i + "][" + j + "]", copy[i][j]);
      }
    }
    return new DecimalMatrix(copy);
  }

  /** The nearest-double view of {@code m}, converted exactly (used for shapes of tests). */
  public static DecimalMatrix ofDoubles(String name, double[][] m) {
    BigDecimal[][] b = new BigDecimal[m.length][];
    for (int i = 0; i < m.length; i++) {
      b[i] = new BigDecimal[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        Checks.finite(name + "[" + i + "][" + j + "]", m[i][j]);
        b[i][j] = new BigDecimal(m[i][j]);
      }
    }
    return of(name, b);
  }

  /** Parses decimal strings exactly. */
  public static DecimalMatrix parse(String name, String[][] m) {
    BigDecimal[][] b = new BigDecimal[m.length][];
    for (int i = 0; i < m.length; i++) {
      b[i] = new BigDecimal[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        b[i][j] = new BigDecimal(m[i][j]);
      }
    }
    return of(name, b);
  }

  /** A rows x cols matrix of zeros. */
  public static DecimalMatrix zeros(int rows, int cols) {
    Checks.positive("rows", rows);
    Checks.positive("cols", cols);
    BigDecimal[][] b = new BigDecimal[rows][cols];
    for (BigDecimal[] row : b) {
      Arrays.fill(row, BigDecimal.ZERO);
    }
    return new DecimalMatrix(b);
  }

  @Override
  public int rows() {
    return a.length;
  }

  @Override
  public int cols() {
    return a[0].length;
  }

  public BigDecimal get(int i, int j) {
    return a[i][j];
  }

  /** The entries rounded to the nearest double. */
  public double[][] toDoubles() {
    double[][] d = new double[rows()][cols()];
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        d[i][j] = a[i][j].doubleValue();
      }
    }
    return d;
  }

  /** Max-entry norm {@code max_ij |a_ij|} (proofs-notes/MODEL.md §0.2). */
  public BigDecimal maxAbs() {
    BigDecimal m = BigDecimal.ZERO;
    for (BigDecimal[] row : a) {
      for (BigDecimal x : row) {
        m = m.max(x.abs());
      }
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DecimalMatrix)) {
      return false;
    }
    DecimalMatrix m = (DecimalMatrix) o;
    if (m.rows() != rows() || m.cols() != cols()) {
      return false;
    }
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        if (a[i][j].compareTo(m.a[i][j]) != 0) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * rows() + cols();
  }

  @Override
  public String toString() {
    return "DecimalMatrix" + shape() + Arrays.deepToString(a);
  }
}
