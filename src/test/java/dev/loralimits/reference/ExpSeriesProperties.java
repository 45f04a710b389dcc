package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/** {@link ExpSeries} against apfloat's own {@code exp}, which it replaces for speed. */
@Label("ExpSeries: exp to one unit in the last place")
class ExpSeriesProperties {
  /** Extra digits of the apfloat comparison value, so its own error is negligible. */
  static final int REFERENCE_EXTRA_DIGITS = 30;

  @Provide
  Arbitrary<BigDecimal> arguments() {
    return Arbitraries.oneOf(
        Arbitraries.bigDecimals().between(new BigDecimal("-1"), new BigDecimal("1")).ofScale(30),
        Arbitraries.bigDecimals().between(new BigDecimal("-800"), new BigDecimal("800")).ofScale(12),
        Arbitraries.bigDecimals().between(new BigDecimal("-1e7"), new BigDecimal("1e7")).ofScale(3));
  }

  @Property(tries = 300)
  void relativeErrorBelowOneUlp(
      @ForAll("arguments") BigDecimal x, @ForAll("precisions") int p) {
    Apfloat ax = ApMatrix.exact(x);
    Apfloat got = new ExpSeries(p).exp(ax);
    Apfloat want = ApfloatMath.exp(ax.precision(p + REFERENCE_EXTRA_DIGITS + 10));
    BigDecimal rel =
        ApMatrix.toBigDecimal(got).subtract(ApMatrix.toBigDecimal(want)).abs()
            .divide(ApMatrix.toBigDecimal(want), new java.math.MathContext(10));
    assertThat(rel).isLessThanOrEqualTo(BigDecimal.ONE.scaleByPowerOfTen(1 - p));
    if (x.signum() != 0) { // exp(0) = 1 is returned exact
      assertThat(got.precision()).as("rounded to the working precision").isLessThanOrEqualTo(p);
    }
  }

  @Provide
  Arbitrary<Integer> precisions() {
    return Arbitraries.of(20, 50, 70, 120, 300);
  }

  /** Shrunk failure: the fallback beyond |m| > 10^6 lost log10|x| digits to exp's condition number. */
  @Example
  void largeArgumentPinnedSample() {
    relativeErrorBelowOneUlp(new BigDecimal("-1000000.501"), 120);
    relativeErrorBelowOneUlp(new BigDecimal("-2114102.658"), 120);
  }

  @Example
  void zeroIsExactlyOne() {
    assertThat(new ExpSeries(50).exp(Apfloat.ZERO).compareTo(Apfloat.ONE)).isZero();
  }

  @Example
  void termsCoverThePrecision() {
    // N = terms(w) must make 2 (2^-17)^(N+1)/(N+1)! <= 10^-w, and N - 1 must not.
    for (long w : new long[] {40, 70, 140, 2120, 16120}) {
      int n = ExpSeries.terms(w);
      assertThat(logTail(n)).isLessThanOrEqualTo(-w);
      assertThat(logTail(n - 1)).isGreaterThan(-w);
    }
    // the error bound in ExpSeries's Javadoc assumes N <= 2500 up to w = 16100 + 20
    assertThat(ExpSeries.terms(ReferenceGradient.maxPrecision(ReferenceGradient.MAX_DIGITS) + 20))
        .isLessThanOrEqualTo(2500);
  }

  private static double logTail(int n) {
    double s = Math.log10(2) + (n + 1) * -17 * Math.log10(2);
    for (int k = 2; k <= n + 1; k++) {
      s -= Math.log10(k);
    }
    return s;
  }
}
