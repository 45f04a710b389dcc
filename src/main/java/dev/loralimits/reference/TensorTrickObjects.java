package dev.loralimits.reference;

import org.apfloat.Apfloat;

/**
 * Definitions 3.2-3.5 and Eq. 3.4: the per-row objects of the tensor-trick formulation, built
 * literally from {@code C = C1 (x) C2} and {@code w = vec(W)}.
 *
 * <p>Block {@code C_j} (Definition 2.4) has rows {@code C1[j,:] (x) C2[l,:]}, so by Lemma 2.1
 * {@code C_j w} is row j of the scores {@code C1 W C2^T}.
 */
public final class TensorTrickObjects {
  private final ReducedForm rf;
  private final Arithmetic ar;
  private final ApMatrix kron;
  private final Apfloat[] w;
  private final Apfloat[][] f;
  private final ApMatrix c;

  /**
   * Builds {@code C1 (x) C2}, {@code vec(W)}, every {@code f_j} (Definition 3.4, as
   * {@link AttentionHead#softmaxRow} of {@code C_j w}) and {@code c}.
   */
  public TensorTrickObjects(ReducedForm rf, Arithmetic ar) {
    this.rf = rf;
    this.ar = ar;
    this.kron = TensorTrick.kronecker(rf.c1(), rf.c2(), ar);
    this.w = TensorTrick.vec(rf.w());
    int l = rf.c1().rows();
    this.f = new Apfloat[l][];
    for (int j = 0; j < l; j++) {
      // f_j = u_j / alpha_j evaluated with the row maximum subtracted first (softmax ignores a
      // shift, proofs-notes/LEMMAS.md 7.1): the literal u_j overflows for scores beyond ~10^18
      f[j] = AttentionHead.softmaxRow(TensorTrick.matVec(block(j), w, ar), ar);
    }
    Apfloat[][] cm = new Apfloat[l][rf.c3().cols()];
    for (int j = 0; j < l; j++) {
      for (int i = 0; i < rf.c3().cols(); i++) {
        cm[j][i] = ar.subtract(ar.dot(f[j], rf.c3().column(i)), rf.y().get(j, i));
      }
    }
    this.c = ApMatrix.wrap(cm);
  }

  public ReducedForm reducedForm() {
    return rf;
  }

  /** Number of query rows L. */
  public int length() {
    return f.length;
  }

  /** Definition 2.4: block {@code C_j} of {@code C1 (x) C2}, an {@code Lk x (a b)} matrix. */
  public ApMatrix block(int j) {
    return TensorTrick.block(kron, j, rf.c2().rows());
  }

  /** Definition 3.2: {@code u_j(w) = exp(C_j w)}. */
  public Apfloat[] u(int j) {
    Apfloat[] s = TensorTrick.matVec(block(j), w, ar);
    Apfloat[] u = new Apfloat[s.length];
    for (int k = 0; k < s.length; k++) {
      u[k] = ar.exp(s[k]);
    }
    return u;
  }

  /** Definition 3.3: {@code alpha_j(w) = <u_j(w), 1>}. */
  public Apfloat alpha(int j) {
    return alpha(u(j));
  }

  private Apfloat alpha(Apfloat[] u) {
    return ar.sum(u);
  }

  /** Definition 3.4: {@code f_j(w) = u_j(w) / alpha_j(w)}, row j of F. */
  public Apfloat[] f(int j) {
    return f[j].clone();
  }

  /** Definition 3.5: {@code c_{j,i}(w) = <f_j(w), C3[:, i]> - Y[j, i]}. */
  public Apfloat c(int j, int i) {
    return c.get(j, i);
  }

  /** The matrix {@code c = F C3 - Y} assembled from Definition 3.5. */
  public ApMatrix cMatrix() {
    return c;
  }

  /** F assembled from the rows {@code f_j} of Definition 3.4. */
  public ApMatrix fMatrix() {
    return ApMatrix.of(f);
  }

  /** Eq. 3.4: {@code Loss(w) = 1/2 sum_j sum_i c_{j,i}(w)^2}. */
  public Apfloat lossEq34() {
    return ar.halfSquaredFrobenius(c);
  }
}
