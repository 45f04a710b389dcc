package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * A loss and adapter gradients in apfloat at one working precision (before the precision
 * contract's verification and rounding).
 *
 * @param loss the loss of Definition 1.2 / A.1
 * @param gradA {@code dLoss/dA_mu} per adapted mu
 * @param gradB {@code dLoss/dB_mu} per adapted mu
 */
public record ApGradients(Apfloat loss, Map<Adapter, ApMatrix> gradA, Map<Adapter, ApMatrix> gradB) {
  public ApGradients {
    gradA = copy(gradA);
    gradB = copy(gradB);
  }

  private static Map<Adapter, ApMatrix> copy(Map<Adapter, ApMatrix> m) {
    EnumMap<Adapter, ApMatrix> e = new EnumMap<>(Adapter.class);
    e.putAll(m);
    return Collections.unmodifiableMap(e);
  }
}
