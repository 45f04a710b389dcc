package dev.loralimits.reference;

import java.math.BigInteger;

/**
 * A long accumulator for sums of exact terms {@code m 2^e} (products of two P-bit numbers, or
 * P-bit numbers), rounded once at the end by {@link BinaryArithmetic#result}
 * (proofs-notes/REFERENCE-ENGINE.md §2).
 *
 * <p>The running sum is an integer {@code acc} at the exponent {@code floor = max_k top_k - W} with
 * {@code W = P + WINDOW_GUARD} and {@code top_k = e_k + bitLength(m_k)} ({@code |term_k| <= 2^top_k}):
 * a term is shifted to the floor (bits below it are dropped, {@code floor(.)}, an error in
 * {@code [0, 1)} units of the floor), and when a larger term raises the floor the sum is shifted
 * down once (again under one unit). With n terms the sum held is within
 * {@code 2n 2^floor <= 2n 2^{-W} 2 max_k |term_k| = 4n 2^{-(P+96)} max_k |term_k|} of the exact sum;
 * for {@code n <= 2^30} that is below {@code 2^{-(P+64)} max_k |term_k|}. Terms at or above the
 * floor are added exactly, so on ordinary data (all terms within W bits of the largest) the sum is
 * exact. The result does not depend on how the terms were grouped when every term is above the
 * floor; callers fix the order anyway (determinism across thread counts).
 *
 * <p><b>Radius.</b> For the one-run certification (proofs-notes/REFERENCE-ENGINE.md §8.3) the
 * accumulator also counts its truncations ({@code drops}: a term shifted below the floor, or the
 * held sum shifted when the floor rises; each loses under one unit of the final floor, since the
 * floor never falls) and sums upper bounds of its terms' radii ({@link #add(Ball)},
 * {@link #addProduct(Ball, Ball)}, {@link #add(BinaryAccumulator)}). Then
 * {@code |acc 2^floor - sum_k x_k| <= terms + drops 2^floor} ({@link #bound}), x_k the exact terms.
 */
final class BinaryAccumulator {
  /** Bits of the window beyond P. */
  static final int WINDOW_GUARD = 96;

  private final int window;
  private BigInteger acc = BigInteger.ZERO;
  private long floor;
  private boolean empty = true;
  private long drops;
  /** The terms' radii so far: an upper bound {@code rm 2^re}, rm 0, in [1, 2) or +inf (as {@link Bound}). */
  private double rm;
  private long re;

  BinaryAccumulator(int bits) {
    this.window = bits + WINDOW_GUARD;
  }

  boolean isEmpty() {
    return empty;
  }

  BigInteger value() {
    return acc;
  }

  long exponent() {
    return floor;
  }

  /** Adds the exact {@code m 2^e}. */
  void add(BigInteger m, long e) {
    if (m.signum() == 0) {
      return;
    }
    long f = e + m.bitLength() - window;
    if (empty) {
      floor = f;
      empty = false;
    } else if (f > floor) {
      if (acc.signum() != 0) {
        drops++;
      }
      acc = floorShift(acc, f - floor);
      floor = f;
    }
    long sh = e - floor;
    if (sh >= 0) {
      acc = acc.add(m.shiftLeft((int) sh));
    } else {
      acc = acc.add(floorShift(m, -sh));
      drops++;
    }
  }

  /** Adds x. */
  void add(BinaryFloat x) {
    add(x.m, x.e);
  }

  /** Adds the exact product {@code x y}. */
  void addProduct(BinaryFloat x, BinaryFloat y) {
    if (x.m.signum() == 0 || y.m.signum() == 0) {
      return;
    }
    add(x.m.multiply(y.m), BinaryArithmetic.exponent(x.e, y.e));
  }

  /** Adds the sum held by {@code o} (as one exact term) and its {@link #bound} to the radii. */
  void add(BinaryAccumulator o) {
    if (!o.empty) {
      add(o.acc, o.floor);
    }
    Bound b = o.bound();
    addRadius(b.m, b.e);
  }

  /** Adds {@code x.mid} and its radius. */
  void add(Ball x) {
    add(x.mid);
    addRadius(x.rad.m, x.rad.e);
  }

  /**
   * Adds the exact {@code x.mid y.mid} and the upper bound {@code |x~| r_y + |y~| r_x + r_x r_y}
   * of its distance to {@code x y} (the rule of {@link Ball#productRadius}, here without
   * allocation: each product of two mantissas in [1, 2) is rounded to nearest and raised by
   * {@link Math#nextUp}, so it is at least the exact product).
   */
  void addProduct(Ball x, Ball y) {
    addProduct(x.mid, y.mid);
    Bound rx = x.rad;
    Bound ry = y.rad;
    if (rx.m != 0) {
      Bound a = y.mag();
      if (a.m != 0) {
        addRadius(Math.nextUp(a.m * rx.m), a.e + rx.e);
      }
    }
    if (ry.m != 0) {
      Bound a = x.mag();
      if (a.m != 0) {
        addRadius(Math.nextUp(a.m * ry.m), a.e + ry.e);
      }
      if (rx.m != 0) {
        addRadius(Math.nextUp(rx.m * ry.m), rx.e + ry.e);
      }
    }
  }

  /**
   * Adds the upper bound {@code m 2^e} (m = 0, m in [1, 4) or +inf) to the radii, rounding upward:
   * aligned within 60 bits the double sum is raised by {@link Math#nextUp}; further apart the
   * smaller addend is below {@code 4 2^{-61}} of the larger's scale, and one ulp of a mantissa in
   * [1, 2) ({@code 2^-52}) covers it (§8.1).
   */
  private void addRadius(double m, long e) {
    if (m == 0) {
      return;
    }
    if (rm == 0) {
      rm = m;
      re = e;
    } else if (!(rm < Double.POSITIVE_INFINITY) || !(m < Double.POSITIVE_INFINITY)) {
      rm = Double.POSITIVE_INFINITY;
      return;
    } else {
      double big = rm;
      long bigE = re;
      double small = m;
      long smallE = e;
      if (e > re) {
        big = m;
        bigE = e;
        small = rm;
        smallE = re;
      }
      long d = bigE - smallE;
      rm = d > 60 ? Math.nextUp(big) : Math.nextUp(big + Math.scalb(small, (int) -d));
      re = bigE;
    }
    if (rm >= 2 && rm < Double.POSITIVE_INFINITY) {
      int k = Math.getExponent(rm);
      rm = Math.scalb(rm, -k);
      re += k;
    }
  }

  /**
   * {@code terms + drops 2^floor}: an upper bound of {@code |acc 2^floor - sum_k x_k|}, x_k the
   * exact values of the terms added (§8.3).
   */
  Bound bound() {
    Bound terms = Bound.of(rm, re);
    return drops == 0 ? terms : terms.plus(Bound.of(drops, floor));
  }

  /** {@code floor(x 2^{-n})} for {@code n >= 0}. */
  static BigInteger floorShift(BigInteger x, long n) {
    if (n >= Integer.MAX_VALUE) {
      return x.signum() < 0 ? BigInteger.ONE.negate() : BigInteger.ZERO;
    }
    return x.shiftRight((int) n);
  }
}
