package dev.loralimits.phase;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The sweep over {@code Gamma / sqrt(ln L)}, L and d behind {@code lora-limits phase}.
 *
 * <p>Remark 4.1 / 5.2: with {@code ||X^Q W_Q||_inf, ||X^K W_K||_inf <= Gamma}, the almost-linear
 * algorithm (Theorem 3.1) runs in {@code L^{1+o(1)}} time when {@code Gamma = o(sqrt(log L))}, and
 * (Theorem 4.1, under SETH) nothing runs in {@code O(L^{2-delta})} once
 * {@code Gamma = Omega(sqrt(log L) kappa(L))}. Each point builds {@link #instance}, a seeded
 * self-attention instance whose norms equal Gamma, and records what
 * {@link AlmostLinear#plan} certifies at {@code epsilon = 1/L}.
 */
public final class PhaseSweep {
  /** Rank budget of the sweep: large, so that the certified degree shows beyond the efficient regime. */
  public static final long SWEEP_BUDGET = 10_000_000L;
  /** Scale of the adapter entries (A and B uniform in {@code [-s, s]}): the adapters are tiny. */
  static final double ADAPTER_SCALE = 1e-3;
  /** LoRA scale alpha (with r = 1, {@code W = I + alpha B A}). */
  static final double ALPHA = 1.0;
  /** LoRA rank of every adapter. */
  static final int LORA_RANK = 1;
  /** Seed of every instance (mixed with L and d, not with Gamma: instances at one (L, d) are rescalings). */
  static final long SEED = 20240605L;

  /** The ratios of {@link Config#quick}. */
  static final List<Double> QUICK_RATIOS = List.of(0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0);
  /** Largest degree {@link #kernelDegree} tries. */
  public static final int KERNEL_DEGREE_CAP = 100_000;

  private PhaseSweep() {}

  /**
   * What to sweep.
   *
   * @param ratios values of {@code Gamma / sqrt(ln L)}, each {@code > 0}
   * @param lengths values of L, each {@code >= 2}
   * @param widths values of d, each {@code >= 1}
   * @param sweepBudget the large rank budget, {@code >= 1}
   */
  public record Config(List<Double> ratios, List<Integer> lengths, List<Integer> widths, long sweepBudget) {
    /** @throws IllegalArgumentException naming the field when a list is empty or a value is out of range */
    public Config {
      ratios = List.copyOf(Checks.notNull("ratios", ratios));
      lengths = List.copyOf(Checks.notNull("lengths", lengths));
      widths = List.copyOf(Checks.notNull("widths", widths));
      Checks.argument(!ratios.isEmpty() && !lengths.isEmpty() && !widths.isEmpty(), "ratios, lengths and widths must be non-empty");
      for (double r : ratios) {
        Checks.positive("ratio", r);
        Checks.finite("ratio", r);
      }
      for (int l : lengths) {
        Checks.argument(l >= 2, "L (" + l + ") must be >= 2");
      }
      for (int d : widths) {
        Checks.positive("d", d);
      }
      Checks.argument(sweepBudget >= 1, "sweepBudget (" + sweepBudget + ") must be >= 1");
    }

    /** The number of points. */
    public int size() {
      return ratios.size() * lengths.size() * widths.size();
    }

    /**
     * The full sweep: 20 ratios {@code 0.1, 0.2, ..., 2.0}, {@code L = 2^8, 2^10, ..., 2^16},
     * {@code d = 2, 4, 8}.
     */
    public static Config full() {
      return new Config(evenRatios(0.1, 2.0, 20), List.of(1 << 8, 1 << 10, 1 << 12, 1 << 14, 1 << 16), List.of(2, 4, 8), SWEEP_BUDGET);
    }

    /**
     * The reduced sweep of {@code --quick}: 8 ratios {@code 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2}
     * (denser where the boundary lies at these L), {@code L = 2^8, 2^10, 2^12}, {@code d = 4, 8}.
     */
    public static Config quick() {
      return new Config(QUICK_RATIOS, List.of(1 << 8, 1 << 10, 1 << 12), List.of(4, 8), SWEEP_BUDGET);
    }
  }

  /** {@code n} evenly spaced values from {@code lo} to {@code hi} (both included), rounded to 1e-9. */
  static List<Double> evenRatios(double lo, double hi, int n) {
    List<Double> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x = n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
      r.add(Math.rint(x * 1e9) / 1e9);
    }
    return r;
  }

  /** {@code Gamma = ratio * sqrt(ln L)}. */
  public static double gamma(int length, double ratio) {
    return ratio * Math.sqrt(Math.log(length));
  }

  /**
   * The instance of one point: self-attention, {@code X} of size {@code L x d} with rows 0 and 1
   * equal to {@code +Gamma} and {@code -Gamma} in every column and the other entries uniform in
   * {@code [-Gamma, Gamma]}; {@code W_Q = W_K = W_V = I_d} with Q, K and V adapters of rank 1
   * (entries of A and B uniform in {@code [-10^-3, 10^-3]}, alpha = 1, beta = 1); Y uniform in
   * {@code [-1, 1]}. So {@code ||X W||_inf = Gamma (1 + O(10^-6))}, every key column has mid-range
   * about 0 (the centring of AlmostLinear changes nothing), and the largest score
   * {@code |<X_0 W_Q, X_1 W_K>|} is about {@code d Gamma^2}, which is also the certified radius.
   * The random draws depend on L and d only: instances with the same (L, d) are rescalings.
   *
   * @throws IllegalArgumentException if L < 2, d < 1 or Gamma is not positive and finite
   */
  public static DoubleInstance instance(int length, int width, double gamma) {
    Checks.argument(length >= 2, "L (" + length + ") must be >= 2");
    Checks.positive("d", width);
    Checks.positive("Gamma", gamma);
    Checks.finite("Gamma", gamma);
    Random rnd = new Random(SEED ^ (31L * length + width));
    double[][] x = new double[length][width];
    double[][] y = new double[length][width];
    for (int j = 0; j < length; j++) {
      for (int b = 0; b < width; b++) {
        double u = j == 0 ? 1 : j == 1 ? -1 : 2 * rnd.nextDouble() - 1;
        x[j][b] = gamma * u;
        y[j][b] = 2 * rnd.nextDouble() - 1;
      }
    }
    Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, new Weight(identity(width), uniform(rnd, LORA_RANK, width), uniform(rnd, width, LORA_RANK)));
    }
    return new DoubleInstance(ALPHA, 1.0, w, List.of(Point.self(x, y)));
  }

  /**
   * One point: the plan at {@code epsilon = 1/L} with the sweep budget and with the default one.
   *
   * @throws IllegalArgumentException if L < 2, d < 1, ratio is not positive and finite or the budget < 1
   */
  public static PhasePoint point(int length, int width, double ratio, long sweepBudget) {
    Checks.argument(sweepBudget >= 1, "sweepBudget (" + sweepBudget + ") must be >= 1");
    double gamma = gamma(length, ratio);
    DoubleInstance inst = instance(length, width, gamma);
    double epsilon = 1.0 / length;
    long defaultBudget;
    boolean fastAnswers;
    try {
      defaultBudget = AlmostLinear.plan(inst, epsilon, 0).rankBudget();
      fastAnswers = true;
    } catch (OutsideEfficientRegimeException e) {
      defaultBudget = e.budget();
      fastAnswers = false;
    }
    try {
      AlmostLinear.Plan p = AlmostLinear.plan(inst, epsilon, sweepBudget);
      int kg = kernelDegree(p.radius(), epsilon);
      return new PhasePoint(
          length, width, ratio, gamma, epsilon, p.radius(), PhasePoint.Status.CERTIFIED, p.degree(), p.rank(),
          sweepBudget, defaultBudget, fastAnswers, kg, rankAsDouble(width, kg));
    } catch (OutsideEfficientRegimeException e) {
      int kg = kernelDegree(e.radius(), epsilon);
      return new PhasePoint(
          length, width, ratio, gamma, epsilon, e.radius(), refusal(e, sweepBudget), e.degree(), -1,
          sweepBudget, defaultBudget, fastAnswers, kg, rankAsDouble(width, kg));
    }
  }

  /**
   * The kernel-only degree: the least g such that the Taylor bound {@code e^R R^(g+1) / (g+1)!} or
   * the Chebyshev bound {@code 2 e^(2R) (R/2)^(g+1) / (g+1)!} (the truncation terms of
   * {@link dev.loralimits.fast.ExpPolynomial}, proofs-notes/EXP-POLYNOMIAL.md) on the relative
   * error of {@code P ~ e^x} over {@code [-R, R]} is at most delta. This is the degree of Lemma 3.3
   * in exact arithmetic for a kernel error {@code delta}, the quantity Theorems 3.1 and 4.1 reason
   * about; the certified degree of {@link AlmostLinear#plan} is larger (the gradient amplifies the
   * kernel error, and double rounding adds a term). Evaluated in logarithms, so any R works.
   *
   * @return the degree, or -1 if none up to {@link #KERNEL_DEGREE_CAP}
   * @throws IllegalArgumentException if R is negative or not finite, or delta is not in (0, 1)
   */
  public static int kernelDegree(double radius, double delta) {
    Checks.finite("R", radius);
    Checks.argument(radius >= 0, "R (" + radius + ") must be >= 0");
    Checks.inOpenRange("delta", delta, 0, 1);
    if (radius == 0) {
      return 0;
    }
    double target = Math.log(delta);
    double logFactorial = 0; // ln (g+1)!
    for (int g = 0; g <= KERNEL_DEGREE_CAP; g++) {
      logFactorial += Math.log(g + 1.0);
      double taylor = radius + (g + 1) * Math.log(radius) - logFactorial;
      double chebyshev = Math.log(2) + 2 * radius + (g + 1) * Math.log(radius / 2) - logFactorial;
      if (Math.min(taylor, chebyshev) <= target) {
        return g;
      }
    }
    return -1;
  }

  /** {@code binom(g + d, d)} in doubles (NaN for g < 0). */
  static double rankAsDouble(int d, int g) {
    if (g < 0) {
      return Double.NaN;
    }
    double r = 1;
    for (int i = 1; i <= d; i++) {
      r = r * (g + i) / i;
    }
    return r;
  }

  /** The kind of refusal (the exception carries degree, rank and budget; the message says which). */
  static PhasePoint.Status refusal(OutsideEfficientRegimeException e, long budget) {
    if (e.degree() < 0) {
      return PhasePoint.Status.NO_POLYNOMIAL;
    }
    if (e.rank() > budget) {
      return PhasePoint.Status.RANK_ABOVE_BUDGET;
    }
    return PhasePoint.Status.ROUNDING;
  }

  /** Listener told after each point (for a progress bar). */
  @FunctionalInterface
  public interface Progress {
    void done(PhasePoint p);
  }

  /**
   * Every point of the configuration, ordered by d, then L, then ratio.
   *
   * @throws IllegalArgumentException if config or progress is null
   */
  public static List<PhasePoint> run(Config config, Progress progress) {
    Checks.notNull("config", config);
    Checks.notNull("progress", progress);
    List<PhasePoint> out = new ArrayList<>();
    for (int d : config.widths()) {
      for (int l : config.lengths()) {
        for (double r : config.ratios()) {
          PhasePoint p = point(l, d, r, config.sweepBudget());
          out.add(p);
          progress.done(p);
        }
      }
    }
    return List.copyOf(out);
  }

  private static double[][] identity(int n) {
    double[][] m = new double[n][n];
    for (int i = 0; i < n; i++) {
      m[i][i] = 1;
    }
    return m;
  }

  private static double[][] uniform(Random rnd, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = ADAPTER_SCALE * (2 * rnd.nextDouble() - 1);
      }
    }
    return m;
  }
}
