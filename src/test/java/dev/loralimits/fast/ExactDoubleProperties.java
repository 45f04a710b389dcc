package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Theorem F.1 in doubles ({@link ExactDouble}) against the 30-digit reference, entry by entry,
 * within the derived rounding bound of proofs-notes/EXACT-DOUBLE.md ({@link RoundingBound}), and
 * bit-identical for every thread count.
 */
@Label("Theorem F.1 (doubles) = reference within the rounding bound")
class ExactDoubleProperties {
  /** Digits of the reference; its own error, 1e-29 relative, is added to the bound. */
  static final int REFERENCE_DIGITS = 30;
  /** Reference contract at N digits: {@code |ref - y| <= 10^(1-N) max(|y|, 10^-N M)} (with |y| <= 1.01 |ref|). */
  static final double REFERENCE_ERROR = 1.01e-29;

  @Provide
  Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(6, 4);
  }

  @Property(tries = 60)
  @Label("every entry within SAFETY x ybar + underflow term + reference error")
  void agreesWithReferenceWithinRoundingBound(@ForAll("specs") Instances.Spec spec, @ForAll long seed) {
    Statistics.label("Lk").collect(spec.lk() == 1 ? "Lk = 1" : "Lk > 1");
    Statistics.label("attention").collect(spec.cross() ? (spec.lq() != spec.lk() ? "cross, Lq != Lk" : "cross") : "self");
    Statistics.label("Lk").coverage(c -> c.check("Lk = 1").count(n -> n > 0));
    Statistics.label("attention").coverage(c -> c.check("cross, Lq != Lk").count(n -> n > 0));
    Statistics.label("error / bound").collect(bucket(checkAgainstReference(Instances.random(spec, seed))));
  }

  /**
   * The bound's x does not grow with the scores (EXACT-DOUBLE.md section 6): for D <= 4, L <= 6,
   * N <= 3, {@code u (n + 3 (L + 8)) <= 131 u = 1.5e-14} and
   * {@code 6 H <= 6 (2^-47 (1 + 2^-40) + 1510 u^2 1.1e4 + 754 u^2) <= 4.3e-14}, so
   * {@code x <= 5.8e-14}; the old plain-double bound had {@code 6 (kS + 2) u Sbar = 2.5e-10} at
   * {@code Sbar = 1e4}.
   */
  static final double X_AT_LARGE_SCORES = 6e-14;

  @Group
  @Label("large scores: log-sum-exp keeps every number finite and within the bound")
  class LargeScores {
    @Provide
    Arbitrary<Double> targets() {
      return Arbitraries.of(700.0, 1e4);
    }

    @Property(tries = 12)
    void scoresNear700And1e4(
        @ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("targets") double target) {
      LoraInstance inst = withMaxScore(Instances.random(spec, seed), target);
      Assume.that(inst != null);
      double reached = maxAbsScore(DoubleInstance.of(inst));
      assertThat(reached).as("max |S|").isBetween(0.9 * target, 1.1 * target);
      Checked c = checkAgainstReference(inst, ExactDouble.gradient(inst, 2));
      assertThat(c.bound().x).as("x at max |S| = %s", target).isLessThanOrEqualTo(X_AT_LARGE_SCORES);
      Statistics.label("error / bound").collect(bucket(c.worst()));
    }

    @Provide
    Arbitrary<AccuracyInstances.Shape> offsetShapes() {
      return AccuracyInstances.shapes(6, 4, 2);
    }

    @Provide
    Arbitrary<Double> offsets() {
      return Arbitraries.of(1e4, 1e6);
    }

    /**
     * Scores of 1e4 and 1e6 with O(1) differences within a row (a bias feature, {@link
     * AccuracyInstances#offset}): plain-double scores would give F relative errors of
     * {@code ~u |S|}, far above this bound.
     */
    @Property(tries = 12)
    void largeOffsetsWithSmallGaps(
        @ForAll("offsetShapes") AccuracyInstances.Shape shape, @ForAll long seed, @ForAll("offsets") double offset) {
      LoraInstance inst = AccuracyInstances.offset(shape, seed, offset / shape.beta().doubleValue());
      assertThat(maxAbsScore(DoubleInstance.of(inst))).as("max |S|").isGreaterThan(0.5 * offset);
      Checked c = checkAgainstReference(inst, ExactDouble.gradient(inst, 2));
      assertThat(c.bound().x).as("x at offset %s", offset).isLessThanOrEqualTo(X_AT_LARGE_SCORES);
      Statistics.label("error / bound").collect(bucket(c.worst()));
    }
  }

  @Group
  @Label("special shapes")
  class Shapes {
    @Provide
    Arbitrary<Instances.Spec> keyLengthOne() {
      return InstanceArbitraries.specs(6, 4).map(s -> withLengths(s, s.cross() ? s.lq() : 1, 1, s.cross()));
    }

    @Provide
    Arbitrary<Instances.Spec> crossUnequal() {
      return InstanceArbitraries.specs(6, 4)
          .map(s -> withLengths(s, s.lq(), s.lq() == s.lk() ? s.lq() + 1 : s.lk(), true));
    }

    /** Lk = 1 (self-attention: L = 1; cross: any Lq): F = [1] exactly, so P = 0 and the Q and K gradients are exactly 0. */
    @Property(tries = 15)
    void keyLengthOneGivesExactZeroForQAndK(@ForAll("keyLengthOne") Instances.Spec spec, @ForAll long seed) {
      LoraInstance inst = Instances.random(spec, seed);
      checkAgainstReference(inst);
      DoubleGradients g = ExactDouble.gradient(inst, 1);
      for (Adapter mu : g.gradA().keySet()) {
        if (mu != Adapter.V) {
          assertThat(maxAbs(g.gradA().get(mu))).as("dLoss/dA_" + mu).isZero();
          assertThat(maxAbs(g.gradB().get(mu))).as("dLoss/dB_" + mu).isZero();
        }
      }
    }

    @Property(tries = 15)
    void crossAttentionWithUnequalLengths(@ForAll("crossUnequal") Instances.Spec spec, @ForAll long seed) {
      Assume.that(spec.lq() != spec.lk());
      checkAgainstReference(Instances.random(spec, seed));
    }
  }

  @Group
  @Label("determinism")
  class Threads {
    @Provide
    Arbitrary<Instances.Spec> larger() {
      return InstanceArbitraries.specs(60, 4);
    }

    @Property(tries = 30)
    @Label("1, 2 and 3 threads give bit-identical results")
    void threadCountDoesNotChangeOneBit(@ForAll("larger") Instances.Spec spec, @ForAll long seed) {
      DoubleInstance inst = DoubleInstance.of(Instances.random(spec, seed));
      assertSameBits(ExactDouble.gradient(inst, 1), t -> ExactDouble.gradient(inst, t));
    }

    /**
     * Decimal instances scaled to max |S| = 50 .. 5000: most rows take the double-double path, some
     * (small queries) the plain one; pass 2 must follow each row's choice.
     */
    @Property(tries = 15)
    @Label("1, 2 and 3 threads give bit-identical results with double-double rows")
    void threadCountDoesNotChangeOneBitWithDoubleDoubleRows(
        @ForAll("larger") Instances.Spec spec, @ForAll long seed, @ForAll("scoreTargets") double target) {
      LoraInstance inst = withMaxScore(Instances.random(spec, seed), target);
      Assume.that(inst != null);
      assertSameBits(ExactDouble.gradient(inst, 1), t -> ExactDouble.gradient(inst, t));
    }

    @Provide
    Arbitrary<Double> scoreTargets() {
      return Arbitraries.of(50.0, 500.0, 5000.0);
    }

    private void assertSameBits(DoubleGradients one, java.util.function.IntFunction<DoubleGradients> run) {
      for (int threads : new int[] {2, 3}) {
        DoubleGradients more = run.apply(threads);
        assertThat(Double.doubleToRawLongBits(more.loss())).as("loss, %d threads", threads)
            .isEqualTo(Double.doubleToRawLongBits(one.loss()));
        assertThat(more.gradA().keySet()).isEqualTo(one.gradA().keySet());
        for (Adapter mu : one.gradA().keySet()) {
          assertThat(more.gradA().get(mu)).as("dLoss/dA_%s, %d threads", mu, threads).isEqualTo(one.gradA().get(mu));
          assertThat(more.gradB().get(mu)).as("dLoss/dB_%s, %d threads", mu, threads).isEqualTo(one.gradB().get(mu));
        }
      }
    }
  }

  /**
   * Asserts every number of ExactDouble within the bound of the 30-digit reference; returns the
   * largest error / bound ratio.
   */
  static double checkAgainstReference(LoraInstance inst) {
    return checkAgainstReference(inst, ExactDouble.gradient(inst, 2)).worst;
  }

  /** The bound and the largest error / bound ratio of one check. */
  record Checked(RoundingBound bound, double worst) {}

  /**
   * Asserts every number of {@code g} (ExactDouble's answer for the decimal instance inst) within
   * the bound of the 30-digit reference, after asserting the bound's validity conditions.
   */
  static Checked checkAgainstReference(LoraInstance inst, DoubleGradients g) {
    DoubleInstance di = DoubleInstance.of(inst);
    GradientResult ref = ReferenceGradient.compute(inst, REFERENCE_DIGITS);
    RoundingBound b = RoundingBound.of(di);
    assertThat(b.x).as("x (validity of SAFETY)").isLessThanOrEqualTo(RoundingBound.MAX_X);
    assertThat(RoundingBound.U * b.sbar).as("u Sbar (validity of the double-double step)")
        .isLessThanOrEqualTo(RoundingBound.MAX_U_SBAR);
    assertThat(b.testF).as("relative error of the test's own F").isLessThanOrEqualTo(RoundingBound.MAX_TEST_F);
    double m = magnitude(ref);
    assertThat(g.gradA().keySet()).isEqualTo(inst.adapted());
    double worst = check("loss", g.loss(), ref.loss(), b.bound(b.lossBar, b.lossBarOnes), m);
    for (Adapter mu : ref.gradients().keySet()) {
      worst = Math.max(worst, check("dLoss/dA_" + mu, g.gradA().get(mu), ref.gradients().get(mu).a(), b, b.aBar.get(mu), b.aBarOnes.get(mu), m));
      worst = Math.max(worst, check("dLoss/dB_" + mu, g.gradB().get(mu), ref.gradients().get(mu).b(), b, b.bBar.get(mu), b.bBarOnes.get(mu), m));
    }
    return new Checked(b, worst);
  }

  private static double check(
      String name, double[][] got, DecimalMatrix ref, RoundingBound b, double[][] bar, double[][] ones, double m) {
    assertThat(got.length).as(name + " rows").isEqualTo(ref.rows());
    assertThat(got[0].length).as(name + " columns").isEqualTo(ref.cols());
    double worst = 0;
    for (int i = 0; i < ref.rows(); i++) {
      for (int j = 0; j < ref.cols(); j++) {
        worst = Math.max(worst, check(name + "[" + i + "][" + j + "]", got[i][j], ref.get(i, j), b.bound(bar[i][j], ones[i][j]), m));
      }
    }
    return worst;
  }

  private static double check(String name, double got, BigDecimal ref, double bound, double m) {
    assertThat(got).as(name).isFinite();
    double err = new BigDecimal(got).subtract(ref).abs().doubleValue();
    double refErr = REFERENCE_ERROR * Math.max(Math.abs(ref.doubleValue()), 1e-30 * m);
    assertThat(err).as("|%s - reference| (reference %s)", name, ref.round(new MathContext(20)))
        .isLessThanOrEqualTo(bound + refErr);
    return bound + refErr == 0 ? 0 : err / (bound + refErr);
  }

  private static double magnitude(GradientResult r) {
    double m = Math.abs(r.loss().doubleValue());
    for (var e : r.gradients().values()) {
      m = Math.max(m, e.a().maxAbs().doubleValue());
      m = Math.max(m, e.b().maxAbs().doubleValue());
    }
    return m;
  }

  private static String bucket(double ratio) {
    if (ratio == 0) {
      return "0";
    }
    return "1e" + (int) Math.floor(Math.log10(ratio));
  }

  private static double maxAbs(double[][] m) {
    double x = 0;
    for (double[] row : m) {
      for (double v : row) {
        x = Math.max(x, Math.abs(v));
      }
    }
    return x;
  }

  static Instances.Spec withLengths(Instances.Spec s, int lq, int lk, boolean cross) {
    return s.withLengths(lq, lk, cross);
  }

  /** The largest |S[j,l]| over all points, in doubles. */
  static double maxAbsScore(DoubleInstance inst) {
    double[][] wq = ExactDouble.merged(inst, Adapter.Q);
    double[][] wk = ExactDouble.merged(inst, Adapter.K);
    double m = 0;
    for (DoubleInstance.Point p : inst.points()) {
      double[][] s = RoundingBound.mul(RoundingBound.mul(p.xq(), wq), RoundingBound.transpose(RoundingBound.mul(p.xk(), wk)));
      for (double[] row : s) {
        for (double v : row) {
          m = Math.max(m, Math.abs(inst.beta() * v));
        }
      }
    }
    return m;
  }

  /**
   * The instance with X^Q and X^K multiplied by k (X, for self-attention) such that max |S| is
   * about target (S scales by k^2); null when every score is near 0.
   */
  static LoraInstance withMaxScore(LoraInstance inst, double target) {
    double now = maxAbsScore(DoubleInstance.of(inst));
    if (now < 1e-3) {
      return null;
    }
    BigDecimal k = new BigDecimal(Math.sqrt(target / now)).round(new MathContext(6));
    List<DataPoint> pts = new ArrayList<>();
    for (DataPoint p : inst.data()) {
      if (p.selfAttention()) {
        pts.add(DataPoint.self(times(p.xq(), k), p.y()));
      } else {
        pts.add(DataPoint.cross(times(p.xq(), k), times(p.xk(), k), p.xv(), p.y()));
      }
    }
    return new LoraInstance(inst.alpha(), inst.beta(), inst.weights(), pts);
  }

  private static DecimalMatrix times(DecimalMatrix m, BigDecimal k) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = m.get(i, j).multiply(k);
      }
    }
    return DecimalMatrix.of("X", b);
  }
}
