package dev.loralimits.fast;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Binary fixed point with directed rounding: a BigInteger v at scale B stands for
 * {@code v 2^-B}. Multiplication is exact in BigInteger; bringing a product back to scale B is a
 * shift, rounded down ({@link #floorShift}) or up ({@link #ceilShift}) as the bound requires.
 * Used for the enclosures of the Chebyshev interpolant ({@code proofs-notes/EXP-POLYNOMIAL.md}
 * Section 3); binary shifts are far cheaper than decimal rounding.
 */
final class FixedPoint {
  /** Reduced exp argument {@code h <= 2^-REDUCTION_BITS}. */
  static final int REDUCTION_BITS = 10;

  /** Guard bits of the exp evaluation: cover 2^s amplification in s <= 17 squarings. */
  static final int GUARD_BITS = 48;

  private FixedPoint() {}

  static BigInteger floorShift(BigInteger x, int k) {
    return x.shiftRight(k); // arithmetic shift = floor
  }

  static BigInteger ceilShift(BigInteger x, int k) {
    return x.negate().shiftRight(k).negate();
  }

  static BigInteger floorDiv(BigInteger x, BigInteger d) {
    BigInteger[] qr = x.divideAndRemainder(d); // d > 0; truncates towards 0
    return qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
  }

  static BigInteger ceilDiv(BigInteger x, BigInteger d) {
    return floorDiv(x.negate(), d).negate();
  }

  /** floor or ceiling of {@code x 2^B} for a BigDecimal x. */
  static BigInteger fromDecimal(BigDecimal x, int b, boolean up) {
    BigDecimal scaled = new BigDecimal(BigInteger.ONE.shiftLeft(b)).multiply(x);
    return scaled.setScale(0, up ? RoundingMode.CEILING : RoundingMode.FLOOR).toBigIntegerExact();
  }

  /**
   * floor or ceiling of {@code y r} at the scale of y, for a double {@code r >= 0}: with
   * {@code r = m 2^e} exactly (m the 53-bit significand), {@code y m} is exact and the shift by e
   * is rounded in the direction asked.
   */
  static BigInteger times(BigInteger y, double r, boolean up) {
    if (r == 0) {
      return BigInteger.ZERO;
    }
    long bits = Double.doubleToRawLongBits(r);
    int biased = (int) (bits >>> 52) & 0x7ff;
    long m = bits & ((1L << 52) - 1);
    int e;
    if (biased == 0) { // subnormal
      e = -1074;
    } else {
      m |= 1L << 52;
      e = biased - 1075;
    }
    BigInteger p = y.multiply(BigInteger.valueOf(m));
    if (e >= 0) {
      return p.shiftLeft(e);
    }
    return up ? ceilShift(p, -e) : floorShift(p, -e);
  }

  /** {@code {m, e}} with {@code x = m 2^e} exactly (m a signed 53-bit integer), x finite. */
  static long[] dyadic(double x) {
    long bits = Double.doubleToRawLongBits(x);
    int biased = (int) (bits >>> 52) & 0x7ff;
    long m = bits & ((1L << 52) - 1);
    int e;
    if (biased == 0) {
      e = -1074;
    } else {
      m |= 1L << 52;
      e = biased - 1075;
    }
    return new long[] {x < 0 ? -m : m, e};
  }

  /**
   * A double {@code >= v 2^-shift} for {@code v >= 0}: v is first cut to its top 53 bits rounded
   * up (exact in a double), then scaled by {@code Math.scalb}, exact unless the result is below
   * {@link Double#MIN_NORMAL}; such values are replaced by MIN_NORMAL (an upper bound).
   */
  static double upperDouble(BigInteger v, long shift) {
    if (v.signum() == 0) {
      return 0;
    }
    int cut = Math.max(0, v.bitLength() - 53);
    long top = ceilShift(v, cut).longValueExact(); // <= 2^53, exact as a double
    long e = cut - shift;
    if (e > Double.MAX_EXPONENT) {
      return Double.POSITIVE_INFINITY;
    }
    double d = e < -2000 ? 0 : Math.scalb((double) top, (int) e);
    return d < Double.MIN_NORMAL ? Double.MIN_NORMAL : d;
  }

  /**
   * Bound of {@code e^z} at scale B (z at scale B, any sign): an upper bound if {@code up},
   * else a lower bound (>= 0). For z < 0, {@code e^z = 1/e^-z} with the opposite direction.
   */
  static BigInteger exp(BigInteger z, int b, boolean up) {
    if (z.signum() < 0) {
      BigInteger d = expNonNegative(z.negate(), b, !up);
      BigInteger one2 = BigInteger.ONE.shiftLeft(2 * b);
      return up ? ceilDiv(one2, d) : floorDiv(one2, d);
    }
    return expNonNegative(z, b, up);
  }

  /**
   * z >= 0: {@code z 2^-B = 2^s h}, {@code 0 <= h <= 2^-10}, exactly at the finer scale
   * {@code B' = B + s + GUARD_BITS}; {@code T_N(h) = sum_{t<=N} h^t/t!} with every operation
   * rounded in the bound's direction; upper bounds add the last term as the tail
   * ({@code h/(t+1) <= 1/2}, so {@code sum_{t>N} h^t/t! <= h^N/N!}); then s squarings.
   */
  private static BigInteger expNonNegative(BigInteger z, int b, boolean up) {
    if (z.signum() == 0) {
      return BigInteger.ONE.shiftLeft(b);
    }
    int s = Math.max(0, z.bitLength() - b + REDUCTION_BITS); // z 2^-B < 2^(bitLength - B)
    int bb = b + s + GUARD_BITS;
    BigInteger h = z.shiftLeft(bb - b - s); // value z 2^-B 2^-s, exact at scale bb
    BigInteger one = BigInteger.ONE.shiftLeft(bb);
    BigInteger sum = one;
    BigInteger term = one;
    for (int t = 1; term.signum() > 0; t++) {
      BigInteger prod = term.multiply(h);
      term = up ? ceilShift(prod, bb) : floorShift(prod, bb);
      BigInteger tt = BigInteger.valueOf(t);
      term = up ? ceilDiv(term, tt) : floorDiv(term, tt);
      sum = sum.add(term);
      if (up && term.compareTo(BigInteger.ONE) <= 0) {
        sum = sum.add(term); // tail
        break;
      }
    }
    for (int i = 0; i < s; i++) {
      BigInteger sq = sum.multiply(sum);
      sum = up ? ceilShift(sq, bb) : floorShift(sq, bb);
    }
    return up ? ceilShift(sum, bb - b) : floorShift(sum, bb - b);
  }

  /**
   * Bounds of cos x (x in [0, 1], at scale B): an upper bound if {@code up}. Alternating series
   * with terms {@code u_i = x^(2i)/(2i)!} decreasing (ratio {@code x^2/((2i+1)(2i+2)) < 1}): a
   * partial sum ending on a + term is above cos x, one ending on a - term below.
   */
  static BigInteger cos(BigInteger x, int b, boolean up) {
    return alternating(x, b, up, 0);
  }

  /** Bounds of sin x (x in [0, 1], at scale B), as {@link #cos} with {@code u_i = x^(2i+1)/(2i+1)!}. */
  static BigInteger sin(BigInteger x, int b, boolean up) {
    return alternating(x, b, up, 1);
  }

  private static BigInteger alternating(BigInteger x, int b, boolean up, int first) {
    BigInteger one = BigInteger.ONE.shiftLeft(b);
    BigInteger x2lo = floorShift(x.multiply(x), b);
    BigInteger x2hi = ceilShift(x.multiply(x), b);
    BigInteger lo = first == 0 ? one : x; // u_0, bounded below and above
    BigInteger hi = lo;
    BigInteger sum = lo;
    for (int i = 1; ; i++) {
      BigInteger den = BigInteger.valueOf((long) (2 * i - 1 + first) * (2 * i + first));
      lo = floorDiv(floorShift(lo.multiply(x2lo), b), den);
      hi = ceilDiv(ceilShift(hi.multiply(x2hi), b), den);
      boolean negative = (i % 2) == 1;
      // an upper bound adds + terms high and - terms low, and stops after a + term
      sum = negative ? sum.subtract(up ? lo : hi) : sum.add(up ? hi : lo);
      boolean stop = hi.signum() == 0 || lo.signum() == 0;
      if (stop && (up != negative)) {
        return sum;
      }
      if (i > 4 * b) {
        throw new IllegalStateException("series did not settle");
      }
    }
  }
}
