package dev.loralimits.reference;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A binary floating-point number {@code m 2^e}: an integer mantissa m (a {@link BigInteger}) and a
 * {@code long} exponent e. Immutable; zero is {@code m = 0}. The mantissa is not normalised (an
 * exact input such as 1 is {@code 1 * 2^0}); {@link BinaryArithmetic} rounds results to its
 * precision. Values only: every rounding is in {@link BinaryArithmetic} (proofs-notes/REFERENCE-ENGINE.md §1).
 */
final class BinaryFloat {
  static final BinaryFloat ZERO = new BinaryFloat(BigInteger.ZERO, 0);
  static final BinaryFloat ONE = new BinaryFloat(BigInteger.ONE, 0);
  /** Largest |exponent| {@link #toBigDecimal} expands (an exact decimal of 2^-e has e digits). */
  static final long MAX_DECIMAL_EXPANSION = 1L << 20;

  final BigInteger m;
  final long e;

  BinaryFloat(BigInteger m, long e) {
    this.m = m;
    this.e = m.signum() == 0 ? 0 : e;
  }

  int signum() {
    return m.signum();
  }

  BinaryFloat negate() {
    return m.signum() == 0 ? this : new BinaryFloat(m.negate(), e);
  }

  /** {@code e + bitLength(m)}: {@code 2^{top-1} <= |x| <= 2^top} for x != 0. */
  long top() {
    return e + m.bitLength();
  }

  /** Exact comparison of values. */
  int compareTo(BinaryFloat o) {
    int s = m.signum();
    int t = o.m.signum();
    if (s != t || s == 0) {
      return Integer.compare(s, t);
    }
    long ta = top();
    long tb = o.top();
    if (ta > tb + 1) {
      return s;
    }
    if (tb > ta + 1) {
      return -s;
    }
    long lo = Math.min(e, o.e);
    return m.shiftLeft((int) (e - lo)).compareTo(o.m.shiftLeft((int) (o.e - lo)));
  }

  /** {@code floor(x 2^frac)}. */
  BigInteger fixed(int frac) {
    long shift = e + frac;
    if (shift >= 0) {
      if (shift > Integer.MAX_VALUE) {
        throw new OutOfBinaryRangeException("fixed-point image beyond 2^" + Integer.MAX_VALUE);
      }
      return m.shiftLeft((int) shift);
    }
    return BinaryAccumulator.floorShift(m, -shift);
  }

  /**
   * The exact decimal value: {@code m 2^e} for {@code e >= 0}, {@code (m 5^{-e}) 10^e} for e < 0.
   *
   * @throws OutOfBinaryRangeException when |e| exceeds {@link #MAX_DECIMAL_EXPANSION}
   */
  BigDecimal toBigDecimal() {
    if (m.signum() == 0) {
      return BigDecimal.ZERO;
    }
    if (Math.abs(e) > MAX_DECIMAL_EXPANSION) {
      throw new OutOfBinaryRangeException("binary exponent " + e + " too wide for an exact decimal");
    }
    if (e >= 0) {
      return new BigDecimal(m.shiftLeft((int) e));
    }
    return new BigDecimal(m.multiply(BigInteger.valueOf(5).pow((int) -e)), (int) -e);
  }

  @Override
  public String toString() {
    return m + "*2^" + e;
  }
}
