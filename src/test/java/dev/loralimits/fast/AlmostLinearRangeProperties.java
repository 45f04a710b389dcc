package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.ReferenceGradient;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * FAST-BOUND.md's floating-point model excludes overflow; these instances put it to the test with
 * queries and keys of very different sizes (scores of ordinary size): {@code X^Q} times
 * {@code 10^s}, {@code X^K} times {@code 10^-s}. The feature maps balance the two sides by a power
 * of two (FAST-BOUND §2, scaling), so the answer is as accurate as at s = 0; whatever still
 * overflows is refused, never returned (the CLI's {@code --method auto} then falls back to exact).
 */
@Label("FAST-BOUND model: unbalanced query and key scales answer within the bound or refuse")
class AlmostLinearRangeProperties {
  @Provide
  Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(5, 3).map(s -> s.asCross().withScale(0.5));
  }

  @Provide
  Arbitrary<Integer> exponents() {
    return Arbitraries.of(0, 12, 40, 80, 150);
  }

  @Property(tries = 40)
  void unbalancedScalesAnswerWithinTheBoundOrRefuse(
      @ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("exponents") int s) {
    LoraInstance inst = unbalanced(Instances.random(spec, seed), s);
    Statistics.label("10^s").collect(s).coverage(k -> k.check(80).count(n -> n >= 1));
    FastResult r;
    try {
      r = AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 2, AlmostLinearProperties.TEST_RANK_BUDGET));
    } catch (OutsideEfficientRegimeException e) {
      Statistics.label("outcome at s >= 40").collect(s >= 40 ? "refused" : "small s");
      assertThat(e.getMessage()).startsWith("outside the efficient regime");
      return;
    }
    Statistics.label("outcome at s >= 40").collect(s >= 40 ? "answered" : "small s")
        .coverage(k -> k.check("answered").count(n -> n >= 5));
    assertWithinBound(inst, r);
  }

  /**
   * Issue 12's instance: d = 1, L = 64, W_Q = 1e40, W_K = 1e-40, score radius about 1 (there the
   * unscaled query features overflowed, the key features underflowed, and NaN gradients came back
   * with a finite bound), and the same with 1e150 and 1e-150, where every degree g >= 3 overflows
   * unscaled ({@code 1e150^3 > 1.8e308}).
   */
  @Example
  void issueTwelveInstanceAnswersWithFiniteGradientsWithinTheBound() {
    // G_Q = beta X^Q^T (P Kc) is of the size of Kc, so epsilon is 1e-6 relative to it
    FastResult r40 = gradientOfScaledWeights("1e40", "1e-40", 1e-46);
    FastResult r150 = gradientOfScaledWeights("1e150", "1e-150", 1e-156);
    assertThat(r40.gradients().gradA().get(Adapter.Q)[0][0]).isNotZero();
    assertThat(r150.degree()).as("a degree whose query monomials overflow unscaled").isGreaterThanOrEqualTo(3);
  }

  private static FastResult gradientOfScaledWeights(String wq, String wk, double epsilon) {
    Random rnd = new Random(12);
    DecimalMatrix one = DecimalMatrix.of("one", new BigDecimal[][] {{BigDecimal.ONE}});
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(DecimalMatrix.of("WQ", new BigDecimal[][] {{new BigDecimal(wq)}}),
        Instances.matrix(rnd, 1, 1, 0.5), Instances.matrix(rnd, 1, 1, 0.5)));
    w.put(Adapter.K, Projection.frozen(DecimalMatrix.of("WK", new BigDecimal[][] {{new BigDecimal(wk)}})));
    w.put(Adapter.V, Projection.frozen(one));
    DecimalMatrix x = Instances.matrix(rnd, 64, 1, 1.0);
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, BigDecimal.ONE, w,
        List.of(DataPoint.self(x, Instances.matrix(rnd, 64, 1, 1.0))));
    FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(epsilon, 2, AlmostLinearProperties.TEST_RANK_BUDGET));
    assertWithinBound(inst, r);
    return r;
  }

  /**
   * When the balancing power of two cannot be applied exactly (a query entry would become
   * subnormal), the features are left unscaled, overflow, and the answer is refused with the reason,
   * not returned as NaN.
   */
  @Example
  void overflowThatScalingCannotRemoveIsRefused() {
    Random rnd = new Random(7);
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    DecimalMatrix id = DecimalMatrix.of("I", new BigDecimal[][] {
        {BigDecimal.ONE, BigDecimal.ZERO}, {BigDecimal.ZERO, BigDecimal.ONE}});
    // Q frozen, so that the tiny query column stays tiny (an adapter would mix the columns)
    w.put(Adapter.Q, Projection.frozen(id));
    w.put(Adapter.K, Projection.adapted(id, Instances.matrix(rnd, 1, 2, 0.5), Instances.matrix(rnd, 2, 1, 0.5)));
    w.put(Adapter.V, Projection.frozen(id));
    int l = 16;
    BigDecimal[][] xq = new BigDecimal[l][2];
    BigDecimal[][] xk = new BigDecimal[l][2];
    for (int j = 0; j < l; j++) {
      xq[j][0] = BigDecimal.valueOf(rnd.nextInt(1000) + 1, 3).scaleByPowerOfTen(150);
      xq[j][1] = new BigDecimal("1e-300"); // 1e-300 2^-e with e ~ 498 is not a double: no exact scaling
      xk[j][0] = BigDecimal.valueOf(rnd.nextInt(2001) - 1000, 3).scaleByPowerOfTen(-150);
      xk[j][1] = BigDecimal.valueOf(rnd.nextInt(2001) - 1000, 3).scaleByPowerOfTen(-150);
    }
    DecimalMatrix xkm = DecimalMatrix.of("XK", xk);
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, BigDecimal.ONE, w,
        List.of(DataPoint.cross(DecimalMatrix.of("XQ", xq), xkm, xkm, Instances.matrix(rnd, l, 2, 1.0))));
    assertThatThrownBy(() -> AlmostLinear.gradient(inst, new AlmostLinear.Options(1e-6, 2, AlmostLinearProperties.TEST_RANK_BUDGET)))
        .isInstanceOf(OutsideEfficientRegimeException.class)
        .hasMessageStartingWith("outside the efficient regime: ")
        .hasMessageContaining("is not finite in double");
  }

  @Example
  void balancingExponentEqualisesTheBinaryExponents() {
    assertThat(PreparedPoint.balancingExponent(0x1p100, 0x1p-100)).isEqualTo(100);
    assertThat(PreparedPoint.balancingExponent(0x1p-100, 0x1p100)).isEqualTo(-100);
    assertThat(PreparedPoint.balancingExponent(0x1p3, 0x1p0)).isEqualTo(1);
    assertThat(PreparedPoint.balancingExponent(1, 0)).isEqualTo(0);
    assertThat(PreparedPoint.balancingExponent(0, 1)).isEqualTo(0);
    assertThat(PreparedPoint.scaledExactly(new double[] {3, -0.5}, 4)).containsExactly(48, -8);
    assertThat(PreparedPoint.scaledExactly(new double[] {1e-300}, -100)).isNull();
  }

  static void assertWithinBound(LoraInstance inst, FastResult r) {
    GradientResult ref = ReferenceGradient.compute(inst, 30);
    for (Adapter mu : ref.gradients().keySet()) {
      double[][] a = r.gradients().gradA().get(mu);
      double[][] b = r.gradients().gradB().get(mu);
      double ea = AlmostLinearProperties.maxError(a, ref.gradients().get(mu).a());
      double eb = AlmostLinearProperties.maxError(b, ref.gradients().get(mu).b());
      assertThat(ea).as("dLoss/dA_%s error (finite) vs bound", mu).isFinite().isLessThanOrEqualTo(r.boundA().get(mu));
      assertThat(eb).as("dLoss/dB_%s error (finite) vs bound", mu).isFinite().isLessThanOrEqualTo(r.boundB().get(mu));
    }
    assertThat(r.gradients().loss()).isFinite();
  }

  /** The instance with {@code X^Q 10^s} and {@code X^K 10^-s}: the same scores, softmax and loss. */
  static LoraInstance unbalanced(LoraInstance inst, int s) {
    List<DataPoint> pts = new ArrayList<>();
    for (DataPoint p : inst.data()) {
      pts.add(DataPoint.cross(scaled(p.xq(), s), scaled(p.xk(), -s), p.xv(), p.y()));
    }
    return new LoraInstance(inst.alpha(), inst.beta(), inst.weights(), pts);
  }

  static DecimalMatrix scaled(DecimalMatrix m, int s) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = m.get(i, j).scaleByPowerOfTen(s);
      }
    }
    return DecimalMatrix.of("scaled", b);
  }
}
