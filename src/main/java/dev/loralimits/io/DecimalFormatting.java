package dev.loralimits.io;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Exact decimal formatting of output numbers, never through a {@code double}.
 */
public final class DecimalFormatting {
  private DecimalFormatting() {}

  /**
   * Rounds {@code x} to {@code digits} significant digits (round half to even) and writes it in
   * scientific notation with exactly {@code digits} digits in the mantissa: one digit before the
   * point, {@code digits - 1} after it (padded with trailing zeros), then {@code e}, the sign of
   * the exponent and the exponent. With {@code digits = 5}: {@code 0.001234 -> "1.2340e-3"},
   * {@code -5 -> "-5.0000e+0"}, {@code 99999.5 -> "1.0000e+5"}; with {@code digits = 1} there is
   * no point: {@code 7 -> "7e+0"}.
   *
   * <p>Zero (of any scale) is written {@code "0"}: it has no significant digits to show. Every
   * result is a valid JSON number and parses back with {@code new BigDecimal(s)} to exactly
   * {@code x.round(new MathContext(digits, RoundingMode.HALF_EVEN))}.
   *
   * @param x the number, not null
   * @param digits significant digits, at least 1
   * @return the formatted number
   * @throws IllegalArgumentException when x is null or digits is less than 1
   */
  public static String significant(BigDecimal x, int digits) {
    return significant(x, digits, RoundingMode.HALF_EVEN);
  }

  /**
   * As {@link #significant(BigDecimal, int)}, rounding by {@code mode} instead of half to even.
   * {@link RoundingMode#CEILING} writes certified upper bounds: the written number is never below
   * {@code x} (spec/FORMATS.md Section 2.4).
   *
   * @param x the number, not null
   * @param digits significant digits, at least 1
   * @param mode the rounding, not null
   * @return the formatted number
   * @throws IllegalArgumentException when x or mode is null or digits is less than 1
   * @throws ArithmeticException when mode is {@link RoundingMode#UNNECESSARY} and x has more than
   *     {@code digits} significant digits
   */
  public static String significant(BigDecimal x, int digits, RoundingMode mode) {
    return significant(x, 0, digits, mode);
  }

  /**
   * {@code x 10^powerOfTen} written as {@link #significant(BigDecimal, int)} writes x, with the
   * exponent raised by {@code powerOfTen}: the form of an entry of a wide matrix
   * ({@code DecimalMatrix.wide}), whose value no BigDecimal holds. {@code (1.5, -10^12, 3) ->
   * "1.50e-1000000000000"}. The result is a valid JSON number.
   *
   * @param x the mantissa, not null
   * @param powerOfTen the power of ten x is scaled by; the written exponent must fit a long
   * @param digits significant digits, at least 1
   * @return the formatted number
   * @throws IllegalArgumentException when x is null, digits is less than 1, or the exponent
   *     overflows a long
   */
  public static String significant(BigDecimal x, long powerOfTen, int digits) {
    return significant(x, powerOfTen, digits, RoundingMode.HALF_EVEN);
  }

  private static String significant(BigDecimal x, long powerOfTen, int digits, RoundingMode mode) {
    if (mode == null) {
      throw new IllegalArgumentException("rounding mode is missing");
    }
    if (x == null) {
      throw new IllegalArgumentException("x is missing");
    }
    if (digits < 1) {
      throw new IllegalArgumentException("digits (" + digits + ") must be > 0");
    }
    if (x.signum() == 0) {
      return "0";
    }
    BigDecimal r = x.round(new MathContext(digits, mode));
    StringBuilder mantissa = new StringBuilder(r.unscaledValue().abs().toString());
    // The exponent of the leading digit; long because precision - scale may leave int range.
    long exponent;
    try {
      exponent = Math.addExact((long) r.precision() - r.scale() - 1, powerOfTen);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("the exponent of " + x + " x 10^" + powerOfTen + " overflows a long", e);
    }
    // After rounding the unscaled value has at most `digits` digits, fewer when x had fewer;
    // its first digit is the leading one, so padding with zeros gives the mantissa.
    while (mantissa.length() < digits) {
      mantissa.append('0');
    }
    StringBuilder s = new StringBuilder(digits + 8);
    if (r.signum() < 0) {
      s.append('-');
    }
    s.append(mantissa.charAt(0));
    if (digits > 1) {
      s.append('.').append(mantissa, 1, digits);
    }
    s.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
    return s.toString();
  }

  /**
   * The decimal {@link Double#toString} gives for {@code x} (at most 17 significant digits, and
   * {@code Double.parseDouble} reads it back as exactly {@code x}), written as
   * {@link #significant(BigDecimal, int)} with as many digits as it has: {@code 1e-6 -> "1e-6"},
   * {@code 0.25 -> "2.5e-1"}. For echoing a user's double ({@code --epsilon}) without the noise of
   * its exact binary value ({@code 9.99999999999999954748e-7}).
   *
   * @throws IllegalArgumentException when x is NaN or infinite
   */
  public static String roundTrip(double x) {
    if (!Double.isFinite(x)) {
      throw new IllegalArgumentException("x (" + x + ") must be finite");
    }
    BigDecimal d = BigDecimal.valueOf(x).stripTrailingZeros();
    return significant(d, Math.max(1, d.precision()));
  }
}
