package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link DecimalFormatting#significant}: the text parses back to exactly the value rounded half
 * to even, and carries exactly the requested number of digits in the layout {@code d.ddde+x}.
 */
class DecimalFormattingProperties {
  /** Sign, mantissa (one digit, optional point and more digits), exponent with its sign. */
  private static final Pattern LAYOUT = Pattern.compile("-?([1-9])(?:\\.([0-9]+))?e[+-]([0-9]+)");

  @Provide
  Arbitrary<BigDecimal> decimals() {
    Arbitrary<BigInteger> unscaled =
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40));
    Arbitrary<Integer> scale = Arbitraries.integers().between(-60, 60);
    return Combinators.combine(unscaled, scale).as(BigDecimal::new);
  }

  @Property(tries = 2000)
  @Label("parses back to x rounded half-even to `digits` significant digits")
  void parsesBackToTheRoundedValue(
      @ForAll("decimals") BigDecimal x, @ForAll @IntRange(min = 1, max = 60) int digits) {
    String s = DecimalFormatting.significant(x, digits);
    BigDecimal rounded = x.round(new MathContext(digits, RoundingMode.HALF_EVEN));
    Statistics.label("zero").collect(x.signum() == 0);
    Statistics.label("rounding changed the value").collect(rounded.compareTo(x) != 0);
    Statistics.label("zero").coverage(c -> c.check(true).count(n -> n > 0));
    Statistics.label("rounding changed the value").coverage(c -> c.check(true).count(n -> n > 0));
    assertThat(new BigDecimal(s)).isEqualByComparingTo(rounded);
  }

  @Property(tries = 2000)
  @Label("non-zero values have exactly `digits` mantissa digits, zero is \"0\"")
  void hasExactlyTheRequestedDigits(
      @ForAll("decimals") BigDecimal x, @ForAll @IntRange(min = 1, max = 60) int digits) {
    String s = DecimalFormatting.significant(x, digits);
    if (x.signum() == 0) {
      assertThat(s).isEqualTo("0");
      return;
    }
    Matcher m = LAYOUT.matcher(s);
    assertThat(m.matches()).as("layout of %s", s).isTrue();
    String fraction = m.group(2) == null ? "" : m.group(2);
    assertThat(1 + fraction.length()).isEqualTo(digits);
    assertThat(s.startsWith("-")).isEqualTo(x.signum() < 0);
  }
}
