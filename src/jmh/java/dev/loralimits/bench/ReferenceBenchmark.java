package dev.loralimits.bench;

import dev.loralimits.io.InstanceJson;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.ReferenceGradient;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The certified reference ({@code ReferenceGradient.compute}, E3 on the binary engine, both
 * precision levels) on an instance file written by {@code src/jmh/python/reference_instance.py}
 * (the same file the mpmath peer {@code src/jmh/python/mpmath_reference.py} reads). Single-shot
 * by default; {@code form=E3-apfloat} times the previous apfloat path. {@link #main} prints wall
 * and process CPU time (all threads) for a few repetitions, the figure compared with mpmath's
 * {@code time.process_time}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class ReferenceBenchmark {
  /** The instance file. */
  @Param({"/tmp/refspeed/L32.json"})
  public String instance;

  /** Requested digits N. */
  @Param({"50"})
  public int digits;

  /** {@code E3} (binary engine) or {@code E3-apfloat}. */
  @Param({"E3"})
  public String form;

  private LoraInstance inst;

  @Setup
  public void load() {
    inst = InstanceJson.read(Path.of(instance));
  }

  @Benchmark
  public GradientResult reference() {
    return run(inst, digits, form);
  }

  static GradientResult run(LoraInstance inst, int digits, String form) {
    return form.equals("E3-apfloat")
        ? ReferenceGradient.computeApfloat(inst, digits, Form.THEOREM_F_1)
        : ReferenceGradient.compute(inst, digits);
  }

  /**
   * {@code ReferenceBenchmark instance.json digits [reps [form]]}: wall and process CPU per call,
   * then the mean and median of both over the second half of the repetitions (steady state; the
   * CPU clock ticks in about 10 ms, so only an average over many calls resolves a 30 ms call).
   */
  public static void main(String[] args) {
    LoraInstance inst = InstanceJson.read(Path.of(args[0]));
    int digits = Integer.parseInt(args[1]);
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    String form = args.length > 3 ? args[3] : "E3";
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] wall = new double[reps];
    double[] cpu = new double[reps];
    for (int r = 0; r < reps; r++) {
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      GradientResult g = run(inst, digits, form);
      long t1 = System.nanoTime();
      long c1 = os.getProcessCpuTime();
      wall[r] = (t1 - t0) / 1e9;
      cpu[r] = (c1 - c0) / 1e9;
      System.out.printf(
          "rep %d: wall %.3f s, cpu %.3f s, loss %s%n", r, wall[r], cpu[r], g.loss().round(new java.math.MathContext(12)));
    }
    int from = reps / 2;
    System.out.printf(
        "summary over reps %d..%d: wall mean %.4f s, median %.4f s; cpu mean %.4f s, median %.4f s%n",
        from, reps - 1, mean(wall, from), median(wall, from), mean(cpu, from), median(cpu, from));
  }

  private static double mean(double[] x, int from) {
    double s = 0;
    for (int i = from; i < x.length; i++) {
      s += x[i];
    }
    return s / (x.length - from);
  }

  private static double median(double[] x, int from) {
    double[] y = java.util.Arrays.copyOfRange(x, from, x.length);
    java.util.Arrays.sort(y);
    int n = y.length;
    return n % 2 == 1 ? y[n / 2] : (y[n / 2 - 1] + y[n / 2]) / 2;
  }
}
