package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A loss and the gradients of every adapted projection, as decimal numbers. For the reference
 * every number is rounded to {@code digits} significant digits under the precision contract of
 * {@code dev.loralimits.reference.ReferenceGradient}.
 *
 * @param method how the numbers were computed ("reference", ...)
 * @param digits significant digits carried by every number
 * @param loss the loss of Definition 1.2 / A.1
 * @param gradients one entry per adapted projection, in Q, K, V order
 */
public record GradientResult(
    String method, int digits, BigDecimal loss, Map<Adapter, AdapterGradient> gradients) {
  public GradientResult {
    Checks.notNull("method", method);
    Checks.positive("digits", digits);
    Checks.notNull("loss", loss);
    Checks.notNull("gradients", gradients);
    EnumMap<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.putAll(gradients);
    gradients = Collections.unmodifiableMap(g);
  }
}
