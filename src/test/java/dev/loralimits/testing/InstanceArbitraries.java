package dev.loralimits.testing;

import dev.loralimits.model.Adapter;
import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for {@link Instances.Spec}: the hypotheses of the reference properties. */
public final class InstanceArbitraries {
  private InstanceArbitraries() {}

  /** Non-empty adapter sets (case C1 = {Q, V}, case C2 = {Q, K, V}, and every other subset). */
  public static Arbitrary<Set<Adapter>> adapterSets() {
    return Arbitraries.of(Adapter.class)
        .set()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(s -> (Set<Adapter>) EnumSet.copyOf(s));
  }

  /**
   * Small instances: query length 1..maxL (key length independent under cross-attention), d in
   * 1..maxD, r in 1..d, 1-3 data points, alpha in {0.5, 1, 4, 16, -2}, beta in {0.25, 1, 1.5, 3}.
   */
  public static Arbitrary<Instances.Spec> specs(int maxL, int maxD) {
    Arbitrary<BigDecimal> alphas =
        Arbitraries.of("0.5", "1", "4", "16", "-2").map(BigDecimal::new);
    Arbitrary<BigDecimal> betas = Arbitraries.of("0.25", "1", "1.5", "3").map(BigDecimal::new);
    return Arbitraries.integers()
        .between(1, maxD)
        .flatMap(
            d ->
                Combinators.combine(
                        Arbitraries.integers().between(1, maxL),
                        Arbitraries.integers().between(1, maxL),
                        Arbitraries.integers().between(1, d),
                        Arbitraries.integers().between(1, 3),
                        Arbitraries.of(true, false),
                        adapterSets(),
                        alphas,
                        betas)
                    .as(
                        (lq, lk, r, n, cross, ad, alpha, beta) ->
                            new Instances.Spec(lq, cross ? lk : lq, d, r, n, cross, ad, alpha, beta, 1.0)));
  }
}
