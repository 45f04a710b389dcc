package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apfloat.Apfloat;
import org.junit.jupiter.api.Test;

/**
 * The precision contract on a softmax row that is one-hot beyond the working precision
 * (proofs-notes/LEMMAS.md Section 3, Step 3.1): the reference's Theorem F.1 evaluates
 * {@code p = p1 - p2} in pivoted form, so its Q gradient at 40 digits equals the one at 400
 * digits, where even the literal {@code p1 - p2} is exact; the literal form at the 40-digit
 * working precision is wrong by a factor O(1), and both of its precisions agree, so the
 * contract's recomputation check could not have seen it.
 */
class OneHotContractExamples {
  /**
   * L = 2, d = h = o = 1, X = [1; -1], W_Q = 1 + (1/1) 0.5 0.5 = 1.25, W_K = 1, beta = 300: row
   * scores (375, -375), so {@code 1 - F[0,0] = e^-750 ~ 1e-326}, far below 10^-60.
   */
  static LoraInstance oneHot() {
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(m("1"), m("0.5"), m("0.5")));
    w.put(Adapter.K, Projection.frozen(m("1")));
    w.put(Adapter.V, Projection.frozen(m("1")));
    DecimalMatrix x = DecimalMatrix.parse("X", new String[][] {{"1"}, {"-1"}});
    DecimalMatrix y = DecimalMatrix.parse("Y", new String[][] {{"0.3"}, {"0.7"}});
    return new LoraInstance(BigDecimal.ONE, new BigDecimal(300), w, List.of(DataPoint.self(x, y)));
  }

  static DecimalMatrix m(String x) {
    return DecimalMatrix.parse("m", new String[][] {{x}});
  }

  @Test
  void theQGradientOfAOneHotRowIsCertifiedToItsDigits() {
    LoraInstance inst = oneHot();
    BigDecimal at40 = ReferenceGradient.compute(inst, 40).gradients().get(Adapter.Q).a().get(0, 0);
    BigDecimal at400 = ReferenceGradient.compute(inst, 400).gradients().get(Adapter.Q).a().get(0, 0);
    assertThat(at400.signum()).isNotZero();
    // its size: beta x^T p k with p ~ e^-750: about 1e-323
    assertThat(at400.abs()).isLessThan(new BigDecimal("1e-300")).isGreaterThan(new BigDecimal("1e-340"));
    BigDecimal allowed = at400.abs().scaleByPowerOfTen(-39);
    assertThat(at40.subtract(at400).abs()).isLessThanOrEqualTo(allowed);
  }

  @Test
  void theLiteralP1MinusP2LosesItAtTheSameWorkingPrecision() {
    ApInstance ap = ApInstance.of(oneHot());
    Arithmetic ar = new Arithmetic(60);
    ReducedForm rf = ReducedForm.query(ap, ap.points().get(0), ar);
    ApMatrix f = AttentionHead.softmaxRows(rf.scores(ar), ar);
    ApMatrix c = ar.subtract(ar.multiply(f, rf.c3()), rf.y());
    ApMatrix p1 = ExactGradients.p1(f, c, rf.c3(), ar);
    ApMatrix literal = ar.subtract(p1, ExactGradients.p2(p1, f, ar));
    ApMatrix pivoted = ExactGradients.pivotedP(rf.scores(ar), f, ar.multiply(c, rf.c3().transpose()), ar);
    // the dominant entry: exactly 0 literally (F[0,0] rounds to 1), -p[0,1] pivoted
    assertThat(literal.get(0, 0).signum()).isZero();
    assertThat(pivoted.get(0, 0).signum()).isNotZero();
    Apfloat sum = ar.add(pivoted.get(0, 0), pivoted.get(0, 1));
    assertThat(ApMatrix.toBigDecimal(sum).abs())
        .isLessThan(ApMatrix.toBigDecimal(pivoted.get(0, 1)).abs().scaleByPowerOfTen(-50));
    // and the reduced-form gradient C1^T p C2 built from the literal form is off by a factor O(1)
    BigDecimal gLiteral = ApMatrix.toBigDecimal(ar.multiply(ar.multiply(rf.c1().transpose(), literal), rf.c2()).get(0, 0));
    BigDecimal gPivoted = ApMatrix.toBigDecimal(ar.multiply(ar.multiply(rf.c1().transpose(), pivoted), rf.c2()).get(0, 0));
    assertThat(gPivoted.signum()).isNotZero();
    BigDecimal ratio = gLiteral.divide(gPivoted, MathContext.DECIMAL64);
    assertThat(ratio.subtract(BigDecimal.ONE).abs()).isGreaterThan(new BigDecimal("0.1"));
  }
}
