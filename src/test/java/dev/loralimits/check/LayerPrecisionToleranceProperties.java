package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.check.EmulatedLayer.Backward;
import dev.loralimits.check.EmulatedLayer.Bug;
import dev.loralimits.check.EmulatedLayer.LoraPath;
import dev.loralimits.check.EmulatedLayer.Softmax;
import dev.loralimits.check.EmulatedLayer.Variant;
import dev.loralimits.check.ToleranceCases.Kind;
import dev.loralimits.check.ToleranceCases.Shape;
import dev.loralimits.fast.LayerExact;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.reference.LayerReference;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * proofs-notes/CHECK-TOLERANCE.md Section 7.10: the layer rule is the head rule on the paper's
 * model, a bound on what correct layer implementations err (LayerExact in float64, the emulated
 * layer of {@link EmulatedLayer} in every covered variant, float64 and float32), not vacuous, and
 * below every seeded formula bug.
 */
@Label("LayerPrecisionTolerance")
class LayerPrecisionToleranceProperties {
  /** Reference digits: its own error (1e-29 relative) is far below any tolerance. */
  static final int REFERENCE_DIGITS = 30;

  static List<Variant> correctVariants() {
    List<Variant> out = new ArrayList<>();
    for (LoraPath p : LoraPath.values()) {
      for (Softmax s : Softmax.values()) {
        for (Backward b : Backward.values()) {
          for (boolean rev : new boolean[] {false, true}) {
            out.add(new Variant(p, s, b, rev, Bug.NONE));
          }
        }
      }
    }
    return out;
  }

  @Group
  @Label("7.10 (1): on the paper's model the layer rule is the head rule, number for number")
  class PaperModel {
    // seed pinned: a CI run drew a float16 instance whose scores pass 65504, which the head rule
    // refuses; the refusal is part of "number for number" (both rules refuse, naming the format)
    @Property(tries = 40, seed = "-5209307220705830497")
    void oneHeadNoMaskNoOIsTheHeadRule(
        @ForAll("kinds") Kind kind, @ForAll("paperShapes") Shape shape, @ForAll("seeds") long seed,
        @ForAll("formats") FloatFormat format) {
      LoraInstance x = ToleranceCases.build(kind, shape, seed);
      PrecisionTolerance.Result head;
      try {
        head = PrecisionTolerance.of(x, format);
      } catch (IllegalArgumentException refused) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LayerPrecisionTolerance.of(LayerInstance.of(x), format))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(format.optionName())
            .hasMessageContaining("overflows");
        return;
      }
      LayerPrecisionTolerance.Result layer = LayerPrecisionTolerance.of(LayerInstance.of(x), format);
      assertThat(layer.loss()).isEqualTo(head.loss());
      assertThat(layer.firstOrderSize()).isEqualTo(head.firstOrderSize());
      assertThat(layer.a().keySet()).hasSameSizeAs(head.a().keySet());
      for (Adapter mu : head.a().keySet()) {
        LayerWeight lw = LayerWeight.valueOf(mu.name());
        assertThat(layer.a(lw)).as("a " + mu).isDeepEqualTo(head.a(mu));
        assertThat(layer.b(lw)).as("b " + mu).isDeepEqualTo(head.b(mu));
      }
    }
  }

  @Group
  @Label("7.10 (2): correct implementations stay within the tolerance")
  class Soundness {
    @Property(tries = 30)
    void layerExactAndEveryVariantWithinTolerance(@ForAll("layers") LayerInstances.Spec spec, @ForAll("seeds") long seed) {
      LayerInstance layer = LayerInstances.random(spec, seed);
      Statistics.label("masking").collect(layer.masking())
          .coverage(c -> {
            for (Masking m : Masking.values()) {
              c.check(m).count(n -> n >= 3);
            }
          });
      Statistics.label("heads > 1, O, rslora")
          .collect(layer.heads() > 1, layer.hasOutputProjection(), layer.scaling() == LoraScaling.RSLORA)
          .coverage(c -> c.check(true, true, true).count(n -> n >= 1));
      LayerResult ref = LayerReference.compute(layer, REFERENCE_DIGITS);
      LayerPrecisionTolerance.Result t64 = LayerPrecisionTolerance.of(layer, FloatFormat.FLOAT64);
      assertThat(t64.firstOrderValid()).isTrue();
      within("LayerExact", LayerExact.compute(layer), ref, t64);
      for (FloatFormat format : new FloatFormat[] {FloatFormat.FLOAT64, FloatFormat.FLOAT32}) {
        LayerPrecisionTolerance.Result tol = LayerPrecisionTolerance.of(layer, format);
        assertThat(tol.firstOrderValid()).as(format.toString()).isTrue();
        for (Variant v : correctVariants()) {
          EmulatedLayer.Output out = EmulatedLayer.run(layer, format, v);
          within(format + " " + v, out, ref, tol);
        }
      }
    }

    /**
     * float16 and bfloat16 on layers where the first-order model holds ({@code N u <= 0.1}):
     * float16 on most of these small layers (u = 2^-11), bfloat16 (u = 2^-8) rarely; both counted.
     * A variant without a shift may overflow (its exponentials exceed 65504 at scores above 11):
     * then it is outside the family (CHECK-TOLERANCE.md Section 1.1 assumes no overflow) and
     * skipped; any other non-finite output fails.
     */
    @Property(tries = 20)
    void lowPrecisionWithinToleranceWhereTheFirstOrderModelHolds(
        @ForAll("layers") LayerInstances.Spec spec, @ForAll("seeds") long seed) {
      LayerInstance layer = LayerInstances.random(spec, seed);
      LayerResult ref = LayerReference.compute(layer, REFERENCE_DIGITS);
      for (FloatFormat format : new FloatFormat[] {FloatFormat.FLOAT16, FloatFormat.BFLOAT16}) {
        LayerPrecisionTolerance.Result tol;
        try {
          tol = LayerPrecisionTolerance.of(layer, format);
        } catch (IllegalArgumentException e) {
          // an intermediate beyond float16's 65504: refused, as check refuses it
          assertThat(e.getMessage()).contains("implementation overflows");
          continue;
        }
        Statistics.label("first order valid").collect(format + " " + tol.firstOrderValid())
            .coverage(c -> c.check(FloatFormat.FLOAT16 + " true").count(n -> n >= 8));
        if (!tol.firstOrderValid()) {
          continue;
        }
        for (Variant v : correctVariants()) {
          EmulatedLayer.Output out = EmulatedLayer.run(layer, format, v);
          if (!finite(out)) {
            assertThat(v.softmax()).as("only the unshifted softmax overflows: " + v).isEqualTo(Softmax.NO_SHIFT);
            continue;
          }
          within(format + " " + v, out, ref, tol);
        }
      }
    }
  }

  private static boolean finite(EmulatedLayer.Output out) {
    boolean ok = Double.isFinite(out.loss());
    for (double[][] m : out.a().values()) {
      ok &= PrecisionToleranceProperties.allFinite(m);
    }
    for (double[][] m : out.b().values()) {
      ok &= PrecisionToleranceProperties.allFinite(m);
    }
    return ok;
  }

  @Group
  @Label("7.10 (3): the tolerance follows the real error (not vacuous)")
  class Size {
    /**
     * The ratio, per matrix, of its largest tolerance entry to the largest error entry the 24
     * covered variants make (in the same format, against the 30-digit reference), that at least
     * {@link #LOOSENESS_SHARE} per cent of the matrices must stay within. Measured on 2026-12-01
     * over 400 tries of this property (1782 matrices per format): float64 and float32 alike, 7%
     * have no error at all (exactly zero gradients: Q and K of layers whose rows attend one key;
     * counted as within), 87-88% have ratios 10 to 1000 (median ~100), 4.7-4.8% 1000 to 10^4,
     * under 0.4% above 10^4 (the largest 1.3e5, float32): 99.0% (float64) and 99.3% (float32)
     * within 3000. The ratio is the worst case over signs and orders ({@code N u}, each
     * rounding at its bound, the union over the backward forms, the factor 2) against what random
     * rounding does (about {@code sqrt(N) u}); its tail is where all 24 variants happen to err
     * little. A formula error is a fraction of M, far above 3000 times a float64 or float32 error.
     * With ~135 matrices per format per run, falling below 90% needs about 14 exceedances where
     * about 1.4 are expected.
     */
    static final double LOOSENESS = 3000;
    /** The share (per cent) of matrices within {@link #LOOSENESS}. */
    static final double LOOSENESS_SHARE = 90;

    @Property(tries = 30)
    void toleranceIsWithinAFactorOfTheRealError(@ForAll("layers") LayerInstances.Spec spec, @ForAll("seeds") long seed) {
      LayerInstance layer = LayerInstances.random(spec, seed);
      LayerResult ref = LayerReference.compute(layer, REFERENCE_DIGITS);
      for (FloatFormat format : new FloatFormat[] {FloatFormat.FLOAT64, FloatFormat.FLOAT32}) {
        LayerPrecisionTolerance.Result tol = LayerPrecisionTolerance.of(layer, format);
        Map<String, Double> worst = new java.util.LinkedHashMap<>();
        for (Variant v : correctVariants()) {
          EmulatedLayer.Output out = EmulatedLayer.run(layer, format, v);
          worst.merge("loss", error(out.loss(), ref.loss()), Math::max);
          for (LayerWeight mu : ref.gradients().keySet()) {
            worst.merge("a " + mu, maxError(out.a().get(mu), ref.gradients().get(mu).a()), Math::max);
            worst.merge("b " + mu, maxError(out.b().get(mu), ref.gradients().get(mu).b()), Math::max);
          }
        }
        for (Map.Entry<String, Double> e : worst.entrySet()) {
          String[] name = e.getKey().split(" ");
          double t = name[0].equals("loss") ? tol.loss()
              : maxOf(name[0].equals("a") ? tol.a(LayerWeight.valueOf(name[1])) : tol.b(LayerWeight.valueOf(name[1])));
          // an error of exactly 0 (every variant exact, or an exactly zero gradient) gives no ratio
          boolean judged = e.getValue() > 0;
          Statistics.label(format + " judged").collect(judged).coverage(c -> c.check(true).percentage(p -> p >= 80));
          double ratio = judged ? t / e.getValue() : Double.POSITIVE_INFINITY;
          assertThat(ratio).as(e.getKey() + " (soundness)").isGreaterThanOrEqualTo(1);
          Statistics.label(format + " tolerance / error within the limit").collect(!judged || ratio <= LOOSENESS)
              .coverage(c -> c.check(true).percentage(p -> p >= LOOSENESS_SHARE));
          Statistics.label(format + " floor(log10 ratio)").collect(judged ? (int) Math.floor(Math.log10(ratio)) : -1);
        }
      }
    }
  }

  @Group
  @Label("7.10 (4): every seeded formula bug exceeds the float64 tolerance")
  class Bugs {
    @Property(tries = 15)
    void everyBugFails(@ForAll("bugLayers") LayerInstances.Spec spec, @ForAll("seeds") long seed) {
      LayerInstance layer = LayerInstances.random(spec, seed);
      // the mask bug needs a row that does not attend to every key
      Assume.that(layer.data().stream().anyMatch(p -> p.queryLength() >= 2));
      LayerResult ref = LayerReference.compute(layer, REFERENCE_DIGITS);
      LayerPrecisionTolerance.Result tol = LayerPrecisionTolerance.of(layer, FloatFormat.FLOAT64);
      for (Bug bug : Bug.values()) {
        if (bug == Bug.NONE) {
          continue;
        }
        EmulatedLayer.Output out = EmulatedLayer.run(layer, FloatFormat.FLOAT64, Variant.textbook().withBug(bug));
        assertThat(exceeds(out, ref, tol)).as(bug + " must fail").isTrue();
      }
      // and the textbook variant without a bug passes on the same instance
      assertThat(exceeds(EmulatedLayer.run(layer, FloatFormat.FLOAT64, Variant.textbook()), ref, tol)).isFalse();
    }
  }

  private static void within(String what, LayerResult got, LayerResult ref, LayerPrecisionTolerance.Result tol) {
    Map<LayerWeight, double[][]> a = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, double[][]> b = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : got.gradients().keySet()) {
      a.put(mu, got.gradients().get(mu).a().toDoubles());
      b.put(mu, got.gradients().get(mu).b().toDoubles());
    }
    within(what, new EmulatedLayer.Output(got.loss().doubleValue(), a, b), ref, tol);
    // LayerExact's loss is a double converted exactly: compare the exact decimal too
    PrecisionToleranceProperties.assertWithin(what + " loss", got.loss().doubleValue(), ref.loss(), tol.loss());
  }

  private static void within(String what, EmulatedLayer.Output out, LayerResult ref, LayerPrecisionTolerance.Result tol) {
    assertThat(out.a().keySet()).as(what).isEqualTo(ref.gradients().keySet());
    PrecisionToleranceProperties.assertWithin(what + " loss", out.loss(), ref.loss(), tol.loss());
    for (LayerWeight mu : ref.gradients().keySet()) {
      PrecisionToleranceProperties.assertWithin(what + " dLoss/dA_" + mu, out.a().get(mu), ref.gradients().get(mu).a(), tol.a(mu));
      PrecisionToleranceProperties.assertWithin(what + " dLoss/dB_" + mu, out.b().get(mu), ref.gradients().get(mu).b(), tol.b(mu));
    }
  }

  private static boolean exceeds(EmulatedLayer.Output out, LayerResult ref, LayerPrecisionTolerance.Result tol) {
    boolean fails = PrecisionToleranceProperties.exceeds(new double[][] {{out.loss()}},
        DecimalMatrix.of("loss", new BigDecimal[][] {{ref.loss()}}), new double[][] {{tol.loss()}});
    for (LayerWeight mu : ref.gradients().keySet()) {
      fails |= PrecisionToleranceProperties.exceeds(out.a().get(mu), ref.gradients().get(mu).a(), tol.a(mu));
      fails |= PrecisionToleranceProperties.exceeds(out.b().get(mu), ref.gradients().get(mu).b(), tol.b(mu));
    }
    return fails;
  }

  private static double error(double cand, BigDecimal ref) {
    return new BigDecimal(cand).subtract(ref).abs().doubleValue();
  }

  private static double maxError(double[][] cand, DecimalMatrix ref) {
    return PrecisionToleranceProperties.maxError(cand, ref);
  }

  private static double maxOf(double[][] m) {
    return PrecisionToleranceProperties.maxOf(m);
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs().between(1, 1_000_000_000L);
  }

  @Provide
  Arbitrary<FloatFormat> formats() {
    return Arbitraries.of(FloatFormat.class);
  }

  @Provide
  Arbitrary<Kind> kinds() {
    return Arbitraries.of(Kind.class);
  }

  /** Independent widths and ranks (at least one adapter), Lq != Lk allowed, L = 1 allowed. */
  @Provide
  Arbitrary<Shape> paperShapes() {
    Arbitrary<int[]> ranks = Arbitraries.integers().between(0, 3).array(int[].class).ofSize(3)
        .filter(r -> r[0] + r[1] + r[2] > 0);
    return Combinators.combine(
            Arbitraries.integers().between(1, 6), Arbitraries.integers().between(1, 6),
            Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 4), ranks, Arbitraries.of(true, false))
        .as(Shape::new);
  }

  /**
   * The layers of {@link LayerInstances#specs} (1-3 heads, widths 1-3, lengths 1-4, 1-2 points,
   * every mask, O or none, either scaling, any adapter set, rectangular and cross-attention), a
   * quarter of them with beta 30: nearly one-hot softmax rows.
   */
  @Provide
  Arbitrary<LayerInstances.Spec> layers() {
    return Combinators.combine(LayerInstances.specs(), Arbitraries.integers().between(0, 3))
        .as((s, sharp) -> sharp > 0 ? s : withBeta(s, new BigDecimal("30")));
  }

  /**
   * Layers where every bug matters: two heads of width 2 (the head split), a square O of width 4
   * (O transposed), every projection adapted with rank 2 (the scaling: sqrt(2) != 2; the centring:
   * Q and K adapted), a causal mask on self-attention points of up to 4 tokens (the mask offset).
   */
  @Provide
  Arbitrary<LayerInstances.Spec> bugLayers() {
    Map<LayerWeight, Integer> ranks = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : LayerWeight.values()) {
      ranks.put(mu, 2);
    }
    return Combinators.combine(
            Arbitraries.of(Masking.TOP_LEFT, Masking.BOTTOM_RIGHT), Arbitraries.of(LoraScaling.class),
            Arbitraries.integers().between(2, 3), Arbitraries.of("1", "2", "-3"), Arbitraries.of("0.5", "1", "2"))
        .as((mask, sc, d, al, be) -> new LayerInstances.Spec(2, 2, 2, d, d, d, 4, mask, sc, ranks, false, 2, 4,
            new BigDecimal(al), new BigDecimal(be)));
  }

  private static LayerInstances.Spec withBeta(LayerInstances.Spec s, BigDecimal beta) {
    return new LayerInstances.Spec(s.heads(), s.h(), s.v(), s.dq(), s.dk(), s.dv(), s.o(), s.masking(), s.scaling(),
        s.ranks(), s.cross(), s.points(), s.maxL(), s.alpha(), beta);
  }
}
