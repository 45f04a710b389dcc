package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.check.EmulatedAttention.Backward;
import dev.loralimits.check.EmulatedAttention.Bug;
import dev.loralimits.check.EmulatedAttention.LoraPath;
import dev.loralimits.check.EmulatedAttention.Softmax;
import dev.loralimits.check.EmulatedAttention.Variant;
import dev.loralimits.check.ToleranceCases.Kind;
import dev.loralimits.check.ToleranceCases.Shape;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * proofs-notes/CHECK-TOLERANCE.md Section 6: the precision-aware tolerance is a bound (every
 * correct emulated implementation stays inside it, entrywise, against the 30-digit reference),
 * small where it must be (a 1e-11 relative error fails on well-conditioned instances) and below
 * every seeded formula bug.
 */
class PrecisionToleranceProperties {
  /** Reference digits: the reference's own error (1e-29 relative) is far below any tolerance. */
  static final int REFERENCE_DIGITS = 30;
  /**
   * Largest normwise size (max tolerance / max |entry| per matrix) of the float64 tolerance on a
   * well-conditioned instance: below 1e-11 by a factor 2, so that a relative error of 1e-11 in
   * the largest entry fails (issue 8), while correct float64 code (about 1e-15-1e-14) passes.
   */
  static final double WELL_CONDITIONED_SIZE = 5e-12;
  /**
   * Ratio of the float64 tolerance of a Q or K gradient matrix to the largest error the covered
   * variants actually make on it (both max-entry): those gradients are sums over keys of
   * {@code P_jl K_l} with {@code sum_l P_jl = 0}, small by cancellation relative to their terms,
   * so no absolute size holds on every instance (the tolerance reached 1e-10 of M on a random
   * 5 x 8 instance, where correct code errs by ~1e-13); what holds is that the bound follows the
   * real error. Measured over 50 instances: median ~1000, 92% below 3000 (worst-case signs,
   * {@code N u} instead of about {@code sqrt(N) u}, the factor 2), with a thin tail (one of about
   * 100 reached 5.5e4, where the variants happened to err little). Asserted as a statistic:
   * at least {@link #QK_LOOSENESS_SHARE} of the tries stay within {@link #QK_LOOSENESS}.
   */
  static final double QK_LOOSENESS = 1e4;
  /** The share of tries whose Q and K looseness must stay within {@link #QK_LOOSENESS}. */
  static final double QK_LOOSENESS_SHARE = 80;
  /**
   * The share (per cent) of judged V-gradient matrices whose float64 tolerance stays within
   * {@link #WELL_CONDITIONED_SIZE} of M. The V gradients are sums over pairs (j, l) with signs
   * of both kinds, so their size relative to the sum of |terms| (the condition that scales the
   * tolerance) varies by instance: in a sweep of 3000 generated tries of this property's
   * shapes, 16 judged V matrices had a normwise size above 3e-12, 5 above 5e-12, the worst
   * 9.2e-12 (a CI run met one at 5.9e-12); another sweep of 400 had its worst at 3.2e-12. A
   * per-try limit would be a claim about that tail, not a bound; what holds is that almost all
   * tries are this small. The share counts judged matrices, two per try (dLoss/dA_V and
   * dLoss/dB_V; every projection is adapted): 60 per run, so falling below 90% needs 7
   * exceedances. A later 25 runs (1500 matrices) had 1, which makes 6 in about 7500 matrices of
   * 3750 tries (99.9% upper bound: 0.24% per matrix, 0.48% per try). Independent exceedances
   * fail a run with probability below 1e-9 at that bound (1e-11 at the measured rate); if the two
   * V matrices of a try always exceeded together, 4 bad tries of 30 would do, 2e-7 at the
   * measured per-try rate (0.16%) and 1.5e-5 at the upper bound. The one exceedance seen in those
   * 25 runs came alone. The loss tolerance, whose worst size in a sweep of 1500 tries was
   * 2.5e-13, keeps its per-try assertion.
   */
  static final double V_SIZE_SHARE = 90;
  /** The relative error injected into the largest gradient entry of a correct float64 candidate. */
  static final double INJECTED_RELATIVE_ERROR = 1e-11;

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
  @Label("Soundness: correct implementations stay within the tolerance")
  class Soundness {
    /**
     * Self- and cross-attention are counted, not demanded: each is a fair coin of jqwik's
     * {@code of(true, false)} (52% / 48% over 25 runs), so a demand to see each 3 times in 25
     * tries failed in about {@code 2 * P(Bin(25, 0.48) <= 2) = 4e-5} of runs;
     * {@link #everyVariantWithinToleranceInSelfAndCrossAttention} runs both on every build.
     */
    @Property(tries = 25)
    @Label("float64 and float32, every case class, every covered variant")
    void everyVariantWithinTolerance(@ForAll("shapes") Shape shape, @ForAll("seeds") long seed) {
      Statistics.label("cross").collect(shape.cross());
      assertEveryVariantWithinTolerance(shape, seed);
    }

    /** A rectangular cross-attention shape with Lq != Lk and its self-attention twin, ranks 2, 0, 1. */
    @Example
    void everyVariantWithinToleranceInSelfAndCrossAttention() {
      assertEveryVariantWithinTolerance(new Shape(3, 5, 2, 3, 4, new int[] {2, 0, 1}, true), 17);
      assertEveryVariantWithinTolerance(new Shape(4, 4, 3, 2, 3, new int[] {2, 0, 1}, false), 18);
    }

    private void assertEveryVariantWithinTolerance(Shape shape, long seed) {
      // every case class and both formats in every try: coverage by construction
      for (Kind kind : Kind.values()) {
        LoraInstance inst = ToleranceCases.build(kind, shape, seed);
        GradientResult ref = ReferenceGradient.compute(inst, REFERENCE_DIGITS);
        for (FloatFormat format : new FloatFormat[] {FloatFormat.FLOAT64, FloatFormat.FLOAT32}) {
          PrecisionTolerance.Result tol = PrecisionTolerance.of(inst, format);
          assertThat(tol.firstOrderValid()).as(kind + " " + format).isTrue();
          everyVariantWithin(inst, format, ref, tol);
        }
      }
    }

    @Property(tries = 12)
    @Label("float16 and bfloat16 where the first-order model holds")
    void lowPrecisionWithinTolerance(
        @ForAll("lowKinds") Kind kind, @ForAll("tinyShapes") Shape shape, @ForAll("seeds") long seed) {
      LoraInstance inst = ToleranceCases.build(kind, shape, seed);
      GradientResult ref = ReferenceGradient.compute(inst, REFERENCE_DIGITS);
      for (FloatFormat format : new FloatFormat[] {FloatFormat.FLOAT16, FloatFormat.BFLOAT16}) {
        PrecisionTolerance.Result tol = PrecisionTolerance.of(inst, format);
        // float16 holds on these sizes (N u ~ 0.03), bfloat16 rarely (N u ~ 0.2): both are counted
        Statistics.label("first order valid").collect(format + " " + tol.firstOrderValid())
            .coverage(c -> c.check(FloatFormat.FLOAT16 + " true").count(n -> n >= 10));
        if (tol.firstOrderValid()) {
          everyVariantWithin(inst, format, ref, tol);
        }
      }
    }
  }

  @Group
  @Label("Size: the tolerance is small where float64 code is accurate")
  class Size {
    @Property(tries = 30)
    @Label("well-conditioned float64: loss tolerance <= 5e-12 of M; V within 5e-12 of M (1e-11 fails) in >= 90% of tries; Q and K mostly within 1e4 of the real error")
    void wellConditionedToleranceIsSmall(@ForAll("longerShapes") Shape shape, @ForAll("seeds") long seed) {
      LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, shape, seed);
      GradientResult ref = ReferenceGradient.compute(inst, REFERENCE_DIGITS);
      PrecisionTolerance.Result tol = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
      assertThat(tol.loss()).isLessThanOrEqualTo(WELL_CONDITIONED_SIZE * ref.loss().abs().doubleValue());
      EmulatedAttention.Output out = EmulatedAttention.run(inst, FloatFormat.FLOAT64, Variant.textbook());
      double scale = 0;
      for (Adapter mu : ref.gradients().keySet()) {
        scale = Math.max(scale, ref.gradients().get(mu).a().maxAbs().doubleValue());
        scale = Math.max(scale, ref.gradients().get(mu).b().maxAbs().doubleValue());
      }
      for (Adapter mu : ref.gradients().keySet()) {
        if (mu == Adapter.V) {
          checkSize("dLoss/dA_" + mu, ref.gradients().get(mu).a(), tol.a(mu), out.a().get(mu), scale);
          checkSize("dLoss/dB_" + mu, ref.gradients().get(mu).b(), tol.b(mu), out.b().get(mu), scale);
        } else {
          checkLooseness(inst, mu, ref, tol);
        }
      }
    }

    /**
     * A matrix more than SMALL_BY_CANCELLATION below the instance's largest gradient entry is
     * small by cancellation: its float64 error relative to itself is large for every
     * implementation, so its tolerance is judged by the soundness group only.
     */
    static final double SMALL_BY_CANCELLATION = 1e-2;

    /** Counts whether the Q or K tolerance is within QK_LOOSENESS of the worst error of the variants. */
    private void checkLooseness(LoraInstance inst, Adapter mu, GradientResult ref, PrecisionTolerance.Result tol) {
      double worst = 0;
      for (Variant v : correctVariants()) {
        EmulatedAttention.Output out = EmulatedAttention.run(inst, FloatFormat.FLOAT64, v);
        worst = Math.max(worst, maxError(out.a().get(mu), ref.gradients().get(mu).a()));
        worst = Math.max(worst, maxError(out.b().get(mu), ref.gradients().get(mu).b()));
      }
      double t = Math.max(maxOf(tol.a(mu)), maxOf(tol.b(mu)));
      // a zero error (possible by luck) gives no ratio; such tries count as outside
      boolean within = worst > 0 && t <= QK_LOOSENESS * worst;
      Statistics.label("Q/K tolerance within 1e4 of the real error").collect(within)
          .coverage(c -> c.check(true).percentage(p -> p >= QK_LOOSENESS_SHARE));
    }

    private void checkSize(String name, DecimalMatrix ref, double[][] tol, double[][] cand, double scale) {
      double limit = WELL_CONDITIONED_SIZE;
      double m = ref.maxAbs().doubleValue();
      boolean judged = m >= SMALL_BY_CANCELLATION * scale;
      Statistics.label("size judged").collect(judged).coverage(c -> c.check(true).percentage(p -> p >= 70));
      if (!judged) {
        return;
      }
      int bi = 0;
      int bj = 0;
      double largest = 0;
      for (int i = 0; i < tol.length; i++) {
        for (int j = 0; j < tol[0].length; j++) {
          largest = Math.max(largest, tol[i][j]);
          if (Math.abs(ref.get(i, j).doubleValue()) > Math.abs(ref.get(bi, bj).doubleValue())) {
            bi = i;
            bj = j;
          }
        }
      }
      // the correct candidate passes on every try (soundness)
      assertThat(exceeds(cand, ref, tol)).as(name + " correct").isFalse();
      // the size is a statistic (see V_SIZE_SHARE); where it holds, 1e-11 in the largest entry fails
      boolean small = largest <= limit * m;
      Statistics.label("V tolerance within 5e-12 of M").collect(small)
          .coverage(c -> c.check(true).percentage(p -> p >= V_SIZE_SHARE));
      if (!small) {
        return;
      }
      double[][] bad = new double[cand.length][];
      for (int i = 0; i < cand.length; i++) {
        bad[i] = cand[i].clone();
      }
      bad[bi][bj] = cand[bi][bj] * (1 + INJECTED_RELATIVE_ERROR);
      assertThat(exceeds(bad, ref, tol)).as(name + " with 1e-11 injected").isTrue();
    }
  }

  @Group
  @Label("Bugs: every seeded formula bug exceeds the float64 tolerance")
  class Bugs {
    @Property(tries = 20)
    void everyBugFails(@ForAll("squareShapes") Shape shape, @ForAll("seeds") long seed) {
      LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, shape, seed);
      net.jqwik.api.Assume.that(inst.beta().compareTo(BigDecimal.ONE) != 0);
      GradientResult ref = ReferenceGradient.compute(inst, REFERENCE_DIGITS);
      PrecisionTolerance.Result tol = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
      for (Bug bug : Bug.values()) {
        if (bug == Bug.NONE) {
          continue;
        }
        EmulatedAttention.Output out = EmulatedAttention.run(inst, FloatFormat.FLOAT64, Variant.textbook().withBug(bug));
        boolean fails = exceeds(new double[][] {{out.loss()}}, DecimalMatrix.of("loss", new BigDecimal[][] {{ref.loss()}}),
            new double[][] {{tol.loss()}});
        for (Adapter mu : ref.gradients().keySet()) {
          fails |= exceeds(out.a().get(mu), ref.gradients().get(mu).a(), tol.a(mu));
          fails |= exceeds(out.b().get(mu), ref.gradients().get(mu).b(), tol.b(mu));
        }
        assertThat(fails).as(bug + " must fail").isTrue();
      }
    }
  }

  /** Every covered variant in {@code format} is within {@code tol} of {@code ref}, entrywise. */
  static void everyVariantWithin(LoraInstance inst, FloatFormat format, GradientResult ref, PrecisionTolerance.Result tol) {
      for (Variant v : correctVariants()) {
        EmulatedAttention.Output out = EmulatedAttention.run(inst, format, v);
        if (overflowed(out, v)) {
          continue;
        }
        assertWithin(v + " loss", out.loss(), ref.loss(), tol.loss());
        for (Adapter mu : ref.gradients().keySet()) {
          assertWithin(v + " dLoss/dA_" + mu, out.a().get(mu), ref.gradients().get(mu).a(), tol.a(mu));
          assertWithin(v + " dLoss/dB_" + mu, out.b().get(mu), ref.gradients().get(mu).b(), tol.b(mu));
        }
      }
  }

  /**
   * Whether the variant overflowed (then it is outside the family: CHECK-TOLERANCE.md Section 1.1
   * assumes no intermediate overflows). Only the unshifted softmax may, at scores beyond the
   * format's log of its largest number; anything else is a failure.
   */
  static boolean overflowed(EmulatedAttention.Output out, Variant v) {
    boolean finite = Double.isFinite(out.loss());
    for (double[][] m : out.a().values()) {
      finite &= allFinite(m);
    }
    for (double[][] m : out.b().values()) {
      finite &= allFinite(m);
    }
    if (!finite) {
      assertThat(v.softmax()).as("only the unshifted softmax overflows: " + v).isEqualTo(Softmax.NO_SHIFT);
    }
    return !finite;
  }

  static boolean allFinite(double[][] m) {
    for (double[] row : m) {
      for (double x : row) {
        if (!Double.isFinite(x)) {
          return false;
        }
      }
    }
    return true;
  }

  static double maxError(double[][] cand, DecimalMatrix ref) {
    double worst = 0;
    for (int i = 0; i < cand.length; i++) {
      for (int j = 0; j < cand[0].length; j++) {
        worst = Math.max(worst, new BigDecimal(cand[i][j]).subtract(ref.get(i, j)).abs().doubleValue());
      }
    }
    return worst;
  }

  static double maxOf(double[][] m) {
    double x = 0;
    for (double[] row : m) {
      for (double v : row) {
        x = Math.max(x, v);
      }
    }
    return x;
  }

  static void assertWithin(String name, double cand, BigDecimal ref, double tol) {
    BigDecimal err = new BigDecimal(cand).subtract(ref).abs();
    assertThat(err.compareTo(new BigDecimal(tol)) <= 0)
        .as("%s: |%s - %s| = %s > tolerance %s", name, cand, ref, err, tol)
        .isTrue();
  }

  static void assertWithin(String name, double[][] cand, DecimalMatrix ref, double[][] tol) {
    for (int i = 0; i < tol.length; i++) {
      for (int j = 0; j < tol[0].length; j++) {
        assertWithin(name + "[" + i + "][" + j + "]", cand[i][j], ref.get(i, j), tol[i][j]);
      }
    }
  }

  /** Whether some entry's error exceeds its tolerance (decided exactly). */
  static boolean exceeds(double[][] cand, DecimalMatrix ref, double[][] tol) {
    for (int i = 0; i < tol.length; i++) {
      for (int j = 0; j < tol[0].length; j++) {
        if (!Double.isFinite(cand[i][j])) {
          return true;
        }
        BigDecimal err = new BigDecimal(cand[i][j]).subtract(ref.get(i, j)).abs();
        if (err.compareTo(new BigDecimal(tol[i][j])) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  @Provide
  Arbitrary<Kind> lowKinds() {
    return Arbitraries.of(Kind.WELL_CONDITIONED, Kind.ONE_HOT, Kind.ZERO_MATRIX);
  }

  @Provide
  Arbitrary<FloatFormat> lowFormats() {
    return Arbitraries.of(FloatFormat.FLOAT16, FloatFormat.BFLOAT16);
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs().between(1, 1_000_000_000L);
  }

  /** Independent widths and ranks (at least one adapter), Lq != Lk allowed, L = 1 allowed. */
  @Provide
  Arbitrary<Shape> shapes() {
    Arbitrary<int[]> ranks = Arbitraries.integers().between(0, 3).array(int[].class).ofSize(3)
        .filter(r -> r[0] + r[1] + r[2] > 0);
    return Combinators.combine(
            Arbitraries.integers().between(1, 6), Arbitraries.integers().between(1, 6),
            Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 4), ranks, Arbitraries.of(true, false))
        .as(Shape::new);
  }

  /** Every length 4-8, widths 2-4, every projection adapted. */
  @Provide
  Arbitrary<Shape> longerShapes() {
    Arbitrary<int[]> ranks = Arbitraries.integers().between(1, 3).array(int[].class).ofSize(3);
    return Combinators.combine(
            Arbitraries.integers().between(4, 8), Arbitraries.integers().between(4, 8),
            Arbitraries.integers().between(2, 4), Arbitraries.integers().between(2, 4),
            Arbitraries.integers().between(2, 4), ranks, Arbitraries.of(true, false))
        .as(Shape::new);
  }

  @Provide
  Arbitrary<Shape> tinyShapes() {
    Arbitrary<int[]> ranks = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(3)
        .filter(r -> r[0] + r[1] + r[2] > 0);
    return Combinators.combine(
            Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 2),
            Arbitraries.integers().between(1, 2), ranks, Arbitraries.of(true, false))
        .as(Shape::new);
  }

  /**
   * Square weights (d = h = o) for the bugs that transpose, distinct ranks 1, 2, 3 for the rank
   * bug (so alpha / r != 1 for at least two adapters), self-attention with L >= 2 for the row and
   * axis bugs.
   */
  @Provide
  Arbitrary<Shape> squareShapes() {
    Arbitrary<int[]> ranks = Arbitraries.of(
        new int[] {1, 2, 3}, new int[] {3, 1, 2}, new int[] {2, 3, 1}, new int[] {1, 3, 2});
    return Combinators.combine(Arbitraries.integers().between(2, 6), Arbitraries.integers().between(2, 4), ranks)
        .as((l, d, r) -> new Shape(l, l, d, d, d, r, false));
  }
}
