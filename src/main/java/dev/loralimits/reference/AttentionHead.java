package dev.loralimits.reference;

import org.apfloat.Apfloat;

/**
 * Eq. 1.1 / Definition 2.5: the attention head with triplet input.
 *
 * <p>{@code S = beta (X^Q W_Q)(X^K W_K)^T}, {@code D = diag(exp(S) 1)}, {@code F = D^{-1} exp(S)},
 * {@code Z = F X^V W_V}.
 */
public final class AttentionHead {
  private AttentionHead() {}

  /**
   * Every intermediate of the forward pass.
   *
   * @param qm {@code X^Q W_Q}
   * @param km {@code X^K W_K}
   * @param vm {@code X^V W_V}
   * @param s the scores
   * @param f the attention matrix (row-stochastic)
   * @param z the output
   */
  public record Forward(ApMatrix qm, ApMatrix km, ApMatrix vm, ApMatrix s, ApMatrix f, ApMatrix z) {}

  /** Eq. 1.1 with merged weights. */
  public static Forward forward(
      ApMatrix xq, ApMatrix xk, ApMatrix xv, ApMatrix wq, ApMatrix wk, ApMatrix wv, Apfloat beta,
      Arithmetic ar) {
    ApMatrix qm = ar.multiply(xq, wq);
    ApMatrix km = ar.multiply(xk, wk);
    ApMatrix vm = ar.multiply(xv, wv);
    ApMatrix s = ar.scale(beta, ar.multiply(qm, km.transpose()));
    ApMatrix f = softmaxRows(s, ar);
    return new Forward(qm, km, vm, s, f, ar.multiply(f, vm));
  }

  /**
   * {@code D^{-1} exp(S)} with {@code D = diag(exp(S) 1)}, evaluated as
   * {@code exp(S - m 1^T)} normalised, with m the row maxima. Softmax is invariant under a
   * per-row shift (proofs-notes/LEMMAS.md Section 7), so the value is the same; the shift makes
   * one entry of every row exactly {@code exp(0) = 1}, so a row of length 1 gives F = [1]
   * exactly and gradients that vanish for key length 1 come out exactly zero.
   */
  public static ApMatrix softmaxRows(ApMatrix s, Arithmetic ar) {
    Apfloat[][] e = new Apfloat[s.rows()][s.cols()];
    for (int i = 0; i < s.rows(); i++) {
      Apfloat m = s.get(i, 0);
      for (int j = 1; j < s.cols(); j++) {
        m = s.get(i, j).compareTo(m) > 0 ? s.get(i, j) : m;
      }
      for (int j = 0; j < s.cols(); j++) {
        e[i][j] = ar.exp(ar.subtract(s.get(i, j), m));
      }
    }
    ApMatrix em = ApMatrix.wrap(e);
    return ar.diagInverseTimes(ar.rowSums(em), em);
  }
}
