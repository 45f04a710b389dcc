package dev.loralimits.fast;

/**
 * The exponential of a max-shifted score, {@code exp(t)} for {@code t <= 0}, in pure Java double
 * arithmetic (proofs-notes/EXACT-DOUBLE.md section 4.4):
 *
 * <pre>
 *   kd = RN_int(fl(t / ln 2))                       (the 1.5 * 2^52 shift, no conversion)
 *   r  = fma(-kd, LN2_LO, fma(-kd, LN2_HI, t))      (the inner fma is exact)
 *   p  = T13(r) by Horner with fma,   c_k = RN(1 / k!)
 *   exp(t) ~ p * 2^kd                               (exact: the result is normal)
 * </pre>
 *
 * for {@code -708 <= t <= 0}; elsewhere (below -708, where the result becomes subnormal, above 0
 * and NaN) it returns {@link StrictMath#exp}. Relative error at most {@link #MAX_RELATIVE_ERROR}
 * ({@code 2.2 u}, against {@code 2u} for fdlibm), proved in EXACT-DOUBLE.md 4.4 and checked by
 * {@code ExpKernelProperties} against 40-digit values.
 *
 * <p><b>Reproducibility.</b> Every operation is an IEEE 754 operation that Java defines bit for bit
 * (Java 17 is strictfp everywhere; {@link Math#fma} is correctly rounded with or without an FMA
 * unit; the delegated range uses fdlibm), so the result is the same on every JVM and machine,
 * unlike {@link Math#exp}, an intrinsic whose bits may change between JVMs.
 *
 * <p>{@link #exp(double[], double[], double[], int)} computes the same numbers for an array, in two
 * loops: one of additions, multiplications and fmas only (which the JIT may vectorise), and one
 * scalar loop for the scaling by {@code 2^kd}.
 */
final class ExpKernel {
  /** {@code 2.2 u}: the proved bound on {@code |exp_computed / exp(t) - 1|} (EXACT-DOUBLE.md 4.4). */
  static final double MAX_RELATIVE_ERROR = 2.2 * 0x1p-53;
  /** Smallest argument of the polynomial path: {@code exp(-708) = 3.3e-308 > 2^-1022}, so normal. */
  static final double FAST_MIN = -708;

  private static final double INV_LN2 = 0x1.71547652b82fep0;
  /** fdlibm's {@code ln2HI}: 32 significant bits, so {@code kd LN2_HI} is a multiple of 2^-32. */
  private static final double LN2_HI = 0x1.62e42fee00000p-1;
  /** fdlibm's {@code ln2LO}: {@code |ln 2 - LN2_HI - LN2_LO| < 1.2e-26}. */
  private static final double LN2_LO = 0x1.a39ef35793c76p-33;
  /** Rounds a double of magnitude below 2^51 to the nearest integer when added and subtracted. */
  private static final double SHIFT = 0x1.8p52;

  private static final double C3 = 1.0 / 6;
  private static final double C4 = 1.0 / 24;
  private static final double C5 = 1.0 / 120;
  private static final double C6 = 1.0 / 720;
  private static final double C7 = 1.0 / 5040;
  private static final double C8 = 1.0 / 40320;
  private static final double C9 = 1.0 / 362880;
  private static final double C10 = 1.0 / 3628800;
  private static final double C11 = 1.0 / 39916800;
  private static final double C12 = 1.0 / 479001600;
  private static final double C13 = 1.0 / 6227020800.0;

  private ExpKernel() {}

  /** {@code exp(t)}, relative error at most {@link #MAX_RELATIVE_ERROR}. */
  static double exp(double t) {
    if (!(t >= FAST_MIN && t <= 0)) {
      return StrictMath.exp(t);
    }
    double kd = (t * INV_LN2 + SHIFT) - SHIFT;
    return poly(reduced(t, kd)) * twoTo(kd);
  }

  /**
   * {@code out[l] = exp(t[l])} for {@code l < n}, the same bits as {@link #exp(double)};
   * {@code k} is scratch of length at least n. {@code t} and {@code out} must be distinct.
   */
  static void exp(double[] t, double[] out, double[] k, int n) {
    for (int l = 0; l < n; l++) {
      double x = t[l];
      double kd = (x * INV_LN2 + SHIFT) - SHIFT;
      k[l] = kd;
      out[l] = poly(reduced(x, kd));
    }
    for (int l = 0; l < n; l++) {
      double x = t[l];
      out[l] = x >= FAST_MIN && x <= 0 ? out[l] * twoTo(k[l]) : StrictMath.exp(x);
    }
  }

  /** {@code r = RN(t - kd ln 2 + kd lambda)}, {@code lambda = ln 2 - LN2_HI - LN2_LO}. */
  private static double reduced(double t, double kd) {
    return Math.fma(-kd, LN2_LO, Math.fma(-kd, LN2_HI, t));
  }

  /** The Taylor polynomial of degree 13 of {@code e^r} by Horner's rule, one fma per step. */
  private static double poly(double r) {
    double p = Math.fma(C13, r, C12);
    p = Math.fma(p, r, C11);
    p = Math.fma(p, r, C10);
    p = Math.fma(p, r, C9);
    p = Math.fma(p, r, C8);
    p = Math.fma(p, r, C7);
    p = Math.fma(p, r, C6);
    p = Math.fma(p, r, C5);
    p = Math.fma(p, r, C4);
    p = Math.fma(p, r, C3);
    p = Math.fma(p, r, 0.5);
    p = Math.fma(p, r, 1);
    return Math.fma(p, r, 1);
  }

  /** {@code 2^kd} for an integer {@code -1022 <= kd <= 0}. */
  private static double twoTo(double kd) {
    return Double.longBitsToDouble(((long) kd + 1023) << 52);
  }
}
