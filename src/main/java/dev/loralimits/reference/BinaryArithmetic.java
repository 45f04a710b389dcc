package dev.loralimits.reference;

import dev.loralimits.model.Checks;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Binary floating-point arithmetic at a fixed precision of P bits, for the binary engine
 * ({@link BinaryTheoremF1}; proofs-notes/REFERENCE-ENGINE.md §1-§3).
 *
 * <p><b>Rounding.</b> {@link #round} rounds an exact {@code m 2^e} to P significant bits,
 * round-half-even, so {@code |round(x) - x| <= 2^{-P} |x|} (half a unit in the last place, and a
 * P-bit mantissa is at least {@code 2^{P-1}}). {@link #add}, {@link #subtract}, {@link #multiply},
 * {@link #divide} and {@link #fromDecimal} return the exact result rounded once: each has
 * relative error at most {@code 2^{-P}} (correct rounding); {@link #exp} at most
 * {@code 2^{-P} (1 + 2^{-27})} ({@link BinaryExp}). Exact operations stay exact: x * 0 = 0,
 * x - x = 0, x / x = 1, sums of exact P-bit values that fit P bits.
 *
 * <p>{@link #bitsFor(long)}: the P for a working precision of p decimal digits,
 * {@code ceil(p log2 10) + EXTRA_BITS}, so that {@code 2^{-P} < 10^{-p}}.
 */
final class BinaryArithmetic {
  /** Bits beyond {@code p log2 10}: they absorb the rounding of {@code p log2 10} itself. */
  static final int EXTRA_BITS = 4;
  /** Largest |decimal exponent| of an input the engine converts; beyond it, the apfloat path. */
  static final int MAX_DECIMAL_EXPONENT = 100_000;
  private static final double LOG2_10 = Math.log(10) / Math.log(2);
  private static final BigInteger[] POWERS_OF_TEN = new BigInteger[400];

  static {
    POWERS_OF_TEN[0] = BigInteger.ONE;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1].multiply(BigInteger.TEN);
    }
  }

  private final int bits;
  private final BinaryExp exp;

  /**
   * @param bits the precision P in bits, {@code >= 8}
   * @throws IllegalArgumentException when bits is below 8
   */
  BinaryArithmetic(int bits) {
    Checks.argument(bits >= 8, "bits (" + bits + ") must be >= 8");
    this.bits = bits;
    this.exp = BinaryExp.forBits(bits);
  }

  /** The arithmetic for a working precision of p decimal digits ({@link #bitsFor}). */
  static BinaryArithmetic forDigits(long p) {
    return new BinaryArithmetic(bitsFor(p));
  }

  /**
   * {@code P = ceil(p log2 10) + EXTRA_BITS}.
   *
   * @throws IllegalArgumentException when p is below 1 or above 10^6
   */
  static int bitsFor(long p) {
    Checks.argument(p >= 1 && p <= 1_000_000, "precision (" + p + ") must be in [1, 10^6] digits");
    return (int) Math.ceil(p * LOG2_10) + EXTRA_BITS;
  }

  int bits() {
    return bits;
  }

  /** {@code m 2^e} rounded half-even to P bits. */
  BinaryFloat round(BigInteger m, long e) {
    int sign = m.signum();
    if (sign == 0) {
      return BinaryFloat.ZERO;
    }
    BigInteger a = sign < 0 ? m.negate() : m;
    int n = a.bitLength();
    if (n <= bits) {
      return new BinaryFloat(m, e);
    }
    int s = n - bits;
    BigInteger q = a.shiftRight(s);
    if (a.testBit(s - 1) && (q.testBit(0) || a.getLowestSetBit() < s - 1)) {
      q = q.add(BigInteger.ONE);
      if (q.bitLength() > bits) {
        q = q.shiftRight(1);
        s++;
      }
    }
    return new BinaryFloat(sign < 0 ? q.negate() : q, exponent(e, s));
  }

  /** x rounded to P bits (exact values with more bits enter here). */
  BinaryFloat round(BinaryFloat x) {
    return round(x.m, x.e);
  }

  /** {@code x + y}, correctly rounded. */
  BinaryFloat add(BinaryFloat x, BinaryFloat y) {
    if (y.signum() == 0) {
      return round(x);
    }
    if (x.signum() == 0) {
      return round(y);
    }
    BinaryFloat a = x.e >= y.e ? x : y;
    BinaryFloat b = a == x ? y : x;
    int k = Math.max(2, bits + 6 - a.m.bitLength());
    if (b.top() < a.e - k) {
      // |b| < 2^{a.e-k-1}: half a unit of a scaled to >= P + 6 bits; a sticky bit stands in for b
      // (a scaled is a multiple of 4, the sticky makes it odd, so it never lands on a tie)
      return round(a.m.shiftLeft(k).add(BigInteger.valueOf(b.signum())), exponent(a.e, -k));
    }
    // here a.e - b.e <= k + bitLength(b.m): the exact sum has a bounded width
    return round(a.m.shiftLeft((int) (a.e - b.e)).add(b.m), b.e);
  }

  /** {@code x - y}, correctly rounded. */
  BinaryFloat subtract(BinaryFloat x, BinaryFloat y) {
    return add(x, y.negate());
  }

  /** {@code x y}, correctly rounded. */
  BinaryFloat multiply(BinaryFloat x, BinaryFloat y) {
    if (x.signum() == 0 || y.signum() == 0) {
      return BinaryFloat.ZERO;
    }
    return round(x.m.multiply(y.m), exponent(x.e, y.e));
  }

  /**
   * {@code x / y}, correctly rounded: the quotient to at least P + 2 bits and a sticky bit for a
   * non-zero remainder, then {@link #round}.
   *
   * @throws ArithmeticException when y is 0
   */
  BinaryFloat divide(BinaryFloat x, BinaryFloat y) {
    if (y.signum() == 0) {
      throw new ArithmeticException("division by zero");
    }
    if (x.signum() == 0) {
      return BinaryFloat.ZERO;
    }
    BigInteger a = x.m.abs();
    BigInteger b = y.m.abs();
    int k = Math.max(0, bits + 2 + b.bitLength() - a.bitLength());
    BigInteger[] qr = a.shiftLeft(k).divideAndRemainder(b);
    BigInteger q = qr[0];
    if (qr[1].signum() != 0) {
      q = q.shiftLeft(1).add(BigInteger.ONE);
      k++;
    }
    if (x.signum() != y.signum()) {
      q = q.negate();
    }
    return round(q, exponent(exponent(x.e, -y.e), -k));
  }

  /** {@code exp(x)}, within {@code 2^{-P} (1 + 2^{-27})} relative ({@link BinaryExp}). */
  BinaryFloat exp(BinaryFloat x) {
    return exp.exp(x.fixed(exp.fractionBits()), this);
  }

  /** {@code exp(X 2^{-F})} for the fixed-point argument X with F = {@link #expFractionBits()}. */
  BinaryFloat expFixed(BigInteger x) {
    return exp.exp(x, this);
  }

  /** The fraction bits F of {@link #expFixed}'s argument. */
  int expFractionBits() {
    return exp.fractionBits();
  }

  /**
   * The decimal x rounded to P bits (correctly: exact quotient with a sticky bit).
   *
   * @throws OutOfBinaryRangeException when x's decimal exponent is beyond
   *     {@link #MAX_DECIMAL_EXPONENT}
   */
  BinaryFloat fromDecimal(BigDecimal x) {
    BigInteger u = x.unscaledValue();
    if (u.signum() == 0) {
      return BinaryFloat.ZERO;
    }
    int scale = x.scale();
    if (Math.abs((long) scale) > MAX_DECIMAL_EXPONENT) {
      throw new OutOfBinaryRangeException("decimal exponent " + (-(long) scale) + " beyond the binary engine's range");
    }
    if (scale <= 0) {
      return round(u.multiply(tenTo(-scale)), 0);
    }
    return divide(new BinaryFloat(u, 0), new BinaryFloat(tenTo(scale), 0));
  }

  /** {@code acc} rounded to P bits ({@link BinaryAccumulator}'s single rounding). */
  BinaryFloat result(BinaryAccumulator acc) {
    return acc.isEmpty() ? BinaryFloat.ZERO : round(acc.value(), acc.exponent());
  }

  /** A fresh accumulator with this precision's window. */
  BinaryAccumulator accumulator() {
    return new BinaryAccumulator(bits);
  }

  /** {@code sum_k x[k] y[k]}: exact products accumulated, one rounding. */
  BinaryFloat dot(BinaryFloat[] x, BinaryFloat[] y) {
    BinaryAccumulator acc = accumulator();
    for (int k = 0; k < x.length; k++) {
      acc.addProduct(x[k], y[k]);
    }
    return result(acc);
  }

  private static BigInteger tenTo(int n) {
    return n < POWERS_OF_TEN.length ? POWERS_OF_TEN[n] : BigInteger.TEN.pow(n);
  }

  /** {@code e + s}, refusing an exponent outside a long. */
  static long exponent(long e, long s) {
    long r = e + s;
    if (((e ^ r) & (s ^ r)) < 0) {
      throw new OutOfBinaryRangeException("binary exponent beyond a long");
    }
    return r;
  }
}
