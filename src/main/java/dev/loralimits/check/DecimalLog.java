package dev.loralimits.check;

import dev.loralimits.model.Checks;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Decimal logarithms of exact decimals of any magnitude, without going through a {@code double}
 * value of the number itself (which underflows to 0 below about {@code 1e-324}: an error of
 * {@code 1e-58946} has log10 -58946, not -infinity).
 */
public final class DecimalLog {
  /** Leading digits kept: a double holds 17 significant digits, so more would not change the result. */
  private static final MathContext LEADING = new MathContext(17, RoundingMode.DOWN);

  private DecimalLog() {}

  /**
   * {@code log10(x)} for {@code x > 0}, from its exponent and its leading digits: with x rounded
   * down to 17 significant digits as {@code u * 10^(-s)} (u an integer below {@code 10^17}),
   * {@code log10 x = log10 u - s} up to the truncation, a relative change below {@code 10^-16}
   * of x (an absolute error below {@code 5e-17} in the logarithm), plus the rounding of the
   * double arithmetic.
   *
   * @throws IllegalArgumentException when x is null or not positive
   */
  public static double log10(BigDecimal x) {
    Checks.positive("x", x);
    BigDecimal lead = x.round(LEADING);
    return Math.log10(lead.unscaledValue().doubleValue()) - lead.scale();
  }

  /**
   * {@code log10(x / y)} for {@code x, y > 0}, without forming the quotient: with each rounded down
   * to 17 significant digits as {@code u 10^(-s)}, {@code (log10 u_x - log10 u_y) + (s_y - s_x)},
   * the integer part exact (a long), so the result is accurate to a few ulps of itself even when
   * x and y are both near {@code 10^(-58000)}, where the difference of two such logarithms as
   * doubles would lose 12 digits.
   *
   * @throws IllegalArgumentException when x or y is null or not positive
   */
  public static double log10Ratio(BigDecimal x, BigDecimal y) {
    Checks.positive("x", x);
    Checks.positive("y", y);
    BigDecimal lx = x.round(LEADING);
    BigDecimal ly = y.round(LEADING);
    double mantissas = Math.log10(lx.unscaledValue().doubleValue()) - Math.log10(ly.unscaledValue().doubleValue());
    return mantissas + ((long) ly.scale() - lx.scale());
  }

  /**
   * The largest integer {@code k} with {@code 10^k <= x}, for {@code x > 0}, decided exactly: with
   * x written as {@code u * 10^(-scale)}, u an integer of {@code precision} digits,
   * {@code 10^(precision - scale - 1) <= x < 10^(precision - scale)}.
   *
   * @throws IllegalArgumentException when x is null or not positive
   */
  public static long floorLog10(BigDecimal x) {
    Checks.positive("x", x);
    return (long) x.precision() - x.scale() - 1;
  }
}
