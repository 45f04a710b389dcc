package dev.loralimits.reference;

import dev.loralimits.model.Checks;
import org.apfloat.Apfloat;

/**
 * Definitions 2.1-2.4 and Lemma 2.1 (the tensor trick), with row-major vec (proofs-notes/MODEL.md §0.3).
 *
 * <p>Proof of Lemma 2.1 in our words: proofs-notes/LEMMAS.md Section 1; checked exactly by
 * {@code TensorTrickProperties}.
 */
public final class TensorTrick {
  private TensorTrick() {}

  /**
   * Definition 2.1 (vec, row-major): {@code vec(X)[i*cols + j] = X[i, j]} (0-based).
   *
   * @return a vector of length {@code rows(X) cols(X)}
   */
  public static Apfloat[] vec(ApMatrix x) {
    Apfloat[] v = new Apfloat[x.rows() * x.cols()];
    for (int i = 0; i < x.rows(); i++) {
      for (int j = 0; j < x.cols(); j++) {
        v[i * x.cols() + j] = x.get(i, j);
      }
    }
    return v;
  }

  /**
   * Definition 2.2 (mat, the inverse of vec): {@code mat(v)[i, j] = v[i*cols + j]}.
   *
   * @throws IllegalArgumentException when {@code v.length != rows cols}
   */
  public static ApMatrix mat(Apfloat[] v, int rows, int cols) {
    Checks.argument(
        v.length == rows * cols, "mat: vector of length " + v.length + " is not " + rows + "x" + cols);
    Apfloat[][] m = new Apfloat[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(v, i * cols, m[i], 0, cols);
    }
    return ApMatrix.wrap(m);
  }

  /**
   * Definition 2.3 (Kronecker product): {@code (A (x) B)[ia*Lb + ib, ja*db + jb] = A[ia,ja] B[ib,jb]}
   * (0-based), a {@code (La Lb) x (da db)} matrix. Each entry is one rounded product; it is exact
   * when the working precision covers the digits of both factors.
   */
  public static ApMatrix kronecker(ApMatrix a, ApMatrix b, Arithmetic ar) {
    int lb = b.rows();
    int db = b.cols();
    Apfloat[][] k = new Apfloat[a.rows() * lb][a.cols() * db];
    for (int ia = 0; ia < a.rows(); ia++) {
      for (int ja = 0; ja < a.cols(); ja++) {
        for (int ib = 0; ib < lb; ib++) {
          for (int jb = 0; jb < db; jb++) {
            k[ia * lb + ib][ja * db + jb] = ar.multiply(a.get(ia, ja), b.get(ib, jb));
          }
        }
      }
    }
    return ApMatrix.wrap(k);
  }

  /**
   * Definition 2.4 (sub-block): block {@code j} (0-based) of a Kronecker product whose second factor
   * has {@code lb} rows: rows {@code j*lb .. (j+1)*lb - 1}.
   */
  public static ApMatrix block(ApMatrix kron, int j, int lb) {
    Checks.positive("lb", lb);
    Checks.argument(kron.rows() % lb == 0, "block: " + kron.rows() + " rows are not a multiple of " + lb);
    return kron.rowRange(j * lb, (j + 1) * lb);
  }

  /** Lemma 2.1, left-hand side: {@code vec(A X B^T)}. */
  public static Apfloat[] lemma21Left(ApMatrix a, ApMatrix x, ApMatrix b, Arithmetic ar) {
    return vec(ar.multiply(a, x, b.transpose()));
  }

  /** Lemma 2.1, right-hand side: {@code (A (x) B) vec(X)}. */
  public static Apfloat[] lemma21Right(ApMatrix a, ApMatrix x, ApMatrix b, Arithmetic ar) {
    return matVec(kronecker(a, b, ar), vec(x), ar);
  }

  /** {@code M v} for a vector v. */
  public static Apfloat[] matVec(ApMatrix m, Apfloat[] v, Arithmetic ar) {
    Checks.argument(m.cols() == v.length, "matVec: " + m.shape() + " times vector of length " + v.length);
    Apfloat[] out = new Apfloat[m.rows()];
    for (int i = 0; i < m.rows(); i++) {
      out[i] = ar.dot(m.row(i), v);
    }
    return out;
  }

  /** {@code M^T v} for a vector v. */
  public static Apfloat[] transposeTimes(ApMatrix m, Apfloat[] v, Arithmetic ar) {
    Checks.argument(m.rows() == v.length, "transposeTimes: " + m.shape() + "^T times vector of length " + v.length);
    Apfloat[] out = new Apfloat[m.cols()];
    for (int j = 0; j < m.cols(); j++) {
      out[j] = ar.dot(m.column(j), v);
    }
    return out;
  }
}
