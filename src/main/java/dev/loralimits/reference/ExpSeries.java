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
 * Beyond {@code |m| > 10^6} we defer to apfloat's exp.
 * Checked against {@code ApfloatMath.exp} in {@code ExpSeriesProperties}.
 */
final class ExpSeries {
  static final int K = 16;
  static final long MAX_FAST_INTEGER_PART = 1_000_000;

  private final long p;
  private final long w;
  private final FixedPrecisionApfloatHelper hw;
  private final FixedPrecisionApfloatHelper hp;
  private final Apfloat e;
  private final Apfloat twoToMinusK;
  private final Apfloat[] inverseFactorials;

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
    Apint m = ApfloatMath.roundToInteger(x, RoundingMode.HALF_EVEN);
    if (m.compareTo(new Apint(MAX_FAST_INTEGER_PART)) > 0
        || m.compareTo(new Apint(-MAX_FAST_INTEGER_PART)) < 0) {
      // exp's condition number is |x|: carry log10|x| extra digits so that x itself (exact here,
      // but read by apfloat as known to its precision) costs less than one unit in the p-th digit
      long extra = (long) Math.ceil(Math.log10(Math.abs(m.doubleValue()) + 1)) + 10;
      return hp.valueOf(ApfloatMath.exp(x.precision(p + extra)));
    }
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
    return hp.valueOf(t);
  }
}
