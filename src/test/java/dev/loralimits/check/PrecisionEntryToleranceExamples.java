package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.check.ToleranceCases.Kind;
import dev.loralimits.check.ToleranceCases.Shape;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

/** {@link PrecisionEntryTolerance}: the bounds as allowed errors, exactly and by name. */
class PrecisionEntryToleranceExamples {
  static final LoraInstance INST =
      ToleranceCases.build(Kind.WELL_CONDITIONED, new Shape(4, 3, 3, 2, 4, new int[] {2, 0, 3}, true), 11);

  @Test
  void allowedErrorsAreTheBoundsRoundedUpToSixDigits() {
    PrecisionTolerance.Result b = PrecisionTolerance.of(INST, FloatFormat.FLOAT64);
    PrecisionEntryTolerance t = new PrecisionEntryTolerance(b);
    MathContext up = new MathContext(6, RoundingMode.UP);
    assertThat(t.allowed("loss", zeros(1, 1)).get(0, 0)).isEqualByComparingTo(new BigDecimal(b.loss()).round(up));
    DecimalMatrix a = t.allowed("dLoss/dA_Q", zeros(2, 2));
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2; j++) {
        BigDecimal exact = new BigDecimal(b.a(Adapter.Q)[i][j]);
        assertThat(a.get(i, j)).isEqualByComparingTo(exact.round(up));
        assertThat(a.get(i, j)).isGreaterThanOrEqualTo(exact);
        assertThat(a.get(i, j).subtract(exact)).isLessThanOrEqualTo(exact.multiply(new BigDecimal("1e-5")));
      }
    }
    DecimalMatrix bv = t.allowed("dLoss/dB_V", zeros(3, 3));
    assertThat(bv.get(2, 1)).isEqualByComparingTo(new BigDecimal(b.b(Adapter.V)[2][1]).round(up));
  }

  @Test
  void unknownNamesFrozenProjectionsAndWrongShapesAreRefused() {
    PrecisionEntryTolerance t = PrecisionEntryTolerance.of(INST, FloatFormat.FLOAT32);
    assertThatThrownBy(() -> t.allowed("dLoss/dA_K", zeros(1, 2)))
        .hasMessage("no precision tolerance for a matrix named dLoss/dA_K");
    assertThatThrownBy(() -> t.allowed("dLoss/dW_Q", zeros(1, 2)))
        .hasMessage("no precision tolerance for a matrix named dLoss/dW_Q");
    assertThatThrownBy(() -> t.allowed("dLoss/dB_Q", zeros(2, 3)))
        .hasMessage("dLoss/dB_Q: the tolerance is 3x2, the reference 2x3");
    assertThatThrownBy(() -> new PrecisionEntryTolerance(null)).hasMessage("bounds is missing");
  }

  @Test
  void theDescriptionNamesTheFormatAndSaysWhenTheModelIsOutsideItsRange() {
    assertThat(PrecisionEntryTolerance.of(INST, FloatFormat.FLOAT64).description())
        .isEqualTo("precision float64: per-entry bound on a correct float64 implementation's error, x2"
            + " (proofs-notes/CHECK-TOLERANCE.md)");
    PrecisionEntryTolerance bf = PrecisionEntryTolerance.of(INST, FloatFormat.BFLOAT16);
    assertThat(bf.bounds().firstOrderValid()).isFalse();
    assertThat(bf.description()).startsWith("precision bfloat16: ")
        .contains("; N u = 0.").endsWith(" > 0.1: outside the first-order model, the tolerance is an estimate");
  }

  @Test
  void startingDigitsCoverTheSmallestRelativeTolerance() {
    // float64: 2u = 2.2e-16, floor(log10) = -16: 16 + 4 = 20; coarser formats need fewer, floor 20
    assertThat(PrecisionEntryTolerance.of(INST, FloatFormat.FLOAT64).startingDigits()).isEqualTo(20);
    assertThat(PrecisionEntryTolerance.of(INST, FloatFormat.FLOAT32).startingDigits()).isEqualTo(20);
    assertThat(PrecisionEntryTolerance.of(INST, FloatFormat.FLOAT16).startingDigits()).isEqualTo(20);
  }

  static DecimalMatrix zeros(int rows, int cols) {
    return ToleranceCases.zeros(rows, cols);
  }
}
