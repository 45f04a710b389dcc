package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The double-double steps of {@link ExactDouble} (proofs-notes/EXACT-DOUBLE.md section 5), each
 * against exact BigDecimal arithmetic: the error-free transformations are exact, Lemma DD's bound
 * {@code kappa(n) u^2 sum |x_i| |y_i|} holds (and is not vacuous: the plain double sum of the same
 * products misses it on cancelling sums), the division and the decimal low parts are within their
 * bounds.
 */
@Label("EXACT-DOUBLE section 5: double-double building blocks")
class DoubleDoubleProperties {
  private static final double U = 0x1p-53;

  /** Doubles with random sign, 53 random bits and exponents in [-300, 300]. */
  @Provide
  Arbitrary<Double> wide() {
    return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(-300, 300), Arbitraries.of(1.0, -1.0))
        .as((bits, e, sign) -> sign * Math.scalb(1 + (bits >>> 12) * 0x1p-52, e));
  }

  @Property(tries = 2000)
  @Label("5.1 TwoSum: fl(a + b) + error = a + b exactly")
  void twoSumIsExact(@ForAll("wide") double a, @ForAll("wide") double b) {
    double s = a + b;
    double e = DoubleDouble.twoSumError(a, b, s);
    assertThat(exact(s).add(exact(e))).isEqualByComparingTo(exact(a).add(exact(b)));
  }

  @Property(tries = 2000)
  @Label("5.1 TwoProduct: fl(a b) + fma(a, b, -fl(a b)) = a b exactly")
  void twoProductIsExact(@ForAll("wide") double a, @ForAll("wide") double b) {
    double p = a * b;
    double e = DoubleDouble.twoProductError(a, b, p);
    assertThat(exact(p).add(exact(e))).isEqualByComparingTo(exact(a).multiply(exact(b)));
  }

  /** n products of normalised pairs, half of them cancelling the other half to about 2^-40. */
  @Provide
  Arbitrary<List<double[]>> terms() {
    Arbitrary<double[]> pair = Combinators.combine(wideNormal(), Arbitraries.doubles().between(-1, 1), wideNormal(), Arbitraries.doubles().between(-1, 1))
        .as((xh, xf, yh, yf) -> new double[] {xh, xf * U * Math.abs(xh), yh, yf * U * Math.abs(yh)});
    return pair.list().ofMinSize(1).ofMaxSize(40).map(DoubleDoubleProperties::withCancellation);
  }

  @Property(tries = 1000)
  @Label("5.2 Lemma DD: |result - sum x_i y_i| <= 2 (n + 3)^2 u^2 sum |x_i| |y_i|, result normalised")
  void accumulatorWithinLemmaDD(@ForAll("terms") List<double[]> terms) {
    DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
    BigDecimal exactSum = BigDecimal.ZERO;
    BigDecimal magnitude = BigDecimal.ZERO;
    double plain = 0;
    for (double[] t : terms) {
      acc.addProduct(t[0], t[1], t[2], t[3]);
      BigDecimal x = exact(t[0]).add(exact(t[1]));
      BigDecimal y = exact(t[2]).add(exact(t[3]));
      exactSum = exactSum.add(x.multiply(y));
      magnitude = magnitude.add(x.multiply(y).abs());
      plain += t[0] * t[2];
    }
    double hi = acc.hi();
    double lo = acc.lo();
    assertThat(Math.abs(lo)).as("normalised").isLessThanOrEqualTo(U * Math.abs(hi));
    double err = exact(hi).add(exact(lo)).subtract(exactSum).abs().doubleValue();
    double scale = U * U * magnitude.doubleValue();
    double bound = DoubleDouble.kappa(terms.size()) * scale;
    assertThat(err).isLessThanOrEqualTo(bound);
    Statistics.label("error / (u^2 sum |x y|)").collect(bucket(err / scale));
    double plainErr = exact(plain).subtract(exactSum).abs().doubleValue();
    Statistics.label("plain double sum within the bound").collect(plainErr <= bound);
    Statistics.label("plain double sum within the bound").coverage(c -> c.check(false).percentage(p -> p >= 30));
  }

  @Property(tries = 1000)
  @Label("5.3 divide: |(q1 + q2) - (ah + al) / r| <= 4.02 u^2 |ah| / r, normalised")
  void divisionWithinItsBound(@ForAll("wide") double ah, @ForAll("fractions") double f, @ForAll @IntRange(min = 1, max = 4096) int r) {
    double al = f * U * Math.abs(ah);
    double[] q = new double[2];
    DoubleDouble.divide(ah, al, r, q);
    assertThat(Math.abs(q[1])).as("normalised").isLessThanOrEqualTo(U * Math.abs(q[0]));
    BigDecimal want = exact(ah).add(exact(al)).divide(BigDecimal.valueOf(r), new MathContext(80));
    double err = exact(q[0]).add(exact(q[1])).subtract(want).abs().doubleValue();
    assertThat(err).isLessThanOrEqualTo(4.02 * U * U * Math.abs(ah) / r);
  }

  @Provide
  Arbitrary<Double> fractions() {
    return Arbitraries.doubles().between(-1, 1);
  }

  @Property(tries = 1000)
  @Label("5.4 low parts: |x - (hi + lo)| <= u^2 (1 + u) |x| and |lo| <= u |hi|")
  void decimalLowPartsWithinTheirBound(@ForAll("decimals") BigDecimal x) {
    double hi = x.doubleValue();
    double lo = LowParts.low(x, hi);
    assertThat(Math.abs(lo)).isLessThanOrEqualTo(U * Math.abs(hi));
    double err = x.subtract(exact(hi)).subtract(exact(lo)).abs().doubleValue();
    assertThat(err).isLessThanOrEqualTo(U * U * (1 + U) * x.abs().doubleValue());
  }

  /** Decimals with 1-20 significant digits and exponents in [-30, 30]. */
  @Provide
  Arbitrary<BigDecimal> decimals() {
    return Combinators.combine(Arbitraries.bigIntegers().between(java.math.BigInteger.ONE, java.math.BigInteger.TEN.pow(20)),
            Arbitraries.integers().between(-30, 30), Arbitraries.of(1, -1))
        .as((m, e, s) -> new BigDecimal(m.multiply(java.math.BigInteger.valueOf(s)), e));
  }

  /** A cancelling sum: the plain double dot of (1e16, 1, -1e16) . (1, 1, 1) loses the 1; Lemma DD keeps it. */
  @Example
  void cancellingSumKeepsTheSmallTerm() {
    DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
    acc.addProduct(1e16, 0, 1, 0);
    acc.addProduct(1, 0, 1, 0);
    acc.addProduct(-1e16, 0, 1, 0);
    assertThat(acc.hi()).isEqualTo(1.0);
    assertThat(acc.lo()).isZero();
    assertThat(1e16 + 1 - 1e16).as("plain doubles").isNotEqualTo(1.0);
  }

  private Arbitrary<Double> wideNormal() {
    return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(-100, 100), Arbitraries.of(1.0, -1.0))
        .as((bits, e, sign) -> sign * Math.scalb(1 + (bits >>> 12) * 0x1p-52, e));
  }

  /** Appends, for each of the first half of the terms, a term whose product nearly cancels it. */
  private static List<double[]> withCancellation(List<double[]> ts) {
    List<double[]> out = new java.util.ArrayList<>(ts);
    for (int i = 0; i < ts.size() / 2; i++) {
      double[] t = ts.get(i);
      double y = -t[2] * (1 + 0x1p-40 * (i + 1));
      out.set(ts.size() - 1 - i, new double[] {t[0], t[1], y, 0});
    }
    return out;
  }

  private static BigDecimal exact(double x) {
    return new BigDecimal(x);
  }

  private static String bucket(double ratio) {
    return ratio == 0 ? "0" : "1e" + (int) Math.floor(Math.log10(ratio));
  }
}
