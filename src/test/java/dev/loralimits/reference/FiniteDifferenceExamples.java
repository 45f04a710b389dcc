package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.ApInstance.Factor;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import org.apfloat.Apfloat;

/**
 * {@link FiniteDifference} returns exact zeros where the gradient is zero by structure
 * (proofs-notes/LEMMAS.md Section 8.1), as the precision contract demands of an all-zero matrix.
 */
@Label("Finite difference: exact zeros")
class FiniteDifferenceExamples {
  /** Target precision of the unverified runs below (the contract's first level for N = 20). */
  static final long P = 40;

  /**
   * An exact fit (LEMMAS.md 7.2 with S = 0, Lk = 2, Y = mean of the value rows): the loss and every
   * gradient are 0, and FD writes 0. Without the fitted-point rule this instance was refused
   * ("could not certify 20 digits of dLoss/dB_Q at precision 340"): see the next example.
   */
  @Example
  void anExactFitGivesExactZeros() {
    GradientResult g = ReferenceGradient.compute(exactFit(), 20, Form.FINITE_DIFFERENCE);
    assertThat(g.loss().signum()).isZero();
    assertThat(g.gradients().keySet()).containsExactly(Adapter.Q, Adapter.K, Adapter.V);
    for (Map.Entry<Adapter, AdapterGradient> e : g.gradients().entrySet()) {
      assertThat(e.getValue().a().maxAbs().signum()).as("dLoss/dA_%s", e.getKey()).isZero();
      assertThat(e.getValue().b().maxAbs().signum()).as("dLoss/dB_%s", e.getKey()).isZero();
    }
  }

  /**
   * Why the rule is needed: at the fit the plain quotient {@code (Loss(x+h) - Loss(x-h)) / 2h} in
   * {@code B_Q[0][0]} (which moves the scores away from S = 0) is not 0, while the exact derivative
   * is (Loss >= 0 has its minimum 0 there), so no precision certifies it against M = 0. With two
   * keys the loss is even in that entry (the softmax of two scores is 1/2 plus an odd function of
   * their difference), so the truncation {@code h^2/6 Loss'''} vanishes and what is left is
   * rounding noise, about {@code 10^{-P'} Loss(x + h) / h}, roughly {@code 10^{-90} h} at the
   * working precision {@code P' = 90}; longer keys add the truncation, of order {@code h^2}.
   * Either way it is below {@code h^2} and not 0.
   */
  @Example
  void thePlainQuotientAtAFitIsNotZero() {
    ApInstance inst = ApInstance.of(exactFit());
    Arithmetic ar = new Arithmetic(FiniteDifference.workingPrecision(P));
    Apfloat h = FiniteDifference.step(P);
    Apfloat x = inst.projection(Adapter.Q).b().get(0, 0);
    Apfloat up = LoraLoss.loss(inst.withEntry(Adapter.Q, Factor.B, 0, 0, ar.add(x, h)), ar);
    Apfloat down = LoraLoss.loss(inst.withEntry(Adapter.Q, Factor.B, 0, 0, ar.subtract(x, h)), ar);
    BigDecimal quotient = dec(ar.divide(ar.subtract(up, down), ar.multiply(new Apfloat(2), h))).abs();
    assertThat(quotient.signum()).isPositive();
    assertThat(quotient).isLessThan(dec(h).pow(2));
    assertThat(dec(FiniteDifference.compute(inst, P).gradB().get(Adapter.Q).maxAbs()).signum()).isZero();
  }

  /**
   * A fitted point contributes exactly nothing, and the other points are differenced as before:
   * FD on [fit, other] returns the same numbers as FD on [other] alone (the fitted point's loss is
   * 0 and 0 + x = x exactly), and obeys the contract against E3 on [fit, other].
   */
  @Example
  void aFittedPointAmongOthersContributesExactlyNothing() {
    LoraInstance fit = exactFit();
    DataPoint other =
        DataPoint.cross(
            m("XQ", "0.3", "-0.7", "1", "0.2"), m("XK", "1", "0.3", "-0.2", "0.4"),
            m("XV", "2", "-1", "0.5", "1"), m("Y", "1", "2", "0", "-1"));
    LoraInstance both = new LoraInstance(fit.alpha(), fit.beta(), fit.weights(), List.of(fit.data().get(0), other));
    LoraInstance alone = new LoraInstance(fit.alpha(), fit.beta(), fit.weights(), List.of(other));
    GradientResult fdBoth = ReferenceGradient.compute(both, 20, Form.FINITE_DIFFERENCE);
    GradientResult fdAlone = ReferenceGradient.compute(alone, 20, Form.FINITE_DIFFERENCE);
    assertThat(fdBoth.loss()).isEqualTo(fdAlone.loss());
    assertThat(fdBoth.gradients()).isEqualTo(fdAlone.gradients());
    GradientResult e3 = ReferenceGradient.compute(both, 20);
    assertThat(e3.gradients().get(Adapter.Q).b().maxAbs().signum()).isPositive();
    for (Adapter mu : e3.gradients().keySet()) {
      // both within 10^{-19} max(|x|, 10^{-20} M) of x: at most twice that apart
      within(fdBoth.gradients().get(mu).a(), e3.gradients().get(mu).a());
      within(fdBoth.gradients().get(mu).b(), e3.gradients().get(mu).b());
    }
  }

  /**
   * Zeros without a rule: where the entry cannot change the computed loss, the two evaluations are
   * the same operations on the same numbers. Here B_Q = 0 (so {@code B_Q (A_Q +- h e) = 0} and
   * dA_Q = 0), A_V = 0 (dB_V = 0), and the single key row (F = [1]: Q and K do not matter).
   */
  @Example
  void zerosByStructureAreExactWithoutARule() {
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(m("W", "1", "0.5", "0.2", "1"), row("A", "0.5", "0.25"), col("B", "0", "0")));
    w.put(Adapter.K, Projection.adapted(m("W", "1", "2", "3", "4"), row("A", "0.3", "-0.1"), col("B", "0.7", "0.2")));
    w.put(Adapter.V, Projection.adapted(m("W", "1", "0", "0", "1"), row("A", "0", "0"), col("B", "0.5", "-0.1")));
    DataPoint oneKey = DataPoint.cross(m("XQ", "1", "1", "0.5", "-1"), row("XK", "1", "0.3"), row("XV", "2", "3"), m("Y", "1", "2", "0", "1"));
    DataPoint twoKeys = DataPoint.cross(m("XQ", "1", "1", "0.5", "-1"), m("XK", "1", "0.3", "-1", "2"), m("XV", "2", "3", "0", "1"), m("Y", "1", "2", "0", "1"));
    ApGradients one = FiniteDifference.compute(ApInstance.of(new LoraInstance(BigDecimal.ONE, BigDecimal.ONE, w, List.of(oneKey))), P);
    for (Adapter mu : List.of(Adapter.Q, Adapter.K)) {
      assertThat(one.gradA().get(mu).maxAbs().signum()).as("key length 1: dA_%s", mu).isZero();
      assertThat(one.gradB().get(mu).maxAbs().signum()).as("key length 1: dB_%s", mu).isZero();
    }
    ApGradients two = FiniteDifference.compute(ApInstance.of(new LoraInstance(BigDecimal.ONE, BigDecimal.ONE, w, List.of(twoKeys))), P);
    assertThat(two.gradA().get(Adapter.Q).maxAbs().signum()).as("B_Q = 0: dA_Q").isZero();
    assertThat(two.gradB().get(Adapter.V).maxAbs().signum()).as("A_V = 0: dB_V").isZero();
    assertThat(two.gradB().get(Adapter.Q).maxAbs().signum()).as("dB_Q").isPositive();
    assertThat(two.gradA().get(Adapter.V).maxAbs().signum()).as("dA_V").isPositive();
  }

  /**
   * LEMMAS.md 7.2 realised exactly: {@code W*_Q = 0}, {@code B_Q = 0} (A_Q non-zero), so S = 0 and
   * {@code F = [1/2, 1/2]} in each row; {@code Vm = X^V W_V} with {@code W_V = I + 2 B_V A_V = I}
   * (B_V = 0); Y = the mean of the rows of Vm = [3, 2]. Q, K and V adapted.
   */
  static LoraInstance exactFit() {
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(m("W", "0", "0", "0", "0"), row("A", "0.5", "0.25"), col("B", "0", "0")));
    w.put(Adapter.K, Projection.adapted(m("W", "1", "2", "3", "4"), row("A", "0.3", "-0.1"), col("B", "0.7", "0.2")));
    w.put(Adapter.V, Projection.adapted(m("W", "1", "0", "0", "1"), row("A", "1", "0.5"), col("B", "0", "0")));
    DataPoint p = DataPoint.cross(m("XQ", "1", "1", "0.5", "-1"), m("XK", "1", "0.3", "0.2", "-0.4"), m("XV", "2", "3", "4", "1"), m("Y", "3", "2", "3", "2"));
    return new LoraInstance(new BigDecimal("2"), BigDecimal.ONE, w, List.of(p));
  }

  private static void within(DecimalMatrix got, DecimalMatrix exact) {
    BigDecimal floor = exact.maxAbs().scaleByPowerOfTen(-20);
    for (int i = 0; i < exact.rows(); i++) {
      for (int j = 0; j < exact.cols(); j++) {
        BigDecimal allowed = exact.get(i, j).abs().max(floor).scaleByPowerOfTen(-19).multiply(BigDecimal.valueOf(2));
        assertThat(got.get(i, j).subtract(exact.get(i, j)).abs()).isLessThanOrEqualTo(allowed);
      }
    }
  }

  /** A 2 x 2 matrix, row-major. */
  private static DecimalMatrix m(String name, String a, String b, String c, String d) {
    return DecimalMatrix.parse(name, new String[][] {{a, b}, {c, d}});
  }

  private static DecimalMatrix row(String name, String a, String b) {
    return DecimalMatrix.parse(name, new String[][] {{a, b}});
  }

  private static DecimalMatrix col(String name, String a, String b) {
    return DecimalMatrix.parse(name, new String[][] {{a}, {b}});
  }

  private static BigDecimal dec(Apfloat x) {
    return ApMatrix.toBigDecimal(x);
  }
}
