package dev.loralimits.fast;

import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The answer of {@link LayerFast} with its certificate (proofs-notes/FAST-BOUND.md Section 12).
 *
 * @param result loss and adapter gradients (doubles written exactly), method {@value LayerFast#METHOD}
 * @param lossBound certified bound on {@code |computed loss - exact loss|}
 * @param boundA certified bound on {@code max_ij |computed dLoss/dA_mu - exact|}, per adapted mu
 * @param boundB the same for {@code dLoss/dB_mu}
 * @param epsilon the requested accuracy (every gradient bound is {@code <= epsilon})
 * @param degree polynomial degree g
 * @param rank feature rank {@code k1 = binom(g + h, h)}
 * @param radius certified score radius R (all heads and points)
 * @param kind the polynomial (Taylor or Chebyshev)
 * @param kernelDelta certified relative error of the polynomial on [-R, R]
 */
public record LayerFastResult(
    LayerResult result, double lossBound, Map<LayerWeight, Double> boundA, Map<LayerWeight, Double> boundB,
    double epsilon, int degree, long rank, double radius, ExpPolynomial.Kind kind, double kernelDelta) {
  public LayerFastResult {
    EnumMap<LayerWeight, Double> a = new EnumMap<>(LayerWeight.class);
    a.putAll(boundA);
    EnumMap<LayerWeight, Double> b = new EnumMap<>(LayerWeight.class);
    b.putAll(boundB);
    boundA = Collections.unmodifiableMap(a);
    boundB = Collections.unmodifiableMap(b);
  }

  /** The largest of the gradient bounds (0 without adapters). */
  public double maxGradientBound() {
    double m = 0;
    for (double x : boundA.values()) {
      m = Math.max(m, x);
    }
    for (double x : boundB.values()) {
      m = Math.max(m, x);
    }
    return m;
  }
}
