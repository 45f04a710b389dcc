package dev.loralimits.check;

/**
 * Rounds doubles to a {@link FloatFormat}: round to nearest, ties to even, with the format's
 * subnormal range and overflow to infinity. Emulates arithmetic in that format by computing each
 * operation in double and rounding the result: for float32, bfloat16 and float16 the double
 * result is exact or within 2^-53 relative of it, so the emulated operation's error is at most
 * {@code u (1 + 2^(p-52))} relative (the double rounding), which the tolerance's factor covers.
 */
final class Rounder {
  private final FloatFormat format;
  private final int minNormalExponent;

  Rounder(FloatFormat format) {
    this.format = format;
    // smallest subnormal 2^e with p - 1 stored bits: the smallest normal is 2^(e + p - 1)
    this.minNormalExponent = Math.getExponent(format.smallestSubnormal()) + format.precision() - 1;
  }

  FloatFormat format() {
    return format;
  }

  /** x rounded to the format. */
  double r(double x) {
    if (format == FloatFormat.FLOAT64 || x == 0 || !Double.isFinite(x)) {
      return x;
    }
    int e = Math.max(Math.getExponent(x), minNormalExponent);
    double quantum = Math.scalb(1.0, e - format.precision() + 1);
    // division and multiplication by a power of two are exact; rint rounds half to even
    double y = Math.rint(x / quantum) * quantum;
    return Math.abs(y) > format.max() ? Math.copySign(Double.POSITIVE_INFINITY, y) : y;
  }

  double mul(double a, double b) {
    return r(a * b);
  }

  double add(double a, double b) {
    return r(a + b);
  }

  double sub(double a, double b) {
    return r(a - b);
  }

  double div(double a, double b) {
    return r(a / b);
  }

  double exp(double a) {
    return r(Math.exp(a));
  }

  double log(double a) {
    return r(Math.log(a));
  }
}
