package dev.loralimits.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Float64Text}: Java 19's Double.toString on every Java version. */
class Float64TextExamples {
  /** Seeded doubles compared with this JVM's Double.toString. */
  static final int RANDOM_DOUBLES = 20_000;

  @Test
  void javaLayout() {
    assertThat(Float64Text.of(1.0)).isEqualTo("1.0");
    assertThat(Float64Text.of(-0.0)).isEqualTo("-0.0");
    assertThat(Float64Text.of(0.0)).isEqualTo("0.0");
    assertThat(Float64Text.of(0.1)).isEqualTo("0.1");
    assertThat(Float64Text.of(0.001)).isEqualTo("0.001");
    assertThat(Float64Text.of(9.999e-4)).isEqualTo("9.999E-4");
    assertThat(Float64Text.of(1234567.0)).isEqualTo("1234567.0");
    assertThat(Float64Text.of(1e7)).isEqualTo("1.0E7");
    assertThat(Float64Text.of(-1.5e-300)).isEqualTo("-1.5E-300");
    assertThat(Float64Text.of(1e23)).isEqualTo("1.0E23");
    assertThat(Float64Text.of(Double.MAX_VALUE)).isEqualTo("1.7976931348623157E308");
  }

  /** Java 19+ (JDK-4511638): the closest of the shortest, 4.9E-324 rather than 5.0E-324. */
  @Test
  void shortestAndClosest() {
    assertThat(Float64Text.of(Double.MIN_VALUE)).isEqualTo("4.9E-324");
    // Java 17 prints 2.0E-3 correctly but 2.0000000000000004E-3-like strings for some values;
    // 1.0E23 and 2^-44 are the classic cases of a digit too many before Java 19.
    assertThat(Float64Text.of(Math.scalb(1.0, -44))).isEqualTo("5.684341886080802E-14");
  }

  /**
   * The Java 19 specification, checked directly: the text reads back as x; no decimal with one
   * digit fewer does (shortest); and it is never farther from x than Java's own text of the same
   * length (closest; Java 17 is sometimes a digit longer, and among 17-digit texts not always the
   * closest).
   */
  @Test
  void shortestRoundTripAndClosest() {
    Random rng = new Random(7);
    for (int i = 0; i < RANDOM_DOUBLES; i++) {
      double x = i % 2 == 0 ? Double.longBitsToDouble(rng.nextLong()) : rng.nextGaussian() * Math.pow(10, rng.nextInt(20) - 10);
      if (!Double.isFinite(x) || x == 0) {
        continue;
      }
      String ours = Float64Text.of(x);
      String java = Double.toString(x);
      assertThat(Double.parseDouble(ours)).as(java).isEqualTo(x);
      int n = digits(ours);
      assertThat(n).as(java).isLessThanOrEqualTo(digits(java));
      BigDecimal exact = new BigDecimal(x);
      if (n > 2) {
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
          assertThat(exact.round(new MathContext(n - 1, mode)).doubleValue()).as(ours).isNotEqualTo(x);
        }
      }
      if (n == digits(java)) {
        BigDecimal errOurs = new BigDecimal(ours).subtract(exact).abs();
        BigDecimal errJava = new BigDecimal(java).subtract(exact).abs();
        assertThat(errOurs).as(ours + " vs " + java).isLessThanOrEqualTo(errJava);
      }
    }
  }

  @Test
  void rejectsNonFinite() {
    assertThatThrownBy(() -> Float64Text.of(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Float64Text.of(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Significant digits of a Java double text. */
  private static int digits(String s) {
    String m = s.replaceFirst("^-", "").replaceFirst("E.*$", "").replace(".", "");
    m = m.replaceFirst("^0+", "").replaceFirst("0+$", "");
    return Math.max(1, m.length());
  }
}
