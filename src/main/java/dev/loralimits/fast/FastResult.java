package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The answer of the almost-linear algorithm with its certificate.
 *
 * @param gradients loss and adapter gradients in doubles
 * @param lossBound certified bound on |computed loss - exact loss|
 * @param boundA certified bound on {@code max_ij |computed dLoss/dA_mu - exact|}, per adapted mu
 * @param boundB the same for {@code dLoss/dB_mu}
 * @param epsilon the requested accuracy (every gradient bound is {@code <= epsilon})
 * @param degree polynomial degree g
 * @param rank feature rank {@code k1 = binom(g + h, h)}
 * @param radius certified score radius R
 * @param kind the polynomial (Taylor or Chebyshev)
 * @param kernelDelta certified relative error of the polynomial on [-R, R]
 * @param norms the per-point norms the bound used
 */
public record FastResult(
    DoubleGradients gradients, double lossBound, Map<Adapter, Double> boundA, Map<Adapter, Double> boundB,
    double epsilon, int degree, long rank, double radius, ExpPolynomial.Kind kind, double kernelDelta,
    List<FastBound.PointNorms> norms) {
  public FastResult {
    EnumMap<Adapter, Double> a = new EnumMap<>(Adapter.class);
    a.putAll(boundA);
    EnumMap<Adapter, Double> b = new EnumMap<>(Adapter.class);
    b.putAll(boundB);
    boundA = Collections.unmodifiableMap(a);
    boundB = Collections.unmodifiableMap(b);
    norms = List.copyOf(norms);
  }

  /** The largest of the gradient bounds. */
  public double maxGradientBound() {
    return FastBound.largest(boundA, boundB);
  }
}
