package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-made cases of {@link ExactDouble} and the argument checks of {@link DoubleInstance}. */
class ExactDoubleExamples {
  private static final double[][] ONE = {{1.0}};

  /** A 1-dimensional instance with two tokens x = (t, -t), every weight 1, every adapter rank 1. */
  private static DoubleInstance scalar(double t) {
    Map<Adapter, DoubleInstance.Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, new DoubleInstance.Weight(ONE, new double[][] {{0.5}}, new double[][] {{0.5}}));
    }
    double[][] x = {{t}, {-t}};
    return new DoubleInstance(1.0, 1.0, w, List.of(DoubleInstance.Point.self(x, new double[][] {{0.25}, {-0.5}})));
  }

  @Test
  void scoresOf1e200GiveFiniteNumbersAndOneHotAttention() {
    // W = 1 + 0.25 = 1.25, so S = 1.25^2 x x^T: +-1.5625e200; F = I exactly (off-diagonal exp underflows)
    DoubleInstance inst = scalar(Math.sqrt(1e200));
    DoubleGradients g = ExactDouble.gradient(inst, 2);
    assertThat(g.loss()).isFinite();
    for (Adapter mu : g.gradA().keySet()) {
      assertThat(g.gradA().get(mu)[0][0]).as("dLoss/dA_" + mu).isFinite();
      assertThat(g.gradB().get(mu)[0][0]).as("dLoss/dB_" + mu).isFinite();
    }
    // F = I: z = Vm = 1.25 x, c = z - y; P = 0 (one-hot rows with P[j,j] = 1 (c.v - c.v) = 0)
    assertThat(g.gradA().get(Adapter.Q)[0][0]).isZero();
    assertThat(g.gradA().get(Adapter.K)[0][0]).isZero();
    double v = 1.25 * Math.sqrt(1e200);
    double c0 = v - 0.25;
    double c1 = -v + 0.5;
    assertThat(g.loss()).isEqualTo(0.5 * (c0 * c0 + c1 * c1));
  }

  @Test
  void overflowIsReportedNotReturned() {
    DoubleInstance inst = scalar(1e300);
    assertThatThrownBy(() -> ExactDouble.gradient(inst, 1))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("overflowed the double range");
  }

  @Test
  void defaultThreadCountGivesTheSameNumbers() {
    DoubleInstance inst = DoubleInstance.of(Instances.random(
        new Instances.Spec(7, 5, 3, 2, 2, true, Instances.all(), BigDecimal.ONE, BigDecimal.ONE, 1.0), 42));
    DoubleGradients a = ExactDouble.gradient(inst);
    DoubleGradients b = ExactDouble.gradient(inst, 1);
    assertThat(a.loss()).isEqualTo(b.loss());
    for (Adapter mu : Adapter.values()) {
      assertThat(a.gradA().get(mu)).isEqualTo(b.gradA().get(mu));
      assertThat(a.gradB().get(mu)).isEqualTo(b.gradB().get(mu));
    }
  }

  @Test
  void onlyAdaptedProjectionsGetGradients() {
    DoubleInstance inst = DoubleInstance.of(Instances.random(
        new Instances.Spec(3, 3, 2, 1, 1, false, java.util.EnumSet.of(Adapter.V), BigDecimal.ONE, BigDecimal.ONE, 1.0), 7));
    assertThat(ExactDouble.gradient(inst, 2).gradA().keySet()).containsExactly(Adapter.V);
  }

  @Test
  void threadCountMustBePositive() {
    assertThatThrownBy(() -> ExactDouble.gradient(scalar(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads (0) must be > 0");
  }

  @Test
  void missingInstanceIsNamed() {
    assertThatThrownBy(() -> ExactDouble.gradient((DoubleInstance) null, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("instance is missing");
  }

  @Test
  void nonFiniteEntryIsNamed() {
    double[][] x = {{1.0}, {Double.NaN}};
    assertThatThrownBy(() -> DoubleInstance.Point.self(x, new double[][] {{0}, {0}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("XQ[1][0] (NaN) must be finite");
  }

  @Test
  void nonPositiveBetaIsNamed() {
    DoubleInstance ok = scalar(1);
    assertThatThrownBy(() -> new DoubleInstance(1.0, 0.0, ok.weights(), ok.points()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("beta (0.0) must be > 0");
  }

  @Test
  void raggedMatrixIsNamed() {
    assertThatThrownBy(() -> DoubleInstance.Weight.frozen(new double[][] {{1, 2}, {3}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("W is ragged: row 1 has 1 entries, row 0 has 2");
  }

  @Test
  void shapeMismatchIsNamed() {
    DoubleInstance ok = scalar(1);
    DoubleInstance.Point wide = DoubleInstance.Point.self(new double[][] {{1, 2}}, new double[][] {{0}});
    assertThatThrownBy(() -> new DoubleInstance(1.0, 1.0, ok.weights(), List.of(wide)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("points[0].XQ has 2 columns, expected 1 (X^Q W_Q needs cols(X^Q) = rows(W_Q))");
  }

  @Test
  void rankMismatchIsNamed() {
    assertThatThrownBy(() -> new DoubleInstance.Weight(ONE, new double[][] {{1}, {2}}, ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("B has 1 columns, expected 2 (r mismatch: B has r columns where A has r rows)");
  }
}
