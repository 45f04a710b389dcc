package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import net.jqwik.api.Example;
import net.jqwik.api.Label;

/** Gauss-Legendre examples: known rules, the accuracy contract for every n, argument messages. */
@Label("Gauss-Legendre examples")
class GaussLegendreExamples {
  /** Working precision of the reference nodes: 50 digits, far below the double errors checked. */
  static final MathContext REF = new MathContext(50);

  /** Newton steps from the double node: quadratic convergence takes 1e-16 below 1e-50 in 2. */
  static final int REF_NEWTON_STEPS = 3;

  /** Residual below which a reference node counts as a zero of P_n (|P_n'| >= 1 at zeros). */
  static final BigDecimal REF_RESIDUAL = new BigDecimal("1e-40");

  /** Agreement of hand-known nodes and weights: a few ulps of 1. */
  static final double HAND_TOLERANCE = 1e-15;

  @Example
  void handKnownRules() {
    GaussLegendre.Rule one = GaussLegendre.onSymmetricInterval(1);
    assertThat(one.nodes()).containsExactly(0.0);
    assertThat(one.weights()).containsExactly(2.0);
    GaussLegendre.Rule two = GaussLegendre.onSymmetricInterval(2);
    assertThat(two.nodes()[1]).isCloseTo(1 / Math.sqrt(3), within(HAND_TOLERANCE));
    assertThat(two.nodes()[0]).isEqualTo(-two.nodes()[1]);
    assertThat(two.weights()[0]).isCloseTo(1, within(HAND_TOLERANCE));
    GaussLegendre.Rule three = GaussLegendre.onSymmetricInterval(3);
    assertThat(three.nodes()[2]).isCloseTo(Math.sqrt(0.6), within(HAND_TOLERANCE));
    assertThat(three.nodes()[1]).isEqualTo(0.0);
    assertThat(three.weights()[1]).isCloseTo(8.0 / 9, within(HAND_TOLERANCE));
    assertThat(three.weights()[0]).isCloseTo(5.0 / 9, within(HAND_TOLERANCE));
  }

  /**
   * The accuracy contract of {@link GaussLegendre} (notes Section 2.3), for every n it allows:
   * each double node within NODE_ERROR and each weight within relative WEIGHT_RELATIVE_ERROR of
   * the 50-digit Newton refinement, whose residual shows it is a zero of P_n; the n refined nodes
   * are strictly increasing, so they are all n zeros.
   */
  @Example
  void nodesAndWeightsMatchFortyDigits() {
    double worstNode = 0;
    double worstWeight = 0;
    for (int n = 1; n <= GaussLegendre.MAX_POINTS; n++) {
      GaussLegendre.Rule rule = GaussLegendre.onSymmetricInterval(n);
      BigDecimal previous = BigDecimal.valueOf(-2);
      for (int i = 0; i < n; i++) {
        BigDecimal x = new BigDecimal(rule.nodes()[i]);
        for (int s = 0; s < REF_NEWTON_STEPS; s++) {
          BigDecimal[] pd = legendre(n, x);
          x = x.subtract(pd[0].divide(pd[1], REF), REF);
        }
        BigDecimal[] pd = legendre(n, x);
        assertThat(pd[0].abs()).as("residual n=%d i=%d", n, i).isLessThan(REF_RESIDUAL);
        assertThat(x).isGreaterThan(previous);
        previous = x;
        BigDecimal oneMinusX2 = BigDecimal.ONE.subtract(x.multiply(x, REF), REF);
        BigDecimal w = BigDecimal.valueOf(2)
            .divide(oneMinusX2.multiply(pd[1].multiply(pd[1], REF), REF), REF);
        double nodeErr = new BigDecimal(rule.nodes()[i]).subtract(x).abs().doubleValue();
        double weightErr = new BigDecimal(rule.weights()[i]).subtract(w).abs()
            .divide(w, REF).doubleValue();
        worstNode = Math.max(worstNode, nodeErr);
        worstWeight = Math.max(worstWeight, weightErr);
        assertThat(nodeErr).as("node n=%d i=%d", n, i).isLessThanOrEqualTo(GaussLegendre.NODE_ERROR);
        assertThat(weightErr).as("weight n=%d i=%d", n, i)
            .isLessThanOrEqualTo(GaussLegendre.WEIGHT_RELATIVE_ERROR);
      }
    }
    System.out.printf("Gauss-Legendre n<=%d: worst node error %.3g, worst relative weight error %.3g%n",
        GaussLegendre.MAX_POINTS, worstNode, worstWeight);
  }

  @Example
  void compositeRuleMapsPanels() {
    GaussLegendre.Rule rule = GaussLegendre.compositeOnUnitInterval(4, 3);
    assertThat(rule.size()).isEqualTo(12);
    double[] x = rule.nodes();
    for (int i = 1; i < x.length; i++) {
      assertThat(x[i]).isGreaterThan(x[i - 1]);
    }
    assertThat(x[0]).isGreaterThan(0);
    assertThat(x[11]).isLessThan(1);
    assertThat(x[1]).isCloseTo(0.125, within(HAND_TOLERANCE)); // centre of panel 0
    assertThat(rule.weights()[1]).isCloseTo(8.0 / 9 / 8, within(HAND_TOLERANCE));
  }

  @Example
  void argumentMessages() {
    assertThatThrownBy(() -> GaussLegendre.onSymmetricInterval(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("points (0) must be in [1, 40]");
    assertThatThrownBy(() -> GaussLegendre.onSymmetricInterval(41))
        .hasMessage("points (41) must be in [1, 40]");
    assertThatThrownBy(() -> GaussLegendre.compositeOnUnitInterval(0, 3))
        .hasMessage("panels (0) must be in [1, 16777216]");
  }

  /** {P_n(x), P_n'(x)} at 50 digits by the three-term recurrence. */
  private static BigDecimal[] legendre(int n, BigDecimal x) {
    BigDecimal p0 = BigDecimal.ONE;
    BigDecimal p1 = x;
    for (int k = 1; k < n; k++) {
      BigDecimal p2 = BigDecimal.valueOf(2L * k + 1).multiply(x, REF).multiply(p1, REF)
          .subtract(BigDecimal.valueOf(k).multiply(p0, REF), REF)
          .divide(BigDecimal.valueOf(k + 1), REF);
      p0 = p1;
      p1 = p2;
    }
    BigDecimal d = BigDecimal.valueOf(n).multiply(p0.subtract(x.multiply(p1, REF), REF), REF)
        .divide(BigDecimal.ONE.subtract(x.multiply(x, REF), REF), REF);
    return new BigDecimal[] {p1, d};
  }
}
