package dev.loralimits.reference;

import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.Shaped;
import java.math.BigDecimal;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * An immutable matrix of apfloat numbers. It holds values only; every operation that rounds is
 * in {@link Arithmetic}, so each rounding happens at a precision that was asked for explicitly.
 */
public final class ApMatrix implements Shaped {
  private final Apfloat[][] a;

  private ApMatrix(Apfloat[][] a) {
    this.a = a;
  }

  /**
   * Wraps a copy of {@code rows}.
   *
   * @throws IllegalArgumentException when empty or ragged
   */
  public static ApMatrix of(Apfloat[][] rows) {
    Checks.argument(rows.length > 0 && rows[0].length > 0, "matrix must be non-empty");
    Apfloat[][] c = new Apfloat[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      Checks.argument(rows[i].length == rows[0].length, "matrix is ragged at row " + i);
      c[i] = rows[i].clone();
    }
    return new ApMatrix(c);
  }

  /** Takes ownership of {@code rows} (package-private: callers build fresh arrays). */
  static ApMatrix wrap(Apfloat[][] rows) {
    return new ApMatrix(rows);
  }

  /** The exact apfloat image of a decimal matrix (radix 10: no rounding). */
  public static ApMatrix exact(DecimalMatrix m) {
    Apfloat[][] c = new Apfloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        c[i][j] = exact(m.get(i, j));
      }
    }
    return new ApMatrix(c);
  }

  /** The exact apfloat image of a decimal number. */
  public static Apfloat exact(BigDecimal x) {
    return x.signum() == 0 ? Apfloat.ZERO : new Apfloat(x);
  }

  /** The exact decimal value of an apfloat number (radix 10: no rounding). */
  public static BigDecimal toBigDecimal(Apfloat x) {
    return x.signum() == 0 ? BigDecimal.ZERO : new BigDecimal(x.toString(false));
  }

  /** The exact decimal image of this matrix. */
  public DecimalMatrix toDecimal(String name) {
    BigDecimal[][] b = new BigDecimal[rows()][cols()];
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        b[i][j] = toBigDecimal(a[i][j]);
      }
    }
    return DecimalMatrix.of(name, b);
  }

  /** A rows x cols matrix of zeros. */
  public static ApMatrix zeros(int rows, int cols) {
    Apfloat[][] c = new Apfloat[rows][cols];
    for (Apfloat[] row : c) {
      java.util.Arrays.fill(row, Apfloat.ZERO);
    }
    return new ApMatrix(c);
  }

  /** The n x n identity. */
  public static ApMatrix identity(int n) {
    Apfloat[][] c = zeros(n, n).a;
    for (int i = 0; i < n; i++) {
      c[i][i] = Apfloat.ONE;
    }
    return new ApMatrix(c);
  }

  /** A column vector (n x 1). */
  public static ApMatrix column(Apfloat[] v) {
    Apfloat[][] c = new Apfloat[v.length][1];
    for (int i = 0; i < v.length; i++) {
      c[i][0] = v[i];
    }
    return new ApMatrix(c);
  }

  @Override
  public int rows() {
    return a.length;
  }

  @Override
  public int cols() {
    return a[0].length;
  }

  public Apfloat get(int i, int j) {
    return a[i][j];
  }

  /** A copy of row i. */
  public Apfloat[] row(int i) {
    return a[i].clone();
  }

  /** A copy of column j. */
  public Apfloat[] column(int j) {
    Apfloat[] c = new Apfloat[rows()];
    for (int i = 0; i < rows(); i++) {
      c[i] = a[i][j];
    }
    return c;
  }

  /** The transpose (no rounding). */
  public ApMatrix transpose() {
    Apfloat[][] t = new Apfloat[cols()][rows()];
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        t[j][i] = a[i][j];
      }
    }
    return new ApMatrix(t);
  }

  /** A copy with entry (i, j) replaced. */
  public ApMatrix with(int i, int j, Apfloat x) {
    Apfloat[][] c = new Apfloat[rows()][];
    for (int k = 0; k < rows(); k++) {
      c[k] = a[k].clone();
    }
    c[i][j] = x;
    return new ApMatrix(c);
  }

  /** Rows {@code from .. to-1} (no rounding). */
  public ApMatrix rowRange(int from, int to) {
    Checks.argument(0 <= from && from < to && to <= rows(), "row range [" + from + ", " + to + ") outside " + shape());
    Apfloat[][] c = new Apfloat[to - from][];
    for (int k = from; k < to; k++) {
      c[k - from] = a[k].clone();
    }
    return new ApMatrix(c);
  }

  /** Max-entry norm {@code max_ij |a_ij|} (exact). */
  public Apfloat maxAbs() {
    Apfloat m = Apfloat.ZERO;
    for (Apfloat[] row : a) {
      for (Apfloat x : row) {
        if (ApfloatMath.abs(x).compareTo(m) > 0) {
          m = ApfloatMath.abs(x);
        }
      }
    }
    return m;
  }

  /** Entrywise equality of values (precision is ignored). */
  public boolean sameValues(ApMatrix o) {
    if (o.rows() != rows() || o.cols() != cols()) {
      return false;
    }
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < cols(); j++) {
        if (a[i][j].compareTo(o.a[i][j]) != 0) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ApMatrix" + shape() + "[");
    for (Apfloat[] row : a) {
      s.append(java.util.Arrays.toString(row));
    }
    return s.append(']').toString();
  }
}
