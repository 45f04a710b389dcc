package dev.loralimits.fast;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Decimal arithmetic with directed rounding, for error bounds that must be theorems.
 *
 * <p>{@link BigDecimal} addition, subtraction and multiplication without a {@link MathContext}
 * are exact; with a context of rounding mode {@link RoundingMode#CEILING} (resp. {@code FLOOR})
 * the result is the exact result rounded towards {@code +infinity} (resp. {@code -infinity}). On
 * non-negative operands every operation used here is monotone, so a chain of CEILING operations
 * on upper bounds gives an upper bound, and a chain of FLOOR operations on lower bounds a lower
 * bound. Nothing here relies on the accuracy of a library's transcendental functions: {@code exp}
 * is a Taylor sum with an explicit tail bound. Proofs: {@code proofs-notes/EXP-POLYNOMIAL.md}
 * Section 2.
 */
final class DirectedDecimal {
  /** After argument reduction {@code 0 <= h <= 2^-REDUCTION_BITS}; the tail ratio is then tiny. */
  static final int REDUCTION_BITS = 10;

  /** Guard digits against the loss of up to {@code 2^s} relative accuracy in s squarings. */
  static final int SQUARING_GUARD_DIGITS = 12;

  private static final BigDecimal HALF = new BigDecimal("0.5");

  private DirectedDecimal() {}

  static MathContext up(int digits) {
    return new MathContext(digits, RoundingMode.CEILING);
  }

  static MathContext down(int digits) {
    return new MathContext(digits, RoundingMode.FLOOR);
  }

  /** An upper bound of {@code e^x}, about {@code digits} significant digits tight. */
  static BigDecimal expUpper(BigDecimal x, int digits) {
    if (x.signum() < 0) {
      return BigDecimal.ONE.divide(expNonNegative(x.negate(), digits, false), up(digits));
    }
    return expNonNegative(x, digits, true);
  }

  /** A positive lower bound of {@code e^x}, about {@code digits} significant digits tight. */
  static BigDecimal expLower(BigDecimal x, int digits) {
    if (x.signum() < 0) {
      return BigDecimal.ONE.divide(expNonNegative(x.negate(), digits, true), down(digits));
    }
    return expNonNegative(x, digits, false);
  }

  /**
   * e^x for x >= 0: write {@code x = 2^s h} with {@code 0 <= h <= 2^-10} (exact: halving a
   * decimal is exact), sum {@code T_N(h) = sum_{t<=N} h^t/t!}, then square s times. Upper: every
   * operation rounds up and the tail {@code sum_{t>N} h^t/t! <= h^N/N!} (ratio of consecutive
   * terms {@code h/(t+1) <= 1/2}) is added. Lower: every operation rounds down, no tail.
   */
  private static BigDecimal expNonNegative(BigDecimal x, int digits, boolean upper) {
    if (x.signum() == 0) {
      return BigDecimal.ONE;
    }
    int p = digits + SQUARING_GUARD_DIGITS;
    MathContext mc = upper ? up(p) : down(p);
    int s = Math.max(0, bitLength(x) + REDUCTION_BITS);
    BigDecimal h = x.multiply(HALF.pow(s)); // exact
    BigDecimal threshold = BigDecimal.ONE.scaleByPowerOfTen(-p - 2);
    BigDecimal sum = BigDecimal.ONE;
    BigDecimal term = BigDecimal.ONE;
    for (int t = 1; term.compareTo(threshold) > 0; t++) {
      term = term.multiply(h, mc).divide(BigDecimal.valueOf(t), mc);
      sum = sum.add(term, mc);
    }
    if (upper) {
      sum = sum.add(term, mc); // tail bound: the last term dominates all later ones together
    }
    for (int i = 0; i < s; i++) {
      sum = sum.multiply(sum, mc);
    }
    return sum.round(upper ? up(digits) : down(digits));
  }

  /** Least integer k >= 0 with {@code x <= 2^k}, for x > 0 (0 when x <= 1). */
  private static int bitLength(BigDecimal x) {
    if (x.compareTo(BigDecimal.ONE) <= 0) {
      return 0;
    }
    return x.setScale(0, RoundingMode.CEILING).toBigInteger().subtract(java.math.BigInteger.ONE)
        .bitLength();
  }

  /** The least double that is >= x (x finite and within the double range, or +infinity). */
  static double toDoubleUp(BigDecimal x) {
    double d = x.doubleValue();
    if (Double.isInfinite(d)) {
      return d;
    }
    if (new BigDecimal(d).compareTo(x) < 0) {
      d = Math.nextUp(d);
    }
    return d;
  }
}
