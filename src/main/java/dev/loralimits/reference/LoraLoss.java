package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import org.apfloat.Apfloat;

/** Definition 1.2 / A.1: the LoRA loss over a data set. */
public final class LoraLoss {
  private LoraLoss() {}

  /**
   * Definition 1.2 / A.1: {@code Loss = sum_i 1/2 ||Z_i - Y_i||_F^2} with {@code Z_i} from Eq. 1.1 and
   * the merged weights of Definition 1.1.
   */
  public static Apfloat loss(ApInstance inst, Arithmetic ar) {
    ApMatrix wq = LoraWeight.merged(inst.projection(Adapter.Q), inst.alpha(), ar);
    ApMatrix wk = LoraWeight.merged(inst.projection(Adapter.K), inst.alpha(), ar);
    ApMatrix wv = LoraWeight.merged(inst.projection(Adapter.V), inst.alpha(), ar);
    Apfloat total = Apfloat.ZERO;
    for (ApPoint p : inst.points()) {
      AttentionHead.Forward fw = AttentionHead.forward(p.xq(), p.xk(), p.xv(), wq, wk, wv, inst.beta(), ar);
      total = ar.add(total, ar.halfSquaredFrobenius(ar.subtract(fw.z(), p.y())));
    }
    return total;
  }
}
