package dev.loralimits.fast;

/**
 * Double-double arithmetic for the attention scores of {@link ExactDouble}
 * (proofs-notes/EXACT-DOUBLE.md section 5). A number is an unevaluated pair {@code hi + lo} of
 * doubles, <i>normalised</i> when {@code hi = RN(hi + lo)}, so {@code |lo| <= u |hi|}
 * ({@code u = 2^-53}).
 *
 * <p>Error-free transformations (section 5.1), exact whenever nothing overflows and (for the
 * product) the product is not below {@code 2^-968}:
 *
 * <pre>
 *   TwoSum(a, b):     s = fl(a + b),  e = (a - (s - (s - a))) + (b - (s - a)),   a + b = s + e
 *   TwoProduct(a, b): p = fl(a b),    e = fma(a, b, -p),                         a b = p + e
 * </pre>
 *
 * <p>{@link Accumulator} (Lemma DD, section 5.2) sums products of normalised pairs with
 * {@code |result - sum x_i y_i| <= kappa(n) u^2 sum |x_i| |y_i|}, {@code kappa(n) = 2 (n + 3)^2},
 * for {@code n} terms with {@code n u <= 10^-3}. {@link #divide} (section 5.3) divides a pair by a
 * positive integer with relative error at most {@code 5.03 u^2} beyond the pair's own
 * representation error.
 *
 * <p>{@link Math#fma} is correctly rounded on every platform (intrinsic where the CPU has an FMA
 * unit, an exact software fallback elsewhere), so these operations are reproducible bit for bit.
 */
final class DoubleDouble {
  private DoubleDouble() {}

  /** The error {@code a + b - s} of {@code s = fl(a + b)} (Knuth's TwoSum), exact. */
  static double twoSumError(double a, double b, double s) {
    double bb = s - a;
    return (a - (s - bb)) + (b - bb);
  }

  /** The error {@code a b - p} of {@code p = fl(a b)}, exact unless {@code |a b| < 2^-968}. */
  static double twoProductError(double a, double b, double p) {
    return Math.fma(a, b, -p);
  }

  /** {@code kappa(n) = 2 (n + 3)^2}, the u^2 factor of Lemma DD for n products. */
  static double kappa(int n) {
    return 2.0 * (n + 3) * (n + 3);
  }

  /**
   * Lemma DD (EXACT-DOUBLE.md 5.2): a running sum of products of normalised pairs. Each term costs
   * one TwoProduct, one TwoSum into {@code sh} and three roundings into {@code sl}; the low-by-low
   * product {@code xl yl} ({@code <= u^2 |xh yh|}) is dropped. {@link #hi()} and {@link #lo()}
   * return the normalised sum {@code TwoSum(sh, sl)}.
   */
  static final class Accumulator {
    private double sh;
    private double sl;

    /** Adds {@code (xh + xl)(yh + yl)}. */
    void addProduct(double xh, double xl, double yh, double yl) {
      double p = xh * yh;
      double pe = twoProductError(xh, yh, p);
      double s = sh + p;
      double te = twoSumError(sh, p, s);
      sh = s;
      sl += te + (pe + Math.fma(xh, yl, xl * yh));
    }

    double hi() {
      return sh + sl;
    }

    double lo() {
      return twoSumError(sh, sl, sh + sl);
    }
  }

  /**
   * {@code (ah + al) / r} for an integer {@code 1 <= r <= 2^53}, normalised, into
   * {@code out[0], out[1]}: {@code q1 = fl(ah / r)}; the remainder {@code ah - q1 r} is a double
   * and {@code fma(-q1, r, ah)} returns it exactly; {@code q2 = fl(fl(rem + al) / r)}; the pair is
   * {@code TwoSum(q1, q2)}. Error at most {@code 4.02 u^2 |ah| / r} (EXACT-DOUBLE.md 5.3).
   */
  static void divide(double ah, double al, int r, double[] out) {
    double q1 = ah / r;
    double rem = Math.fma(-q1, r, ah);
    double q2 = (rem + al) / r;
    double hi = q1 + q2;
    out[0] = hi;
    out[1] = twoSumError(q1, q2, hi);
  }
}
