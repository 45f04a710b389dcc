package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Notes Section 3 (strip lemma), checked at complex lambda: for {@code |Im lambda| <= 2 theta / R}
 * the analytic continuation of phi' (computed here in complex doubles) is at most
 * {@code M1 = L A (R/2)(1 + 1/cos theta)/cos^2 theta}.
 */
@Label("Section 3: strip lemma at complex lambda")
class StripLemmaProperties {
  /** Rounding slack of the complex evaluation (relative; ~100 roundings of size <= M1). */
  static final double SLACK = 1e-9;

  @Property(tries = 200)
  void continuationIsBoundedInTheStrip(
      @ForAll("instances") LossFromGradientsProperties.Instance in,
      @ForAll @DoubleRange(min = 0.01, max = 1.55) double theta,
      @ForAll @DoubleRange(min = -2, max = 3) double x,
      @ForAll @DoubleRange(min = -1, max = 1) double yFraction) {
    AnalyticBound.Inputs bound = AnalyticBound.inputs(in.a1(), in.a2(), in.a3());
    double y = yFraction * 2 * theta / bound.range();
    double[] value = phiPrime(in.a1(), in.a2(), in.a3(), x, y);
    double m1 = bound.stripBound(theta);
    double ratio = Math.hypot(value[0], value[1]) / m1;
    Statistics.label("|phi'| / M1").collect(ratio > 0.1 ? "> 0.1" : ratio > 0.01 ? "(0.01, 0.1]" : "<= 0.01");
    assertThat(ratio).isLessThanOrEqualTo(1 + SLACK);
  }

  /**
   * The lemma is attained in the limit: two identical rows with scores (s, -s) (R = 2s), one value
   * column (1, -1), lambda = i 2 theta / R. By hand: F = e^{+-i theta}/(2C), o = i tan theta,
   * o' = s / C^2, |phi'| = 2 s tan theta / C^2, so |phi'| / M1 = sin theta / (1 + C), which tends
   * to 1 as theta -> pi/2. A weaker M1 (any smaller power of 1/C) fails here. The near-tight end
   * theta > 1.4 carries no coverage demand: jqwik draws it in about 6.9% of tries (measured over
   * 500 runs of this generator), so a demand that 100 tries see it failed in about
   * {@code 0.931^100 = 8e-4} of runs; {@link #twoTokenInstanceNearlyAttainsTheBoundNearPiOverTwo}
   * runs it on every build.
   */
  @Property(tries = 100)
  void twoTokenInstanceNearlyAttainsTheBound(
      @ForAll @DoubleRange(min = 0.01, max = 1.55) double theta,
      @ForAll @DoubleRange(min = 0.1, max = 50) double s) {
    Statistics.label("theta").collect(theta > 1.4 ? "> 1.4" : "<= 1.4");
    assertTwoTokenRatio(theta, s);
  }

  /** The near-tight end theta in (1.4, 1.55], where the ratio tan(theta / 2) is 0.85 .. 0.98, for small and large s. */
  @Example
  void twoTokenInstanceNearlyAttainsTheBoundNearPiOverTwo() {
    for (double theta : new double[] {1.41, 1.5, 1.55}) {
      for (double s : new double[] {0.1, 3, 50}) {
        assertTwoTokenRatio(theta, s);
      }
    }
  }

  private static void assertTwoTokenRatio(double theta, double s) {
    double[][] a1 = {{s}, {s}};
    double[][] a2 = {{1}, {-1}};
    double[][] a3 = {{1}, {-1}};
    AnalyticBound.Inputs bound = AnalyticBound.inputs(a1, a2, a3);
    double y = 2 * theta / bound.range();
    double[] value = phiPrime(a1, a2, a3, 0, y);
    double ratio = Math.hypot(value[0], value[1]) / bound.stripBound(theta);
    double c = Math.cos(theta);
    assertThat(ratio).isLessThanOrEqualTo(1 + SLACK);
    // R is enlarged by a few ulps for rounding (notes 5.1), so y t is a hair below theta
    assertThat(ratio).isCloseTo(Math.sin(theta) / (1 + c),
        org.assertj.core.api.Assertions.within(TWO_TOKEN_TOLERANCE));
  }

  /** The hand ratio moves by ~ (R-enlargement ~1e-15) / C^3 <= 1e-10 at theta <= 1.55. */
  static final double TWO_TOKEN_TOLERANCE = 1e-8;

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<LossFromGradientsProperties.Instance> instances() {
    return new LossFromGradientsProperties().instances();
  }

  /** phi'(x + iy) = sum_j sum_c o_jc o'_jc, o' = sum_l F_jl (t_l - tbar) A3_l, complex. */
  static double[] phiPrime(double[][] a1, double[][] a2, double[][] a3, double x, double y) {
    double[][] g = AttentionLossGradient.scores(a1, a2);
    int len = g.length;
    int m = a3[0].length;
    double re = 0;
    double im = 0;
    for (int j = 0; j < len; j++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (double v : g[j]) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      double centre = (lo + hi) / 2;
      double[] fr = new double[len];
      double[] fi = new double[len];
      double dr = 0;
      double di = 0;
      for (int l = 0; l < len; l++) {
        double t = g[j][l] - centre;
        double mod = Math.exp(x * t);
        fr[l] = mod * Math.cos(y * t);
        fi[l] = mod * Math.sin(y * t);
        dr += fr[l];
        di += fi[l];
      }
      double dd = dr * dr + di * di;
      double tbarR = 0;
      double tbarI = 0;
      for (int l = 0; l < len; l++) { // F = e / D
        double r = (fr[l] * dr + fi[l] * di) / dd;
        double i = (fi[l] * dr - fr[l] * di) / dd;
        fr[l] = r;
        fi[l] = i;
        double t = g[j][l] - centre;
        tbarR += r * t;
        tbarI += i * t;
      }
      for (int c = 0; c < m; c++) {
        double or = 0;
        double oi = 0;
        double pr = 0;
        double pi = 0;
        for (int l = 0; l < len; l++) {
          double t = g[j][l] - centre;
          or += fr[l] * a3[l][c];
          oi += fi[l] * a3[l][c];
          double sr = t - tbarR; // (t - tbar)
          double si = -tbarI;
          pr += (fr[l] * sr - fi[l] * si) * a3[l][c];
          pi += (fr[l] * si + fi[l] * sr) * a3[l][c];
        }
        re += or * pr - oi * pi;
        im += or * pi + oi * pr;
      }
    }
    return new double[] {re, im};
  }
}
