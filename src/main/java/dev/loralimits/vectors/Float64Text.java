package dev.loralimits.vectors;

import dev.loralimits.model.Checks;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The text of a double as {@link Double#toString(double)} specifies it from Java 19 on: the
 * shortest decimal that reads back as the same double (closest to it when several are equally
 * short, the even one on a tie), in Java's layout ({@code 0.001}, {@code 1234.5}, {@code 1.0E7},
 * {@code 4.9E-324}). Java 17's {@code Double.toString} sometimes prints a digit more than needed;
 * this class gives the same text on every Java version, so the golden vectors are reproducible
 * byte for byte. Every result is a valid JSON number.
 */
public final class Float64Text {
  /** A double needs at most 17 significant digits to read back unchanged. */
  private static final int MAX_DIGITS = 17;
  /** Plain notation for {@code 10^PLAIN_MIN_EXPONENT <= |x| < 10^PLAIN_MAX_EXPONENT}. */
  private static final int PLAIN_MIN_EXPONENT = -3;

  private static final int PLAIN_MAX_EXPONENT = 7;

  private Float64Text() {}

  /**
   * The shortest round-trip text of x.
   *
   * @throws IllegalArgumentException when x is NaN or infinite
   */
  public static String of(double x) {
    Checks.finite("x", x);
    if (x == 0) {
      return 1 / x < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(x);
    BigDecimal best = null;
    int n = 1;
    while (best == null) {
      best = closestRoundTrip(exact, x, n);
      n++;
    }
    if (n == 2) {
      // Java's rule: when one digit suffices, the closest decimal of one or two digits is taken
      // (Double.MIN_VALUE is 4.9E-324, not 5.0E-324).
      BigDecimal two = closestRoundTrip(exact, x, 2);
      if (two != null && closer(exact, two, best)) {
        best = two;
      }
    }
    return layout(best);
  }

  /** The n-digit decimal that reads back as x and is closest to it, or null when none does. */
  private static BigDecimal closestRoundTrip(BigDecimal exact, double x, int n) {
    if (n > MAX_DIGITS) {
      throw new IllegalStateException("no round-trip decimal of at most 17 digits for " + exact);
    }
    BigDecimal down = exact.round(new MathContext(n, RoundingMode.FLOOR));
    BigDecimal up = exact.round(new MathContext(n, RoundingMode.CEILING));
    boolean downOk = down.doubleValue() == x;
    boolean upOk = up.doubleValue() == x;
    if (downOk && upOk) {
      return closer(exact, up, down) ? up : down;
    }
    return downOk ? down : upOk ? up : null;
  }

  /** Whether a is strictly closer to exact than b, or as close and with an even last digit. */
  private static boolean closer(BigDecimal exact, BigDecimal a, BigDecimal b) {
    int c = a.subtract(exact).abs().compareTo(b.subtract(exact).abs());
    if (c != 0) {
      return c < 0;
    }
    return a.compareTo(b) != 0 && !a.unscaledValue().testBit(0);
  }

  /** Java's layout: plain for 1e-3 <= |x| < 1e7, else d.dddE[-]n; at least one fraction digit. */
  private static String layout(BigDecimal v) {
    BigDecimal s = v.stripTrailingZeros();
    long exponent = (long) s.precision() - s.scale() - 1;
    StringBuilder out = new StringBuilder();
    if (s.signum() < 0) {
      out.append('-');
    }
    if (exponent >= PLAIN_MIN_EXPONENT && exponent < PLAIN_MAX_EXPONENT) {
      String plain = s.abs().toPlainString();
      out.append(plain);
      if (plain.indexOf('.') < 0) {
        out.append(".0");
      }
      return out.toString();
    }
    String digits = s.unscaledValue().abs().toString();
    out.append(digits.charAt(0)).append('.');
    out.append(digits.length() > 1 ? digits.substring(1) : "0");
    return out.append('E').append(exponent).toString();
  }
}
