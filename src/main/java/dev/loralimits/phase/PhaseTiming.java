package dev.loralimits.phase;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.model.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * Indicative wall times of the almost-linear and the exact algorithm on sweep instances
 * ({@code lora-limits phase --measure}). System.nanoTime, one thread each, one warm-up run and
 * the best of {@value #REPEATS} timed runs; when the warm-up alone takes more than
 * {@value #SLOW_NANOS} ns it is the only measurement (so that the largest cases stay within
 * seconds). Not a benchmark: the JMH numbers are in proofs-notes/BENCHMARKS.md.
 *
 * @param length L
 * @param width d
 * @param ratio {@code Gamma / sqrt(ln L)}
 * @param rank the rank the forced fast run used (sweep budget), -1 if no certificate
 * @param defaultBudget the default rank budget
 * @param fastSeconds the fast algorithm with the sweep budget (NaN: no certificate)
 * @param exactSeconds the exact algorithm
 */
public record PhaseTiming(
    int length, int width, double ratio, long rank, long defaultBudget, double fastSeconds, double exactSeconds) {
  /** Timed runs after the warm-up. */
  static final int REPEATS = 3;
  /** A warm-up slower than this (2 s) is the only measurement. */
  static final long SLOW_NANOS = 2_000_000_000L;
  /** Threads of both algorithms (one: the counts compare operation counts, not parallel speed-up). */
  static final int THREADS = 1;

  /** The cases of {@code --measure}: L = 2^12 and 2^14, d = 4, ratios 0.1, 0.2, 0.3. */
  public static List<int[]> defaultCases() {
    return List.of(new int[] {1 << 12, 4}, new int[] {1 << 14, 4});
  }

  /** The ratios of {@code --measure}. */
  public static final List<Double> RATIOS = List.of(0.1, 0.2, 0.3);

  /** Whether the default budget admits the rank (the fast algorithm would answer by default). */
  public boolean fastByDefault() {
    return rank >= 0 && rank <= defaultBudget;
  }

  /** Measured time ratio fast / exact (NaN without a certificate). */
  public double timeRatio() {
    return fastSeconds / exactSeconds;
  }

  /**
   * Times both algorithms on {@link PhaseSweep#instance} at {@code epsilon = 1/L}. The fast run uses
   * the sweep budget, so it also runs where the default budget would refuse (showing that it is
   * then slower).
   *
   * @throws IllegalArgumentException if L < 2, d < 1 or ratio is not positive and finite
   */
  public static PhaseTiming measure(int length, int width, double ratio, long sweepBudget) {
    Checks.positive("ratio", ratio);
    DoubleInstance inst = PhaseSweep.instance(length, width, PhaseSweep.gamma(length, ratio));
    double epsilon = 1.0 / length;
    long defaultBudget;
    try {
      defaultBudget = AlmostLinear.plan(inst, epsilon, 0).rankBudget();
    } catch (OutsideEfficientRegimeException e) {
      defaultBudget = e.budget();
    }
    long rank;
    double fast;
    try {
      rank = AlmostLinear.plan(inst, epsilon, sweepBudget).rank();
      AlmostLinear.Options opt = new AlmostLinear.Options(epsilon, THREADS, sweepBudget);
      fast = seconds(() -> AlmostLinear.gradient(inst, opt));
    } catch (OutsideEfficientRegimeException e) {
      rank = -1;
      fast = Double.NaN;
    }
    double exact = seconds(() -> ExactDouble.gradient(inst, THREADS));
    return new PhaseTiming(length, width, ratio, rank, defaultBudget, fast, exact);
  }

  /** Every case of {@link #defaultCases} and {@link #RATIOS}. */
  public static List<PhaseTiming> measureDefault(long sweepBudget) {
    List<PhaseTiming> out = new ArrayList<>();
    for (int[] c : defaultCases()) {
      for (double r : RATIOS) {
        out.add(measure(c[0], c[1], r, sweepBudget));
      }
    }
    return List.copyOf(out);
  }

  private static double seconds(Runnable task) {
    long t0 = System.nanoTime();
    task.run();
    long warm = System.nanoTime() - t0;
    if (warm > SLOW_NANOS) {
      return warm / 1e9;
    }
    long best = Long.MAX_VALUE;
    for (int i = 0; i < REPEATS; i++) {
      long s = System.nanoTime();
      task.run();
      best = Math.min(best, System.nanoTime() - s);
    }
    return best / 1e9;
  }
}
