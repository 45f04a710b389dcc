package dev.loralimits.bench;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import java.util.Locale;

/**
 * Prints the degree and rank the almost-linear algorithm needs on a benchmark instance without
 * running it to the end, so that points too expensive to time still get their regime.
 *
 * <p>With rank budget {@code binom(g + h, h) - 1} the algorithm refuses (cheaply, before its
 * O(L) passes) exactly when no degree below g is certified. The probe raises g until the call is
 * not refused within {@link #REFUSAL_WAIT_MS}; the needed degree is then {@code g - 1}, and the
 * running call is abandoned (daemon thread; the probe exits when done).
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar dev.loralimits.bench.RegimeProbe L d gamma [L d gamma ...]}.
 */
public final class RegimeProbe {
  /** How long a call may take before it counts as "not refused" (a refusal takes O(L d) time). */
  public static final long REFUSAL_WAIT_MS = 5_000;

  /** Highest degree the probe tries. */
  public static final int MAX_PROBE_DEGREE = 60;

  private RegimeProbe() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length == 0 || args.length % 3 != 0) {
      System.err.println("usage: RegimeProbe L d gamma [L d gamma ...]");
      System.exit(2);
    }
    for (int i = 0; i < args.length; i += 3) {
      int length = Integer.parseInt(args[i]);
      int d = Integer.parseInt(args[i + 1]);
      double gamma = Double.parseDouble(args[i + 2]);
      DoubleInstance inst = BenchInstances.selfAttention(length, d, gamma);
      probe(inst, length, d, gamma);
    }
    System.exit(0);
  }

  private static void probe(DoubleInstance inst, int length, int d, double gamma) throws InterruptedException {
    int h = d;
    for (int g = 1; g <= MAX_PROBE_DEGREE; g++) {
      long budget = binomial(g + h, h) - 1;
      AlmostLinear.Options opt = new AlmostLinear.Options(GradientBenchmark.EPSILON, 1, budget);
      OutsideEfficientRegimeException[] refusal = new OutsideEfficientRegimeException[1];
      long start = System.nanoTime();
      Thread t = new Thread(() -> {
        try {
          AlmostLinear.gradient(inst, opt);
        } catch (OutsideEfficientRegimeException e) {
          refusal[0] = e;
        } catch (IllegalStateException e) {
          // interrupted after it was found not to refuse: the answer is not needed
        }
      });
      t.setDaemon(true);
      t.start();
      t.join(REFUSAL_WAIT_MS);
      if (t.isAlive() || refusal[0] == null) {
        System.out.printf(Locale.ROOT, "# probe L=%d d=%d gamma=%s degree=%d rank=%d (budget %d not refused after %.1f s)%n",
            length, d, gamma, g - 1, binomial(g - 1 + h, h), budget, (System.nanoTime() - start) / 1e9);
        if (t.isAlive()) {
          t.interrupt(); // abandons the run at its next pass boundary; the thread is a daemon
        }
        return;
      }
      if (refusal[0].degree() != g) {
        // refused for another reason (rounding alone too large, or no degree certifies)
        System.out.printf(Locale.ROOT, "# probe L=%d d=%d gamma=%s REFUSED: %s%n", length, d, gamma, refusal[0].getMessage());
        return;
      }
    }
    System.out.printf(Locale.ROOT, "# probe L=%d d=%d gamma=%s REFUSED: no degree <= %d certified (probe; AlmostLinear"
        + " would search on to ExpPolynomial.MAX_DEGREE)%n", length, d, gamma, MAX_PROBE_DEGREE);
  }

  /** {@code binom(n, k)} (exact while it fits a long). */
  static long binomial(int n, int k) {
    long b = 1;
    for (int i = 1; i <= k; i++) {
      b = b * (n - k + i) / i;
    }
    return b;
  }
}
