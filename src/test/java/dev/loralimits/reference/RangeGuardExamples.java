package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RangeGuard (FORMATS 3.4) with softmax entries dropped below exp(-2e18): a matrix that is zero by
 * structure is still answered (as exact zeros), one that merely computes as zero is refused.
 * Found missing by mutation testing (negated structural-zero conditions survived).
 */
class RangeGuardExamples {
  private static DecimalMatrix m(String[][] rows) {
    return DecimalMatrix.parse("m", rows);
  }

  private static final DecimalMatrix I2 = m(new String[][] {{"1", "0"}, {"0", "1"}});
  private static final DecimalMatrix X = m(new String[][] {{"0.5", "-0.25"}, {"0.1", "0.75"}, {"-0.6", "0.2"}});
  private static final DecimalMatrix Y = m(new String[][] {{"1", "0"}, {"0", "1"}, {"0.5", "0.5"}});

  /** beta = 1e400: every softmax row one-hot far below exp(-2e18); V adapted with A or B zero. */
  private static LoraInstance vOnly(DecimalMatrix a, DecimalMatrix b) {
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.frozen(I2));
    w.put(Adapter.K, Projection.frozen(I2));
    w.put(Adapter.V, Projection.adapted(I2, a, b));
    return new LoraInstance(BigDecimal.ONE, new BigDecimal("1e400"), w, List.of(DataPoint.self(X, Y)));
  }

  @Test
  void structuralZeroOfDaIsAnsweredAmongDroppedEntries() {
    // B_V = 0: dLoss/dA_V = (alpha/r) B_V^T G_V = 0 by structure; dLoss/dB_V is not zero
    GradientResult g = ReferenceGradient.compute(
        vOnly(m(new String[][] {{"0.5", "-1"}}), m(new String[][] {{"0"}, {"0"}})), 10);
    assertThat(g.gradients().get(Adapter.V).a().maxAbs().signum()).isZero();
    assertThat(g.gradients().get(Adapter.V).b().maxAbs().signum()).isPositive();
  }

  @Test
  void structuralZeroOfDbIsAnsweredAmongDroppedEntries() {
    // A_V = 0: dLoss/dB_V = (alpha/r) G_V A_V^T = 0 by structure; dLoss/dA_V is not zero
    GradientResult g = ReferenceGradient.compute(
        vOnly(m(new String[][] {{"0", "0"}}), m(new String[][] {{"0.5"}, {"-1"}})), 10);
    assertThat(g.gradients().get(Adapter.V).b().maxAbs().signum()).isZero();
    assertThat(g.gradients().get(Adapter.V).a().maxAbs().signum()).isPositive();
  }

  @Test
  void aZeroThatIsNotStructuralIsRefused() {
    // Q adapted too: its gradient is carried by the dropped entries alone and computes as 0
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(I2, m(new String[][] {{"0.5", "-1"}}), m(new String[][] {{"0.25"}, {"1"}})));
    w.put(Adapter.K, Projection.frozen(I2));
    w.put(Adapter.V, Projection.frozen(I2));
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, new BigDecimal("1e400"), w, List.of(DataPoint.self(X, Y)));
    assertThatThrownBy(() -> ReferenceGradient.compute(inst, 10))
        .isInstanceOf(OutOfRangeException.class)
        .hasMessageContaining("dLoss/dA_Q computes as exactly 0");
  }

  @Test
  void aComputedZeroNextToAStructuralZeroIsRefused() {
    // B_Q = 0: dLoss/dA_Q is zero by structure (admitted); dLoss/dB_Q computes as 0 only because
    // the entries it depends on were dropped, so it must be refused
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, Projection.adapted(I2, m(new String[][] {{"0.5", "-1"}}), m(new String[][] {{"0"}, {"0"}})));
    w.put(Adapter.K, Projection.frozen(I2));
    w.put(Adapter.V, Projection.frozen(I2));
    LoraInstance inst = new LoraInstance(BigDecimal.ONE, new BigDecimal("1e400"), w, List.of(DataPoint.self(X, Y)));
    assertThatThrownBy(() -> ReferenceGradient.compute(inst, 10))
        .isInstanceOf(OutOfRangeException.class)
        .hasMessageContaining("dLoss/dB_Q computes as exactly 0");
  }

  private static ApMatrix ap(String... row) {
    org.apfloat.Apfloat[] r = new org.apfloat.Apfloat[row.length];
    for (int j = 0; j < row.length; j++) {
      r[j] = new org.apfloat.Apfloat(row[j], 30);
    }
    return ApMatrix.of(new org.apfloat.Apfloat[][] {r});
  }

  /**
   * The flush rule at its boundary (FORMATS 3.4, LEMMAS 9.3): an entry exactly FLUSH_GAP orders
   * below M stays, one order further is written as 0; zeros stay zeros. Found by mutation testing
   * (the rule's comparison and its negation survived: no instance reaches it).
   */
  @Test
  void entriesMoreThanTheFlushGapBelowTheirMatrixAreZero() {
    ApMatrix m = RangeGuard.inRange("g", ap("2", "3e-1000000", "3e-1000001", "0", "-4e-1000001"), RangeGuard.MAX_WIDE_EXPONENT, "");
    assertThat(m.get(0, 0).toString()).isEqualTo("2");
    assertThat(m.get(0, 1).signum()).isPositive();
    assertThat(m.get(0, 2).signum()).isZero();
    assertThat(m.get(0, 3).signum()).isZero();
    assertThat(m.get(0, 4).signum()).isZero();
    ApMatrix zero = ap("0", "0");
    assertThat(RangeGuard.inRange("g", zero, RangeGuard.MAX_WIDE_EXPONENT, "")).isSameAs(zero);
  }

  /** The result ranges at their boundaries: 10^17 for gradients, 999999999 for the loss. */
  @Test
  void theRangesIncludeTheirLimitsAndNothingBeyond() {
    assertThat(RangeGuard.inRange("g", ap("5e-100000000000000000"), RangeGuard.MAX_WIDE_EXPONENT, "").get(0, 0).signum()).isPositive();
    assertThatThrownBy(() -> RangeGuard.inRange("g", ap("5e-100000000000000001"), RangeGuard.MAX_WIDE_EXPONENT, " (note)"))
        .isInstanceOf(OutOfRangeException.class)
        .hasMessage("the reference cannot answer: g has entries of order 10^-100000000000000001, outside the range of"
            + " gradients (10^-100000000000000000 to 10^100000000000000000) (note)");
    assertThat(RangeGuard.inRange("the loss", ap("9e999999999"), RangeGuard.MAX_RESULT_EXPONENT, "").get(0, 0).signum()).isPositive();
    assertThatThrownBy(() -> RangeGuard.inRange("the loss", ap("1e1000000000"), RangeGuard.MAX_RESULT_EXPONENT, ""))
        .hasMessageContaining("outside the range of the loss (10^-999999999 to 10^999999999)");
  }

  /** A matrix is written wide exactly when its M's exponent leaves the decimal range. */
  @Test
  void wideExactlyBeyondTheDecimalRange() {
    assertThat(RangeGuard.powerOfTen(new org.apfloat.Apfloat("9e-999999999", 5))).isZero();
    assertThat(RangeGuard.powerOfTen(new org.apfloat.Apfloat("9e-1000000000", 5))).isEqualTo(-1_000_000_000L);
    assertThat(RangeGuard.powerOfTen(new org.apfloat.Apfloat("9e999999999", 5))).isZero();
    assertThat(RangeGuard.powerOfTen(new org.apfloat.Apfloat("1e1000000000", 5))).isEqualTo(1_000_000_000L);
    assertThat(RangeGuard.powerOfTen(org.apfloat.Apfloat.ZERO)).isZero();
  }
}
