package dev.loralimits.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two optimisers against steps computed by hand from their textbook formulas. */
class OptimizerExamples {
  /**
   * Adam's two forms (PyTorch's {@code m / (sqrt(v) / sqrt(bc2) + eps) * lr / bc1} and the
   * textbook's {@code lr mhat / (sqrt(vhat) + eps)}) are equal in exact arithmetic and differ by a
   * handful of roundings, each {@code <= 2^-53} relative: 1e-14 leaves a factor 20 of margin.
   */
  static final double ADAM_RTOL = 1e-14;

  /** Q adapted with rank 1 on a 1 x 2 frozen weight; K and V frozen. */
  static DoubleInstance instance() {
    Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, new Weight(new double[][] {{1, 0}}, new double[][] {{0.5, -0.25}}, new double[][] {{2}}));
    w.put(Adapter.K, Weight.frozen(new double[][] {{1, 0}}));
    w.put(Adapter.V, Weight.frozen(new double[][] {{1}}));
    return new DoubleInstance(1, 1, w, List.of(Point.self(new double[][] {{1}, {-1}}, new double[][] {{0}, {1}})));
  }

  static DoubleGradients grads(double[][] ga, double[][] gb) {
    return new DoubleGradients(0.5, Map.of(Adapter.Q, ga), Map.of(Adapter.Q, gb));
  }

  @Test
  void gradientDescentSubtractsLrTimesTheGradient() {
    Optimizer.Step s = new Optimizer.GradientDescent(0.125).step(instance(), grads(new double[][] {{1, -2}}, new double[][] {{4}}));
    Weight q = s.next().weight(Adapter.Q);
    assertThat(q.a()[0]).containsExactly(0.5 - 0.125, -0.25 + 0.25);
    assertThat(q.b()[0]).containsExactly(2 - 0.5);
    assertThat(s.next().weight(Adapter.K).isAdapted()).isFalse();
    assertThat(s.next().weight(Adapter.K).frozen()[0]).containsExactly(1, 0);
    assertThat(s.optimizer()).isEqualTo(new Optimizer.GradientDescent(0.125));
  }

  @Test
  void adamsFirstTwoStepsAreTheTextbookSteps() {
    double lr = 0.01;
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double[] g1 = {1, -2, 4};
    double[] g2 = {-0.5, 3, 1e-9};
    double[] x0 = {0.5, -0.25, 2};
    Optimizer.Step s1 = Optimizer.Adam.of(lr).step(instance(), grads(new double[][] {{g1[0], g1[1]}}, new double[][] {{g1[2]}}));
    Optimizer.Step s2 = s1.optimizer().step(s1.next(), grads(new double[][] {{g2[0], g2[1]}}, new double[][] {{g2[2]}}));
    Weight q1 = s1.next().weight(Adapter.Q);
    Weight q2 = s2.next().weight(Adapter.Q);
    double[] got1 = {q1.a()[0][0], q1.a()[0][1], q1.b()[0][0]};
    double[] got2 = {q2.a()[0][0], q2.a()[0][1], q2.b()[0][0]};
    for (int i = 0; i < 3; i++) {
      double m1 = (1 - b1) * g1[i];
      double v1 = (1 - b2) * g1[i] * g1[i];
      double x1 = x0[i] - lr * (m1 / (1 - b1)) / (Math.sqrt(v1 / (1 - b2)) + eps);
      double m2 = b1 * m1 + (1 - b1) * g2[i];
      double v2 = b2 * v1 + (1 - b2) * g2[i] * g2[i];
      double x2 = x1 - lr * (m2 / (1 - b1 * b1)) / (Math.sqrt(v2 / (1 - b2 * b2)) + eps);
      assertThat(got1[i]).as("step 1, entry " + i).isCloseTo(x1, within(ADAM_RTOL * Math.abs(x1)));
      assertThat(got2[i]).as("step 2, entry " + i).isCloseTo(x2, within(ADAM_RTOL * Math.abs(x2)));
      // the first step moves every entry by about lr (Adam's normalisation): the test can see a missing bias correction
      assertThat(Math.abs(got1[i] - x0[i])).isCloseTo(lr, within(1e-9));
    }
    assertThat(((Optimizer.Adam) s2.optimizer()).t()).isEqualTo(2);
  }

  @Test
  void gradientsThatDoNotFitAreRefusedByName() {
    Optimizer gd = new Optimizer.GradientDescent(0.1);
    assertThatThrownBy(() -> gd.step(instance(), grads(new double[][] {{1, 2, 3}}, new double[][] {{4}})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gradients.A_Q is 1 x 3, A_Q is 1 x 2");
    assertThatThrownBy(() -> gd.step(instance(), grads(new double[][] {{1, 2}}, new double[][] {{4, 5}})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gradients.B_Q is 1 x 2, B_Q is 1 x 1");
    assertThatThrownBy(() -> Optimizer.Adam.of(0.1).step(instance(), grads(new double[][] {{1, 2, 3}}, new double[][] {{4}})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gradients.A_Q is 1 x 3");
    assertThatThrownBy(() -> gd.step(instance(), new DoubleGradients(0, Map.of(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gradients.Q");
  }

  @Test
  void badHyperparametersAreRefusedByName() {
    assertThatThrownBy(() -> new Optimizer.GradientDescent(0)).hasMessageContaining("lr");
    assertThatThrownBy(() -> Optimizer.Adam.of(Double.NaN)).hasMessageContaining("lr");
    assertThatThrownBy(() -> new Optimizer.Adam(0.1, 1, 0.999, 1e-8, 0, Map.of(), Map.of())).hasMessageContaining("beta1");
    assertThatThrownBy(() -> new Optimizer.Adam(0.1, 0.9, -0.1, 1e-8, 0, Map.of(), Map.of())).hasMessageContaining("beta2");
    assertThatThrownBy(() -> new Optimizer.Adam(0.1, 0.9, 0.999, 0, 0, Map.of(), Map.of())).hasMessageContaining("eps");
  }
}
