package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.Masking;
import dev.loralimits.reference.LayerReference;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The Theorem of proofs-notes/FAST-BOUND.md Section 12: {@link LayerFast} is within its certified
 * bound of the exact gradient, the bound is at most epsilon, and at the degree below the chosen one
 * the certificate misses epsilon (the bound is not loose by a whole degree).
 */
@Label("LayerFast: FAST-BOUND §12")
class LayerFastProperties {
  /** Digits of the reference: its own error, {@code <= 10^(1-N) max(|x|, 10^-N M)}, is then below 1e-28 (1 + M). */
  static final int REFERENCE_DIGITS = 30;
  /** The reference's own error allowance per entry, as a multiple of {@code 1 + M} (see {@link #REFERENCE_DIGITS}). */
  static final double REFERENCE_SLACK = 1e-28;

  @Provide
  Arbitrary<LayerInstances.Spec> layers() {
    return LayerInstances.specs();
  }

  @Provide
  Arbitrary<Double> epsilons() {
    return Arbitraries.of(1e-2, 1e-4, 1e-6);
  }

  /**
   * Every answer of fast is within its bound of the 30-digit reference, every bound is at most
   * epsilon; answers must be given on masked and unmasked, O and no-O layers (coverage).
   */
  @Property(tries = 120)
  void fastIsWithinItsBoundOfTheReference(
      @ForAll("layers") LayerInstances.Spec s, @ForAll long seed, @ForAll("epsilons") double epsilon) {
    LayerInstance layer = LayerInstances.random(s, seed);
    LayerFastResult r;
    boolean answered;
    try {
      r = LayerFast.compute(layer, epsilon);
      answered = true;
    } catch (OutsideEfficientRegimeException e) {
      r = null;
      answered = false;
    }
    Statistics.label("answered").collect(answered);
    Statistics.label("answered masked").collect(answered && layer.masking() != Masking.NONE);
    Statistics.label("answered with O").collect(answered && layer.hasOutputProjection());
    Statistics.label("answered, heads > 1").collect(answered && layer.heads() > 1);
    Statistics.label("answered").coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("answered masked").coverage(c -> c.check(true).count(n -> n >= 5));
    Statistics.label("answered with O").coverage(c -> c.check(true).count(n -> n >= 5));
    Statistics.label("answered, heads > 1").coverage(c -> c.check(true).count(n -> n >= 5));
    if (!answered) {
      return;
    }
    assertThat(r.maxGradientBound()).isLessThanOrEqualTo(epsilon);
    assertThat(r.result().method()).isEqualTo("fast");
    LayerResult ref = LayerReference.compute(layer, REFERENCE_DIGITS);
    assertThat(r.result().gradients().keySet()).isEqualTo(ref.gradients().keySet());
    within("the loss", one(r.result().loss()), one(ref.loss()), r.lossBound());
    double tightest = Double.POSITIVE_INFINITY;
    for (LayerWeight mu : ref.gradients().keySet()) {
      AdapterGradient got = r.result().gradients().get(mu);
      AdapterGradient want = ref.gradients().get(mu);
      tightest = Math.min(tightest, r.boundA().get(mu) / within("dA_" + mu, got.a(), want.a(), r.boundA().get(mu)));
      tightest = Math.min(tightest, r.boundB().get(mu) / within("dB_" + mu, got.b(), want.b(), r.boundB().get(mu)));
    }
    // a measurement, not an assertion: how far above the true error the tightest bound sits
    Statistics.label("log10(bound / error), tightest matrix")
        .collect(Double.isInfinite(tightest) ? "exact" : String.valueOf((int) Math.floor(Math.log10(tightest))));
  }

  /**
   * The degree is the least one certified: at degree g - 1 neither polynomial kind gives a
   * certificate within epsilon (FAST-BOUND §8, the search), so the returned bound is not a
   * degree too generous.
   */
  @Property(tries = 60)
  void theDegreeBelowTheChosenOneIsNotCertified(
      @ForAll("layers") LayerInstances.Spec s, @ForAll long seed, @ForAll("epsilons") double epsilon) {
    LayerInstance layer = LayerInstances.random(s, seed);
    LayerFastResult r;
    try {
      r = LayerFast.compute(layer, epsilon);
    } catch (OutsideEfficientRegimeException e) {
      r = null;
    }
    boolean positive = r != null && r.degree() >= 1;
    Statistics.label("answered at a degree >= 1").collect(positive);
    Statistics.label("answered at a degree >= 1").coverage(c -> c.check(true).count(n -> n >= 5));
    if (!positive) {
      return;
    }
    for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
      ExpPolynomial below = ExpPolynomial.of(kind, r.degree() - 1, r.radius());
      assertThat(LayerFast.certificate(layer, below).certifiedBound()).as(kind + " at degree " + (r.degree() - 1))
          .isGreaterThan(epsilon);
    }
  }

  /**
   * Keys no query attends ({@code l > last(Lq - 1)}: top-left cross-attention with more keys than
   * queries) never influence the answer or its bound: their rows of X^K and X^V redrawn, the
   * result is the same bit for bit.
   */
  @Property(tries = 40)
  void keysNoQueryAttendsNeverInfluenceTheAnswer(
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3) int heads,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 6) int lq,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 4) int extra, @ForAll boolean withO, @ForAll long seed) {
    LayerInstance a = LayerFastExamples.layer(seed, heads, 2, 2, 3, Masking.TOP_LEFT, withO,
        dev.loralimits.model.LoraScaling.LORA, lq, lq + extra, 0.4);
    dev.loralimits.model.DataPoint p = a.data().get(0);
    java.util.Random rnd = new java.util.Random(seed + 1);
    DecimalMatrix xk = redrawFrom(p.xk(), lq, rnd);
    DecimalMatrix xv = redrawFrom(p.xv(), lq, rnd);
    LayerInstance b = new LayerInstance(a.heads(), a.masking(), a.scaling(), a.alpha(), a.beta(), a.weights(),
        java.util.List.of(dev.loralimits.model.DataPoint.cross(p.xq(), xk, xv, p.y())));
    assertThat(xk.get(lq, 0)).isNotEqualTo(p.xk().get(lq, 0));
    LayerFastResult ra = LayerFast.compute(a, 1e-6);
    LayerFastResult rb = LayerFast.compute(b, 1e-6);
    assertThat(rb.result().loss()).isEqualTo(ra.result().loss());
    assertThat(rb.boundA()).isEqualTo(ra.boundA());
    assertThat(rb.boundB()).isEqualTo(ra.boundB());
    assertThat(rb.lossBound()).isEqualTo(ra.lossBound());
    for (LayerWeight mu : ra.result().gradients().keySet()) {
      assertThat(rb.result().gradients().get(mu).a()).isEqualTo(ra.result().gradients().get(mu).a());
      assertThat(rb.result().gradients().get(mu).b()).isEqualTo(ra.result().gradients().get(mu).b());
    }
  }

  /** Rows {@code from ..} of m replaced by fresh random entries. */
  private static DecimalMatrix redrawFrom(DecimalMatrix m, int from, java.util.Random rnd) {
    BigDecimal[][] x = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        x[i][j] = i < from ? m.get(i, j) : BigDecimal.valueOf(rnd.nextInt(2001) - 1000, 3).add(new BigDecimal("2"));
      }
    }
    return DecimalMatrix.of("x", x);
  }

  static DecimalMatrix one(BigDecimal x) {
    return DecimalMatrix.of("x", new BigDecimal[][] {{x}});
  }

  /** {@code |got - want| <= bound + REFERENCE_SLACK (1 + M)} entrywise; returns the largest error. */
  static double within(String what, DecimalMatrix got, DecimalMatrix want, double bound) {
    assertThat(got.rows()).isEqualTo(want.rows());
    assertThat(got.cols()).isEqualTo(want.cols());
    BigDecimal allowed = new BigDecimal(bound).add(new BigDecimal(REFERENCE_SLACK).multiply(BigDecimal.ONE.add(want.maxAbs())));
    BigDecimal worst = BigDecimal.ZERO;
    for (int i = 0; i < want.rows(); i++) {
      for (int j = 0; j < want.cols(); j++) {
        BigDecimal e = got.get(i, j).subtract(want.get(i, j)).abs();
        assertThat(e).as("%s[%d][%d]: %s vs %s, bound %s", what, i, j, got.get(i, j), want.get(i, j), bound)
            .isLessThanOrEqualTo(allowed);
        worst = worst.max(e);
      }
    }
    return worst.doubleValue();
  }
}
