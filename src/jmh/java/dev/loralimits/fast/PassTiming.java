package dev.loralimits.fast;

import dev.loralimits.bench.BenchInstances;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * Single-thread CPU time and flop rate of each of the three passes of {@link AlmostLinear} alone
 * ({@link LemmaKernels}: key aggregates, query rows, key rows), in ranges of 1024 rows, on a
 * {@code BenchInstances.selfAttention(L, d, gamma)} instance at the degree the plan picks for
 * epsilon 1e-6. Flops per row and feature as in {@code FastTiming}. The printed checksum must not
 * change between kernels that are bit for bit the same.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar dev.loralimits.fast.PassTiming L d gamma REPS}.
 */
public final class PassTiming {
  private PassTiming() {}

  public static void main(String[] a) {
    int length = Integer.parseInt(a[0]);
    int d = Integer.parseInt(a[1]);
    double gamma = Double.parseDouble(a[2]);
    int reps = Integer.parseInt(a[3]);
    DoubleInstance inst = BenchInstances.selfAttention(length, d, gamma);
    AlmostLinear.Plan plan = AlmostLinear.plan(inst, 1e-6, Long.MAX_VALUE);
    ExpPolynomial poly = ExpPolynomial.of(plan.kind(), plan.degree(), plan.radius());
    PreparedPoint p = PreparedPoint.of(new DoubleData(inst), 0);
    FeatureMap fm = new FeatureMap(p.h, poly.coefficients());
    int k1 = fm.rank();
    System.out.printf(Locale.ROOT, "L=%d d=%d degree=%d rank=%d%n", length, d, plan.degree(), k1);
    ThreadMXBean tb = ManagementFactory.getThreadMXBean();
    double fk = (double) length * k1;
    double o = p.o;
    double h = p.h;
    double flK = fk * (2 + 2 * h + 2 * o + 2 * o * h);
    double flQ = fk * (2 + 2 + 2 * o + o * (1 + 2 * h) + (1 + 2 * h) + 1 + o * (2 + 2 * h) + (1 + 2 * h));
    double flR = fk * (1 + o * (1 + 2 * h) + 2 * h + 2 * o);
    for (int rep = 0; rep < reps; rep++) {
      long t0 = tb.getCurrentThreadCpuTime();
      LemmaKernels.KeyAggregates ka = null;
      for (int f = 0; f < p.lk; f += 1024) {
        LemmaKernels.KeyAggregates x = LemmaKernels.lemma34KeyAggregates(p, fm, f, Math.min(p.lk, f + 1024));
        if (ka == null) {
          ka = x;
        } else {
          ka.add(x);
        }
      }
      long t1 = tb.getCurrentThreadCpuTime();
      LemmaKernels.QueryPartial qa = null;
      for (int f = 0; f < p.lq; f += 1024) {
        LemmaKernels.QueryPartial x = LemmaKernels.lemma34to37QueryRow(p, fm, ka, true, f, Math.min(p.lq, f + 1024));
        if (qa == null) {
          qa = x;
        } else {
          qa.add(x);
        }
      }
      long t2 = tb.getCurrentThreadCpuTime();
      double sum = 0;
      for (int f = 0; f < p.lk; f += 1024) {
        double[][] x = LemmaKernels.theoremA1KeyRow(p, fm, qa, f, Math.min(p.lk, f + 1024));
        sum += x[0][0] + x[1][0];
      }
      long t3 = tb.getCurrentThreadCpuTime();
      System.out.printf(Locale.ROOT,
          "rep %d: key %.3f s (%.2f GFLOP/CPU-s)  query %.3f s (%.2f)  key rows %.3f s (%.2f)  passes %.3f s (%.2f) [checksum %s]%n",
          rep, (t1 - t0) * 1e-9, flK / (t1 - t0), (t2 - t1) * 1e-9, flQ / (t2 - t1), (t3 - t2) * 1e-9,
          flR / (t3 - t2), (t3 - t0) * 1e-9, (flK + flQ + flR) / (t3 - t0), Double.toHexString(sum + qa.loss));
    }
  }
}
