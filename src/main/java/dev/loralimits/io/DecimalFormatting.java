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
    if (x == null) {
      throw new IllegalArgumentException("x is missing");
    }
    if (digits < 1) {
      throw new IllegalArgumentException("digits (" + digits + ") must be > 0");
    }
    if (x.signum() == 0) {
      return "0";
    }
    BigDecimal r = x.round(new MathContext(digits, RoundingMode.HALF_EVEN));
    StringBuilder mantissa = new StringBuilder(r.unscaledValue().abs().toString());
    // The exponent of the leading digit; long because precision - scale may leave int range.
    long exponent = (long) r.precision() - r.scale() - 1;
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
}
