package dev.loralimits.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * {@link DecimalMatrix}, wide matrices: entries {@code mantissa 10^k} beyond the BigDecimal range
 * (the reference's gradients at beta of 10^10 and more, spec/FORMATS.md 3.4) are readable only as
 * mantissa and power of ten, never as a silently different BigDecimal.
 */
class DecimalMatrixExamples {
  private static final long K = -746_986_508_873_580L;

  private static DecimalMatrix wide() {
    return DecimalMatrix.wide("g", new BigDecimal[][] {{new BigDecimal("8.553285655"), BigDecimal.ZERO, new BigDecimal("-1.5")}}, K);
  }

  @Test
  void aWideMatrixGivesMantissasAndItsPowerOfTen() {
    DecimalMatrix m = wide();
    assertThat(m.isWide()).isTrue();
    assertThat(m.powerOfTen()).isEqualTo(K);
    assertThat(m.mantissa(0, 0)).isEqualByComparingTo("8.553285655");
    assertThat(m.maxAbsMantissa()).isEqualByComparingTo("8.553285655");
    assertThat(m.shape()).isEqualTo(DecimalMatrix.zeros(1, 3).shape());
  }

  @Test
  void aWideMatrixRefusesToActAsAnOrdinaryOne() {
    DecimalMatrix m = wide();
    assertThat(m.get(0, 1)).isEqualByComparingTo("0");
    assertThatThrownBy(() -> m.get(0, 0))
        .isInstanceOf(ArithmeticException.class)
        .hasMessage("entry [0][0] = 8.553285655 x 10^" + K + " is outside the range of a decimal number");
    assertThatThrownBy(m::maxAbs).isInstanceOf(ArithmeticException.class).hasMessageContaining("x 10^" + K);
  }

  /** Nearest doubles: a signed 0 below the double range, a signed infinity above it, 0 kept. */
  @Test
  void wideEntriesRoundToSignedZerosOrInfinities() {
    double[][] below = wide().toDoubles();
    assertThat(Double.doubleToRawLongBits(below[0][0])).isEqualTo(Double.doubleToRawLongBits(0.0));
    assertThat(Double.doubleToRawLongBits(below[0][2])).isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(below[0][1]).isZero();
    double[][] above = DecimalMatrix.wide("g", new BigDecimal[][] {{new BigDecimal("-2"), BigDecimal.ZERO}}, 2_000_000_000_000L).toDoubles();
    assertThat(above[0][0]).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(above[0][1]).isZero();
  }

  @Test
  void equalityIncludesThePowerOfTen() {
    BigDecimal[][] rows = {{BigDecimal.ONE}};
    assertThat(DecimalMatrix.wide("g", rows, K)).isEqualTo(DecimalMatrix.wide("g", rows, K));
    assertThat(DecimalMatrix.wide("g", rows, K)).isNotEqualTo(DecimalMatrix.wide("g", rows, K + 1));
    assertThat(DecimalMatrix.wide("g", rows, K)).isNotEqualTo(DecimalMatrix.of("g", rows));
    assertThat(DecimalMatrix.of("g", rows).isWide()).isFalse();
    assertThat(DecimalMatrix.wide("g", rows, K).toString()).endsWith(" x 10^" + K);
  }

  @Test
  void wideChecksItsRowsAsOfDoes() {
    assertThatThrownBy(() -> DecimalMatrix.wide("g", new BigDecimal[][] {{BigDecimal.ONE}, {}}, K))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("g is ragged: row 1 has 0 entries, row 0 has 1");
  }

  /** Equality: numerically equal entries of equal shapes (scale ignored); found by mutation testing. */
  @Test
  void equalityComparesShapesAndValues() {
    DecimalMatrix a = DecimalMatrix.parse("a", new String[][] {{"1.0", "2"}, {"3", "4"}});
    assertThat(a).isEqualTo(DecimalMatrix.parse("b", new String[][] {{"1", "2.00"}, {"3", "4"}}));
    assertThat(a).isNotEqualTo(DecimalMatrix.parse("b", new String[][] {{"1", "2"}, {"3", "5"}}));
    assertThat(a).isNotEqualTo(DecimalMatrix.parse("b", new String[][] {{"1", "2", "3", "4"}}));
    assertThat(a).isNotEqualTo(DecimalMatrix.parse("b", new String[][] {{"1", "2"}}));
    assertThat(a).isNotEqualTo("a");
    assertThat(a.hashCode()).isEqualTo(DecimalMatrix.parse("b", new String[][] {{"1", "2.00"}, {"3", "4"}}).hashCode());
  }
}
