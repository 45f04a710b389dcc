package dev.loralimits.reference;

/**
 * A midpoint-radius value of the binary engine: a computed {@code mid} and a radius {@code rad}
 * with {@code |mid - x| <= rad} for the exact value x of the quantity it stands for (the same
 * formula on the exact decimal inputs), and {@code mag >= |mid|}. Immutable; the rules that make
 * new balls are in {@link BallArithmetic} (proofs-notes/REFERENCE-ENGINE.md §8).
 */
final class Ball {
  static final Ball ZERO = new Ball(BinaryFloat.ZERO, Bound.ZERO);
  static final Ball ONE = new Ball(BinaryFloat.ONE, Bound.ZERO);

  final BinaryFloat mid;
  final Bound rad;
  /** {@code >= |mid|}, computed on first use (a benign race: every thread computes the same immutable value). */
  private Bound mag;

  Ball(BinaryFloat mid, Bound rad) {
    this.mid = mid;
    this.rad = rad;
  }

  /** An upper bound of {@code |mid|} ({@link Bound#abs}). */
  Bound mag() {
    Bound b = mag;
    if (b == null) {
      b = Bound.abs(mid);
      mag = b;
    }
    return b;
  }

  /**
   * Rule (B-prod-exact): the exact product {@code mid_x mid_y} is within
   * {@code |mid_x| rad_y + |mid_y| rad_x + rad_x rad_y} of {@code x y}: {@code xy - x~y~ =
   * x~ (y - y~) + y~ (x - x~) + (x - x~)(y - y~)}.
   */
  static Bound productRadius(Ball x, Ball y) {
    boolean rx = x.rad.isZero();
    boolean ry = y.rad.isZero();
    if (rx && ry) {
      return Bound.ZERO;
    }
    if (rx) {
      return x.mag().times(y.rad);
    }
    if (ry) {
      return y.mag().times(x.rad);
    }
    return x.mag().times(y.rad).plus(y.mag().times(x.rad)).plus(x.rad.times(y.rad));
  }

  @Override
  public String toString() {
    return mid + " +- " + rad;
  }
}
