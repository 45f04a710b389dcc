package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import org.apfloat.Apfloat;

/** Definition 1.2 / A.1: the LoRA loss over a data set. */
public final class LoraLoss {
  private LoraLoss() {}

  /**
   * Definition 1.2 / A.1: {@code Loss = sum_i 1/2 ||Z_i - Y_i||_F^2} with {@code Z_i} from Eq. 1.1 and
   * the merged weights of Definition 1.1; the terms of {@link #pointLosses} added in point order.
   */
  public static Apfloat loss(ApInstance inst, Arithmetic ar) {
    Apfloat total = Apfloat.ZERO;
    for (Apfloat term : pointLosses(inst, ar)) {
      total = ar.add(total, term);
    }
    return total;
  }

  /**
   * Definition 1.2 / A.1 term by term: {@code Loss_i = 1/2 ||Z_i - Y_i||_F^2} for every data point i,
   * in point order. A term is exactly 0 iff every computed entry of {@code Z_i - Y_i} is 0 (a sum of
   * squares of non-zero apfloat numbers is never 0).
   */
  public static Apfloat[] pointLosses(ApInstance inst, Arithmetic ar) {
    ApMatrix wq = LoraWeight.merged(inst.projection(Adapter.Q), inst.alpha(), ar);
    ApMatrix wk = LoraWeight.merged(inst.projection(Adapter.K), inst.alpha(), ar);
    ApMatrix wv = LoraWeight.merged(inst.projection(Adapter.V), inst.alpha(), ar);
    Apfloat[] terms = new Apfloat[inst.points().size()];
    for (int i = 0; i < terms.length; i++) {
      ApPoint p = inst.points().get(i);
      AttentionHead.Forward fw = AttentionHead.forward(p.xq(), p.xk(), p.xv(), wq, wk, wv, inst.beta(), ar);
      terms[i] = ar.halfSquaredFrobenius(ar.subtract(fw.z(), p.y()));
    }
    return terms;
  }
}
