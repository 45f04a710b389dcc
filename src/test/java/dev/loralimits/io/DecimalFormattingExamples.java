package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

/**
 * Examples of {@link DecimalFormatting#significant} (layout, rounding half to even and toward
 * +infinity, zero, preconditions) and of {@link DecimalFormatting#roundTrip}.
 */
class DecimalFormattingExamples {

  private static String sig(String x, int digits) {
    return DecimalFormatting.significant(new BigDecimal(x), digits);
  }

  @Test
  void ceilingRoundsTowardPlusInfinity() {
    assertThat(DecimalFormatting.significant(new BigDecimal("1.2341"), 4, RoundingMode.CEILING)).isEqualTo("1.235e+0");
    assertThat(DecimalFormatting.significant(new BigDecimal("-1.2349"), 4, RoundingMode.CEILING)).isEqualTo("-1.234e+0");
    assertThat(DecimalFormatting.significant(new BigDecimal("1.234"), 4, RoundingMode.CEILING)).isEqualTo("1.234e+0");
    // exact binary values: the double 1e-7 is 9.99999999999999954...e-8 (below 1e-7), the double
    // 3.7251e-11 is 3.72510000000000027...e-11 (above): rounding up gives 1e-7 and 3.726e-11
    assertThat(DecimalFormatting.significant(new BigDecimal(1e-7), 4, RoundingMode.CEILING)).isEqualTo("1.000e-7");
    assertThat(DecimalFormatting.significant(new BigDecimal(3.7251e-11), 4, RoundingMode.CEILING)).isEqualTo("3.726e-11");
  }

  @Test
  void roundTripWritesTheShortDecimalOfADouble() {
    assertThat(DecimalFormatting.roundTrip(1e-6)).isEqualTo("1e-6");
    assertThat(DecimalFormatting.roundTrip(0.25)).isEqualTo("2.5e-1");
    assertThat(DecimalFormatting.roundTrip(-3.0)).isEqualTo("-3e+0");
    assertThat(DecimalFormatting.roundTrip(0.0)).isEqualTo("0");
    assertThat(Double.parseDouble(DecimalFormatting.roundTrip(0.1 + 0.2))).isEqualTo(0.1 + 0.2);
    assertThatThrownBy(() -> DecimalFormatting.roundTrip(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x (NaN) must be finite");
  }

  @Test
  void padsWithTrailingZeros() {
    assertThat(sig("0.001234", 5)).isEqualTo("1.2340e-3");
    assertThat(sig("-5", 5)).isEqualTo("-5.0000e+0");
    assertThat(sig("1E+10", 3)).isEqualTo("1.00e+10");
  }

  @Test
  void keepsTheExponentOfTheLeadingDigit() {
    assertThat(sig("123456", 3)).isEqualTo("1.23e+5");
    assertThat(sig("0.000000000000000000000000000012345", 2)).isEqualTo("1.2e-29");
    assertThat(sig("12340000", 4)).isEqualTo("1.234e+7");
  }

  @Test
  void roundsHalfToEven() {
    assertThat(sig("0.125", 2)).isEqualTo("1.2e-1");
    assertThat(sig("0.135", 2)).isEqualTo("1.4e-1");
    assertThat(sig("-0.125", 2)).isEqualTo("-1.2e-1");
    assertThat(sig("0.1250000001", 2)).isEqualTo("1.3e-1");
  }

  @Test
  void carriesIntoTheExponent() {
    assertThat(sig("9.99", 2)).isEqualTo("1.0e+1");
    assertThat(sig("99999.5", 5)).isEqualTo("1.0000e+5");
    assertThat(sig("-0.0009996", 3)).isEqualTo("-1.00e-3");
  }

  @Test
  void oneDigitHasNoPoint() {
    assertThat(sig("7", 1)).isEqualTo("7e+0");
    assertThat(sig("0.35", 1)).isEqualTo("4e-1");
  }

  @Test
  void zeroIsWrittenAsZero() {
    assertThat(sig("0", 5)).isEqualTo("0");
    assertThat(sig("0.000", 5)).isEqualTo("0");
    assertThat(sig("0E+7", 1)).isEqualTo("0");
  }

  @Test
  void fiftyDigits() {
    String x = "3.14159265358979323846264338327950288419716939937510582097494459";
    assertThat(sig(x, 50)).isEqualTo("3.1415926535897932384626433832795028841971693993751e+0");
  }

  @Test
  void refusesBadArguments() {
    assertThatThrownBy(() -> DecimalFormatting.significant(BigDecimal.ONE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("digits (0) must be > 0");
    assertThatThrownBy(() -> DecimalFormatting.significant(null, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x is missing");
  }

  /** A wide matrix's entry: the mantissa's digits, the exponent raised by the power of ten. */
  @Test
  void aPowerOfTenRaisesTheWrittenExponent() {
    assertThat(DecimalFormatting.significant(new BigDecimal("1.5"), -1_000_000_000_000L, 3)).isEqualTo("1.50e-1000000000000");
    assertThat(DecimalFormatting.significant(new BigDecimal("-85.532856554"), -746_986_508_873_581L, 10))
        .isEqualTo("-8.553285655e-746986508873580");
    assertThat(DecimalFormatting.significant(new BigDecimal("9.96"), 5, 2)).isEqualTo("1.0e+6");
    assertThat(DecimalFormatting.significant(BigDecimal.ZERO, -5, 2)).isEqualTo("0");
    assertThat(new BigDecimal(DecimalFormatting.significant(new BigDecimal("1.25"), -7, 3))).isEqualByComparingTo("1.25e-7");
    assertThatThrownBy(() -> DecimalFormatting.significant(BigDecimal.TEN, Long.MAX_VALUE, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the exponent of 10 x 10^" + Long.MAX_VALUE + " overflows a long");
  }
}
