package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.Label;

/** H3 examples: argument messages, hand values, the constant case, the H2 cost table. */
@Label("H3 examples")
class LossFromGradientsExamples {
  static final double[][] A = {{1, 0}, {0, 1}, {1, 1}};
  static final double[][] V = {{1, 2}, {3, 4}, {5, 0}};

  /** Hand values to a few ulps. */
  static final double HAND_TOLERANCE = 1e-14;

  @Example
  void argumentMessages() {
    TraceGradientOracle zero = lambda -> 0;
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, zero, 0, 0.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tau (0.0) must be > 0 and finite");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, zero, -1, 1e-6))
        .hasMessage("oracleEps (-1.0) must be >= 0 and finite");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, zero, Double.NaN, 1e-6))
        .hasMessage("oracleEps (NaN) must be >= 0 and finite");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, null, 0, 1e-6))
        .hasMessage("oracle is missing");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, zero, 0, 0, 3))
        .hasMessage("panels (0) must be in [1, 16777216]");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, zero, 0, 1, 41))
        .hasMessage("points (41) must be in [1, 40]");
    assertThatThrownBy(() -> LossFromGradients.phiDirect(A, new double[][] {{1, 0}}, V, 1))
        .hasMessage("a2 has 1 rows, expected 3 (rows of a1)");
    assertThatThrownBy(() -> LossFromGradients.phiDirect(A, A, new double[][] {{1}, {2}, {3}}, 1))
        .hasMessage("a3 row 0 has 1 columns, expected 2 (columns of a1)");
    assertThatThrownBy(() -> LossFromGradients.phiDirect(A, A, V, Double.NaN))
        .hasMessage("lambda (NaN) must be finite");
    assertThatThrownBy(() -> LossFromGradients.phiAtOne(A, A, V, lambda -> Double.NaN, 0, 1e-6))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("oracle returned NaN");
    assertThatThrownBy(() -> LossFromGradients.plan(A, A, V, 1e-320))
        .hasMessageStartingWith("tau (1.0E-320) is below what 16777216 panels of 40 points");
  }

  /** phi(0) by hand: column means (3, 2), phi(0) = (3/2)(9 + 4) = 19.5. */
  @Example
  void phiAtZeroByHand() {
    assertThat(LossFromGradients.phiAtZero(V)).isCloseTo(19.5, within(HAND_TOLERANCE));
  }

  /** Constant score rows (A1 = 0): phi' = 0, bound 0, one call, value phi(0). */
  @Example
  void constantScoresNeedOneCall() {
    double[][] zero = new double[3][2];
    LossFromGradients.Estimate e = LossFromGradients.phiAtOne(zero, A, V,
        TraceGradientOracle.ofGradient(AttentionLossGradient.oracle(zero, A, V)), 0, 1e-12);
    assertThat(e.oracleCalls()).isEqualTo(1);
    assertThat(e.quadratureBound()).isZero();
    assertThat(e.value()).isCloseTo(19.5, within(HAND_TOLERANCE));
    assertThat(e.errorBound()).isLessThan(1e-12);
  }

  /**
   * Oracle calls of the chosen rule for H2 sizes (N vectors, m clauses): the worst case
   * {@code R = B m} (all-ones vectors; the plan depends only on L, m, R and A = 1) at tau = 1e-6
   * and at tau = 1/64 (enough for the decision with eps < 1/(64 m)). One run end to end at
   * N = 64, m = 50 with random vectors checks the value against the direct loss.
   */
  @Example
  void h2CostTable() {
    System.out.println("H3 oracle calls (K panels x n points), worst case R = B m:");
    int[] sizes = {8, 16, 32, 64};
    int[] clauses = {10, 20, 30, 40, 50};
    for (int n : sizes) {
      StringBuilder line = new StringBuilder(String.format("  N=%2d (B=%5.2f):", n,
          H2LikeInstances.scale(n)));
      for (int m : clauses) {
        int[][] ones = new int[n][m];
        for (int[] row : ones) {
          Arrays.fill(row, 1);
        }
        H2LikeInstances h2 = H2LikeInstances.of(ones, ones);
        LossFromGradients.Plan fine = LossFromGradients.plan(h2.a1(), h2.a2(), h2.a3(), 1e-6);
        LossFromGradients.Plan coarse = LossFromGradients.plan(h2.a1(), h2.a2(), h2.a3(), 1.0 / 64);
        line.append(String.format("  m=%d: %dx%d=%d | %dx%d=%d", m, fine.panels(), fine.points(),
            fine.oracleCalls(), coarse.panels(), coarse.points(), coarse.oracleCalls()));
        assertThat(fine.quadratureBound()).isLessThanOrEqualTo(1e-6);
        assertThat(coarse.oracleCalls()).isLessThanOrEqualTo(fine.oracleCalls());
      }
      System.out.println(line);
    }
    H2LikeInstances big = H2LikeInstances.random(64, 50, 0.5, new Random(64));
    LossFromGradients.Estimate e = LossFromGradients.phiAtOne(big.a1(), big.a2(), big.a3(),
        TraceGradientOracle.ofGradient(AttentionLossGradient.oracle(big.a1(), big.a2(), big.a3())),
        LossFromGradientsProperties.DOUBLE_GRADIENT_EPS, 1.0 / 64);
    double direct = LossFromGradients.phiDirect(big.a1(), big.a2(), big.a3(), 1);
    System.out.printf("  random N=64 m=50: %d calls, value %.12f, direct %.12f, bound %.3g%n",
        e.oracleCalls(), e.value(), direct, e.errorBound());
    assertThat(Math.abs(e.value() - direct)).isLessThanOrEqualTo(e.errorBound());
    assertThat(e.value() - big.rowZeroLoss() > H2LikeInstances.THRESHOLD)
        .isEqualTo(big.hasOrthogonalPair());
  }
}
