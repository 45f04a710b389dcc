package dev.loralimits.train;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.FastResult;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.fast.Dense;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The training loop (proofs-notes/TRAIN.md §1): at each step the gradient of the loss of
 * Definition 1.2 with respect to every adapter factor, from the chosen {@link Method}; one
 * {@link Optimizer} step; then the {@link NormControl}. Each step is logged as a {@link StepRecord}.
 */
public final class Trainer {
  private Trainer() {}

  /** Where each step's gradient comes from. */
  public enum Method {
    /** Fast when it certifies epsilon within its default (cost-rule) rank budget, else exact. */
    AUTO,
    /** The almost-linear algorithm; a step it refuses ends the run with its refusal. */
    FAST,
    /** Theorem F.1 in doubles. */
    EXACT;

    /** The lower-case name. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The run's settings.
   *
   * @param steps number of gradient steps, {@code >= 0}
   * @param method the gradient method
   * @param epsilon the fast method's requested max-entry accuracy
   * @param threads worker threads of both methods
   * @param optimizer the optimiser before its first step
   * @param control the norm control
   */
  public record Config(int steps, Method method, double epsilon, int threads, Optimizer optimizer, NormControl control) {
    public Config {
      Checks.argument(steps >= 0, "steps (" + steps + ") must be >= 0");
      Checks.notNull("method", method);
      Checks.finite("epsilon", Checks.positive("epsilon", epsilon));
      Checks.positive("threads", threads);
      Checks.notNull("optimizer", optimizer);
      Checks.notNull("control", control);
    }
  }

  /** The run: one record per step, and the instance after the last step. */
  public record Run(List<StepRecord> steps, DoubleInstance last, double finalLoss) {
    public Run {
      steps = List.copyOf(steps);
    }
  }

  /** A step's gradient with the fast method's certificate when it answered. */
  record Gradient(DoubleGradients gradients, FastResult fast, String refusal) {}

  /**
   * Runs the loop from {@code start}; {@code onStep} sees each record as it is made. The loss after
   * the last step is computed once more by exact ({@link Run#finalLoss()}).
   *
   * @throws OutsideEfficientRegimeException when the method is FAST and a step is refused
   */
  public static Run run(DoubleInstance start, Config cfg, Consumer<StepRecord> onStep) {
    Checks.notNull("start", start);
    Checks.notNull("config", cfg);
    Checks.notNull("onStep", onStep);
    DoubleInstance inst = cfg.control().apply(start).instance();
    Optimizer opt = cfg.optimizer();
    int length = Training.length(inst);
    List<StepRecord> out = new ArrayList<>();
    for (int t = 0; t < cfg.steps(); t++) {
      double gq = Training.gamma(inst, Adapter.Q);
      double gk = Training.gamma(inst, Adapter.K);
      double radius = scoreRadius(inst);
      long wall0 = System.nanoTime();
      long cpu0 = processCpu();
      Gradient g = gradient(inst, cfg);
      long cpu = processCpu() - cpu0;
      long wall = System.nanoTime() - wall0;
      Optimizer.Step s = opt.step(inst, g.gradients());
      opt = s.optimizer();
      NormControl.Applied applied = cfg.control().apply(s.next());
      inst = applied.instance();
      double factor = 1;
      for (double c : applied.factors().values()) {
        factor = Math.min(factor, c);
      }
      FastResult f = g.fast();
      StepRecord rec = new StepRecord(
          t, g.gradients().loss(), gq, gk, Training.ratio(gq, gk, length), radius,
          f == null ? Method.EXACT.label() : Method.FAST.label(), g.refusal(),
          f == null ? -1 : f.degree(), f == null ? -1 : f.rank(), f == null ? Double.NaN : f.maxGradientBound(),
          f == null ? Double.NaN : f.lossBound(), factor, wall, cpu);
      out.add(rec);
      onStep.accept(rec);
    }
    return new Run(out, inst, ExactDouble.gradient(inst, cfg.threads()).loss());
  }

  /** The gradient of one step by the configured method. */
  static Gradient gradient(DoubleInstance inst, Config cfg) {
    if (cfg.method() == Method.EXACT) {
      return new Gradient(ExactDouble.gradient(inst, cfg.threads()), null, "");
    }
    long budget = cfg.method() == Method.AUTO
        ? 0
        : AlmostLinear.memoryRankCap(inst.weight(Adapter.Q).frozen()[0].length, inst.weight(Adapter.V).frozen()[0].length);
    try {
      FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(cfg.epsilon(), cfg.threads(), budget));
      return new Gradient(r.gradients(), r, "");
    } catch (OutsideEfficientRegimeException e) {
      if (cfg.method() == Method.FAST) {
        throw e;
      }
      String why = e.getMessage() == null ? "(no message)" : e.getMessage().strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
      return new Gradient(ExactDouble.gradient(inst, cfg.threads()), null, why);
    }
  }

  /** {@code beta max_j ||q_j||_2 max_l ||k_l||_2} over every point (StepRecord). */
  static double scoreRadius(DoubleInstance inst) {
    double[][] wq = Training.merged(inst, Adapter.Q);
    double[][] wk = Training.merged(inst, Adapter.K);
    double r = 0;
    for (Point p : inst.points()) {
      r = Math.max(r, maxRowNorm(Dense.multiply(p.xq(), wq)) * maxRowNorm(Dense.multiply(p.xk(), wk)));
    }
    return inst.beta() * r;
  }

  private static double maxRowNorm(double[][] m) {
    double r = 0;
    for (double[] row : m) {
      r = Math.max(r, Math.sqrt(Dense.dot(row, row)));
    }
    return r;
  }

  private static long processCpu() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean s) {
      return s.getProcessCpuTime();
    }
    return 0;
  }
}
