package dev.loralimits.bench;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.FastResult;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Wall time, process CPU time and flop rate of {@code AlmostLinear.gradient} on one
 * {@link BenchInstances} instance, for points too long for JMH's iterations (L = 2^22) and for
 * measuring peak memory from outside ({@code /usr/bin/time -v}): the process holds only the
 * instance and the algorithm's own data.
 *
 * <p>The flop count is that of the three passes as written ({@code LemmaKernels}), per row and
 * feature, with {@code Lq = Lk = L}: key aggregation {@code 2 + 2h + 2o + 2oh} (the feature, a1,
 * ak, av, t), query rows {@code 2 + 2 + 2o + o(1 + 2h) + (1 + 2h)} (the feature and its coefficient,
 * D, z, Lemma 3.6, Lemma 3.7) plus {@code 1 + o(2 + 2h) + (1 + 2h)} for Theorem A.1's query side
 * (1/D, t4 and t2, t3), key rows {@code 1 + o(1 + 2h) + 2h + 2o}: 210 at {@code h = o = 4}.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar dev.loralimits.bench.FastTiming L d gamma
 * [threads [reps [epsilon [exact]]]]} (defaults 2 threads, 1 rep, epsilon 1e-6); a last argument
 * {@code exact} times {@code ExactDouble.gradient} instead, for CPU-time ratios in one session.
 */
public final class FastTiming {
  private FastTiming() {}

  /** Flops of the three passes per row and feature (class comment). */
  public static double flopsPerRowFeature(int h, int o) {
    double key = 2 + 2 * h + 2 * o + 2 * o * h;
    double query = 2 + 2 + 2 * o + o * (1 + 2 * h) + (1 + 2 * h) + 1 + o * (2 + 2 * h) + (1 + 2 * h);
    double keyRows = 1 + o * (1 + 2 * h) + 2 * h + 2 * o;
    return key + query + keyRows;
  }

  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: FastTiming L d gamma [threads [reps [epsilon]]]");
      System.exit(2);
    }
    int length = Integer.parseInt(args[0]);
    int d = Integer.parseInt(args[1]);
    double gamma = Double.parseDouble(args[2]);
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    double epsilon = args.length > 5 ? Double.parseDouble(args[5]) : 1e-6;
    boolean exact = args.length > 6 && args[6].equals("exact");
    DoubleInstance inst = BenchInstances.selfAttention(length, d, gamma);
    AlmostLinear.Options opt = new AlmostLinear.Options(epsilon, threads, Long.MAX_VALUE);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int r = 0; r < reps && exact; r++) {
      long c0 = os.getProcessCpuTime();
      long w0 = System.nanoTime();
      ExactDouble.gradient(inst, threads);
      long w1 = System.nanoTime();
      long c1 = os.getProcessCpuTime();
      System.out.printf(
          Locale.ROOT, "exact L=%d d=%d gamma=%s threads=%d rep=%d: wall %.3f s, process CPU %.3f s, load %.2f%n",
          length, d, gamma, threads, r, (w1 - w0) * 1e-9, (c1 - c0) * 1e-9, os.getSystemLoadAverage());
    }
    for (int r = 0; r < reps && !exact; r++) {
      long c0 = os.getProcessCpuTime();
      long w0 = System.nanoTime();
      FastResult res = AlmostLinear.gradient(inst, opt);
      long w1 = System.nanoTime();
      long c1 = os.getProcessCpuTime();
      double flops = flopsPerRowFeature(d, d) * length * res.rank();
      System.out.printf(
          Locale.ROOT,
          "L=%d d=%d gamma=%s threads=%d rep=%d: wall %.3f s, process CPU %.3f s, degree %d, rank %d, bound %.3g, "
              + "pass flops %.4g (%.2f GFLOP/s wall, %.2f GFLOP per CPU-second), load %.2f%n",
          length, d, gamma, threads, r, (w1 - w0) * 1e-9, (c1 - c0) * 1e-9, res.degree(), res.rank(),
          res.maxGradientBound(), flops, flops / (w1 - w0), flops / (c1 - c0), os.getSystemLoadAverage());
    }
  }
}
