package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * {@link ExpKernel} (proofs-notes/EXACT-DOUBLE.md section 4.4): relative error at most
 * {@link ExpKernel#MAX_RELATIVE_ERROR} against 40-digit values of exp on the polynomial path,
 * within 4 ulps of {@link StrictMath#exp} everywhere, exactly {@link StrictMath#exp} on the
 * delegated range, and the array form bit-identical to the scalar one.
 */
@Label("EXACT-DOUBLE 4.4: the exponential of max-shifted scores")
class ExpKernelProperties {
  private static final double U = 0x1p-53;
  /** Digits of the reference exp: 40, so its own error (1e-39) is below 1e-23 u. */
  private static final int DIGITS = 40;
  private static final MathContext MC = new MathContext(DIGITS);
  /**
   * Largest distance in ulps from {@link StrictMath#exp}: this code's 2.2 u plus fdlibm's 1 ulp
   * ({@code <= 2u} relative) is at most 4.2 u |exp(t)|, at most 4.2 ulps, and the distance is a
   * whole number of ulps.
   */
  private static final double MAX_ULPS_FROM_STRICT = 4;
  private static final double LN2 = Math.log(2);

  /**
   * Arguments in {@code [-745.2, 0]}: the bulk, tiny magnitudes (down to 2^-1074), the reduction
   * boundaries {@code (k + 1/2) ln 2} (where kd switches and |r| is largest), and both sides of the
   * switch to StrictMath at {@code -708}.
   */
  @Provide
  Arbitrary<Double> arguments() {
    Arbitrary<Double> bulk = Arbitraries.doubles().between(-708, 0);
    Arbitrary<Double> tiny = Arbitraries.integers().between(-1074, 0)
        .flatMap(e -> Arbitraries.doubles().between(1, 2).map(m -> -Math.scalb(m, e)));
    Arbitrary<Double> boundary = Arbitraries.integers().between(0, 1020)
        .flatMap(k -> Arbitraries.integers().between(-64, 64).map(s -> -(k + 0.5) * LN2 + s * Math.ulp((k + 0.5) * LN2)));
    Arbitrary<Double> edge = Arbitraries.doubles().between(-708.5, -707.5);
    Arbitrary<Double> subnormal = Arbitraries.doubles().between(-745.2, -708);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, bulk), net.jqwik.api.Tuple.of(2, tiny), net.jqwik.api.Tuple.of(3, boundary),
        net.jqwik.api.Tuple.of(1, edge), net.jqwik.api.Tuple.of(1, subnormal));
  }

  @Property(tries = 4000)
  @Label("relative error <= 2.2 u on [-708, 0]; StrictMath below; within 4 ulps of StrictMath")
  void withinItsBound(@ForAll("arguments") double t) {
    Statistics.label("path").collect(t >= ExpKernel.FAST_MIN ? "polynomial" : "StrictMath");
    Statistics.label("path").coverage(c -> {
      c.check("polynomial").percentage(p -> p >= 70);
      c.check("StrictMath").percentage(p -> p >= 3);
    });
    double e = ExpKernel.exp(t);
    double strict = StrictMath.exp(t);
    if (t < ExpKernel.FAST_MIN) {
      assertThat(e).isEqualTo(strict);
      return;
    }
    assertThat(relativeError(e, t)).isLessThanOrEqualTo(ExpKernel.MAX_RELATIVE_ERROR);
    assertThat(Math.abs(e - strict)).isLessThanOrEqualTo(MAX_ULPS_FROM_STRICT * Math.ulp(strict));
  }

  @Property(tries = 300)
  @Label("the array form gives the scalar form's bits")
  void arrayFormIsTheScalarForm(@ForAll("arguments") double a, @ForAll("arguments") double b) {
    double[] t = {a, b, 0, -0.0, -1e-300, -708, -708.0000000001, -745.2, Double.NEGATIVE_INFINITY, Double.NaN, a * 0.5};
    double[] out = new double[t.length];
    ExpKernel.exp(t, out, new double[t.length], t.length);
    for (int l = 0; l < t.length; l++) {
      assertThat(Double.doubleToRawLongBits(out[l])).as("t = %s", t[l]).isEqualTo(Double.doubleToRawLongBits(ExpKernel.exp(t[l])));
    }
  }

  @Example
  @Label("edges: exp(0) = 1 exactly, -708 within the bound, below it and outside [.., 0] StrictMath")
  void edges() {
    assertThat(ExpKernel.exp(0)).isEqualTo(1.0);
    assertThat(ExpKernel.exp(-0.0)).isEqualTo(1.0);
    assertThat(ExpKernel.exp(-Double.MIN_VALUE)).isEqualTo(1.0);
    assertThat(relativeError(ExpKernel.exp(-708), -708)).isLessThanOrEqualTo(ExpKernel.MAX_RELATIVE_ERROR);
    assertThat(ExpKernel.exp(-708)).isGreaterThanOrEqualTo(Double.MIN_NORMAL);
    assertThat(relativeError(ExpKernel.exp(-0.5 * LN2), -0.5 * LN2)).isLessThanOrEqualTo(ExpKernel.MAX_RELATIVE_ERROR);
    for (double t : new double[] {Math.nextDown(-708.0), -745.1, -745.2, -746, -1e300, Double.NEGATIVE_INFINITY, 1e-300, 1, 710}) {
      assertThat(ExpKernel.exp(t)).as("t = %s", t).isEqualTo(StrictMath.exp(t));
    }
    assertThat(ExpKernel.exp(-746)).isZero();
    assertThat(ExpKernel.exp(Double.NaN)).isNaN();
  }

  @Example
  @Label("the bound is tight to a factor of a few: the worst observed error on 20000 arguments is above 0.5 u")
  void boundIsNotVacuous() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(20241201L);
    double worst = 0;
    for (int i = 0; i < 20000; i++) {
      double t = -rnd.nextDouble() * 40;
      worst = Math.max(worst, relativeError(ExpKernel.exp(t), t));
    }
    assertThat(worst).isGreaterThan(0.5 * U).isLessThanOrEqualTo(ExpKernel.MAX_RELATIVE_ERROR);
  }

  /** {@code |e / exp(t) - 1|} with exp(t) to 40 digits. */
  private static double relativeError(double e, double t) {
    BigDecimal exact = new BigDecimal(ApfloatMath.exp(new Apfloat(new BigDecimal(t), DIGITS + 5)).toString(true));
    return new BigDecimal(e).subtract(exact).abs().divide(exact, MC).doubleValue();
  }
}
