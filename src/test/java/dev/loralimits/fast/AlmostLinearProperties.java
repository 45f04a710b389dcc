package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Theorem 3.1 / A.1 as implemented: whenever {@link AlmostLinear} answers, every returned gradient
 * is within its certified bound of the exact gradient (the apfloat reference), and the bound is at
 * most the requested epsilon; otherwise it refuses. Proof: proofs-notes/FAST-BOUND.md.
 */
@Label("Theorem 3.1 / A.1: fast gradient within its certified bound")
class AlmostLinearProperties {
  /** Rank budget for small instances, where the default budget (cheaper than exact) is tiny. */
  static final long TEST_RANK_BUDGET = 20_000;

  @Provide
  Arbitrary<Double> epsilons() {
    return Arbitraries.of(1e-3, 1e-6, 1e-9);
  }

  /** Input scale: X entries in [-scale, scale]; with W ~ 1/sqrt(rows of W) this sets Gamma. */
  @Provide
  Arbitrary<Double> scales() {
    return Arbitraries.of(0.1, 0.25, 0.5, 1.0, 2.0);
  }

  @Provide
  Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(6, 3);
  }

  @Property(tries = 60)
  void fastIsWithinItsBoundOfTheReference(
      @ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("epsilons") double eps,
      @ForAll("scales") double scale) {
    // registered up front; answered in 97.0% of tries over 300 runs: half missed with probability 1e-29
    // (rectangular generator: 5808 of 6000 sampled tries answered, 96.8%)
    Statistics.label("outcome").coverage(c -> c.check("answered").percentage(p -> p > 50));
    LoraInstance inst = Instances.random(withScale(spec, scale), seed);
    FastResult r;
    try {
      r = AlmostLinear.gradient(inst, new AlmostLinear.Options(eps, 2, TEST_RANK_BUDGET));
    } catch (OutsideEfficientRegimeException e) {
      Statistics.label("outcome").collect("refused");
      assertThat(e.getMessage()).startsWith("outside the efficient regime");
      return;
    }
    Statistics.label("outcome").collect("answered");
    GradientResult ref = ReferenceGradient.compute(inst, 30);
    assertThat(r.gradients().gradA().keySet()).isEqualTo(ref.gradients().keySet());
    for (Adapter mu : ref.gradients().keySet()) {
      double ea = maxError(r.gradients().gradA().get(mu), ref.gradients().get(mu).a());
      double eb = maxError(r.gradients().gradB().get(mu), ref.gradients().get(mu).b());
      assertThat(ea).as("dLoss/dA_%s error vs bound", mu).isLessThanOrEqualTo(r.boundA().get(mu));
      assertThat(eb).as("dLoss/dB_%s error vs bound", mu).isLessThanOrEqualTo(r.boundB().get(mu));
      assertThat(r.boundA().get(mu)).as("bound A_%s <= epsilon", mu).isLessThanOrEqualTo(eps);
      assertThat(r.boundB().get(mu)).as("bound B_%s <= epsilon", mu).isLessThanOrEqualTo(eps);
    }
    assertThat(Math.abs(r.gradients().loss() - ref.loss().doubleValue()))
        .isLessThanOrEqualTo(r.lossBound() + Math.ulp(ref.loss().doubleValue()));
    assertThat(r.rank()).isEqualTo(FeatureMap.rank(inst.projection(Adapter.Q).outputWidth(), r.degree()));
  }

  /**
   * The degree is minimal under the certificate: at {@code g - 1}, neither polynomial kind gives
   * bounds within epsilon (and the chosen one does).
   */
  @Property(tries = 30)
  void chosenDegreeIsTheSmallestCertified(
      @ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("epsilons") double eps,
      @ForAll("scales") double scale) {
    LoraInstance inst = Instances.random(withScale(spec, scale), seed);
    FastResult r;
    try {
      r = AlmostLinear.gradient(inst, new AlmostLinear.Options(eps, 1, TEST_RANK_BUDGET));
    } catch (OutsideEfficientRegimeException e) {
      return; // refusals are covered by fastIsWithinItsBoundOfTheReference
    }
    DoubleData dd = new DoubleData(inst);
    List<FastBound.PointNorms> pts = new ArrayList<>();
    List<FastBound.KeyRows> rows = new ArrayList<>();
    for (int i = 0; i < dd.points.size(); i++) {
      pts.add(PreparedPoint.of(dd, i).norms);
      rows.add(PreparedPoint.of(dd, i).keyRows);
    }
    int h = pts.get(0).h();
    FastBound.Certificate chosen = FastBound.certify(
        dd, pts, rows, ExpPolynomial.of(r.kind(), r.degree(), r.radius()), r.radius(), (int) r.rank());
    assertThat(chosen.maxGradientBound()).isLessThanOrEqualTo(eps);
    if (r.degree() > 0) {
      int g = r.degree() - 1;
      for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
        FastBound.Certificate lower = FastBound.certify(
            dd, pts, rows, ExpPolynomial.of(kind, g, r.radius()), r.radius(), (int) FeatureMap.rank(h, g));
        assertThat(lower.maxGradientBound()).as("degree %d (%s)", g, kind).isGreaterThan(eps);
      }
    }
  }

  @Property(tries = 20)
  void resultDoesNotDependOnTheThreadCount(@ForAll("specs") Instances.Spec spec, @ForAll long seed) {
    LoraInstance inst = Instances.random(withScale(spec, 0.25), seed);
    FastResult one;
    try {
      one = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 1, TEST_RANK_BUDGET));
    } catch (OutsideEfficientRegimeException e) {
      // a refusal is an answer too, and must not depend on the threads either (issue 11: this
      // property used to fail on any refusal)
      Statistics.label("outcome").collect("refused");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 3, TEST_RANK_BUDGET)))
          .isInstanceOf(OutsideEfficientRegimeException.class)
          .hasMessage(e.getMessage());
      return;
    }
    Statistics.label("outcome").collect("answered");
    FastResult three = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 3, TEST_RANK_BUDGET));
    assertThat(three.gradients().loss()).isEqualTo(one.gradients().loss());
    for (Adapter mu : one.gradients().gradA().keySet()) {
      assertThat(three.gradients().gradA().get(mu)).isDeepEqualTo(one.gradients().gradA().get(mu));
      assertThat(three.gradients().gradB().get(mu)).isDeepEqualTo(one.gradients().gradB().get(mu));
    }
  }

  @Provide
  Arbitrary<Instances.Spec> largerSpecs() {
    // widths dq = dk = dv, h, o and the ranks from the shared generator (1..3), self-attention
    return net.jqwik.api.Combinators.combine(
            Arbitraries.of(64, 128, 256), InstanceArbitraries.specs(1, 3), Arbitraries.of(0.05, 0.1, 0.25))
        .as((l, w, scale) -> {
          Instances.Spec self = w.withLengths(l, l, false);
          return new Instances.Spec(
              l, l, self.dq(), self.dk(), self.dv(), self.h(), self.o(), self.ranks(), 1, false,
              java.math.BigDecimal.ONE, java.math.BigDecimal.ONE, scale);
        });
  }

  /**
   * Least share (per cent) of {@link #fastIsWithinItsBoundOfExactDoubleAtLargerL}'s 12 tries that
   * must be answered (not refused). Over 300 runs (3600 tries) of its generator 96.0% were
   * answered (99.9% lower confidence bound 95.0%); at 95.0% the binomial tail P(X < 3 of 12) is
   * 6e-12. The former "more than 50%" (X < 7) failed in about 3e-6 of runs. With widths and
   * ranks drawn separately (the rectangular generator), 3507 of 3600 sampled tries were answered
   * (97.4%), so the 95.0% used above still holds.
   */
  static final double LARGER_L_ANSWERED_SHARE = 25;

  /**
   * Larger L, default rank budget: the fast answer is within its certified bound of the exact
   * gradient, checked against {@link ExactDouble} plus that algorithm's own rounding allowance
   * ({@link RoundingBound}, proofs-notes/EXACT-DOUBLE.md), and the bound is at most epsilon.
   */
  @Property(tries = 12)
  void fastIsWithinItsBoundOfExactDoubleAtLargerL(
      @ForAll("largerSpecs") Instances.Spec spec, @ForAll long seed, @ForAll("largeEpsilons") double eps) {
    // registered up front (a run with every try refused must fail)
    Statistics.label("outcome").coverage(c -> c.check("answered").percentage(p -> p >= LARGER_L_ANSWERED_SHARE));
    DoubleInstance inst = DoubleInstance.of(Instances.random(spec, seed));
    FastResult r;
    try {
      r = AlmostLinear.gradient(inst, new AlmostLinear.Options(eps, 2, 0));
    } catch (OutsideEfficientRegimeException e) {
      Statistics.label("outcome").collect("refused");
      return;
    }
    Statistics.label("outcome").collect("answered");
    DoubleGradients exact = ExactDouble.gradient(inst, 2);
    RoundingBound allowance = RoundingBound.of(inst);
    for (Adapter mu : exact.gradA().keySet()) {
      check(r.gradients().gradA().get(mu), exact.gradA().get(mu), r.boundA().get(mu),
          allowance, allowance.aBar.get(mu), allowance.aBarOnes.get(mu));
      check(r.gradients().gradB().get(mu), exact.gradB().get(mu), r.boundB().get(mu),
          allowance, allowance.bBar.get(mu), allowance.bBarOnes.get(mu));
      assertThat(Math.max(r.boundA().get(mu), r.boundB().get(mu))).isLessThanOrEqualTo(eps);
    }
  }

  /**
   * L above {@link AlmostLinear#BLOCK}: the blocked sums (and their smaller rounding term in the
   * bound) against ExactDouble plus its rounding allowance, and thread-count invariance.
   */
  @Example
  void blockedSumsBeyondOneBlock() {
    DoubleInstance inst = DoubleInstance.of(Instances.random(new Instances.Spec(
        2500, 2500, 2, 1, 1, false, Instances.all(), java.math.BigDecimal.ONE, java.math.BigDecimal.ONE, 0.05), 42));
    FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 2, 0));
    FastResult r1 = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 1, 0));
    DoubleGradients exact = ExactDouble.gradient(inst, 2);
    RoundingBound allowance = RoundingBound.of(inst);
    for (Adapter mu : exact.gradA().keySet()) {
      check(r.gradients().gradA().get(mu), exact.gradA().get(mu), r.boundA().get(mu),
          allowance, allowance.aBar.get(mu), allowance.aBarOnes.get(mu));
      check(r.gradients().gradB().get(mu), exact.gradB().get(mu), r.boundB().get(mu),
          allowance, allowance.bBar.get(mu), allowance.bBarOnes.get(mu));
      assertThat(Math.max(r.boundA().get(mu), r.boundB().get(mu))).isLessThanOrEqualTo(1e-6);
      assertThat(r1.gradients().gradA().get(mu)).isDeepEqualTo(r.gradients().gradA().get(mu));
    }
  }

  @Provide
  Arbitrary<Double> largeEpsilons() {
    return Arbitraries.of(1e-4, 1e-6);
  }

  private static void check(
      double[][] fast, double[][] exact, double bound, RoundingBound allowance, double[][] bar, double[][] barOnes) {
    for (int i = 0; i < exact.length; i++) {
      for (int j = 0; j < exact[0].length; j++) {
        double allowed = bound + allowance.bound(bar[i][j], barOnes[i][j]);
        assertThat(Math.abs(fast[i][j] - exact[i][j])).as("entry (%d, %d)", i, j).isLessThanOrEqualTo(allowed);
      }
    }
  }

  /**
   * Outside the regime (large Gamma, so large R): the fast method either meets its certified bound
   * or refuses; never wrong silently. Both outcomes must occur.
   */
  @Property(tries = 40, seed = "-650488328223897350") // pinned: a refusal at R = 0 (fixed test bug)
  void largeNormsRefuseOrMeetTheBound(
      @ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("bigScales") double scale) {
    LoraInstance inst = Instances.random(withScale(spec, scale), seed);
    FastResult r;
    try {
      r = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 1, TEST_RANK_BUDGET));
    } catch (OutsideEfficientRegimeException e) {
      Statistics.label("outcome").collect("refused");
      Statistics.label("outcome").coverage(c -> c.check("refused").count(n -> n > 0));
      assertThat(e.getMessage()).startsWith("outside the efficient regime");
      assertThat(e.radius()).isGreaterThanOrEqualTo(0); // R = 0 when all keys coincide (key length 1)
      return;
    }
    Statistics.label("outcome").collect("answered");
    GradientResult ref = ReferenceGradient.compute(inst, 30);
    for (Adapter mu : ref.gradients().keySet()) {
      assertThat(maxError(r.gradients().gradA().get(mu), ref.gradients().get(mu).a())).isLessThanOrEqualTo(r.boundA().get(mu));
      assertThat(maxError(r.gradients().gradB().get(mu), ref.gradients().get(mu).b())).isLessThanOrEqualTo(r.boundB().get(mu));
      assertThat(Math.max(r.boundA().get(mu), r.boundB().get(mu))).isLessThanOrEqualTo(1e-6);
    }
  }

  @Provide
  Arbitrary<Double> bigScales() {
    return Arbitraries.of(2.0, 4.0, 8.0);
  }

  /** {@link AlmostLinear#plan} predicts exactly what {@link AlmostLinear#gradient} uses, or refuses with it. */
  @Property(tries = 20)
  void planMatchesGradient(@ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("scales") double scale) {
    DoubleInstance inst = DoubleInstance.of(Instances.random(withScale(spec, scale), seed));
    AlmostLinear.Plan plan;
    try {
      plan = AlmostLinear.plan(inst, 1e-6, TEST_RANK_BUDGET);
    } catch (OutsideEfficientRegimeException e) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 1, TEST_RANK_BUDGET)))
          .isInstanceOf(OutsideEfficientRegimeException.class)
          .hasMessage(e.getMessage());
      return;
    }
    FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 1, TEST_RANK_BUDGET));
    assertThat(plan.degree()).isEqualTo(r.degree());
    assertThat(plan.rank()).isEqualTo(r.rank());
    assertThat(plan.radius()).isEqualTo(r.radius());
    assertThat(plan.kind()).isEqualTo(r.kind());
    assertThat(plan.maxGradientBound()).isEqualTo(r.maxGradientBound());
  }

  /** With the default budget a small instance is never cheaper than exact: the answer is a refusal. */
  @Example
  void defaultBudgetRefusesWhereExactIsCheaper() {
    LoraInstance inst = Instances.random(
        new Instances.Spec(4, 4, 3, 2, 1, false, Instances.all(), java.math.BigDecimal.ONE, java.math.BigDecimal.ONE, 1.0), 5);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AlmostLinear.gradient(inst, 1e-6))
        .isInstanceOf(OutsideEfficientRegimeException.class)
        .hasMessageStartingWith("outside the efficient regime: needs degree")
        .hasMessageContaining("rank budget");
  }

  @Example
  void feautureRankIsBinomialAndBelowAlmanSong() {
    assertThat(FeatureMap.rank(4, 10)).isEqualTo(1001);
    assertThat(FeatureMap.rank(8, 3)).isEqualTo(165);
    assertThat(new FeatureMap(3, new double[] {1, 1, 0.5, 1.0 / 6}).rank()).isEqualTo(20);
    for (int d = 1; d <= 8; d++) {
      for (int g = 0; g <= 10; g++) {
        assertThat(FeatureMap.rank(d, g)).isLessThanOrEqualTo(binomial(2 * (g + d), 2 * g));
      }
    }
  }

  /** The feature maps reproduce P(<q, k>) (Lemma 3.3), checked against direct evaluation. */
  @Property(tries = 200)
  void featureMapsReproduceThePolynomialKernel(
      @ForAll("dims") int d, @ForAll("degrees") int g, @ForAll long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    double[] a = new double[g + 1];
    for (int t = 0; t <= g; t++) {
      a[t] = rnd.nextDouble() * 2 - 1;
    }
    double[] q = new double[d];
    double[] k = new double[d];
    double dot = 0;
    double absDot = 0;
    for (int i = 0; i < d; i++) {
      q[i] = rnd.nextDouble() * 2 - 1;
      k[i] = rnd.nextDouble() * 2 - 1;
      dot += q[i] * k[i];
      absDot += Math.abs(q[i] * k[i]);
    }
    FeatureMap fm = new FeatureMap(d, a);
    double[] phi = new double[fm.rank()];
    double[] psi = new double[fm.rank()];
    fm.queryFeatures(q, 0, phi);
    fm.keyFeatures(k, 0, psi);
    double viaFeatures = 0;
    for (int m = 0; m < fm.rank(); m++) {
      viaFeatures += phi[m] * psi[m];
    }
    double direct = 0;
    double majorant = 0;
    for (int t = g; t >= 0; t--) {
      direct = direct * dot + a[t];
      majorant = majorant * absDot + Math.abs(a[t]);
    }
    // both sides are sums of the same products; FAST-BOUND.md §0: error <= gamma_n * majorant
    double n = fm.rank() + 2.0 * g + 8;
    assertThat(Math.abs(viaFeatures - direct)).isLessThanOrEqualTo(2 * FastBound.gamma(n) * majorant);
  }

  @Provide
  Arbitrary<Integer> dims() {
    return Arbitraries.integers().between(1, 6);
  }

  @Provide
  Arbitrary<Integer> degrees() {
    return Arbitraries.integers().between(0, 8);
  }

  private static long binomial(int n, int k) {
    long r = 1;
    for (int i = 1; i <= k; i++) {
      r = r * (n - k + i) / i;
    }
    return r;
  }

  static Instances.Spec withScale(Instances.Spec s, double scale) {
    return s.withScale(scale);
  }

  static double maxError(double[][] got, DecimalMatrix exact) {
    double m = 0;
    for (int i = 0; i < got.length; i++) {
      for (int j = 0; j < got[0].length; j++) {
        m = Math.max(m, Math.abs(got[i][j] - exact.get(i, j).doubleValue()));
      }
    }
    return m;
  }
}
