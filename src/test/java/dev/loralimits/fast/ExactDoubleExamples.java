package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
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

  /**
   * A nearly one-hot row: {@code S = beta Qm Km^T = (25, -25)} (W_Q = 1 + 0.5 * 0.5 = 1.25,
   * XQ = 2, XK = (1, -1), beta = 10), so {@code F = (1 - e^-50, e^-50)}. In doubles F[0] rounds to
   * 1 and the uncentred {@code P[0] = F[0] (G[0] - s)} is computed as 0 (s rounds to G[0]), while
   * the exact {@code P[0] = -P[1]}: float64 autograd's dLoss/dA_Q is {@code P[1] K[1]} instead of
   * {@code P[1] (K[1] - K[0])}, off by {@code |K[0] / (K[1] - K[0])| = 1/2}. The pivoted form
   * computes {@code P[0] = -F[0] s'} with {@code s' = F[1] (G[1] - G[0])}.
   */
  @Test
  void oneHotRowDefeatsTheUncentredBackwardNotThePivotedOne() {
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, BigDecimal.TEN, Map.of(
        Adapter.Q, Projection.adapted(dec("1"), dec("0.5"), dec("0.5")),
        Adapter.K, Projection.frozen(dec("1")),
        Adapter.V, Projection.adapted(dec("1"), dec("0.3"), dec("0.7"))),
        List.of(DataPoint.cross(dec("2"), column("1", "-1"), column("1", "3"), dec("0.5"))));
    GradientResult ref = ExactDoubleAccuracyProperties.reference(inst);
    double old = ExactDoubleAccuracyProperties.normwiseErrors(Float64Autograd.gradient(DoubleInstance.of(inst)), ref).get("dA_Q");
    assertThat(old).as("float64 autograd, dA_Q").isBetween(0.4, 0.6);
    Map<String, Double> now = ExactDoubleAccuracyProperties.normwiseErrors(ExactDouble.gradient(inst, 1), ref);
    assertThat(now.values()).as("ExactDouble, every matrix").allSatisfy(e ->
        assertThat(e).isLessThanOrEqualTo(ExactDoubleAccuracyProperties.NORMWISE_TOLERANCE));
  }

  /**
   * Scores of about 6.5e5 (beta = 654321.9, a bias feature gives every row the offset
   * {@code beta Qm[j][0]}) with O(1) differences: plain-double scores carry absolute errors of
   * about {@code u |S| = 7e-11}, which every F entry inherits as relative error, so float64 autograd
   * misses the tolerance; the double-double scores do not.
   */
  @Test
  void largeScoreOffsetDefeatsPlainDoubleScoresNotDoubleDouble() {
    Map<Adapter, Integer> ranks = new EnumMap<>(Adapter.class);
    ranks.put(Adapter.Q, 2);
    ranks.put(Adapter.K, 1);
    ranks.put(Adapter.V, 3);
    AccuracyInstances.Shape shape = new AccuracyInstances.Shape(
        4, 5, 3, 2, 3, 2, 3, ranks, 1, true, new BigDecimal("0.5"), new BigDecimal("654321.9"));
    LoraInstance inst = AccuracyInstances.offset(shape, 11, 1.0);
    assertThat(ExactDoubleProperties.maxAbsScore(DoubleInstance.of(inst))).as("max |S|").isBetween(1e5, 1e7);
    GradientResult ref = ExactDoubleAccuracyProperties.reference(inst);
    double tol = ExactDoubleAccuracyProperties.NORMWISE_TOLERANCE;
    Map<String, Double> old = ExactDoubleAccuracyProperties.normwiseErrors(Float64Autograd.gradient(DoubleInstance.of(inst)), ref);
    assertThat(old.get("dA_Q")).as("float64 autograd, dA_Q").isGreaterThan(10 * tol);
    Map<String, Double> now = ExactDoubleAccuracyProperties.normwiseErrors(ExactDouble.gradient(inst, 1), ref);
    assertThat(now.values()).as("ExactDouble, every matrix").allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(tol));
  }

  /**
   * Decimal inputs that are not doubles: {@code XK = (1000.0001, 1000.0003, 1000.0007)} with
   * {@code Qm = 1000} (W_Q = 999.5 + 1 * 0.5) gives {@code S = 1e6 + (0.1, 0.3, 0.7)}. Rounding each
   * XK entry to a double moves its score by up to {@code 1000 * u * 1000 = 1.1e-10}, a different
   * amount per key, so even the exact gradient of the rounded instance (the double entry point takes
   * its numbers as exact) is off by ~1e-10; the decimal entry point keeps the low parts.
   */
  @Test
  void decimalInputsKeepTheirLowParts() {
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, BigDecimal.ONE, Map.of(
        Adapter.Q, Projection.adapted(dec("999.5"), dec("0.5"), dec("1")),
        Adapter.K, Projection.frozen(dec("1")),
        Adapter.V, Projection.adapted(dec("1"), dec("0.3"), dec("0.7"))),
        List.of(DataPoint.cross(dec("1"), column("1000.0001", "1000.0003", "1000.0007"),
            column("0.2", "-0.4", "0.9"), dec("0.1"))));
    GradientResult ref = ExactDoubleAccuracyProperties.reference(inst);
    double tol = ExactDoubleAccuracyProperties.NORMWISE_TOLERANCE;
    Map<String, Double> rounded = ExactDoubleAccuracyProperties.normwiseErrors(ExactDouble.gradient(DoubleInstance.of(inst), 1), ref);
    assertThat(rounded.get("dA_Q")).as("ExactDouble of the rounded instance, dA_Q").isGreaterThan(10 * tol);
    Map<String, Double> old = ExactDoubleAccuracyProperties.normwiseErrors(Float64Autograd.gradient(DoubleInstance.of(inst)), ref);
    assertThat(old.get("dA_Q")).as("float64 autograd, dA_Q").isGreaterThan(10 * tol);
    Map<String, Double> now = ExactDoubleAccuracyProperties.normwiseErrors(ExactDouble.gradient(inst, 1), ref);
    assertThat(now.values()).as("ExactDouble, every matrix").allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(tol));
  }

  private static DecimalMatrix dec(String x) {
    return DecimalMatrix.of("m", new BigDecimal[][] {{new BigDecimal(x)}});
  }

  private static DecimalMatrix column(String... xs) {
    BigDecimal[][] m = new BigDecimal[xs.length][1];
    for (int i = 0; i < xs.length; i++) {
      m[i][0] = new BigDecimal(xs[i]);
    }
    return DecimalMatrix.of("m", m);
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
