package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Examples of {@link DecimalFormatting#significant}: layout, rounding, zero, preconditions. */
class DecimalFormattingExamples {

  private static String sig(String x, int digits) {
    return DecimalFormatting.significant(new BigDecimal(x), digits);
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
}
