package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * An immutable matrix of exact decimal numbers: the input model. Every number is kept exactly as
 * written in the instance file (never through a {@code double}); the reference converts it to
 * apfloat, the double algorithms to the nearest double.
 *
 * <p><b>Wide matrices.</b> A {@link BigDecimal} holds decimal exponents of about
 * {@code +-2.1 10^9} only, while the reference's results can be far smaller (a gradient of order
 * {@code 10^{-7.5 10^14}} at beta = 10^15: spec/FORMATS.md Section 3.4). Such a matrix is stored
 * {@linkplain #wide wide}: entry {@code (i, j)} is {@code mantissa(i, j) 10^powerOfTen()}, one
 * power of ten for the whole matrix, every mantissa an ordinary BigDecimal. On a wide matrix
 * {@link #get} and {@link #maxAbs} refuse non-zero values (no BigDecimal holds them) rather than
 * return something else: callers that can write or compare such numbers read
 * {@link #mantissa} and {@link #powerOfTen}. Every matrix built by {@link #of} has power of ten 0.
 */
public final class DecimalMatrix implements Shaped {
  private final BigDecimal[][] a;
  private final long powerOfTen;

  private DecimalMatrix(BigDecimal[][] a) {
    this(a, 0);
  }

  private DecimalMatrix(BigDecimal[][] a, long powerOfTen) {
    this.a = a;
    this.powerOfTen = powerOfTen;
  }

  /**
   * The wide matrix {@code mantissas 10^powerOfTen} (copied; checked as {@link #of}).
   *
   * @throws IllegalArgumentException naming {@code name} when the array is empty or ragged
   */
  public static DecimalMatrix wide(String name, BigDecimal[][] mantissas, long powerOfTen) {
    return new DecimalMatrix(of(name, mantissas).a, powerOfTen);
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

  /**
   * Entry {@code (i, j)}.
   *
   * @throws ArithmeticException when the matrix is {@linkplain #isWide wide} and the entry is not
   *     0: its value is outside the range of a BigDecimal (read {@link #mantissa} and
   *     {@link #powerOfTen})
   */
  public BigDecimal get(int i, int j) {
    BigDecimal x = a[i][j];
    if (powerOfTen != 0 && x.signum() != 0) {
      throw new ArithmeticException(
          "entry [" + i + "][" + j + "] = " + x + " x 10^" + powerOfTen + " is outside the range of a decimal number");
    }
    return x;
  }

  /** The mantissa of entry {@code (i, j)}: the entry is {@code mantissa(i, j) 10^powerOfTen()}. */
  public BigDecimal mantissa(int i, int j) {
    return a[i][j];
  }

  /** The power of ten every mantissa is scaled by: 0 unless the matrix is wide. */
  public long powerOfTen() {
    return powerOfTen;
  }

  /** Whether entries are {@code mantissa 10^powerOfTen} with {@code powerOfTen != 0}. */
  public boolean isWide() {
    return powerOfTen != 0;
  }

  /**
   * The entries rounded to the nearest double. A wide matrix's entries are beyond the double
   * range: they round to a signed 0 (power of ten below 0) or a signed infinity (above 0); a zero
   * entry stays 0.
   */
  public double[][] toDoubles() {
    double[][] d = new double[rows()][cols()];
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        BigDecimal x = a[i][j];
        if (powerOfTen == 0 || x.signum() == 0) {
          d[i][j] = x.doubleValue();
        } else {
          d[i][j] = Math.copySign(powerOfTen < 0 ? 0.0 : Double.POSITIVE_INFINITY, x.signum());
        }
      }
    }
    return d;
  }

  /**
   * Max-entry norm {@code max_ij |a_ij|} (proofs-notes/MODEL.md §0.2).
   *
   * @throws ArithmeticException when the matrix is wide with a non-zero entry
   */
  public BigDecimal maxAbs() {
    BigDecimal m = maxAbsMantissa();
    if (powerOfTen != 0 && m.signum() != 0) {
      throw new ArithmeticException("the largest entry, " + m + " x 10^" + powerOfTen + ", is outside the range of a decimal number");
    }
    return m;
  }

  /** {@code max_ij |mantissa(i, j)|}: the max-entry norm is this times {@code 10^powerOfTen()}. */
  public BigDecimal maxAbsMantissa() {
    BigDecimal m = BigDecimal.ZERO;
    for (BigDecimal[] row : a) {
      for (BigDecimal x : row) {
        m = m.max(x.abs());
      }
    }
    return m;
  }

  /**
   * Equal shapes, equal powers of ten and numerically equal mantissas (so a wide matrix equals
   * only a wide matrix with the same power of ten, the form the reference writes).
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DecimalMatrix)) {
      return false;
    }
    DecimalMatrix m = (DecimalMatrix) o;
    if (m.rows() != rows() || m.cols() != cols() || m.powerOfTen != powerOfTen) {
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
    return "DecimalMatrix" + shape() + Arrays.deepToString(a) + (powerOfTen == 0 ? "" : " x 10^" + powerOfTen);
  }
}
