package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** {@link DecimalLog}: logarithms of decimals far outside the double range, and exact floors. */
class DecimalLogExamples {
  /** log10 of a 17-digit mantissa plus an exact exponent: a few ulps of values below 100. */
  private static final double LOG_TOLERANCE = 1e-13;

  @Test
  void log10OfNumbersOutsideTheDoubleRange() {
    assertThat(DecimalLog.log10(new BigDecimal("1e-58946"))).isEqualTo(-58946);
    assertThat(DecimalLog.log10(new BigDecimal("2.5e400"))).isCloseTo(400 + Math.log10(2.5), within(1e-10));
    assertThat(DecimalLog.log10(new BigDecimal("2"))).isCloseTo(Math.log10(2), within(LOG_TOLERANCE));
    // A 60-digit number: only the leading 17 digits matter.
    assertThat(DecimalLog.log10(new BigDecimal("3" + "1".repeat(59)))).isCloseTo(59 + Math.log10(3.1111111111111111), within(LOG_TOLERANCE));
  }

  @Test
  void log10RatioKeepsTheExponentsExact() {
    // 4e-58000 / 3e-58051 = (4/3) 1e51.
    assertThat(DecimalLog.log10Ratio(new BigDecimal("4e-58000"), new BigDecimal("3e-58051")))
        .isCloseTo(51 + Math.log10(4.0 / 3), within(LOG_TOLERANCE));
    assertThat(DecimalLog.log10Ratio(BigDecimal.ONE, new BigDecimal("1e-58946"))).isEqualTo(58946);
    assertThat(DecimalLog.log10Ratio(new BigDecimal("7.5"), BigDecimal.TEN)).isCloseTo(Math.log10(0.75), within(LOG_TOLERANCE));
  }

  @Test
  void floorLog10IsExact() {
    String[][] cases = {{"1", "0"}, {"9.99", "0"}, {"10", "1"}, {"100.00", "2"}, {"0.1", "-1"}, {"0.0999", "-2"},
        {"1e-58946", "-58946"}, {"3e-30", "-30"}, {"1E+5", "5"}};
    for (String[] c : cases) {
      assertThat(DecimalLog.floorLog10(new BigDecimal(c[0]))).as(c[0]).isEqualTo(Long.parseLong(c[1]));
    }
    assertThatThrownBy(() -> DecimalLog.floorLog10(BigDecimal.ZERO)).hasMessage("x (0) must be > 0");
    assertThatThrownBy(() -> DecimalLog.log10(new BigDecimal("-1"))).hasMessage("x (-1) must be > 0");
  }
}
