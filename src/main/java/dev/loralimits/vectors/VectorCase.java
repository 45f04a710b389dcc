package dev.loralimits.vectors;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One golden-vector test case before its expected values are computed.
 *
 * @param comment what the case is, one line
 * @param flags the flags it carries, in {@link VectorFlag} order
 * @param instance the instance: square (every W d x d, every adapter of one rank r) or
 *     rectangular (widths and ranks as the model allows)
 */
public record VectorCase(String comment, Set<VectorFlag> flags, LoraInstance instance) {
  /** @throws IllegalArgumentException when a field is missing or no projection is adapted */
  public VectorCase {
    Checks.notNull("comment", comment);
    Checks.notNull("flags", flags);
    Checks.notNull("instance", instance);
    EnumSet<VectorFlag> f = EnumSet.noneOf(VectorFlag.class);
    f.addAll(flags);
    flags = Collections.unmodifiableSet(f);
    Checks.argument(!instance.adapted().isEmpty(), "a golden vector adapts at least one projection");
  }

  /** Whether every W is d x d for one d and every adapter has one rank r (a square group's case). */
  public static boolean square(LoraInstance instance) {
    List<Integer> ranks = new ArrayList<>();
    for (Adapter mu : instance.adapted()) {
      ranks.add(instance.projection(mu).rank().orElseThrow());
    }
    Projection q = instance.projection(Adapter.Q);
    return square(
        q.inputWidth(), instance.projection(Adapter.K).inputWidth(), instance.projection(Adapter.V).inputWidth(),
        q.outputWidth(), instance.projection(Adapter.V).outputWidth(), ranks);
  }

  /** Whether dq = dk = dv = h = o and all the ranks are equal. */
  public static boolean square(int dq, int dk, int dv, int h, int o, Collection<Integer> ranks) {
    return dq == h && dk == h && dv == h && o == h && ranks.stream().distinct().count() <= 1;
  }

  /** An adapter of full rank: {@code r = min(rows, cols)} of its weight (for d x d: r = d). */
  public static boolean fullRank(Projection p) {
    return p.rank().orElseThrow() == Math.min(p.inputWidth(), p.outputWidth());
  }

  /** The width d of a square case: W_Q is d x d. */
  public static int width(LoraInstance instance) {
    return instance.projection(Adapter.Q).inputWidth();
  }

  /** The rank r of the first adapted projection (of every one, in a square case). */
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
