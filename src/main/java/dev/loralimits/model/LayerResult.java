package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The loss and the adapter gradients of a {@link LayerInstance}, as decimal numbers (for the
 * reference, under the precision contract of spec/FORMATS.md Section 3.1).
 *
 * @param method how the numbers were computed
 * @param digits significant digits of every number
 * @param loss the layer's loss
 * @param gradients one entry per adapted projection, in Q, K, V, O order
 */
public record LayerResult(String method, int digits, BigDecimal loss, Map<LayerWeight, AdapterGradient> gradients) {
  public LayerResult {
    Checks.notNull("method", method);
    Checks.positive("digits", digits);
    Checks.notNull("loss", loss);
    Checks.notNull("gradients", gradients);
    EnumMap<LayerWeight, AdapterGradient> g = new EnumMap<>(LayerWeight.class);
    g.putAll(gradients);
    gradients = Collections.unmodifiableMap(g);
  }
}
