package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Optional;

/**
 * A matrix as another implementation wrote it (a candidate for {@code check}): each entry an exact
 * decimal or a non-finite value (NaN, +Inf, -Inf). A broken implementation produces non-finite
 * numbers; they must reach the comparison as such so that it can fail the candidate and count
 * them. {@link DecimalMatrix} stays strict: the input model and the reference never hold them.
 */
public final class CandidateMatrix implements Shaped {
  /** The non-finite values of binary floating point, as they are shown in reports. */
  public enum NonFinite {
    NAN("NaN"),
    POSITIVE_INFINITY("+Inf"),
    NEGATIVE_INFINITY("-Inf");

    private final String label;

    NonFinite(String label) {
      this.label = label;
    }

    /** "NaN", "+Inf" or "-Inf". */
    public String label() {
      return label;
    }

    /**
     * The kind of a non-finite double.
     *
     * @throws IllegalArgumentException when x is finite
     */
    public static NonFinite of(double x) {
      if (Double.isNaN(x)) {
        return NAN;
      }
      Checks.argument(Double.isInfinite(x), "x (" + x + ") is finite");
      return x > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
    }
  }

  private final int rows;
  private final int cols;
  /** Row-major; null where the entry is non-finite. */
  private final BigDecimal[] finite;
  /** Row-major kinds of the non-finite entries; null when every entry is finite. */
  private final NonFinite[] special;
  private final NonFiniteCount count;

  private CandidateMatrix(int rows, int cols, BigDecimal[] finite, NonFinite[] special) {
    this.rows = rows;
    this.cols = cols;
    this.finite = finite;
    this.special = special;
    int[] n = new int[NonFinite.values().length];
    if (special != null) {
      for (NonFinite k : special) {
        if (k != null) {
          n[k.ordinal()]++;
        }
      }
    }
    this.count = new NonFiniteCount(n[0], n[1], n[2]);
  }

  /** The matrix of the finite entries of {@code m}. */
  public static CandidateMatrix of(DecimalMatrix m) {
    Checks.notNull("m", m);
    BigDecimal[] v = new BigDecimal[m.rows() * m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        v[i * m.cols() + j] = m.get(i, j);
      }
    }
    return new CandidateMatrix(m.rows(), m.cols(), v, null);
  }

  /** The 1 x 1 matrix of a finite scalar. */
  public static CandidateMatrix scalar(BigDecimal x) {
    Checks.notNull("x", x);
    return new CandidateMatrix(1, 1, new BigDecimal[] {x}, null);
  }

  /** The 1 x 1 matrix of a non-finite scalar. */
  public static CandidateMatrix scalar(NonFinite x) {
    Checks.notNull("x", x);
    return new CandidateMatrix(1, 1, new BigDecimal[1], new NonFinite[] {x});
  }

  /**
   * A matrix from its rows: entry (i, j) is {@code values[i][j]} when that is not null, else the
   * non-finite {@code nonFinite[i][j]}.
   *
   * @param nonFinite null when every entry is finite, else an array of the shape of values
   * @throws IllegalArgumentException naming {@code name} when the array is empty or ragged, or an
   *     entry is given both or neither ways
   */
  public static CandidateMatrix of(String name, BigDecimal[][] values, NonFinite[][] nonFinite) {
    Checks.notNull(name, values);
    Checks.argument(values.length > 0, name + " must have at least one row");
    int cols = Checks.notNull(name + "[0]", values[0]).length;
    Checks.argument(cols > 0, name + " must have at least one column");
    Checks.argument(
        nonFinite == null || nonFinite.length == values.length,
        name + ": the non-finite entries have " + (nonFinite == null ? 0 : nonFinite.length) + " rows, expected " + values.length);
    BigDecimal[] v = new BigDecimal[values.length * cols];
    NonFinite[] s = nonFinite == null ? null : new NonFinite[v.length];
    for (int i = 0; i < values.length; i++) {
      Checks.notNull(name + "[" + i + "]", values[i]);
      Checks.argument(
          values[i].length == cols,
          name + " is ragged: row " + i + " has " + values[i].length + " entries, row 0 has " + cols);
      NonFinite[] row = nonFinite == null ? null : Checks.notNull(name + ": non-finite row " + i, nonFinite[i]);
      Checks.argument(row == null || row.length == cols, name + ": non-finite row " + i + " has " + (row == null ? 0 : row.length) + " entries, expected " + cols);
      for (int j = 0; j < cols; j++) {
        BigDecimal x = values[i][j];
        NonFinite k = row == null ? null : row[j];
        Checks.argument((x == null) != (k == null), name + "[" + i + "][" + j + "] must be either a number or non-finite");
        v[i * cols + j] = x;
        if (s != null) {
          s[i * cols + j] = k;
        }
      }
    }
    return new CandidateMatrix(values.length, cols, v, s);
  }

  /**
   * The matrix of row-major doubles, each finite one converted exactly ({@code new BigDecimal(x)}).
   *
   * @throws IllegalArgumentException when the shape is not positive or does not match the values
   */
  public static CandidateMatrix ofDoubles(int rows, int cols, double[] rowMajor) {
    Checks.positive("rows", rows);
    Checks.positive("cols", cols);
    Checks.notNull("values", rowMajor);
    Checks.argument((long) rows * cols == rowMajor.length,
        "values has " + rowMajor.length + " entries, expected " + rows + "x" + cols);
    BigDecimal[] v = new BigDecimal[rowMajor.length];
    NonFinite[] s = null;
    for (int k = 0; k < v.length; k++) {
      double x = rowMajor[k];
      if (Double.isFinite(x)) {
        v[k] = new BigDecimal(x);
      } else {
        if (s == null) {
          s = new NonFinite[v.length];
        }
        s[k] = NonFinite.of(x);
      }
    }
    return new CandidateMatrix(rows, cols, v, s);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** Whether entry (i, j) is a finite number. */
  public boolean isFinite(int i, int j) {
    return finite[index(i, j)] != null;
  }

  /**
   * The finite entry (i, j).
   *
   * @throws IllegalStateException when it is non-finite
   */
  public BigDecimal get(int i, int j) {
    BigDecimal x = finite[index(i, j)];
    if (x == null) {
      throw new IllegalStateException("entry [" + i + "][" + j + "] is " + special[index(i, j)].label());
    }
    return x;
  }

  /** The kind of entry (i, j) when it is non-finite. */
  public Optional<NonFinite> nonFinite(int i, int j) {
    return special == null ? Optional.empty() : Optional.ofNullable(special[index(i, j)]);
  }

  /** The numbers of non-finite entries, by kind. */
  public NonFiniteCount nonFiniteCount() {
    return count;
  }

  /** Whether every entry is finite. */
  public boolean isFinite() {
    return count.total() == 0;
  }

  /**
   * The entries as a {@link DecimalMatrix}, named {@code name}.
   *
   * @throws IllegalStateException when some entry is non-finite
   */
  public DecimalMatrix toDecimal(String name) {
    if (!isFinite()) {
      throw new IllegalStateException(name + " has " + count);
    }
    BigDecimal[][] b = new BigDecimal[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(finite, i * cols, b[i], 0, cols);
    }
    return DecimalMatrix.of(name, b);
  }

  private int index(int i, int j) {
    if (i < 0 || i >= rows || j < 0 || j >= cols) {
      throw new IndexOutOfBoundsException("[" + i + "][" + j + "] outside " + shape());
    }
    return i * cols + j;
  }

  /** Equal shapes, equal kinds and numerically equal finite entries (as {@link DecimalMatrix#equals}). */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CandidateMatrix m) || m.rows != rows || m.cols != cols) {
      return false;
    }
    for (int k = 0; k < finite.length; k++) {
      BigDecimal x = finite[k];
      BigDecimal y = m.finite[k];
      if (x == null || y == null) {
        if (x != y || special[k] != m.special[k]) {
          return false;
        }
      } else if (x.compareTo(y) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * rows + cols;
  }

  @Override
  public String toString() {
    String[] s = new String[finite.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = finite[k] != null ? finite[k].toString() : special[k].label();
    }
    return "CandidateMatrix" + shape() + Arrays.toString(s);
  }

  /**
   * The numbers of non-finite entries of a matrix, by kind.
   *
   * @param nan NaN entries
   * @param positiveInfinity +Inf entries
   * @param negativeInfinity -Inf entries
   */
  public record NonFiniteCount(int nan, int positiveInfinity, int negativeInfinity) {
    /** No non-finite entry. */
    public static final NonFiniteCount NONE = new NonFiniteCount(0, 0, 0);

    public NonFiniteCount {
      Checks.argument(nan >= 0 && positiveInfinity >= 0 && negativeInfinity >= 0, "counts must be >= 0");
    }

    /** All non-finite entries. */
    public int total() {
      return nan + positiveInfinity + negativeInfinity;
    }

    /** "3 non-finite (2 NaN, 1 +Inf)": the total, then each kind that occurs; "0 non-finite" for none. */
    @Override
    public String toString() {
      StringBuilder s = new StringBuilder().append(total()).append(" non-finite");
      String sep = " (";
      int[] n = {nan, positiveInfinity, negativeInfinity};
      for (NonFinite k : NonFinite.values()) {
        if (n[k.ordinal()] > 0) {
          s.append(sep).append(n[k.ordinal()]).append(' ').append(k.label());
          sep = ", ";
        }
      }
      return total() > 0 ? s.append(')').toString() : s.toString();
    }
  }
}
