package dev.loralimits.bench;

import dev.loralimits.fast.LayerExact;
import dev.loralimits.fast.LayerFast;
import dev.loralimits.fast.LayerFastResult;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
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
 * Causal attention layers: {@link LayerExact} ({@code O(L^2 d)}) against {@link LayerFast} (the
 * polynomial method with prefix sums, FAST-BOUND.md Section 12). One self-attention point of length
 * L with a top-left causal mask, H heads of width w for queries, keys and values, input width
 * {@code d = H w}, every projection (Q, K, V and O) adapted with rank {@link BenchInstances#RANK},
 * {@code W* = I}, A and B uniform in {@code [-1e-3, 1e-3]}, X uniform in {@code [-gamma, gamma]},
 * Y in {@code [-1, 1]}, alpha = beta = 1 (as {@link BenchInstances}).
 *
 * <p>Both methods are single-threaded. {@code fast} runs with the default rank budget (aggregates
 * within 1 GiB); a refusal is returned, not thrown, and reported at the end of the trial in a line
 * {@code # layer-regime ...} with the degree, rank, radius and certified bound of the answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class LayerBenchmark {
  /** Sequence length (Lq = Lk = L). */
  @Param({"1024", "4096", "16384", "65536"})
  public int L;

  /** Number of heads H. */
  @Param({"2", "4"})
  public int heads;

  /** Head width w (h = v = w). */
  @Param({"2", "4"})
  public int width;

  /** Entry bound of X. */
  @Param({"0.25"})
  public double gamma;

  /** Requested max-entry accuracy of every adapter gradient. */
  @Param({"1e-6"})
  public double epsilon;

  private LayerInstance instance;
  private LayerFastResult lastAnswer;
  private OutsideEfficientRegimeException lastRefusal;

  @Setup(Level.Trial)
  public void setUp() {
    instance = causalLayer(L, heads, width, gamma);
  }

  /** The layer of the class comment, seeded by {@link BenchInstances#SEED}. */
  public static LayerInstance causalLayer(int length, int heads, int width, double gamma) {
    SplittableRandom rnd = new SplittableRandom(BenchInstances.SEED);
    int d = heads * width;
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : LayerWeight.values()) {
      double[][] identity = new double[d][d];
      for (int i = 0; i < d; i++) {
        identity[i][i] = 1;
      }
      w.put(mu, Projection.adapted(DecimalMatrix.ofDoubles("W", identity),
          DecimalMatrix.ofDoubles("A", uniform(rnd, BenchInstances.RANK, d, BenchInstances.ADAPTER_SCALE)),
          DecimalMatrix.ofDoubles("B", uniform(rnd, d, BenchInstances.RANK, BenchInstances.ADAPTER_SCALE))));
    }
    DataPoint p = DataPoint.self(DecimalMatrix.ofDoubles("X", uniform(rnd, length, d, gamma)),
        DecimalMatrix.ofDoubles("Y", uniform(rnd, length, d, 1)));
    return new LayerInstance(heads, Masking.TOP_LEFT, LoraScaling.LORA, BigDecimal.ONE, BigDecimal.ONE, w, List.of(p));
  }

  private static double[][] uniform(SplittableRandom rnd, int rows, int cols, double half) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextDouble(-half, half);
      }
    }
    return m;
  }

  /** The exact layer gradient, quadratic in L. */
  @Benchmark
  public Object exact() {
    return LayerExact.compute(instance);
  }

  /** The polynomial method with prefix sums; a refusal is returned, not thrown. */
  @Benchmark
  public Object fast() {
    try {
      lastAnswer = LayerFast.compute(instance, epsilon);
      return lastAnswer;
    } catch (OutsideEfficientRegimeException e) {
      lastRefusal = e;
      return e;
    }
  }

  @TearDown(Level.Trial)
  public void report() {
    String at = String.format(Locale.ROOT, "L=%d heads=%d width=%d gamma=%s epsilon=%s", L, heads, width, gamma, epsilon);
    if (lastAnswer != null) {
      System.out.printf(Locale.ROOT, "%n# layer-regime %s degree=%d rank=%d radius=%.6g bound=%.3g kind=%s%n",
          at, lastAnswer.degree(), lastAnswer.rank(), lastAnswer.radius(), lastAnswer.maxGradientBound(), lastAnswer.kind());
    }
    if (lastRefusal != null) {
      System.out.printf(Locale.ROOT, "%n# layer-regime %s REFUSED: %s%n", at, lastRefusal.getMessage());
    }
  }
}
