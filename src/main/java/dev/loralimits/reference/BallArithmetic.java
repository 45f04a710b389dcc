package dev.loralimits.reference;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Midpoint-radius arithmetic over {@link BinaryArithmetic}: each operation computes its midpoint
 * exactly as {@link BinaryArithmetic} does (so the midpoints of a run are the values of the
 * unverified engine, bit for bit) and an upper bound of the distance to the exact value
 * (proofs-notes/REFERENCE-ENGINE.md §8, one rule per method). Radii are {@link Bound}s, rounded
 * upward.
 */
final class BallArithmetic {
  /** {@code 1 + 2^-27}: (E)'s factor on exp's relative error. */
  private static final double EXP_FACTOR = 1 + 0x1p-27;

  private final BinaryArithmetic ar;
  private final int bits;
  private final Bound expError;
  private final Bound expInverse;
  private final Bound fixedStep;

  BallArithmetic(BinaryArithmetic ar) {
    this.ar = ar;
    this.bits = ar.bits();
    this.expError = Bound.of(EXP_FACTOR, -bits);
    // 1 + 2^{2-P} rounded up: exact below 54 bits, else the next double above 1 (1 + 2^-52)
    this.expInverse = Bound.of(bits < 54 ? 1 + Math.scalb(1.0, 2 - bits) : Math.nextUp(1.0), 0);
    this.fixedStep = Bound.powerOfTwo(-ar.expFractionBits());
  }

  BinaryArithmetic binary() {
    return ar;
  }

  /**
   * Rule (B-round): a result y of a correct rounding to P bits is within half a unit of its last
   * place of the exact result: {@code 2^{e-1}} when its mantissa has P bits, 0 when it has fewer
   * (then {@link BinaryArithmetic#round} returned its argument unchanged).
   */
  Bound rounding(BinaryFloat y) {
    return mantissaBits(y.m) < bits ? Bound.ZERO : Bound.powerOfTwo(y.e - 1);
  }

  /**
   * {@code bitLength(|m|)}. {@link BigInteger#bitLength} of a negative m counts two's-complement
   * bits, one fewer for {@code -2^k} (a rounded result {@code -2^{P-1}} would read as P - 1 bits
   * and seem exact: found by {@code BallArithmeticProperties}); without allocating.
   */
  static int mantissaBits(BigInteger m) {
    int n = m.bitLength();
    return m.signum() < 0 && m.getLowestSetBit() == n ? n + 1 : n;
  }

  /** An input decimal: {@link BinaryArithmetic#fromDecimal}, radius (B-round). */
  Ball fromDecimal(BigDecimal x) {
    BinaryFloat y = ar.fromDecimal(x);
    return new Ball(y, rounding(y));
  }

  /** Rule (B-mul): {@code |x~ y~ - xy| <= |x~| r_y + |y~| r_x + r_x r_y}, plus (B-round). */
  Ball multiply(Ball x, Ball y) {
    BinaryFloat z = ar.multiply(x.mid, y.mid);
    return new Ball(z, Ball.productRadius(x, y).plus(rounding(z)));
  }

  /** Rule (B-add): {@code r_x + r_y}, plus (B-round). */
  Ball add(Ball x, Ball y) {
    BinaryFloat z = ar.add(x.mid, y.mid);
    return new Ball(z, x.rad.plus(y.rad).plus(rounding(z)));
  }

  /** (B-add) for {@code x - y}. */
  Ball subtract(Ball x, Ball y) {
    BinaryFloat z = ar.subtract(x.mid, y.mid);
    return new Ball(z, x.rad.plus(y.rad).plus(rounding(z)));
  }

  /** Rule (B-div-int): {@code x / n} for an exact integer {@code n >= 1}: {@code r_x / n}, plus (B-round). */
  Ball divide(Ball x, int n) {
    BinaryFloat z = ar.divide(x.mid, new BinaryFloat(BigInteger.valueOf(n), 0));
    return new Ball(z, x.rad.times(Bound.of(Math.nextUp(1.0 / n), 0)).plus(rounding(z)));
  }

  /** Rule (B-half): {@code x / 2}, exact: the radius halves. */
  Ball half(Ball x) {
    return x.mid.signum() == 0 && x.rad.isZero()
        ? x
        : new Ball(new BinaryFloat(x.mid.m, x.mid.e - 1), x.rad.scaleByPowerOfTwo(-1));
  }

  /** Rule (B-acc): {@code acc.bound()} (terms' radii and truncations), plus (B-round). */
  Ball result(BinaryAccumulator acc) {
    BinaryFloat z = ar.result(acc);
    return new Ball(z, acc.bound().plus(rounding(z)));
  }

  /** {@code sum_k x_k y_k} by one accumulator (B-acc). */
  Ball dot(Ball[] x, Ball[] y) {
    BinaryAccumulator acc = ar.accumulator();
    for (int k = 0; k < x.length; k++) {
      acc.addProduct(x[k], y[k]);
    }
    return result(acc);
  }

  /**
   * Rule (B-exp): {@code e~ = exp~((X_l - X*) 2^{-F})} with {@code X = floor(s~ 2^F)}, standing for
   * {@code exp(s_l - s*)}. With {@code delta = r_l + r* + 2^{-F}} and {@code u' = 2^{-P}(1 + 2^{-27})}:
   * {@code |e~ - exp(s_l - s*)| <= |e~| (1 + 2^{2-P}) (u' + delta + delta^2)} for delta <= 1;
   * vacuous above.
   */
  Ball expDifference(BigInteger argument, Bound rl, Bound rStar) {
    BinaryFloat e = ar.expFixed(argument);
    Bound delta = rl.plus(rStar).plus(fixedStep);
    Bound g = delta.e < 0 ? delta.plus(delta.times(delta)) : Bound.INFINITE;
    Bound r = Bound.abs(e).times(expInverse).times(expError.plus(g));
    return new Ball(e, r);
  }

  /**
   * Rule (B-inv): {@code 1/D} for a softmax sum whose exact value D is at least 1 (it holds
   * {@code exp(0)}) and whose midpoint is at least 1: {@code |1/D - 1/D~| <= r_D / (D D~) <= r_D},
   * plus (B-round). Vacuous when the midpoint is below 1.
   */
  Ball inverseOfSoftmaxSum(Ball d) {
    BinaryFloat q = ar.divide(BinaryFloat.ONE, d.mid);
    Bound r = d.mid.compareTo(BinaryFloat.ONE) >= 0 ? d.rad : Bound.INFINITE;
    return new Ball(q, r.plus(rounding(q)));
  }
}
