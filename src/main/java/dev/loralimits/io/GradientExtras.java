package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Top-level fields that the double methods add to a gradient file (spec/FORMATS.md Section 2.2),
 * written by {@link GradientJson#write(dev.loralimits.model.GradientResult, GradientExtras)} and
 * ignored by its reader.
 *
 * @param auto the choice made by {@code --method auto} ({@code "fast"} or
 *     {@code "exact (fast refused: ...)"}), or null when no choice was made
 * @param certificate the almost-linear algorithm's certificate, or null for other methods
 */
public record GradientExtras(String auto, Certificate certificate) {
  /** No extra fields: the file of the reference. */
  public static final GradientExtras NONE = new GradientExtras(null, null);

  /**
   * The certificate of the almost-linear algorithm (Theorem 3.1 / A.1 with FAST-BOUND.md).
   *
   * @param epsilon the requested max-entry accuracy of every adapter gradient
   * @param bound certified bounds on {@code max_ij |computed - exact|} of {@code dLoss/dA_mu} and
   *     {@code dLoss/dB_mu}, one entry per adapted projection
   * @param lossBound certified bound on {@code |computed loss - exact loss|}
   * @param degree the polynomial degree g
   * @param rank the feature rank {@code binom(g + h, h)}
   * @param radius the certified score radius R ({@code |scores| <= R})
   * @param polynomial the polynomial's kind, {@code "TAYLOR"} or {@code "CHEBYSHEV"}
   * @param kernelDelta certified relative error of the polynomial on {@code [-R, R]}
   */
  public record Certificate(
      double epsilon,
      Map<Adapter, FactorBounds> bound,
      double lossBound,
      int degree,
      long rank,
      double radius,
      String polynomial,
      double kernelDelta) {
    /**
     * @throws IllegalArgumentException when epsilon is not finite and positive, a bound, the
     *     radius or kernelDelta is not finite and {@code >= 0}, degree or rank is negative, or
     *     bound or polynomial is missing
     */
    public Certificate {
      Checks.finite("epsilon", Checks.positive("epsilon", epsilon));
      Checks.notNull("bound", bound);
      nonNegative("lossBound", lossBound);
      Checks.argument(degree >= 0, "degree (" + degree + ") must be >= 0");
      Checks.argument(rank >= 0, "rank (" + rank + ") must be >= 0");
      nonNegative("radius", radius);
      Checks.notNull("polynomial", polynomial);
      nonNegative("kernelDelta", kernelDelta);
      EnumMap<Adapter, FactorBounds> b = new EnumMap<>(Adapter.class);
      for (Map.Entry<Adapter, FactorBounds> e : bound.entrySet()) {
        b.put(Checks.notNull("bound key", e.getKey()), Checks.notNull("bound." + e.getKey(), e.getValue()));
      }
      bound = Collections.unmodifiableMap(b);
    }
  }

  /**
   * Certified bounds for one adapter's two gradient factors.
   *
   * @param a bound on {@code max_ij |computed dLoss/dA - exact|}
   * @param b bound on {@code max_ij |computed dLoss/dB - exact|}
   */
  public record FactorBounds(double a, double b) {
    /** @throws IllegalArgumentException when a or b is not finite and {@code >= 0} */
    public FactorBounds {
      nonNegative("bound A", a);
      nonNegative("bound B", b);
    }
  }

  private static void nonNegative(String name, double x) {
    Checks.finite(name, x);
    Checks.argument(x >= 0, name + " (" + x + ") must be >= 0");
  }
}
