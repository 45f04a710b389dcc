package dev.loralimits.reference;

import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code exp(x)} for the binary engine, in fixed point with {@code F = P + GUARD_BITS} fraction
 * bits, then rounded to P bits (proofs-notes/REFERENCE-ENGINE.md §3).
 *
 * <p><b>Algorithm.</b> The argument comes as {@code X ~ x 2^F} (an integer, within one unit).
 * Write {@code x = k ln2 + r} with {@code k = floor(x / ln2)}, {@code 0 <= r < ln2}; split
 * {@code r = i/2^8 + j/2^16 + t} with {@code 0 <= t < 2^{-16}}; then
 * {@code exp(x) = 2^k exp(i/2^8) exp(j/2^16) exp(t)}: two table entries and
 * {@code T_N(t) = sum_{n <= N} t^n / n!} by Horner.
 *
 * <p><b>Error (first order, in units {@code 2^{-F}} of the relative error).</b> X within 1;
 * reduction with ln2 to F + 64 bits and at most two corrections by ln2 to F bits: at most 4 more,
 * so {@code r} is within 5 units (an absolute error in the exponent, a relative one in the
 * result); Horner with floor-rounded coefficients {@code floor(2^F/n!)} and floor-rounded steps,
 * each propagated error damped by {@code t < 2^{-16}}: at most {@code 2 (1 + 2^{-15})}; truncation
 * {@code t^{N+1}/(N+1)! e^t <= 2^{-(F+2)}} by the choice of N ({@link #termsFor}); each table entry
 * within {@code 1 + 2^{-10}} units (built at F + 32 bits, {@link #table}); two floor-rounded
 * products, at most 1 each. In all at most {@code 12 2^{-F} = 12 2^{-(P+32)} < 2^{-(P+28)}}; the
 * final rounding to P bits adds {@code 2^{-P}}. So {@code |exp~(x) - exp(x)| <= 2^{-P}(1 + 2^{-27}) exp(x)}
 * (asserted by {@code BinaryArithmeticExamples}).
 */
final class BinaryExp {
  /** Fraction bits beyond P in the fixed-point evaluation. */
  static final int GUARD_BITS = 32;
  /** Extra bits the tables are built with before their final truncation to F bits. */
  static final int TABLE_GUARD_BITS = 32;
  /** Largest {@code log2 |x|} accepted; beyond it the result's exponent outgrows the engine. */
  static final int MAX_ARGUMENT_BITS = 60;
  /** Bits of ln 2 beyond F used in the reduction {@code r = x - k ln2}. */
  private static final int LN2_EXTRA_BITS = 64;
  private static final double LN2 = Math.log(2);
  /** The reduction's k is off by at most one; more corrections than this mean a bug. */
  private static final int MAX_CORRECTIONS = 4;
  private static final Map<Integer, BinaryExp> CACHE = new ConcurrentHashMap<>();

  private final int f;
  private final BigInteger ln2Wide;
  private final BigInteger ln2;
  private final BigInteger[] coefficients;
  private final BigInteger[] byteTable;
  private final BigInteger[] fineTable;
  private final BigInteger maskByte;
  private final BigInteger maskFine;

  private BinaryExp(int bits) {
    this.f = bits + GUARD_BITS;
    this.ln2Wide = ln2(f + LN2_EXTRA_BITS);
    this.ln2 = ln2Wide.shiftRight(LN2_EXTRA_BITS);
    int n = termsFor(f);
    this.coefficients = new BigInteger[n + 1];
    BigInteger c = BigInteger.ONE.shiftLeft(f);
    for (int i = 0; i <= n; i++) {
      if (i > 0) {
        c = c.divide(BigInteger.valueOf(i)); // floor(floor(a/b)/c) = floor(a/(bc)): exactly floor(2^F/i!)
      }
      coefficients[i] = c;
    }
    this.byteTable = table(f, 8, 178); // exp(i/2^8), i <= 177 = floor(256 ln2)
    this.fineTable = table(f, 16, 256); // exp(j/2^16)
    this.maskByte = BigInteger.ONE.shiftLeft(f - 8).subtract(BigInteger.ONE);
    this.maskFine = BigInteger.ONE.shiftLeft(f - 16).subtract(BigInteger.ONE);
  }

  /** The shared tables for P bits (built once per precision). */
  static BinaryExp forBits(int bits) {
    return CACHE.computeIfAbsent(bits, BinaryExp::new);
  }

  int fractionBits() {
    return f;
  }

  /** Least N with {@code 2^{-16(N+1)} / (N+1)! <= 2^{-(F+3)}} (then times {@code e^t < 2}: {@code 2^{-(F+2)}}). */
  static int termsFor(int f) {
    double log2Term = 0;
    for (int n = 0; ; n++) {
      log2Term += -16 - Math.log(n + 1) / LN2;
      if (log2Term <= -(f + 3)) {
        return n;
      }
    }
  }

  /**
   * {@code floor(ln2 2^bits)} within a few units: {@code ln2 = 2 atanh(1/3) = sum_k 2/((2k+1) 3^{2k+1})},
   * each term floor-rounded at {@code bits + 32} (K terms, under K + 2 units there), then shifted
   * down 32 bits.
   */
  static BigInteger ln2(int bits) {
    int w = bits + 32;
    BigInteger power = BigInteger.ONE.shiftLeft(w + 1).divide(BigInteger.valueOf(3));
    BigInteger sum = BigInteger.ZERO;
    BigInteger nine = BigInteger.valueOf(9);
    for (long k = 0; power.signum() != 0; k++) {
      sum = sum.add(power.divide(BigInteger.valueOf(2 * k + 1)));
      power = power.divide(nine);
    }
    return sum.shiftRight(32);
  }

  /**
   * {@code exp(i / 2^shift) 2^F} for {@code i < size}: {@code exp(2^{-shift})} by its series at
   * {@code F + TABLE_GUARD_BITS} bits (terms floor-rounded, at most 2 units each, a few thousand
   * terms at most), then powers by repeated multiplication (relative error grows by at most
   * {@code 2^{-(F+32)}} per step plus the base's error per power: {@code < 2^{-10}} units of F
   * for size <= 256), then a final floor to F bits (under 1 unit).
   */
  static BigInteger[] table(int f, int shift, int size) {
    int w = f + TABLE_GUARD_BITS;
    BigInteger one = BigInteger.ONE.shiftLeft(w);
    BigInteger term = one;
    BigInteger base = one;
    for (int n = 1; term.signum() != 0; n++) {
      term = term.shiftRight(shift).divide(BigInteger.valueOf(n));
      base = base.add(term);
    }
    BigInteger[] t = new BigInteger[size];
    BigInteger v = one;
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        v = v.multiply(base).shiftRight(w);
      }
      t[i] = v.shiftRight(TABLE_GUARD_BITS);
    }
    return t;
  }

  /**
   * {@code exp(X 2^{-F})} rounded to the arithmetic's P bits; exactly 1 for X = 0.
   *
   * @throws OutOfBinaryRangeException when {@code |X 2^{-F}| >= 2^MAX_ARGUMENT_BITS}
   */
  BinaryFloat exp(BigInteger x, BinaryArithmetic ar) {
    if (x.signum() == 0) {
      return BinaryFloat.ONE;
    }
    if (x.bitLength() - f >= MAX_ARGUMENT_BITS) {
      throw new OutOfBinaryRangeException("exp of an argument beyond 2^" + MAX_ARGUMENT_BITS);
    }
    long k;
    if (x.bitLength() - f < 40) {
      // x 2^-F from its leading 64 bits (the whole X would overflow a double for F > 1000);
      // off by at most one from floor(x / ln2), which the corrections below repair
      double xd = Math.scalb(x.shiftRight(f - 64).doubleValue(), -64);
      k = (long) Math.floor(xd / LN2);
    } else {
      BigInteger[] qr = x.divideAndRemainder(ln2);
      k = qr[0].longValue() - (qr[1].signum() < 0 ? 1 : 0);
    }
    BigInteger r = x.subtract(ln2Wide.multiply(BigInteger.valueOf(k)).shiftRight(LN2_EXTRA_BITS));
    for (int c = 0; r.signum() < 0 || r.compareTo(ln2) >= 0; c++) {
      if (c == MAX_CORRECTIONS) {
        throw new IllegalStateException("exp reduction did not settle for X = " + x);
      }
      boolean below = r.signum() < 0;
      k += below ? -1 : 1;
      r = below ? r.add(ln2) : r.subtract(ln2);
    }
    int i = r.shiftRight(f - 8).intValue();
    BigInteger rest = r.and(maskByte);
    int j = rest.shiftRight(f - 16).intValue();
    BigInteger t = rest.and(maskFine);
    BigInteger s = coefficients[coefficients.length - 1];
    for (int n = coefficients.length - 2; n >= 0; n--) {
      s = coefficients[n].add(s.multiply(t).shiftRight(f));
    }
    BigInteger v = s.multiply(byteTable[i]).shiftRight(f).multiply(fineTable[j]).shiftRight(f);
    return ar.round(v, BinaryArithmetic.exponent(k, -f));
  }
}
