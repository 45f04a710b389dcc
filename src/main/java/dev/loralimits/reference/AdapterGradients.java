package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.reference.ApInstance.ApProjection;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * Adapter gradients in the original parametrisation (MATH.md Section 3), summed over the data set:
 *
 * <pre>
 *   dLoss/dW_Q = beta (X^Q)^T P Km          (reduced form {@link ReducedForm#query})
 *   dLoss/dW_K = beta (X^K)^T P^T Qm        (reduced form {@link ReducedForm#key}, transposed)
 *   dLoss/dW_V = (X^V)^T F^T c
 *   dLoss/dA_mu = (alpha/r) B_mu^T dLoss/dW_mu,   dLoss/dB_mu = (alpha/r) dLoss/dW_mu A_mu^T
 * </pre>
 *
 * with {@code G_W} from the chosen exact {@link Form} (E1, E2 or E3).
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

  /** {@code dLoss/dW_mu} for one data point and every adapted mu. */
  static Map<Adapter, ApMatrix> weightGradients(ApInstance inst, ApPoint p, Form form, Arithmetic ar) {
    Map<Adapter, ApMatrix> g = new EnumMap<>(Adapter.class);
    boolean q = inst.projection(Adapter.Q).isAdapted();
    boolean k = inst.projection(Adapter.K).isAdapted();
    boolean v = inst.projection(Adapter.V).isAdapted();
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
