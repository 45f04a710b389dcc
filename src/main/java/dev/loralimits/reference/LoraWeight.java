package dev.loralimits.reference;

import dev.loralimits.reference.ApInstance.ApProjection;
import org.apfloat.Apfloat;

/** Definition 1.1 (LoRA weight). */
public final class LoraWeight {
  private LoraWeight() {}

  /**
   * Definition 1.1: {@code W = W* + (alpha/r) B A}, with {@code r = rows(A)}; a frozen projection
   * returns {@code W*} unchanged.
   */
  public static ApMatrix merged(ApProjection p, Apfloat alpha, Arithmetic ar) {
    if (!p.isAdapted()) {
      return p.frozen();
    }
    return ar.add(p.frozen(), ar.scale(scale(alpha, p.rank(), ar), ar.multiply(p.b(), p.a())));
  }

  /** The LoRA scale {@code alpha / r}. */
  public static Apfloat scale(Apfloat alpha, int r, Arithmetic ar) {
    return ar.divide(alpha, new Apfloat(r));
  }
}
