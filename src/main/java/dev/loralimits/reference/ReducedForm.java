package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.reference.ApInstance.ApProjection;
import org.apfloat.Apfloat;

/**
 * Definition 3.1 and Eq. 3.2-3.3: the loss as a function of one weight W with everything else
 * constant, {@code Loss(W) = 1/2 || D^{-1} exp(C1 W C2^T) C3 - Y ||_F^2}, for one data point.
 *
 * <p>Three instances of this shape are used: {@link #paperQuery} (the paper's own choice, with the
 * LoRA scale moved into C1), {@link #query} ({@code W = W_Q}) and {@link #key}
 * ({@code W = W_K^T}, since {@code S = (beta X^Q W_Q) W_K^T (X^K)^T}). All have the same scores S.
 *
 * @param c1 {@code L x a}
 * @param w {@code a x b}
 * @param c2 {@code Lk x b}
 * @param c3 {@code Lk x o}
 * @param y {@code L x o}
 */
public record ReducedForm(ApMatrix c1, ApMatrix w, ApMatrix c2, ApMatrix c3, ApMatrix y) {

  /** @throws IllegalArgumentException when the shapes do not fit */
  public ReducedForm {
    Checks.cols("W", w, c2.cols(), "C1 W C2^T needs cols(W) = cols(C2)");
    Checks.rows("W", w, c1.cols(), "C1 W needs rows(W) = cols(C1)");
    Checks.rows("C3", c3, c2.rows(), "one value row per key");
    Checks.rows("Y", y, c1.rows(), "one target row per query");
    Checks.cols("Y", y, c3.cols(), "Y has the width of C3");
  }

  /**
   * Definition 3.1 (with beta kept): {@code C1 = beta (alpha/r) X^Q}, {@code C2 = X^K W_K},
   * {@code C3 = X^V W_V}, {@code W = (r/alpha) W*_Q + B_Q A_Q}, so that {@code C1 W = beta X^Q W_Q}.
   * Then {@code dLoss/dA_Q = B_Q^T G_W} and {@code dLoss/dB_Q = G_W A_Q^T} (proofs-notes/MODEL.md §3).
   *
   * @throws IllegalArgumentException when W_Q carries no adapter
   */
  public static ReducedForm paperQuery(ApInstance inst, ApPoint p, Arithmetic ar) {
    ApProjection q = inst.projection(Adapter.Q);
    Checks.argument(q.isAdapted(), "the paper's reduced form needs an adapter on W_Q");
    Apfloat s = LoraWeight.scale(inst.alpha(), q.rank(), ar);
    ApMatrix c1 = ar.scale(ar.multiply(inst.beta(), s), p.xq());
    ApMatrix w = ar.add(ar.scale(ar.divide(Apfloat.ONE, s), q.frozen()), ar.multiply(q.b(), q.a()));
    return new ReducedForm(c1, w, c2Query(inst, p, ar), c3(inst, p, ar), p.y());
  }

  /** {@code C1 = beta X^Q}, {@code W = W_Q} (merged), {@code C2 = X^K W_K}, {@code C3 = X^V W_V}. */
  public static ReducedForm query(ApInstance inst, ApPoint p, Arithmetic ar) {
    ApMatrix wq = LoraWeight.merged(inst.projection(Adapter.Q), inst.alpha(), ar);
    return new ReducedForm(ar.scale(inst.beta(), p.xq()), wq, c2Query(inst, p, ar), c3(inst, p, ar), p.y());
  }

  /** {@code C1 = beta X^Q W_Q}, {@code W = W_K^T} (merged), {@code C2 = X^K}, {@code C3 = X^V W_V}. */
  public static ReducedForm key(ApInstance inst, ApPoint p, Arithmetic ar) {
    ApMatrix wq = LoraWeight.merged(inst.projection(Adapter.Q), inst.alpha(), ar);
    ApMatrix wk = LoraWeight.merged(inst.projection(Adapter.K), inst.alpha(), ar);
    ApMatrix c1 = ar.scale(inst.beta(), ar.multiply(p.xq(), wq));
    return new ReducedForm(c1, wk.transpose(), p.xk(), c3(inst, p, ar), p.y());
  }

  private static ApMatrix c2Query(ApInstance inst, ApPoint p, Arithmetic ar) {
    return ar.multiply(p.xk(), LoraWeight.merged(inst.projection(Adapter.K), inst.alpha(), ar));
  }

  private static ApMatrix c3(ApInstance inst, ApPoint p, Arithmetic ar) {
    return ar.multiply(p.xv(), LoraWeight.merged(inst.projection(Adapter.V), inst.alpha(), ar));
  }

  /** The scores {@code S = C1 W C2^T}. */
  public ApMatrix scores(Arithmetic ar) {
    return ar.multiply(ar.multiply(c1, w), c2.transpose());
  }

  /** Eq. 3.3: {@code 1/2 || D^{-1} exp(C1 W C2^T) C3 - Y ||_F^2}. */
  public Apfloat loss(Arithmetic ar) {
    ApMatrix f = AttentionHead.softmaxRows(scores(ar), ar);
    return ar.halfSquaredFrobenius(ar.subtract(ar.multiply(f, c3), y));
  }
}
