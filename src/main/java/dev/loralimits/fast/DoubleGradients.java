package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A loss and adapter gradients in doubles, for every adapted projection (Q, K, V order).
 *
 * @param loss the loss of Definition 1.2 / A.1
 * @param gradA {@code dLoss/dA_mu} ({@code r x cols(W_mu)}) per adapted mu
 * @param gradB {@code dLoss/dB_mu} ({@code rows(W_mu) x r}) per adapted mu
 */
public record DoubleGradients(double loss, Map<Adapter, double[][]> gradA, Map<Adapter, double[][]> gradB) {
  public DoubleGradients {
    Checks.notNull("gradA", gradA);
    Checks.notNull("gradB", gradB);
    Checks.argument(gradA.keySet().equals(gradB.keySet()), "gradA and gradB must cover the same adapters");
    EnumMap<Adapter, double[][]> a = new EnumMap<>(Adapter.class);
    a.putAll(gradA);
    EnumMap<Adapter, double[][]> b = new EnumMap<>(Adapter.class);
    b.putAll(gradB);
    gradA = Collections.unmodifiableMap(a);
    gradB = Collections.unmodifiableMap(b);
  }
}
