package dev.loralimits.testing;

import dev.loralimits.model.Adapter;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** jqwik generators for {@link Instances.Spec}: the hypotheses of the reference properties. */
public final class InstanceArbitraries {
  private InstanceArbitraries() {}

  /**
   * Weight of the square branch of {@link #specs} against {@link #RECTANGULAR_WEIGHT}: one try in
   * four has the paper's square shape (d x d weights, one rank), so that case stays covered while
   * most tries have independent widths and ranks, where index bugs (h for o, dq for dk, ...) show.
   */
  static final int SQUARE_WEIGHT = 1;

  static final int RECTANGULAR_WEIGHT = 3;

  /** Non-empty adapter sets (case C1 = {Q, V}, case C2 = {Q, K, V}, and every other subset). */
  public static Arbitrary<Set<Adapter>> adapterSets() {
    return Arbitraries.of(Adapter.class)
        .set()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(s -> (Set<Adapter>) EnumSet.copyOf(s));
  }

  /**
   * A non-empty adapter set with a rank in 1..maxRank drawn for each adapter on its own.
   */
  public static Arbitrary<Map<Adapter, Integer>> rankMaps(int maxRank) {
    return adapterSets()
        .flatMap(
            set ->
                Arbitraries.integers()
                    .between(1, maxRank)
                    .list()
                    .ofSize(set.size())
                    .map(
                        rs -> {
                          Map<Adapter, Integer> m = new EnumMap<>(Adapter.class);
                          int i = 0;
                          for (Adapter mu : set) {
                            m.put(mu, rs.get(i++));
                          }
                          return m;
                        }));
  }

  /**
   * Small instances, rectangular by default: query length 1..maxL (key length independent under
   * cross-attention), 1-3 data points, alpha in {0.5, 1, 4, 16, -2}, beta in {0.25, 1, 1.5, 3},
   * and either (weight {@value #RECTANGULAR_WEIGHT}) {@link #rectangularSpecs} or (weight
   * {@value #SQUARE_WEIGHT}) {@link #squareSpecs}.
   */
  public static Arbitrary<Instances.Spec> specs(int maxL, int maxD) {
    return Arbitraries.frequencyOf(
        Tuple.of(RECTANGULAR_WEIGHT, rectangularSpecs(maxL, maxD)),
        Tuple.of(SQUARE_WEIGHT, squareSpecs(maxL, maxD)));
  }

  /**
   * Independent widths: dq, dk, dv, h, o each in 1..maxD (self-attention has one X, so there
   * dk = dv = dq), a rank in 1..maxD per adapter; the rest as {@link #specs}.
   */
  public static Arbitrary<Instances.Spec> rectangularSpecs(int maxL, int maxD) {
    Arbitrary<Integer> width = Arbitraries.integers().between(1, maxD);
    Arbitrary<List<Integer>> widths = width.list().ofSize(5);
    return Combinators.combine(
            Arbitraries.integers().between(1, maxL),
            Arbitraries.integers().between(1, maxL),
            widths,
            rankMaps(maxD),
            Arbitraries.integers().between(1, 3),
            Arbitraries.of(true, false),
            alphas(),
            betas())
        .as(
            (lq, lk, w, ranks, n, cross, alpha, beta) -> {
              int dq = w.get(0);
              return new Instances.Spec(
                  lq, cross ? lk : lq, dq, cross ? w.get(1) : dq, cross ? w.get(2) : dq, w.get(3), w.get(4),
                  ranks, n, cross, alpha, beta, 1.0);
            });
  }

  /**
   * The paper's square shape, as every instance was before widths were drawn separately: d in
   * 1..maxD for every X and W, one rank r in 1..d for every adapter.
   */
  public static Arbitrary<Instances.Spec> squareSpecs(int maxL, int maxD) {
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
                        alphas(),
                        betas())
                    .as(
                        (lq, lk, r, n, cross, ad, alpha, beta) ->
                            new Instances.Spec(lq, cross ? lk : lq, d, r, n, cross, ad, alpha, beta, 1.0)));
  }

  private static Arbitrary<BigDecimal> alphas() {
    return Arbitraries.of("0.5", "1", "4", "16", "-2").map(BigDecimal::new);
  }

  private static Arbitrary<BigDecimal> betas() {
    return Arbitraries.of("0.25", "1", "1.5", "3").map(BigDecimal::new);
  }
}
