package dev.loralimits.vectors;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * One golden-vector test case before its expected values are computed.
 *
 * @param comment what the case is, one line
 * @param flags the flags it carries, in {@link VectorFlag} order
 * @param instance the instance: every matrix d x d or L x d for one width d, and every adapter of
 *     one rank r
 */
public record VectorCase(String comment, Set<VectorFlag> flags, LoraInstance instance) {
  /** @throws IllegalArgumentException when a field is missing or the instance is not square */
  public VectorCase {
    Checks.notNull("comment", comment);
    Checks.notNull("flags", flags);
    Checks.notNull("instance", instance);
    EnumSet<VectorFlag> f = EnumSet.noneOf(VectorFlag.class);
    f.addAll(flags);
    flags = Collections.unmodifiableSet(f);
    Checks.argument(!instance.adapted().isEmpty(), "a golden vector adapts at least one projection");
    int d = width(instance);
    int r = rank(instance);
    for (Adapter mu : Adapter.values()) {
      Checks.argument(
          instance.projection(mu).inputWidth() == d && instance.projection(mu).outputWidth() == d,
          "weights." + mu + ".W must be " + d + " x " + d);
      instance
          .projection(mu)
          .rank()
          .ifPresent(k -> Checks.argument(k == r, "every adapter must have rank " + r + ", " + mu + " has " + k));
    }
  }

  /** The width d: W_Q is d x d. */
  public static int width(LoraInstance instance) {
    return instance.projection(Adapter.Q).inputWidth();
  }

  /** The rank r of the first adapted projection (all have the same). */
  public static int rank(LoraInstance instance) {
    for (Adapter mu : Adapter.values()) {
      if (instance.projection(mu).isAdapted()) {
        return instance.projection(mu).rank().orElseThrow();
      }
    }
    throw new IllegalArgumentException("no adapted projection");
  }

  /** Whether every point is a cross-attention point (else every point is self-attention). */
  public boolean cross() {
    return !instance.data().get(0).selfAttention();
  }
}
