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

  /**
   * The ln 10 reduction beyond {@code |m| > 10^6} (proofs-notes/LEMMAS.md 9.1), up to arguments
   * of 10^18 whose results, near 10^(-4.3e17), only apfloat can represent; the comparison value
   * carries the argument's digits on top ({@code relativeErrorBelowOneUlp} adds 10 for them,
   * too few here, so the precision is set explicitly).
   */
  @Example
  void largeArgumentsUseTheLn10Reduction() {
    for (String x : new String[] {"-2000000.25", "3000000.5", "-123456789012.345", "-1e15", "-9.87654321e17"}) {
      for (int p : new int[] {20, 120}) {
        Apfloat ax = new Apfloat(x);
        Apfloat got = new ExpSeries(p).exp(ax);
        Apfloat want = ApfloatMath.exp(ax.precision(p + REFERENCE_EXTRA_DIGITS + 20));
        // exact difference (both at infinite precision), then a 10-digit quotient
        Apfloat diff = got.precision(Apfloat.INFINITE).subtract(want.precision(Apfloat.INFINITE));
        Apfloat q = new org.apfloat.FixedPrecisionApfloatHelper(10).divide(ApfloatMath.abs(diff), ApfloatMath.abs(want));
        BigDecimal rel = q.signum() == 0 ? BigDecimal.ZERO : new BigDecimal(q.toString(false));
        assertThat(rel).as("exp(%s) at %d digits", x, p).isLessThanOrEqualTo(BigDecimal.ONE.scaleByPowerOfTen(1 - p));
        assertThat(got.precision()).isLessThanOrEqualTo(p);
      }
    }
  }

  @Example
  void argumentsBeyondApfloatsRangeAreRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ExpSeries(20).exp(new Apfloat("-1e19")))
        .isInstanceOf(OutOfRangeException.class)
        .hasMessageContaining("outside the exponent range");
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
