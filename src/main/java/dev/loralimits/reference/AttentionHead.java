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
   * Softmax arguments below {@code -DROP_ARGUMENT} (after the row's maximum is subtracted) give
   * entries {@code exp(t) < 10^{-8.6 10^17}}, far below every number a result can be written with
   * ({@link RangeGuard#MAX_WIDE_EXPONENT}) and near apfloat's exponent limit; they are taken as
   * exactly 0 (proofs-notes/LEMMAS.md Section 9.2: why that keeps the contract, and when
   * {@link RangeGuard} must refuse instead).
   */
  public static final Apfloat DROP_ARGUMENT = new Apfloat("2e18");

  /**
   * {@code D^{-1} exp(S)} with {@code D = diag(exp(S) 1)}, evaluated as
   * {@code exp(S - m 1^T)} normalised, with m the row maxima. Softmax is invariant under a
   * per-row shift (proofs-notes/LEMMAS.md Section 7), so the value is the same; the shift makes
   * one entry of every row exactly {@code exp(0) = 1}, so a row of length 1 gives F = [1]
   * exactly and gradients that vanish for key length 1 come out exactly zero. Entries whose
   * shifted argument is below {@code -DROP_ARGUMENT} are exactly 0 ({@link #DROP_ARGUMENT}).
   */
  public static ApMatrix softmaxRows(ApMatrix s, Arithmetic ar) {
    Apfloat[][] f = new Apfloat[s.rows()][];
    for (int i = 0; i < s.rows(); i++) {
      f[i] = softmaxRow(s.row(i), ar);
    }
    return ApMatrix.wrap(f);
  }

  /** One row of {@link #softmaxRows}: {@code exp(s - max s)} normalised, tiny entries dropped. */
  public static Apfloat[] softmaxRow(Apfloat[] s, Arithmetic ar) {
    Apfloat m = rowMax(s);
    Apfloat[] e = new Apfloat[s.length];
    for (int j = 0; j < s.length; j++) {
      Apfloat t = ar.subtract(s[j], m);
      e[j] = dropped(t) ? Apfloat.ZERO : ar.exp(t);
    }
    Apfloat d = ar.sum(e);
    Apfloat[] f = new Apfloat[s.length];
    for (int j = 0; j < s.length; j++) {
      f[j] = e[j].signum() == 0 ? Apfloat.ZERO : ar.divide(e[j], d);
    }
    return f;
  }

  /** The largest entry of a row. */
  static Apfloat rowMax(Apfloat[] s) {
    Apfloat m = s[0];
    for (int j = 1; j < s.length; j++) {
      m = s[j].compareTo(m) > 0 ? s[j] : m;
    }
    return m;
  }

  /** Whether a shifted softmax argument is below {@code -DROP_ARGUMENT}. */
  static boolean dropped(Apfloat t) {
    return t.compareTo(DROP_ARGUMENT.negate()) < 0;
  }
}
