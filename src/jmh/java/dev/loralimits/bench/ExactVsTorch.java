package dev.loralimits.bench;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.model.Adapter;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The exact method against PyTorch float64 autograd (src/jmh/python/torch_autograd.py) on the same
 * {@link BenchInstances} instance (proofs-notes/BENCHMARKS.md, "exact vs PyTorch autograd").
 *
 * <pre>
 *   java -cp target/benchmarks.jar dev.loralimits.bench.ExactVsTorch dump L d gamma FILE
 *   java -cp target/benchmarks.jar dev.loralimits.bench.ExactVsTorch time L d gamma threads warmup repeats [FILE]
 * </pre>
 *
 * <p>{@code dump} writes the instance as text (one line {@code L d r alpha beta}, then for Q, K, V
 * the rows of W*, A (r x d), B (d x r), then the rows of X and of Y), every double by
 * {@link Double#toString} (which Python's {@code float} reads back exactly). {@code time} builds the
 * instance once (not timed), runs {@code warmup} untimed gradients and then {@code repeats} timed
 * ones on {@code threads} threads, printing per repeat the wall time ({@link System#nanoTime}) and
 * the process CPU time (all threads of the JVM, {@code OperatingSystemMXBean.getProcessCpuTime},
 * like Python's {@code time.process_time}); with FILE it also writes the loss and gradients for
 * the comparison with PyTorch.
 */
public final class ExactVsTorch {
  private ExactVsTorch() {}

  public static void main(String[] args) throws IOException {
    int length = Integer.parseInt(args[1]);
    int d = Integer.parseInt(args[2]);
    double gamma = Double.parseDouble(args[3]);
    DoubleInstance inst = BenchInstances.selfAttention(length, d, gamma);
    if (args[0].equals("dump")) {
      dump(inst, Path.of(args[4]));
      return;
    }
    int threads = Integer.parseInt(args[4]);
    int warmup = Integer.parseInt(args[5]);
    int repeats = Integer.parseInt(args[6]);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    DoubleGradients g = null;
    for (int i = 0; i < warmup; i++) {
      g = ExactDouble.gradient(inst, threads);
    }
    double[] wall = new double[repeats];
    double[] cpu = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      g = ExactDouble.gradient(inst, threads);
      wall[i] = (System.nanoTime() - t0) * 1e-6;
      cpu[i] = (os.getProcessCpuTime() - c0) * 1e-6;
      System.out.printf(Locale.ROOT, "exact L=%d d=%d threads=%d repeat=%d wall_ms=%.1f cpu_ms=%.1f%n",
          length, d, threads, i, wall[i], cpu[i]);
    }
    java.util.Arrays.sort(wall);
    java.util.Arrays.sort(cpu);
    System.out.printf(Locale.ROOT, "exact L=%d d=%d threads=%d median wall_ms=%.1f cpu_ms=%.1f min wall_ms=%.1f cpu_ms=%.1f loss=%s%n",
        length, d, threads, wall[repeats / 2], cpu[repeats / 2], wall[0], cpu[0], g.loss());
    if (args.length > 7) {
      writeGradients(g, Path.of(args[7]));
    }
  }

  private static void dump(DoubleInstance inst, Path file) throws IOException {
    DoubleInstance.Point p = inst.points().get(0);
    int d = p.xq()[0].length;
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      out.println(p.xq().length + " " + d + " " + BenchInstances.RANK + " " + inst.alpha() + " " + inst.beta());
      for (Adapter mu : Adapter.values()) {
        DoubleInstance.Weight w = inst.weight(mu);
        rows(out, w.frozen());
        rows(out, w.a());
        rows(out, w.b());
      }
      rows(out, p.xq());
      rows(out, p.y());
    }
  }

  private static void writeGradients(DoubleGradients g, Path file) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      out.println(g.loss());
      for (Adapter mu : Adapter.values()) {
        rows(out, g.gradA().get(mu));
        rows(out, g.gradB().get(mu));
      }
    }
  }

  private static void rows(PrintWriter out, double[][] m) {
    for (double[] row : m) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < row.length; j++) {
        sb.append(j == 0 ? "" : " ").append(row[j]);
      }
      out.println(sb);
    }
  }
}
