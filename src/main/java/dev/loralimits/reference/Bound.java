package dev.loralimits.reference;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An upper bound {@code m 2^e} of a non-negative real: a double m, 0 or in {@code [1, 2)}, and a
 * {@code long} exponent, so that bounds far outside the double range (radii of {@code 2^{-P}
 * 10^{-900}}) keep 52 bits. {@code m = +inf} is the vacuous bound. Every operation returns a
 * value {@code >=} its exact result: each double operation is round-to-nearest (error at most half
 * an ulp of its result, or half the least subnormal) and is followed by {@link Math#nextUp}, which
 * adds at least that much (proofs-notes/REFERENCE-ENGINE.md §8.1).
 *
 * <p>Exponents are kept in {@code [-MAX_EXPONENT, MAX_EXPONENT]}: a result above becomes the
 * vacuous bound, one below is raised to {@code -MAX_EXPONENT} (a larger value, so still an upper
 * bound). Values only; immutable.
 */
final class Bound {
  /**
   * Largest |exponent| kept: engine values stay far below it ({@link BinaryExp} refuses arguments
   * beyond {@code 2^60}), and the sum of two exponents fits a long.
   */
  static final long MAX_EXPONENT = 1L << 61;
  static final Bound ZERO = new Bound(0, 0);
  static final Bound INFINITE = new Bound(Double.POSITIVE_INFINITY, 0);
  /** Bits of an exponent difference beyond which the smaller addend is below half an ulp of m. */
  private static final int ALIGN_LIMIT = 60;

  final double m;
  final long e;

  private Bound(double m, long e) {
    this.m = m;
    this.e = e;
  }

  /**
   * {@code m 2^e} normalised to a mantissa in [1, 2); m must be a finite non-negative normal double
   * or 0 or +inf. Exact: scaling a normal double by a power of two within the double range is exact.
   */
  static Bound of(double m, long e) {
    if (m == 0) {
      return ZERO;
    }
    if (!(m < Double.POSITIVE_INFINITY)) {
      return INFINITE;
    }
    int k = Math.getExponent(m);
    return make(Math.scalb(m, -k), e + k);
  }

  private static Bound make(double m, long e) {
    if (e > MAX_EXPONENT) {
      return INFINITE;
    }
    return new Bound(m, Math.max(e, -MAX_EXPONENT));
  }

  /** {@code 2^k}. */
  static Bound powerOfTwo(long k) {
    return make(1.0, k);
  }

  /**
   * An upper bound of {@code |x|}: |m| converted to the nearest double and raised by one ulp
   * (exact up to 53 bits); beyond 1000 bits the leading 62 bits plus one unit, converted upward.
   * Within a factor {@code 1 + 2^{-51}} of |x|.
   */
  static Bound abs(BinaryFloat x) {
    BigInteger m = x.m;
    if (m.signum() == 0) {
      return ZERO;
    }
    int n = m.bitLength();
    if (n <= 1000) {
      // doubleValue rounds to nearest (no overflow below 2^1024); nextUp makes it an upper bound
      double d = Math.abs(m.doubleValue());
      return of(n <= 53 ? d : Math.nextUp(d), x.e);
    }
    long t = (m.signum() < 0 ? m.negate() : m).shiftRight(n - 62).longValue() + 1; // > |m| 2^{62-n}
    return of(Math.nextUp((double) t), x.e + (n - 62));
  }

  boolean isZero() {
    return m == 0;
  }

  boolean isFinite() {
    return m < Double.POSITIVE_INFINITY;
  }

  /** An upper bound of the sum. */
  Bound plus(Bound o) {
    if (o.m == 0) {
      return this;
    }
    if (m == 0) {
      return o;
    }
    if (!isFinite() || !o.isFinite()) {
      return INFINITE;
    }
    Bound big = e >= o.e ? this : o;
    Bound small = big == this ? o : this;
    long d = big.e - small.e;
    double s = d > ALIGN_LIMIT ? Math.nextUp(big.m) : Math.nextUp(big.m + Math.scalb(small.m, (int) -d));
    return of(s, big.e);
  }

  /** An upper bound of the product. */
  Bound times(Bound o) {
    if (m == 0 || o.m == 0) {
      return ZERO;
    }
    if (!isFinite() || !o.isFinite()) {
      return INFINITE;
    }
    return of(Math.nextUp(m * o.m), e + o.e);
  }

  /** {@code this 2^k}, exact. */
  Bound scaleByPowerOfTwo(long k) {
    if (m == 0 || !isFinite()) {
      return this;
    }
    return make(m, e + k);
  }

  /**
   * The exact decimal value; null when it is vacuous or its exponent is beyond
   * {@link BinaryFloat#MAX_DECIMAL_EXPANSION} (the caller then does not certify).
   */
  BigDecimal toBigDecimal() {
    if (m == 0) {
      return BigDecimal.ZERO;
    }
    if (!isFinite()) {
      return null;
    }
    long bits = Double.doubleToLongBits(m);
    long mantissa = (bits & ((1L << 52) - 1)) | (1L << 52); // m = mantissa 2^-52 (m in [1, 2))
    long exp = e - 52;
    if (Math.abs(exp) > BinaryFloat.MAX_DECIMAL_EXPANSION) {
      return null;
    }
    return new BinaryFloat(BigInteger.valueOf(mantissa), exp).toBigDecimal();
  }

  @Override
  public String toString() {
    return m + "*2^" + e;
  }
}
