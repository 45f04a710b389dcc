package dev.loralimits.fast;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-benchmark of the passes' inner kernel for four accumulator columns sharing the terms' first
 * factor, {@code acc[j][t] += x[u][t] coef[j][u]} (u in order): {@link LemmaKernels#chain} once per
 * column (the kernel before 2026-12-02), {@link LemmaKernels#chain4} (four columns per load, C2
 * superword), and two register-blocked Vector API kernels (DoubleVector.SPECIES_256, 4 columns x 2
 * vectors of accumulators held in registers over all u, the coefficient broadcast): one with a
 * separate multiply and add (bit for bit chain's), one with a fused multiply-add (not).
 *
 * <p>Shapes: the passes' (sums over a tile's 32 rows for a block of 256 or 203 features; sums over
 * k1 = 126 .. 1365 features, or k1 (o + 1) terms, for a tile's 32 rows). Single thread, thread CPU
 * time, best of REPS; each result is compared bit for bit with the per-column chain.
 *
 * <p>Usage (after {@code mvn -B -o -Pbench package -DskipTests}): {@code java --add-modules
 * jdk.incubator.vector -cp target/benchmarks.jar dev.loralimits.fast.KernelVectorMicro [REPS]}.
 */
public final class KernelVectorMicro {
  private KernelVectorMicro() {}

  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

  /** The shapes {n (terms u), width (accumulator elements t)}. */
  private static final int[][] SHAPES = {{32, 256}, {32, 203}, {126, 32}, {715, 32}, {1365, 32}, {715 * 5, 32}};

  private interface Kernel {
    void run(double[][] acc, double[][] x, double[][] coef, int n, int lo, int hi);
  }

  /** Register-blocked: 4 columns x 2 vectors of 4 accumulators; separate multiply and add. */
  static void vector4x2(double[][] acc, double[][] x, double[][] coef, int n, int lo, int hi) {
    double[] a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    double[] k0 = coef[0], k1 = coef[1], k2 = coef[2], k3 = coef[3];
    int t = lo;
    for (; t + 8 <= hi; t += 8) {
      DoubleVector s00 = DoubleVector.fromArray(S, a0, t), s01 = DoubleVector.fromArray(S, a0, t + 4);
      DoubleVector s10 = DoubleVector.fromArray(S, a1, t), s11 = DoubleVector.fromArray(S, a1, t + 4);
      DoubleVector s20 = DoubleVector.fromArray(S, a2, t), s21 = DoubleVector.fromArray(S, a2, t + 4);
      DoubleVector s30 = DoubleVector.fromArray(S, a3, t), s31 = DoubleVector.fromArray(S, a3, t + 4);
      for (int u = 0; u < n; u++) {
        double[] xu = x[u];
        DoubleVector y0 = DoubleVector.fromArray(S, xu, t), y1 = DoubleVector.fromArray(S, xu, t + 4);
        double p0 = k0[u], p1 = k1[u], p2 = k2[u], p3 = k3[u];
        s00 = s00.add(y0.mul(p0));
        s01 = s01.add(y1.mul(p0));
        s10 = s10.add(y0.mul(p1));
        s11 = s11.add(y1.mul(p1));
        s20 = s20.add(y0.mul(p2));
        s21 = s21.add(y1.mul(p2));
        s30 = s30.add(y0.mul(p3));
        s31 = s31.add(y1.mul(p3));
      }
      s00.intoArray(a0, t);
      s01.intoArray(a0, t + 4);
      s10.intoArray(a1, t);
      s11.intoArray(a1, t + 4);
      s20.intoArray(a2, t);
      s21.intoArray(a2, t + 4);
      s30.intoArray(a3, t);
      s31.intoArray(a3, t + 4);
    }
    tail(acc, x, coef, n, t, hi);
  }

  /** As {@link #vector4x2} with {@code fma} (one rounding per term: not chain's bits). */
  static void vector4x2Fma(double[][] acc, double[][] x, double[][] coef, int n, int lo, int hi) {
    double[] a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    double[] k0 = coef[0], k1 = coef[1], k2 = coef[2], k3 = coef[3];
    int t = lo;
    for (; t + 8 <= hi; t += 8) {
      DoubleVector s00 = DoubleVector.fromArray(S, a0, t), s01 = DoubleVector.fromArray(S, a0, t + 4);
      DoubleVector s10 = DoubleVector.fromArray(S, a1, t), s11 = DoubleVector.fromArray(S, a1, t + 4);
      DoubleVector s20 = DoubleVector.fromArray(S, a2, t), s21 = DoubleVector.fromArray(S, a2, t + 4);
      DoubleVector s30 = DoubleVector.fromArray(S, a3, t), s31 = DoubleVector.fromArray(S, a3, t + 4);
      for (int u = 0; u < n; u++) {
        double[] xu = x[u];
        DoubleVector y0 = DoubleVector.fromArray(S, xu, t), y1 = DoubleVector.fromArray(S, xu, t + 4);
        DoubleVector p0 = DoubleVector.broadcast(S, k0[u]), p1 = DoubleVector.broadcast(S, k1[u]);
        DoubleVector p2 = DoubleVector.broadcast(S, k2[u]), p3 = DoubleVector.broadcast(S, k3[u]);
        s00 = y0.fma(p0, s00);
        s01 = y1.fma(p0, s01);
        s10 = y0.fma(p1, s10);
        s11 = y1.fma(p1, s11);
        s20 = y0.fma(p2, s20);
        s21 = y1.fma(p2, s21);
        s30 = y0.fma(p3, s30);
        s31 = y1.fma(p3, s31);
      }
      s00.intoArray(a0, t);
      s01.intoArray(a0, t + 4);
      s10.intoArray(a1, t);
      s11.intoArray(a1, t + 4);
      s20.intoArray(a2, t);
      s21.intoArray(a2, t + 4);
      s30.intoArray(a3, t);
      s31.intoArray(a3, t + 4);
    }
    tail(acc, x, coef, n, t, hi);
  }

  private static void tail(double[][] acc, double[][] x, double[][] coef, int n, int lo, int hi) {
    for (int j = 0; j < 4; j++) {
      LemmaKernels.chain(acc[j], x, coef[j], n, lo, hi);
    }
  }

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    ThreadMXBean tb = ManagementFactory.getThreadMXBean();
    SplittableRandom rnd = new SplittableRandom(20261202L);
    Kernel perColumn = (acc, x, coef, n, lo, hi) -> {
      for (int j = 0; j < 4; j++) {
        LemmaKernels.chain(acc[j], x, coef[j], n, lo, hi);
      }
    };
    Kernel chain4 = (acc, x, coef, n, lo, hi) ->
        LemmaKernels.chain4(acc[0], acc[1], acc[2], acc[3], coef[0], coef[1], coef[2], coef[3], x, 0, n, lo, hi);
    Kernel[] kernels = {perColumn, chain4, KernelVectorMicro::vector4x2, KernelVectorMicro::vector4x2Fma};
    String[] names = {"chain per column", "chain4 (C2)", "Vector API 4x2", "Vector API 4x2 FMA"};
    // pass 0 warms every kernel on every shape (so that no compilation is specialised to one shape)
    for (int pass = 0; pass < 2; pass++) {
      for (int[] sh : SHAPES) {
        int n = sh[0];
        int w = sh[1];
        double[][] x = new double[n][w];
        double[][] coef = new double[4][n];
        for (double[] r : x) {
          for (int i = 0; i < w; i++) {
            r[i] = rnd.nextDouble() - 0.5;
          }
        }
        for (double[] r : coef) {
          for (int i = 0; i < n; i++) {
            r[i] = rnd.nextDouble() - 0.5;
          }
        }
        double flopsPerCall = 2.0 * 4 * n * w;
        long calls = Math.max(1, (long) ((pass == 0 ? 5e8 : 4e9) / flopsPerCall));
        long[][] first = null;
        for (int k = 0; k < kernels.length; k++) {
          double[][] acc = new double[4][w];
          double best = Double.POSITIVE_INFINITY;
          for (int r = 0; r < (pass == 0 ? 1 : reps); r++) {
            long t0 = tb.getCurrentThreadCpuTime();
            for (long i = 0; i < calls; i++) {
              if ((i & 63) == 0) {
                for (double[] a : acc) {
                  Arrays.fill(a, 0);
                }
              }
              kernels[k].run(acc, x, coef, n, 0, w);
            }
            best = Math.min(best, (tb.getCurrentThreadCpuTime() - t0) * 1e-9);
          }
          for (double[] a : acc) {
            Arrays.fill(a, 0);
          }
          kernels[k].run(acc, x, coef, n, 0, w);
          long[][] bits = new long[4][];
          for (int j = 0; j < 4; j++) {
            bits[j] = Arrays.stream(acc[j]).mapToLong(Double::doubleToRawLongBits).toArray();
          }
          if (k == 0) {
            first = bits;
          }
          if (pass == 1) {
            System.out.printf(Locale.ROOT, "n=%5d width=%4d %-20s %6.2f GFLOP per CPU-second, bits of chain: %b%n",
                n, w, names[k], calls * flopsPerCall / best / 1e9, Arrays.deepEquals(bits, first));
          }
        }
      }
    }
  }
}
