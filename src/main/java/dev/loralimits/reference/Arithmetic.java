package dev.loralimits.reference;

import dev.loralimits.model.Checks;
import org.apfloat.Apfloat;
import org.apfloat.FixedPrecisionApfloatHelper;

/**
 * Arithmetic at one fixed working precision (the apfloat precision contract made explicit).
 *
 * <p>Every operation rounds its result to {@link #precision()} significant decimal digits (apfloat's
 * {@link FixedPrecisionApfloatHelper}); inputs are taken at their own exact value. No operation here
 * relies on a default precision. Matrix products accumulate in the order of the index, so results
 * are deterministic.
 */
public final class Arithmetic {
  private final long precision;
  private final FixedPrecisionApfloatHelper h;
  private final ExpSeries exp;

  /**
   * @param precision working precision in significant decimal digits, {@code >= 2}
   * @throws IllegalArgumentException when precision is below 2
   */
  public Arithmetic(long precision) {
    Checks.argument(precision >= 2, "precision (" + precision + ") must be >= 2");
    this.precision = precision;
    this.h = new FixedPrecisionApfloatHelper(precision);
    this.exp = new ExpSeries(precision);
  }

  public long precision() {
    return precision;
  }

  // ---- scalars ----

  public Apfloat add(Apfloat x, Apfloat y) {
    return h.add(x, y);
  }

  public Apfloat subtract(Apfloat x, Apfloat y) {
    return h.subtract(x, y);
  }

  public Apfloat multiply(Apfloat x, Apfloat y) {
    return h.multiply(x, y);
  }

  /**
   * {@code x / y} rounded; {@code x / x} is exactly 1 (apfloat's division goes through a rounded
   * reciprocal and may return 0.99..9), so a softmax row of length one is exactly [1].
   */
  public Apfloat divide(Apfloat x, Apfloat y) {
    if (x.compareTo(y) == 0 && y.signum() != 0) {
      return Apfloat.ONE;
    }
    return h.divide(x, y);
  }

  /** {@code exp(x)} rounded to the working precision ({@link ExpSeries}: error below one ulp). */
  public Apfloat exp(Apfloat x) {
    return exp.exp(x);
  }

  /** {@code sum_k x[k] y[k]}, accumulated left to right. */
  public Apfloat dot(Apfloat[] x, Apfloat[] y) {
    Checks.argument(x.length == y.length, "dot: lengths " + x.length + " and " + y.length + " differ");
    Apfloat s = Apfloat.ZERO;
    for (int k = 0; k < x.length; k++) {
      s = h.add(s, h.multiply(x[k], y[k]));
    }
    return s;
  }

  /** {@code sum_k x[k]}. */
  public Apfloat sum(Apfloat[] x) {
    Apfloat s = Apfloat.ZERO;
    for (Apfloat v : x) {
      s = h.add(s, v);
    }
    return s;
  }

  // ---- matrices ----

  /**
   * Matrix product {@code a b}.
   *
   * @throws IllegalArgumentException when cols(a) != rows(b)
   */
  public ApMatrix multiply(ApMatrix a, ApMatrix b) {
    Checks.argument(
        a.cols() == b.rows(), "multiply: shapes " + a.shape() + " and " + b.shape() + " do not fit");
    Apfloat[][] c = new Apfloat[a.rows()][b.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < b.cols(); j++) {
        Apfloat s = Apfloat.ZERO;
        for (int k = 0; k < a.cols(); k++) {
          s = h.add(s, h.multiply(a.get(i, k), b.get(k, j)));
        }
        c[i][j] = s;
      }
    }
    return ApMatrix.wrap(c);
  }

  /** {@code a b c}, evaluated as {@code (a b) c}. */
  public ApMatrix multiply(ApMatrix a, ApMatrix b, ApMatrix c) {
    return multiply(multiply(a, b), c);
  }

  /** Entrywise {@code a + b}. */
  public ApMatrix add(ApMatrix a, ApMatrix b) {
    sameShape("add", a, b);
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.add(a.get(i, j), b.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** Entrywise {@code a - b}. */
  public ApMatrix subtract(ApMatrix a, ApMatrix b) {
    sameShape("subtract", a, b);
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.subtract(a.get(i, j), b.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** Hadamard product {@code a (.) b}. */
  public ApMatrix hadamard(ApMatrix a, ApMatrix b) {
    sameShape("hadamard", a, b);
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.multiply(a.get(i, j), b.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** {@code s a}. */
  public ApMatrix scale(Apfloat s, ApMatrix a) {
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.multiply(s, a.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** Entrywise {@code exp}. */
  public ApMatrix exp(ApMatrix a) {
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = exp.exp(a.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** {@code a 1}: the vector of row sums. */
  public Apfloat[] rowSums(ApMatrix a) {
    Apfloat[] s = new Apfloat[a.rows()];
    for (int i = 0; i < a.rows(); i++) {
      s[i] = sum(a.row(i));
    }
    return s;
  }

  /** {@code diag(v) a}: row i scaled by v[i]. */
  public ApMatrix diagTimes(Apfloat[] v, ApMatrix a) {
    Checks.argument(v.length == a.rows(), "diagTimes: " + v.length + " scalars for " + a.rows() + " rows");
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.multiply(v[i], a.get(i, j));
      }
    }
    return ApMatrix.wrap(c);
  }

  /** {@code diag(v)^{-1} a}: row i divided by v[i]. */
  public ApMatrix diagInverseTimes(Apfloat[] v, ApMatrix a) {
    Checks.argument(v.length == a.rows(), "diagInverseTimes: " + v.length + " scalars for " + a.rows() + " rows");
    Apfloat[][] c = new Apfloat[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        c[i][j] = h.divide(a.get(i, j), v[i]);
      }
    }
    return ApMatrix.wrap(c);
  }

  /** {@code 1/2 ||a||_F^2}. */
  public Apfloat halfSquaredFrobenius(ApMatrix a) {
    Apfloat s = Apfloat.ZERO;
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        s = h.add(s, h.multiply(a.get(i, j), a.get(i, j)));
      }
    }
    return h.divide(s, new Apfloat(2));
  }

  private static void sameShape(String op, ApMatrix a, ApMatrix b) {
    Checks.argument(
        a.rows() == b.rows() && a.cols() == b.cols(),
        op + ": shapes " + a.shape() + " and " + b.shape() + " differ");
  }
}
