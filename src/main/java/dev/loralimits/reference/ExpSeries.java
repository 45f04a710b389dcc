package dev.loralimits.reference;

import java.math.RoundingMode;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;
import org.apfloat.Apint;
import org.apfloat.FixedPrecisionApfloatHelper;

/**
 * {@code exp(x)} to a fixed precision p by argument reduction and a Taylor series, because
 * apfloat's general {@code ApfloatMath.exp} costs about 1.5 ms a call at 70 digits (measured on the
 * CI machine), and a 32 x 32 reference gradient needs thousands of them.
 *
 * <p><b>Algorithm.</b> Write {@code x = m + f} with m the nearest integer and {@code |f| <= 1/2};
 * {@code y = f / 2^K} with {@code K = 16}, so {@code |y| <= 2^{-17}}. Then
 * {@code exp(x) = e^m (T_N(y))^{2^K}} with {@code T_N(y) = sum_{n<=N} y^n / n!}.
 *
 * <p><b>Error (relative), at internal precision {@code w = p + 20}.</b> Each operation at
 * precision w has relative error {@code u <= 10^{1-w}}.
 * <ol>
 *   <li>Truncation: {@code |exp(y) - T_N(y)| <= 2 |y|^{N+1}/(N+1)! exp(y)} for {@code |y| <= 1/2};
 *       N is the least with {@code 2 (2^{-17})^{N+1}/(N+1)! <= 10^{-w}} ({@link #terms}).
 *   <li>Horner evaluation of T_N: N+1 multiply-adds, each of relative error {@code <= 2u}, on
 *       terms dominated by the leading 1 ({@code |y| << 1}): at most {@code (2N+2) u}.
 *   <li>The reduction {@code y = (x - m) 2^{-K}}: one rounded subtraction, relative error u in f,
 *       so an absolute error {@code <= u/2} in x and a relative error {@code <= u} in the result.
 *   <li>K squarings multiply a relative error by {@code 2^K} (to first order) and each adds u:
 *       in all {@code <= 2^K ((2N+4) u + 10^{-w})}.
 *   <li>{@code e^m} by binary powering of e (itself within u) and one multiplication or
 *       division: {@code <= (|m| + 2 log2|m| + 2) u} for {@code |m| <= 10^6}.
 * </ol>
 * With {@code N <= 2500} (true for every w up to 16100, the largest precision the reference
 * uses: {@code ExpSeriesProperties.termsCoverThePrecision}) the total is at most
 * {@code (2^16 * 5006 + 10^6 + 44) u < 3.3 10^8 u < 10^{-(w-10)} = 10^{-(p+10)}}: below a
 * ten-billionth of a unit in the last place of the p-digit result, before its final rounding.
 *
 * <p><b>Large arguments</b> ({@code |m| > 10^6}, proofs-notes/LEMMAS.md Section 9.1). Write
 * {@code x = k ln 10 + r} with {@code k = round(x / ln 10)} and {@code |r| <= 1.2}; then
 * {@code exp(x) = 10^k exp(r)}, and {@code 10^k} is an exact shift of the decimal exponent. With
 * {@code g = 40} digits for the 19 digits of {@code |k| < 10^19} plus guards, {@code ln 10} is
 * taken to {@code w + g} digits (relative error {@code <= 10^{1-w-g}}) and r is computed at
 * {@code w + g} digits: the absolute error of r is at most {@code |k| ln 10 10^{1-w-g} + |x|
 * 10^{1-w-g} <= 10^{-w}} for {@code |x| < 10^19}, so the relative error of the result grows by at
 * most {@code 10^{-w}} over the series error above (r has {@code |m| <= 1}). The reference only
 * asks for {@code exp} of arguments {@code <= 0} (softmax rows shifted by their maximum), and
 * drops the entries below {@code exp(-AttentionHead.DROP_ARGUMENT)} before they get here, so
 * {@code |x| < 10^19} and the result, at least {@code 10^{-1.1 10^18}}, is inside apfloat's
 * exponent range (about {@code 10^{+-9.2 10^18}}); an argument outside it is refused with an
 * {@link OutOfRangeException}. Checked against {@code ApfloatMath.exp} in
 * {@code ExpSeriesProperties}.
 */
final class ExpSeries {
  static final int K = 16;
  static final long MAX_FAST_INTEGER_PART = 1_000_000;
  /** Digits beyond w for {@code ln 10} and the reduction: 19 for {@code |k| < 10^19}, 21 guards. */
  static final int LARGE_GUARD_DIGITS = 40;
  /** Arguments at least this large in magnitude are refused ({@code 10^19}). */
  static final Apfloat MAX_ARGUMENT = new Apfloat("1e19");
  /** Beyond this magnitude m surely exceeds {@link #MAX_FAST_INTEGER_PART}. */
  private static final Apfloat FAST_LIMIT = new Apfloat(2 * MAX_FAST_INTEGER_PART);

  private final long p;
  private final long w;
  private final FixedPrecisionApfloatHelper hw;
  private final FixedPrecisionApfloatHelper hp;
  private final Apfloat e;
  private final Apfloat twoToMinusK;
  private final Apfloat[] inverseFactorials;
  /** {@code ln 10} to {@code w + LARGE_GUARD_DIGITS} digits, computed on first use. */
  private Apfloat ln10;

  ExpSeries(long p) {
    this.p = p;
    this.w = p + 20;
    this.hw = new FixedPrecisionApfloatHelper(w);
    this.hp = new FixedPrecisionApfloatHelper(p);
    this.e = ApfloatMath.exp(new Apfloat(1, w));
    this.twoToMinusK = new Apfloat("0.0000152587890625"); // 2^-16 exactly
    int n = terms(w);
    this.inverseFactorials = new Apfloat[n + 1];
    Apfloat fact = Apfloat.ONE;
    for (int i = 0; i <= n; i++) {
      if (i > 0) {
        fact = fact.multiply(new Apint(i)); // exact integer
      }
      inverseFactorials[i] = hw.divide(Apfloat.ONE, fact);
    }
  }

  /** Least N with {@code 2 (2^{-17})^{N+1} / (N+1)! <= 10^{-w}}, in log10. */
  static int terms(long w) {
    double log10y = -17 * Math.log10(2);
    double logTerm = Math.log10(2);
    for (int n = 0; ; n++) {
      logTerm += log10y - Math.log10(n + 1);
      if (logTerm <= -w) {
        return n;
      }
    }
  }

  Apfloat exp(Apfloat x) {
    if (x.signum() == 0) {
      return Apfloat.ONE;
    }
    if (ApfloatMath.abs(x).compareTo(FAST_LIMIT) > 0) {
      return largeArgument(x); // before rounding x to an integer: x may have 10^9 digits
    }
    Apint m = ApfloatMath.roundToInteger(x, RoundingMode.HALF_EVEN);
    if (m.compareTo(new Apint(MAX_FAST_INTEGER_PART)) > 0
        || m.compareTo(new Apint(-MAX_FAST_INTEGER_PART)) < 0) {
      return largeArgument(x);
    }
    return hp.valueOf(series(x, m));
  }

  /** {@code exp(x) = 10^k exp(x - k ln 10)}, {@code k = round(x / ln 10)}, for {@code |x| < 10^19}. */
  private Apfloat largeArgument(Apfloat x) {
    if (ApfloatMath.abs(x).compareTo(MAX_ARGUMENT) >= 0) {
      throw new OutOfRangeException(
          "exp(" + x.precision(4).toString() + ") is outside the exponent range of the reference's"
              + " arithmetic (about 10^+-9.2e18)");
    }
    if (ln10 == null) {
      ln10 = ApfloatMath.log(new Apfloat(10, w + LARGE_GUARD_DIGITS));
    }
    FixedPrecisionApfloatHelper hg = new FixedPrecisionApfloatHelper(w + LARGE_GUARD_DIGITS);
    Apint k = ApfloatMath.roundToInteger(hg.divide(x, ln10), RoundingMode.HALF_EVEN);
    Apfloat r = hg.subtract(x, hg.multiply(k, ln10));
    Apint mr = ApfloatMath.roundToInteger(r, RoundingMode.HALF_EVEN);
    return hp.valueOf(ApfloatMath.scale(series(hw.valueOf(r), mr), k.longValue()));
  }

  /** {@code e^m T_N(y)^{2^K}} at precision w, for {@code x = m + f}, {@code |m| <= 10^6}. */
  private Apfloat series(Apfloat x, Apint m) {
    Apfloat y = hw.multiply(hw.subtract(x, m), twoToMinusK);
    Apfloat t = inverseFactorials[inverseFactorials.length - 1];
    for (int i = inverseFactorials.length - 2; i >= 0; i--) {
      t = hw.add(hw.multiply(t, y), inverseFactorials[i]);
    }
    for (int i = 0; i < K; i++) {
      t = hw.multiply(t, t);
    }
    long mm = m.longValue();
    if (mm != 0) {
      Apfloat em = ApfloatMath.pow(e, Math.abs(mm));
      t = mm > 0 ? hw.multiply(t, em) : hw.divide(t, em);
    }
    return t;
  }
}
