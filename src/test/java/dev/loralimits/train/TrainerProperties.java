package dev.loralimits.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.model.Adapter;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The training loop (proofs-notes/TRAIN.md §6): its fast steps are exact steps within the
 * certified bound, gradient descent lowers the teacher task's loss, the records hold the norms of
 * their own step, and auto uses fast exactly when fast answers.
 */
class TrainerProperties {
  static final double EPSILON = 1e-6;
  /** Share of tries where --method fast certifies, in percent: measured 100% of 60 (small norms); a refusal-heavy generator would test nothing. */
  static final double COVERAGE = 50;
  static final double U = 0x1p-53;

  static Trainer.Config config(int steps, Trainer.Method m, Optimizer opt) {
    return new Trainer.Config(steps, m, EPSILON, 1, opt, NormControl.none());
  }

  /**
   * One gradient-descent step from the same instance with fast and with exact gradients: each
   * factor entry is {@code fl(x - fl(lr g))}, so the two differ by at most
   * {@code lr |g_fast - g_exact| (1 + u)} plus the rounding of the two subtractions and products,
   * {@code <= 2u (|x'_fast| + |x'_exact|) + 2u lr (|g_fast| + |g_exact|)}: with the certificate
   * {@code |g_fast - g_exact| <= bound} (Theorem 3.1 as proved in FAST-BOUND) the difference is at
   * most {@code lr bound (1 + u)} plus those roundings. The bound itself must be at most epsilon,
   * and fast must have answered on most tries (coverage).
   */
  @Property(tries = 60)
  void aFastStepIsTheExactStepWithinLrTimesTheCertifiedBound(
      @ForAll @IntRange(min = 8, max = 200) int length, @ForAll @IntRange(min = 1, max = 4) int width,
      @ForAll @IntRange(min = 1, max = 3) int rank, @ForAll long seed, @ForAll @DoubleRange(min = 1e-3, max = 1) @net.jqwik.api.constraints.Scale(4) double lr) {
    Statistics.label("fast answered").coverage(c -> c.check(true).percentage(p -> p > COVERAGE));
    DoubleInstance start = NormControlProperties.pushed(length, width, rank, seed, 0.05);
    Trainer.Run fast;
    try {
      fast = Trainer.run(start, config(1, Trainer.Method.FAST, new Optimizer.GradientDescent(lr)), r -> {});
    } catch (OutsideEfficientRegimeException e) {
      Statistics.label("fast answered").collect(false);
      return;
    }
    Trainer.Run exact = Trainer.run(start, config(1, Trainer.Method.EXACT, new Optimizer.GradientDescent(lr)), r -> {});
    StepRecord rec = fast.steps().get(0);
    Statistics.label("fast answered").collect(rec.method().equals("fast"));
    assertThat(rec.method()).isEqualTo("fast");
    assertThat(rec.bound()).isPositive().isLessThanOrEqualTo(EPSILON);
    double worst = 0;
    for (Adapter mu : Adapter.values()) {
      Weight wf = fast.last().weight(mu);
      Weight we = exact.last().weight(mu);
      Weight w0 = start.weight(mu);
      double[][][] pairs = {wf.a(), we.a(), w0.a(), wf.b(), we.b(), w0.b()};
      for (int k = 0; k < 2; k++) {
        double[][] f = pairs[3 * k];
        double[][] e = pairs[3 * k + 1];
        double[][] x0 = pairs[3 * k + 2];
        for (int i = 0; i < f.length; i++) {
          for (int j = 0; j < f[i].length; j++) {
            double stepF = Math.abs(x0[i][j] - f[i][j]);
            double stepE = Math.abs(x0[i][j] - e[i][j]);
            double allowed = lr * rec.bound() * (1 + U) + 2 * U * (Math.abs(f[i][j]) + Math.abs(e[i][j]))
                + 4 * U * (stepF + stepE + lr * rec.bound());
            double diff = Math.abs(f[i][j] - e[i][j]);
            assertThat(diff).as(mu + " factor " + k + " [" + i + "][" + j + "]").isLessThanOrEqualTo(allowed);
            worst = Math.max(worst, diff / (lr * rec.bound()));
          }
        }
      }
    }
    Statistics.label("difference / (lr bound) below 1e-2").collect(worst < 1e-2);
  }

  /**
   * Gradient descent on the teacher task, step by step through {@link Trainer#run}, meets the
   * sufficient-decrease (Armijo) condition with constant 1/2 at every step:
   * {@code Loss(x - lr g) <= Loss(x) - (lr / 2) ||g||^2}, which the descent lemma guarantees when
   * {@code lr <= 1 / Lipschitz(grad)} (TRAIN.md §6). A wrong sign, a wrong factor of the gradient
   * (2g already fails at the measured margin), a step on the wrong parameters or a stale gradient
   * fails it. {@link #LR} was measured: over 150 draws of this generator and 30 steps each, the
   * decrease was at least 1.86 times {@code (lr/2) ||g||^2} at lr = 0.05 (at lr = 0.2, 10 steps
   * violated it), so the property tests the loop, not luck. {@link #LOSS_RTOL} covers the rounding of
   * the two loss values (each within ~1e-15 relative of the exact one, EXACT-DOUBLE).
   */
  @Property(tries = 40)
  void gradientDescentDecreasesTheTeacherLossSufficientlyAtEveryStep(
      @ForAll @IntRange(min = 8, max = 64) int length, @ForAll @IntRange(min = 1, max = 4) int width,
      @ForAll @IntRange(min = 1, max = 2) int rank, @ForAll long seed) {
    DoubleInstance inst = Task.teacher(length, width, rank, 1, seed).student();
    double first = Double.NaN;
    for (int s = 0; s < STEPS; s++) {
      dev.loralimits.fast.DoubleGradients g = ExactDouble.gradient(inst, 1);
      double n2 = 0;
      for (java.util.Map<Adapter, double[][]> m : List.of(g.gradA(), g.gradB())) {
        for (double[][] x : m.values()) {
          for (double[] row : x) {
            for (double v : row) {
              n2 += v * v;
            }
          }
        }
      }
      Trainer.Run run = Trainer.run(inst, config(1, Trainer.Method.EXACT, new Optimizer.GradientDescent(LR)), r -> {});
      assertThat(run.steps().get(0).loss()).isEqualTo(g.loss());
      first = s == 0 ? g.loss() : first;
      assertThat(run.finalLoss()).as("step " + s).isLessThanOrEqualTo(g.loss() - LR / 2 * n2 + LOSS_RTOL * g.loss());
      inst = run.last();
    }
    assertThat(ExactDouble.gradient(inst, 1).loss()).isLessThan(first);
  }

  static final int STEPS = 30;
  static final double LR = 0.05;
  /** Two loss values, each within a few 1e-16 relative of the exact one: 1e-13 leaves a factor 100. */
  static final double LOSS_RTOL = 1e-13;

  /** Every record's norms and ratio are those of its own step's parameters, recomputed here entry by entry. */
  @Property(tries = 30)
  void theRecordsHoldTheNormsOfTheirStep(
      @ForAll @IntRange(min = 4, max = 64) int length, @ForAll @IntRange(min = 1, max = 3) int width, @ForAll long seed) {
    Task t = Task.large(length, width, 1, 1, seed);
    List<DoubleInstance> seen = new ArrayList<>();
    List<StepRecord> log = new ArrayList<>();
    DoubleInstance inst = t.student();
    Optimizer opt = Optimizer.Adam.of(0.05);
    for (int s = 0; s < 5; s++) {
      seen.add(inst);
      Trainer.Run r = Trainer.run(inst, new Trainer.Config(1, Trainer.Method.EXACT, EPSILON, 1, opt, NormControl.none()), log::add);
      inst = r.last();
      opt = Optimizer.Adam.of(0.05);
    }
    for (int s = 0; s < 5; s++) {
      DoubleInstance at = seen.get(s);
      double gq = naiveGamma(at, Adapter.Q);
      double gk = naiveGamma(at, Adapter.K);
      StepRecord rec = log.get(s);
      assertThat(rec.gammaQ()).isCloseTo(gq, org.assertj.core.api.Assertions.within(1e-13 * gq));
      assertThat(rec.gammaK()).isCloseTo(gk, org.assertj.core.api.Assertions.within(1e-13 * gk));
      assertThat(rec.ratio()).isCloseTo(Math.max(gq, gk) / Math.sqrt(Math.log(length)), org.assertj.core.api.Assertions.within(1e-13));
      assertThat(rec.loss()).isEqualTo(ExactDouble.gradient(at, 1).loss());
    }
  }

  /** Auto's step is fast exactly when {@link AlmostLinear} answers with its default budget. */
  @Property(tries = 40)
  void autoUsesFastExactlyWhenFastAnswers(
      @ForAll @IntRange(min = 8, max = 300) int length, @ForAll @IntRange(min = 1, max = 4) int width, @ForAll long seed,
      @ForAll @DoubleRange(min = 0.001, max = 3) @net.jqwik.api.constraints.Scale(4) double scale) {
    Statistics.label("fast").coverage(c -> {
      c.check(true).percentage(p -> p > 10);
      c.check(false).percentage(p -> p > 10);
    });
    DoubleInstance start = NormControlProperties.pushed(length, width, 2, seed, scale);
    StepRecord rec = Trainer.run(start, config(1, Trainer.Method.AUTO, new Optimizer.GradientDescent(0.01)), r -> {}).steps().get(0);
    boolean answers;
    try {
      AlmostLinear.gradient(start, new AlmostLinear.Options(EPSILON, 1, 0));
      answers = true;
    } catch (OutsideEfficientRegimeException e) {
      answers = false;
    }
    assertThat(rec.method()).isEqualTo(answers ? "fast" : "exact");
    assertThat(rec.refusal().isEmpty()).isEqualTo(answers);
    assertThat(rec.degree() >= 0).isEqualTo(answers);
    Statistics.label("fast").collect(answers);
  }

  private static double naiveGamma(DoubleInstance inst, Adapter mu) {
    double[][] w = Training.merged(inst, mu);
    double g = 0;
    for (DoubleInstance.Point p : inst.points()) {
      double[][] x = Training.input(p, mu);
      for (double[] row : x) {
        for (int c = 0; c < w[0].length; c++) {
          double s = 0;
          for (int k = 0; k < row.length; k++) {
            s += row[k] * w[k][c];
          }
          g = Math.max(g, Math.abs(s));
        }
      }
    }
    return g;
  }
}
