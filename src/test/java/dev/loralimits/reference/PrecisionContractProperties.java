package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apfloat.Apfloat;

/**
 * The precision contract of {@link ReferenceGradient}: N digits asked, N digits delivered
 * ({@code |xh - x| <= 10^{1-N} max(|x|, 10^{-N} M)}), inputs taken exactly.
 */
@Label("ReferenceGradient precision contract")
class PrecisionContractProperties {

  @Provide
  Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(4, 3);
  }

  @Provide
  Arbitrary<Integer> digits() {
    return net.jqwik.api.Arbitraries.of(1, 5, 16, 25, 40);
  }

  /**
   * The N-digit answer against an answer with N + 40 digits (itself within 10^{-N-39} relative):
   * each number within {@code 10^{1-N} max(|x|, 10^{-N} M)}, and no number carries more than N
   * significant digits.
   */
  @Property(tries = 25)
  void nDigitsAreCorrect(@ForAll("specs") Instances.Spec spec, @ForAll long seed, @ForAll("digits") int n) {
    LoraInstance inst = Instances.random(spec, seed);
    GradientResult coarse = ReferenceGradient.compute(inst, n);
    GradientResult fine = ReferenceGradient.compute(inst, n + 40);
    BigDecimal m = magnitude(fine);
    check(coarse.loss(), fine.loss(), m, n, 1);
    for (Adapter mu : fine.gradients().keySet()) {
      check(coarse.gradients().get(mu).a(), fine.gradients().get(mu).a(), m, n);
      check(coarse.gradients().get(mu).b(), fine.gradients().get(mu).b(), m, n);
    }
    assertThat(coarse.digits()).isEqualTo(n);
  }

  @Example
  void inputsAreTakenExactly() {
    // 0.1 is exact in radix 10; a double would be 0.1000000000000000055511151231257827...
    assertThat(ApMatrix.exact(new BigDecimal("0.1")).compareTo(new Apfloat("0.1"))).isZero();
    // an input perturbed in its 70th digit must change the 100-digit loss
    LoraInstance base = Instances.random(new Instances.Spec(3, 3, 2, 1, 1, false, Instances.all(), BigDecimal.ONE, BigDecimal.ONE, 1.0), 7);
    DataPoint p = base.data().get(0);
    BigDecimal[][] x = new BigDecimal[p.xq().rows()][p.xq().cols()];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = p.xq().get(i, j);
      }
    }
    x[0][0] = x[0][0].add(new BigDecimal("1e-70"));
    List<DataPoint> pts = new ArrayList<>();
    pts.add(DataPoint.self(DecimalMatrix.of("X", x), p.y()));
    LoraInstance moved = new LoraInstance(base.alpha(), base.beta(), base.weights(), pts);
    BigDecimal l0 = ReferenceGradient.compute(base, 100).loss();
    BigDecimal l1 = ReferenceGradient.compute(moved, 100).loss();
    BigDecimal diff = l1.subtract(l0).abs();
    assertThat(diff).isGreaterThan(new BigDecimal("1e-75")).isLessThan(new BigDecimal("1e-66"));
  }

  @Example
  void digitsOutOfRangeAreRefusedByName() {
    LoraInstance inst = Instances.random(new Instances.Spec(2, 2, 2, 1, 1, false, Instances.all(), BigDecimal.ONE, BigDecimal.ONE, 1.0), 1);
    assertThatThrownBy(() -> ReferenceGradient.compute(inst, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("digits (0) must be in [1, " + ReferenceGradient.MAX_DIGITS + "]");
    assertThatThrownBy(() -> ReferenceGradient.compute(inst, ReferenceGradient.MAX_DIGITS + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("digits (2001)");
  }

  @Example
  void everyFormObeysTheContract() {
    LoraInstance inst = Instances.random(new Instances.Spec(3, 2, 2, 2, 2, true, Instances.all(), new BigDecimal("4"), new BigDecimal("1.5"), 1.0), 3);
    GradientResult e3 = ReferenceGradient.compute(inst, 30, Form.THEOREM_F_1);
    BigDecimal m = magnitude(e3);
    for (Form f : Form.values()) {
      GradientResult g = ReferenceGradient.compute(inst, 30, f);
      // both within 10^{1-30} max(|x|, 10^{-30} M) of the exact x: at most twice that apart
      check(g.loss(), e3.loss(), m, 30, 2);
      for (Adapter mu : e3.gradients().keySet()) {
        check(g.gradients().get(mu).a(), e3.gradients().get(mu).a(), m, 30, 2);
        check(g.gradients().get(mu).b(), e3.gradients().get(mu).b(), m, 30, 2);
      }
    }
  }

  private static BigDecimal magnitude(GradientResult g) {
    BigDecimal m = g.loss().abs();
    for (var ag : g.gradients().values()) {
      m = m.max(ag.a().maxAbs()).max(ag.b().maxAbs());
    }
    return m;
  }

  private static void check(DecimalMatrix got, DecimalMatrix exact, BigDecimal m, int n) {
    check(got, exact, m, n, 1);
  }

  private static void check(DecimalMatrix got, DecimalMatrix exact, BigDecimal m, int n, int units) {
    for (int i = 0; i < exact.rows(); i++) {
      for (int j = 0; j < exact.cols(); j++) {
        check(got.get(i, j), exact.get(i, j), m, n, units);
      }
    }
  }

  private static void check(BigDecimal got, BigDecimal exact, BigDecimal m, int n) {
    check(got, exact, m, n, 1);
  }

  /** {@code |got - exact| <= units 10^{1-n} max(|exact|, 10^{-n} M)} and got has at most n digits. */
  private static void check(BigDecimal got, BigDecimal exact, BigDecimal m, int n, int units) {
    BigDecimal allowed =
        exact.abs().max(m.scaleByPowerOfTen(-n)).scaleByPowerOfTen(1 - n).multiply(BigDecimal.valueOf(units));
    assertThat(got.subtract(exact).abs()).as("%s vs %s at %d digits", got, exact, n).isLessThanOrEqualTo(allowed);
    assertThat(got.stripTrailingZeros().precision()).as("digits carried").isLessThanOrEqualTo(n);
  }
}
