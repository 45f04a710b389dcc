package dev.loralimits.bench;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.FastResult;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact (Theorem F.1, {@code O(L^2 d)}) against almost-linear (Theorems 3.1, A.1) LoRA gradients
 * on the self-attention instances of {@link BenchInstances}, all three adapters trained.
 *
 * <p>Defaults: average time per operation, 1 warmup and 3 measurement iterations of 2 s, one fork
 * with {@code -Xmx8g}; an operation longer than an iteration is run once per iteration. Long
 * points are run with {@code -bm ss -wi 0 -i 1} (one single-shot call); proofs-notes/BENCHMARKS.md
 * lists the exact command lines.
 *
 * <p>{@code exact} returns at once (a guard, not a measurement) when {@code L > EXACT_MAX_L}.
 * {@code fast} runs with an unlimited rank budget so that it answers where the default budget
 * would refuse; a refusal ({@link OutsideEfficientRegimeException}) is caught and reported. At the
 * end of each trial a line {@code # regime ...} gives the degree, rank, radius and certified bound
 * of the last answer (or the refusal).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class GradientBenchmark {
  /** Largest L for which {@code exact} runs (it is quadratic in L). */
  public static final int EXACT_MAX_L = 65536;
  /** Requested max-entry accuracy of every adapter gradient (the default of {@link #epsilon}). */
  public static final double EPSILON = 1e-6;

  /** Sequence length (one self-attention point, Lq = Lk = L). */
  @Param({"1024", "4096", "16384", "65536", "262144", "1048576"})
  public int L;

  /** Width d = h = o (W* = I_d). */
  @Param({"2", "4", "8"})
  public int d;

  /** Entry bound of X, so {@code ||X W_Q||_max ~= ||X W_K||_max ~= gamma}. */
  @Param({"0.25", "0.5", "1"})
  public double gamma;

  /**
   * Requested accuracy of {@code fast} (max-entry, every adapter gradient); {@code exact} ignores
   * it. The sweep uses 1e-6; a larger value lets {@code fast} answer at lengths where the certified
   * rounding part alone exceeds 1e-6.
   */
  @Param({"1e-6"})
  public double epsilon;

  /** Worker threads of both algorithms. */
  @Param({"2"})
  public int threads;

  private DoubleInstance instance;
  private AlmostLinear.Options options;
  private FastResult lastAnswer;
  private OutsideEfficientRegimeException lastRefusal;

  @Setup(Level.Trial)
  public void setUp() {
    instance = BenchInstances.selfAttention(L, d, gamma);
    options = new AlmostLinear.Options(epsilon, threads, Long.MAX_VALUE);
  }

  /** Theorem F.1, quadratic; a no-op guard when {@code L > EXACT_MAX_L}. */
  @Benchmark
  public Object exact() {
    if (L > EXACT_MAX_L) {
      return null;
    }
    return ExactDouble.gradient(instance, threads);
  }

  /** Theorems 3.1 and A.1 with an unlimited rank budget; a refusal is returned, not thrown. */
  @Benchmark
  public Object fast() {
    try {
      lastAnswer = AlmostLinear.gradient(instance, options);
      return lastAnswer;
    } catch (OutsideEfficientRegimeException e) {
      lastRefusal = e;
      return e;
    }
  }

  @TearDown(Level.Trial)
  public void report() {
    String at = String.format(Locale.ROOT, "L=%d d=%d gamma=%s threads=%d epsilon=%s", L, d, gamma, threads, epsilon);
    if (lastAnswer != null) {
      System.out.printf(
          Locale.ROOT, "%n# regime %s degree=%d rank=%d radius=%.6g bound=%.3g kind=%s%n",
          at, lastAnswer.degree(), lastAnswer.rank(), lastAnswer.radius(), lastAnswer.maxGradientBound(),
          lastAnswer.kind());
    }
    if (lastRefusal != null) {
      System.out.printf(Locale.ROOT, "%n# regime %s REFUSED: %s%n", at, lastRefusal.getMessage());
    }
  }
}
