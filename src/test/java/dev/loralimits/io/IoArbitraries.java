package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.EnumMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of well-formed instances and gradient results with arbitrary exact decimals
 * (unscaled values up to 10^30, scales -12..40, so both plain and E-notation {@code toString}
 * forms occur). Dimensions stay small (1..3) to keep the properties fast.
 */
final class IoArbitraries {
  private static final int MAX_DIM = 3;
  private static final BigInteger MAX_UNSCALED = BigInteger.TEN.pow(30);

  private IoArbitraries() {}

  static Arbitrary<BigDecimal> decimals() {
    Arbitrary<BigInteger> unscaled = Arbitraries.bigIntegers().between(MAX_UNSCALED.negate(), MAX_UNSCALED);
    Arbitrary<Integer> scale = Arbitraries.integers().between(-12, 40);
    return Combinators.combine(unscaled, scale).as(BigDecimal::new);
  }

  static Arbitrary<Integer> dims() {
    return Arbitraries.integers().between(1, MAX_DIM);
  }

  static Arbitrary<DecimalMatrix> matrices(int rows, int cols) {
    return decimals()
        .array(BigDecimal[].class)
        .ofSize(cols)
        .array(BigDecimal[][].class)
        .ofSize(rows)
        .map(a -> DecimalMatrix.of("m", a));
  }

  static Arbitrary<Projection> projections(int rows, int cols) {
    Arbitrary<Projection> frozen = matrices(rows, cols).map(Projection::frozen);
    Arbitrary<Projection> adapted =
        dims()
            .flatMap(
                r ->
                    Combinators.combine(matrices(rows, cols), matrices(r, cols), matrices(rows, r))
                        .as(Projection::adapted));
    return Arbitraries.oneOf(frozen, adapted);
  }

  /** Points for projections with input width d and output width o. */
  static Arbitrary<DataPoint> points(int d, int o) {
    Arbitrary<DataPoint> self =
        dims().flatMap(l -> Combinators.combine(matrices(l, d), matrices(l, o)).as(DataPoint::self));
    Arbitrary<DataPoint> cross =
        Combinators.combine(dims(), dims())
            .flatAs(
                (lq, lk) ->
                    Combinators.combine(
                            matrices(lq, d), matrices(lk, d), matrices(lk, d), matrices(lq, o))
                        .as(DataPoint::cross));
    return Arbitraries.oneOf(self, cross);
  }

  /** Instances with W_Q, W_K: d x h, W_V: d x o, any subset of adapters, 1..3 points. */
  static Arbitrary<LoraInstance> instances() {
    Arbitrary<BigDecimal> alpha = decimals().filter(x -> x.signum() != 0);
    Arbitrary<BigDecimal> beta = decimals().map(BigDecimal::abs).filter(x -> x.signum() > 0);
    return Combinators.combine(dims(), dims(), dims())
        .flatAs(
            (d, h, o) ->
                Combinators.combine(
                        projections(d, h),
                        projections(d, h),
                        projections(d, o),
                        points(d, o).list().ofMinSize(1).ofMaxSize(3),
                        alpha,
                        beta)
                    .as(
                        (q, k, v, data, a, b) -> {
                          Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
                          w.put(Adapter.Q, q);
                          w.put(Adapter.K, k);
                          w.put(Adapter.V, v);
                          return new LoraInstance(a, b, w, data);
                        }));
  }

  static Arbitrary<AdapterGradient> adapterGradients() {
    return Combinators.combine(dims(), dims(), dims())
        .flatAs(
            (rows, cols, r) ->
                Combinators.combine(matrices(r, cols), matrices(rows, r)).as(AdapterGradient::new));
  }

  /** Results of 1..60 digits with gradients for a non-empty subset of Q, K, V. */
  static Arbitrary<GradientResult> gradientResults() {
    Arbitrary<Map<Adapter, AdapterGradient>> gradients =
        Arbitraries.of(Adapter.class)
            .set()
            .ofMinSize(1)
            .flatMap(
                set -> {
                  Adapter[] keys = set.toArray(new Adapter[0]);
                  return adapterGradients()
                      .list()
                      .ofSize(keys.length)
                      .map(
                          list -> {
                            Map<Adapter, AdapterGradient> m = new EnumMap<>(Adapter.class);
                            for (int i = 0; i < keys.length; i++) {
                              m.put(keys[i], list.get(i));
                            }
                            return m;
                          });
                });
    return Combinators.combine(
            Arbitraries.of("reference", "exact-double", "fast"),
            Arbitraries.integers().between(1, 60),
            decimals(),
            gradients)
        .as(GradientResult::new);
  }
}
