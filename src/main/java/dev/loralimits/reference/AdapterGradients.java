package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.reference.ApInstance.ApProjection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * Adapter gradients in the original parametrisation (proofs-notes/MODEL.md §3), summed over the data set:
 *
 * <pre>
 *   dLoss/dW_Q = beta (X^Q)^T P Km          (reduced form {@link ReducedForm#query})
 *   dLoss/dW_K = beta (X^K)^T P^T Qm        (reduced form {@link ReducedForm#key}, transposed)
 *   dLoss/dW_V = (X^V)^T F^T c
 *   dLoss/dA_mu = (alpha/r) B_mu^T dLoss/dW_mu,   dLoss/dB_mu = (alpha/r) dLoss/dW_mu A_mu^T
 * </pre>
 *
 * with {@code G_W} from the chosen exact {@link Form} (E1, E2 or E3).
 *
 * <p><b>Equal keys.</b> A point whose key rows are all equal (in particular key length 1)
 * contributes exactly 0 to {@code dLoss/dW_Q} and {@code dLoss/dW_K} ({@link #keysAllEqual}); the
 * forms are not evaluated for it, because their rounding would turn that structural zero into
 * noise that the precision contract, which asks an all-zero matrix for exact zeros, cannot accept.
 */
public final class AdapterGradients {
  private AdapterGradients() {}

  /**
   * Loss and adapter gradients of every adapted projection.
   *
   * @throws IllegalArgumentException for {@link Form#FINITE_DIFFERENCE} (see {@link FiniteDifference})
   */
  public static ApGradients compute(ApInstance inst, Form form, Arithmetic ar) {
    if (form == Form.FINITE_DIFFERENCE) {
      throw new IllegalArgumentException("form (FD) is not an exact form; use FiniteDifference");
    }
    Map<Adapter, ApMatrix> gw = new EnumMap<>(Adapter.class);
    for (ApPoint p : inst.points()) {
      Map<Adapter, ApMatrix> gp = weightGradients(inst, p, form, ar);
      for (Map.Entry<Adapter, ApMatrix> e : gp.entrySet()) {
        gw.merge(e.getKey(), e.getValue(), ar::add);
      }
    }
    Map<Adapter, ApMatrix> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, ApMatrix> gb = new EnumMap<>(Adapter.class);
    for (Map.Entry<Adapter, ApMatrix> e : gw.entrySet()) {
      ApProjection proj = inst.projection(e.getKey());
      Apfloat s = LoraWeight.scale(inst.alpha(), proj.rank(), ar);
      ga.put(e.getKey(), ar.scale(s, ar.multiply(proj.b().transpose(), e.getValue())));
      gb.put(e.getKey(), ar.scale(s, ar.multiply(e.getValue(), proj.a().transpose())));
    }
    return new ApGradients(LoraLoss.loss(inst, ar), ga, gb);
  }

  /**
   * Every row of {@code X^K} is the same (true for key length 1). Then the point's loss does not
   * depend on {@code W_Q} or {@code W_K} at all, so its contributions to {@code dLoss/dW_Q} and
   * {@code dLoss/dW_K} are exactly 0. Proof: with {@code X^K = 1 x^T}, {@code Km = X^K W_K = 1 k^T}
   * ({@code k = W_K^T x}) for every {@code W_K}, so {@code S = beta Qm Km^T = beta (Qm k) 1^T}:
   * each row of S is one number repeated, for every {@code W_Q} and {@code W_K}. Softmax ignores a
   * constant added to a row (proofs-notes/LEMMAS.md 7.1), so {@code F = (1/Lk) 1 1^T} whatever the
   * two weights are; Z and the loss are then constant in {@code W_Q} and {@code W_K}, and so in
   * {@code A_Q, B_Q, A_K, B_K}.
   */
  static boolean keysAllEqual(ApPoint p) {
    ApMatrix xk = p.xk();
    for (int l = 1; l < xk.rows(); l++) {
      for (int t = 0; t < xk.cols(); t++) {
        if (xk.get(l, t).compareTo(xk.get(0, t)) != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@code dLoss/dW_mu} for one data point and every adapted mu. */
  static Map<Adapter, ApMatrix> weightGradients(ApInstance inst, ApPoint p, Form form, Arithmetic ar) {
    Map<Adapter, ApMatrix> g = new EnumMap<>(Adapter.class);
    boolean equalKeys = keysAllEqual(p);
    boolean q = inst.projection(Adapter.Q).isAdapted() && !equalKeys;
    boolean k = inst.projection(Adapter.K).isAdapted() && !equalKeys;
    boolean v = inst.projection(Adapter.V).isAdapted();
    for (Adapter mu : List.of(Adapter.Q, Adapter.K)) {
      ApProjection proj = inst.projection(mu);
      if (equalKeys && proj.isAdapted()) {
        g.put(mu, ApMatrix.zeros(proj.frozen().rows(), proj.frozen().cols()));
      }
    }
    ReducedForm rq = ReducedForm.query(inst, p, ar);
    switch (form) {
      case LEMMA_3_1:
      case LEMMA_3_2: {
        TensorTrickObjects tq = new TensorTrickObjects(rq, ar);
        boolean e1 = form == Form.LEMMA_3_1;
        if (q) {
          g.put(Adapter.Q, e1 ? ExactGradients.lemma31(tq, ar) : ExactGradients.lemma32(tq, ar));
        }
        if (k) {
          TensorTrickObjects tk = new TensorTrickObjects(ReducedForm.key(inst, p, ar), ar);
          ApMatrix gk = e1 ? ExactGradients.lemma31(tk, ar) : ExactGradients.lemma32(tk, ar);
          g.put(Adapter.K, gk.transpose());
        }
        if (v) {
          g.put(
              Adapter.V,
              e1
                  ? ExactGradients.valueTensorForm(tq.fMatrix(), p.xv(), tq.cMatrix(), ar)
                  : ExactGradients.valueDirect(tq.fMatrix(), p.xv(), tq.cMatrix(), ar));
        }
        break;
      }
      case THEOREM_F_1: {
        ExactGradients.Quadratic fq = ExactGradients.theoremF1(rq, ar);
        if (q) {
          g.put(Adapter.Q, fq.gradient());
        }
        if (k) {
          g.put(Adapter.K, ExactGradients.theoremF1(ReducedForm.key(inst, p, ar), ar).gradient().transpose());
        }
        if (v) {
          g.put(Adapter.V, ExactGradients.valueDirect(fq.f(), p.xv(), fq.c(), ar));
        }
        break;
      }
      default:
        throw new IllegalArgumentException("form (" + form + ") is not an exact form");
    }
    return g;
  }
}
