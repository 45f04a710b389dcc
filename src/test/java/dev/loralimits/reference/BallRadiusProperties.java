package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The one-run certification's radii (proofs-notes/REFERENCE-ENGINE.md §8): every radius bounds
 * the distance from the engine's midpoint to a converged high-precision stand-in, is not vacuous
 * (close to the actual error, and a bounded multiple of {@code 2^-P M}), and the one-run path
 * answers the generated instances without the two-level protocol.
 */
@Label("binary engine: midpoint-radius bounds")
class BallRadiusProperties {
  /**
   * Digits by which the stand-in settles beyond the engine's working precision: with {@link
   * StandIn#MARGIN_DIGITS} its own error is then about {@code 10^{-(p + 30)}} of the scale, far
   * below any radius (radii are at least {@code 2^-P ~ 10^-p} of their entry on these instances).
   */
  static final int STAND_IN_EXTRA_DIGITS = 10;
  /**
   * Largest radius, per matrix, in units of {@code 2^-P M} (M the matrix's largest exact entry).
   * Measured on 60 instances (12 of each kind) at p = 50: at most 10^5.7 per entry relative to its
   * own |x|, so at most that relative to M; 10^7 leaves a factor 20.
   */
  static final double RADIUS_SIZE = 1e7;
  /**
   * The same demand for the Q and K gradients of ONE_HOT instances, whose entries are sums of terms
   * far larger than the result (the rows' softmax is nearly one-hot, so dLoss/dA_Q and dLoss/dA_K
   * are small differences of O(1) products): a ball's radius adds the terms' radii without the
   * cancellation the values enjoy, so relative to M it grows with the cancellation ratio while the
   * actual error does not. Measured 2026-12-01: worst 5.5e5 over 90 ONE_HOT instances (p = 25, 50,
   * 90), and 1.9e8 on the instance pinned in {@code BallRadiusExamples} (seed
   * -4662038247798925864, p = 25, where the actual error is 1.2e3 units: the radius is 1.5e5 times
   * the error there, still a valid bound). 1e9 leaves a factor 5 above that instance; a radius
   * near the vacuous {@code 2^P} units would still fail by ~10^17 at p = 25.
   */
  static final double RADIUS_SIZE_CANCELLING = 1e9;
  /** "Close to the actual error": within this factor (measured: the median is about 10^2.3). */
  static final double TIGHT_FACTOR = 1e3;

  @Provide
  Arbitrary<BinaryEngineProperties.Kind> kinds() {
    return Arbitraries.of(BinaryEngineProperties.Kind.class);
  }

  @Provide
  Arbitrary<Integer> precisions() {
    return Arbitraries.of(25, 50, 90);
  }

  /** One entry: the engine's ball and the stand-in's value. */
  record Entry(BigDecimal mid, BigDecimal radius, BigDecimal exact) {}

  @Property(tries = 40)
  void radiusBoundsTheErrorAndIsNotVacuous(
      @ForAll("kinds") BinaryEngineProperties.Kind kind, @ForAll("precisions") int p, @ForAll long seed) {
    Statistics.label("kind").collect(kind);
    Statistics.label("kind").coverage(c -> {
      for (BinaryEngineProperties.Kind k : BinaryEngineProperties.Kind.values()) {
        c.check(k).count(n -> n > 0);
      }
    });
    Statistics.label("radius within 10^3 of the error").coverage(c -> c.check(true).percentage(x -> x >= 60));
    LoraInstance inst = BinaryEngineProperties.rectangular(new Random(seed), kind);
    BinaryArithmetic ar = BinaryArithmetic.forDigits(p);
    BallGradients g = BinaryTheoremF1.computeBalls(inst, ar, 2);
    int start = kind == BinaryEngineProperties.Kind.ORDINARY
        ? BinaryEngineProperties.STAND_IN_DIGITS
        : BinaryEngineProperties.EXTREME_STAND_IN_DIGITS;
    ApGradients x = StandIn.converged(ApInstance.of(inst), Form.LEMMA_3_2, start, p + STAND_IN_EXTRA_DIGITS).gradients();
    BigDecimal unit = BigDecimal.ONE.divide(new BigDecimal(java.math.BigInteger.TWO.pow(ar.bits())));
    check("the loss", List.of(entry(g.mid().loss(), g.lossRadius(), x.loss())), p, unit, RADIUS_SIZE);
    for (Adapter mu : x.gradA().keySet()) {
      double size = kind == BinaryEngineProperties.Kind.ONE_HOT && mu != Adapter.V ? RADIUS_SIZE_CANCELLING : RADIUS_SIZE;
      check("dLoss/dA_" + mu, entries(g.mid().gradA().get(mu), g.radiusA().get(mu), x.gradA().get(mu)), p, unit, size);
      check("dLoss/dB_" + mu, entries(g.mid().gradB().get(mu), g.radiusB().get(mu), x.gradB().get(mu)), p, unit, size);
    }
  }

  /**
   * Every radius bounds the error (up to the stand-in's own {@code 10^{-(p + 30)}} of the contract
   * scale), the matrix's largest radius is at most {@code radiusSize} {@code 2^-P M} (and 0 when
   * M = 0), and each entry with a non-zero error counts towards the "within 10^3" statistic.
   */
  static void check(String what, List<Entry> m, int p, BigDecimal unit, double radiusSize) {
    BigDecimal big = BigDecimal.ZERO;
    BigDecimal maxRadius = BigDecimal.ZERO;
    for (Entry e : m) {
      big = big.max(e.exact().abs());
      assertThat(e.radius()).as("%s: a radius that expands", what).isNotNull();
      maxRadius = maxRadius.max(e.radius());
    }
    int sdigits = p + STAND_IN_EXTRA_DIGITS;
    BigDecimal floor = big.scaleByPowerOfTen(-sdigits);
    for (Entry e : m) {
      BigDecimal error = e.mid().subtract(e.exact()).abs();
      BigDecimal standIn = e.exact().abs().max(floor).scaleByPowerOfTen(-(sdigits + StandIn.MARGIN_DIGITS));
      assertThat(error).as("%s: |mid - x| against radius %s (x = %s)", what, e.radius(), e.exact())
          .isLessThanOrEqualTo(e.radius().add(standIn));
      if (error.compareTo(standIn) > 0) {
        Statistics.label("radius within 10^3 of the error")
            .collect(e.radius().compareTo(error.multiply(BigDecimal.valueOf(TIGHT_FACTOR))) <= 0);
      }
    }
    assertThat(maxRadius).as("%s: largest radius against 2^-P M, M = %s", what, big)
        .isLessThanOrEqualTo(big.multiply(unit).multiply(BigDecimal.valueOf(radiusSize)).round(MathContext.DECIMAL64));
  }

  static Entry entry(org.apfloat.Apfloat mid, Bound r, org.apfloat.Apfloat exact) {
    return new Entry(ApMatrix.toBigDecimal(mid), r.toBigDecimal(), ApMatrix.toBigDecimal(exact));
  }

  static List<Entry> entries(ApMatrix mid, Bound[][] r, ApMatrix exact) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < mid.rows(); i++) {
      for (int j = 0; j < mid.cols(); j++) {
        out.add(entry(mid.get(i, j), r[i][j], exact.get(i, j)));
      }
    }
    return out;
  }

  /** The one-run path answers every kind of generated instance (no two-level fallback). */
  @Property(tries = 60)
  void oneRunAnswersTheGeneratedInstances(@ForAll("kinds") BinaryEngineProperties.Kind kind, @ForAll long seed) {
    Statistics.label("kind").collect(kind);
    Statistics.label("kind").coverage(c -> {
      for (BinaryEngineProperties.Kind k : BinaryEngineProperties.Kind.values()) {
        c.check(k).count(n -> n > 0);
      }
    });
    LoraInstance inst = BinaryEngineProperties.rectangular(new Random(seed), kind);
    BinaryReference.Certified c = BinaryReference.certifyWithPath(inst, BinaryEngineProperties.DIGITS, Progress.NONE, 2);
    assertThat(c).isNotNull();
    assertThat(c.path()).isEqualTo(BinaryReference.Path.ONE_RUN);
  }
}
