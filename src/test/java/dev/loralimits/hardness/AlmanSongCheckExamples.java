package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.Example;
import net.jqwik.api.Label;

/**
 * The check of proofs-notes/MODEL.md §5.4 (proofs-notes/HARDNESS-H3.md §8): the instance with score rows half B and
 * half 0 and every value column equal to the indicator of the B entries.
 *
 * <p>Instance (n rows, d columns, n even): {@code A1 = 1} (all ones), {@code A2[l] = B 1} for
 * {@code l < n/2} and 0 otherwise, {@code A3[l,c] = [l < n/2]}. Then
 * {@code A1 A2^T / d} has every row equal to (B, ..., B, 0, ..., 0), each output entry is
 * {@code sigma(lambda B) = 1 / (1 + e^(-lambda B))}, and with our loss
 * {@code f(lambda) = phi(lambda) = (1/2) n d sigma(lambda B)^2}:
 * {@code f'(lambda) = n d B sigma^2 (1 - sigma)}, {@code f'(0) = n d B / 8},
 * {@code f''(0) = n d B^2 / 16}. Without the factor 1/2 (loss {@code ||.||_F^2}) both double.
 */
@Label("Alman-Song Lemma E.3/E.4 check")
class AlmanSongCheckExamples {
  /** Agreement of the gradient trace with the closed form (sizes <= 1e4, ~100 roundings). */
  static final double CLOSED_FORM_TOLERANCE = 1e-9;

  /** Central-difference step and tolerance: h^2 |f'''| / 6 <= 1e-8 * 1e3, plus cancellation. */
  static final double FD_STEP = 1e-5;

  static final double FD_TOLERANCE = 1e-4;

  static double[][][] instance(int n, int d, double b) {
    double[][] a1 = new double[n][d];
    double[][] a2 = new double[n][d];
    double[][] a3 = new double[n][d];
    for (int l = 0; l < n; l++) {
      java.util.Arrays.fill(a1[l], 1);
      if (l < n / 2) {
        java.util.Arrays.fill(a2[l], b);
        java.util.Arrays.fill(a3[l], 1);
      }
    }
    return new double[][][] {a1, a2, a3};
  }

  static double sigma(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** Closed form {@code f(lambda) = n d sigma(lambda B)^2 / 2}. */
  static double f(int n, int d, double b, double lambda) {
    double s = sigma(lambda * b);
    return 0.5 * n * d * s * s;
  }

  /** Closed form {@code f'(lambda) = n d B sigma^2 (1 - sigma)}. */
  static double fPrime(double n, double d, double b, double lambda) {
    double s = sigma(lambda * b);
    return n * d * b * s * s * (1 - s);
  }

  @Example
  void derivativeAtZeroIsNdBOverEight() {
    int n = 8;
    double b = 2;
    System.out.println("Alman-Song check, f(lambda) = 1/2 ||D^-1 exp(lambda A1 A2^T/d) A3||_F^2:");
    for (int d : new int[] {16, 32, 64, 128}) {
      double[][][] x = instance(n, d, b);
      double trace = TraceGradientOracle.ofGradient(AttentionLossGradient.oracle(x[0], x[1], x[2]))
          .traceGradient(0);
      double fd = (LossFromGradients.phiDirect(x[0], x[1], x[2], FD_STEP)
          - LossFromGradients.phiDirect(x[0], x[1], x[2], -FD_STEP)) / (2 * FD_STEP);
      double closed = n * d * b / 8;
      double sup = n * d * b * 4.0 / 27; // sigma^2 (1 - sigma) peaks at sigma = 2/3, lambda B = ln 2
      System.out.printf("  n=%d d=%d B=%.0f: f'(0) trace=%.10f FD=%.6f ndB/8=%.1f;"
          + " sup_[0,1] f' = 4ndB/27 = %.2f; 8Bn = %.0f; without 1/2: f'(0) = %.1f%n",
          n, d, b, trace, fd, closed, sup, 8 * b * n, 2 * closed);
      assertThat(trace).isCloseTo(closed, within(CLOSED_FORM_TOLERANCE * closed));
      assertThat(fd).isCloseTo(closed, within(FD_TOLERANCE));
      assertThat(LossFromGradients.phiDirect(x[0], x[1], x[2], 1))
          .isCloseTo(f(n, d, b, 1), within(CLOSED_FORM_TOLERANCE * f(n, d, b, 1)));
      // with the 1/2: f'(0) > 8Bn iff d > 64; without it (loss ||.||^2): iff d > 32
      assertThat(closed > 8 * b * n).isEqualTo(d > 64);
      assertThat(2 * closed > 8 * b * n).isEqualTo(d > 32);
      assertThat(sup > 8 * b * n).isEqualTo(d > 54);
    }
  }

  /**
   * Riemann sums of f' with K = ceil((ln n)^4) points versus the target accuracy 1/(ln n)^4, for
   * d = ceil(ln n) and B = 4, by the closed form (all rows are equal, so f is n times one row):
   * the left sum's error is about f'(0)/(2K) = n d B/(16 K) and the midpoint sum's about
   * (f'(1) - f'(0))/(24 K^2) = -n d B^2 / (384 K^2) to first order, so both grow polynomially in n
   * while the target shrinks. Our rule (proved bound, tau = 1/(ln n)^4) needs O(B log n) calls.
   */
  @Example
  void polylogRiemannSumsMissTheTarget() {
    double b = 4;
    System.out.println("Riemann sums with K = ceil((ln n)^4) points, d = ceil(ln n), B = 4:");
    for (int k : new int[] {10, 16, 20, 30, 40}) {
      double n = Math.pow(2, k);
      double ln = Math.log(n);
      int d = (int) Math.ceil(ln);
      int points = (int) Math.ceil(Math.pow(ln, 4));
      double target = 1 / Math.pow(ln, 4);
      double exact = 0.5 * n * d * (sigma(b) * sigma(b) - 0.25);
      double left = 0;
      double mid = 0;
      for (int i = 0; i < points; i++) {
        left += fPrime(n, d, b, (double) i / points) / points;
        mid += fPrime(n, d, b, (i + 0.5) / points) / points;
      }
      double leftError = Math.abs(left - exact);
      double midError = Math.abs(mid - exact);
      AnalyticBound.Inputs in = new AnalyticBound.Inputs(
          (int) Math.min(n, Integer.MAX_VALUE), d, b, d); // L = n (capped at 2^31 - 1), R = B, A = d
      LossFromGradients.Plan plan = AnalyticBound.plan(in, target);
      System.out.printf("  n=2^%d d=%d K=%d: left error %.3g, midpoint error %.3g, target %.3g;"
          + " our rule %dx%d = %d calls (bound %.2g)%n", k, d, points, leftError, midError,
          target, plan.panels(), plan.points(), plan.oracleCalls(), plan.quadratureBound());
      assertThat(leftError).isGreaterThan(target);
      if (k >= 20) {
        assertThat(midError).isGreaterThan(target);
      }
      assertThat(plan.quadratureBound()).isLessThanOrEqualTo(target);
    }
  }
}
