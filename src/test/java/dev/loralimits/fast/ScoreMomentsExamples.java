package dev.loralimits.fast;

import static dev.loralimits.fast.FastBoundFormulaProperties.assertTerm;
import static dev.loralimits.fast.FastBoundFormulaProperties.big;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * FAST-BOUND.md §11.7 and §11.10 on exact inputs: the monomials of {@link ScoreMoments.Monomials}
 * are the multinomial expansion ({@code sum_{|m| = t} (t choose m) x^m y^m = (x . y)^t}, checked
 * exactly on small integers), the shared-level evaluation equals the one from level 1, the lowest
 * underflowing level is the one where a product first leaves the normal range, and the shifts
 * {@code a_j} are their formula of §11.7 (c) with its factor {@code gamma_Lk} (issue 12, PIT).
 */
class ScoreMomentsExamples {
  static long binomial(int n, int k) {
    return factorial(n).divide(factorial(k).multiply(factorial(n - k))).longValueExact();
  }

  static BigInteger factorial(int n) {
    BigInteger f = BigInteger.ONE;
    for (int i = 2; i <= n; i++) {
      f = f.multiply(BigInteger.valueOf(i));
    }
    return f;
  }

  /**
   * A Monomials built now, not taken from {@code Monomials.of}'s cache: a cached instance was built
   * before the test (by an earlier test in the JVM), so only a fresh one shows what the constructor does.
   */
  static ScoreMoments.Monomials fresh(int h, int t) {
    try {
      java.lang.reflect.Constructor<ScoreMoments.Monomials> c =
          ScoreMoments.Monomials.class.getDeclaredConstructor(int.class, int.class);
      c.setAccessible(true);
      return c.newInstance(h, t);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Small integer entries in [-2, 2]: every product and sum below is an exact double. */
  static double[] ints(SplittableRandom rnd, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextInt(5) - 2;
    }
    return x;
  }

  /**
   * §11.7 (b): the degree-t monomials of h variables number {@code binom(t + h - 1, t)}, their
   * coefficients {@code (t choose m)} sum to {@code h^t}, and {@code sum_m (t choose m) x^m y^m = (x . y)^t}.
   */
  @Test
  void monomialsAreTheMultinomialExpansion() {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int h = 1; h <= 4; h++) {
      for (int t = 1; t <= 6; t++) {
        ScoreMoments.Monomials mon = fresh(h, t);
        assertThat(ScoreMoments.Monomials.of(h, t)).as("of(h, t) gives an instance").isNotNull();
        assertThat(ScoreMoments.Monomials.of(h, t).count()).isEqualTo(mon.count());
        assertThat(mon.count()).as("count h=%d t=%d", h, t).isEqualTo(binomial(t + h - 1, t));
        double coefSum = 0;
        for (int m = 0; m < mon.count(); m++) {
          coefSum += mon.coefficient(m);
        }
        assertThat(coefSum).as("sum of (t choose m), h=%d t=%d", h, t).isEqualTo(Math.pow(h, t));
        for (int trial = 0; trial < 5; trial++) {
          double[] x = ints(rnd, h + 2);
          double[] y = ints(rnd, h + 1);
          double[] wx = new double[mon.workSize()];
          double[] wy = new double[mon.workSize()];
          boolean[] under = new boolean[1];
          mon.evaluate(x, 2, wx, under); // offset 2: x[0], x[1] not read
          assertThat(mon.evaluateFrom(0, null, 0, y, 1, wy)).as("no underflow").isEqualTo(Integer.MAX_VALUE);
          assertThat(under[0]).isFalse();
          double dot = 0;
          for (int i = 0; i < h; i++) {
            dot += x[2 + i] * y[1 + i];
          }
          double s = 0;
          int off = mon.topOffset();
          for (int m = 0; m < mon.count(); m++) {
            s += mon.coefficient(m) * wx[off + m] * wy[off + m];
          }
          assertThat(s).as("(x . y)^%d, h=%d", t, h).isEqualTo(Math.pow(dot, t));
        }
      }
    }
  }

  /** §11.10: starting from a stored level s (a lower degree's top level) gives the same work values. */
  @Test
  void evaluationFromAStoredLevelEqualsTheOneFromLevelOne() {
    SplittableRandom rnd = new SplittableRandom(2);
    int h = 3;
    int t = 5;
    double[] x = new double[h];
    for (int i = 0; i < h; i++) {
      x[i] = rnd.nextDouble(-1, 1);
    }
    ScoreMoments.Monomials top = ScoreMoments.Monomials.of(h, t);
    double[] ref = new double[top.workSize()];
    top.evaluate(x, 0, ref, new boolean[1]);
    for (int s = 1; s < t; s++) {
      ScoreMoments.Monomials low = ScoreMoments.Monomials.of(h, s);
      double[] w = new double[low.workSize()];
      low.evaluateFrom(0, null, 0, x, 0, w);
      double[] start = java.util.Arrays.copyOfRange(w, low.topOffset(), low.topOffset() + low.count());
      double[] shared = new double[top.workSize()];
      top.evaluateFrom(s, start, 0, x, 0, shared);
      assertThat(java.util.Arrays.copyOfRange(shared, top.topOffset(), top.workSize()))
          .as("top level from stored level %d", s)
          .isEqualTo(java.util.Arrays.copyOfRange(ref, top.topOffset(), top.workSize()));
    }
  }

  /** §11.10: evaluateFrom returns the lowest level with a product of nonzeros below 2^-1022. */
  @Test
  void theLowestUnderflowingLevelIsReported() {
    ScoreMoments.Monomials mon = ScoreMoments.Monomials.of(2, 4);
    double[] w = new double[mon.workSize()];
    // level 2: 1e-220 (normal); level 3: 1e-330 underflows first
    assertThat(mon.evaluateFrom(0, null, 0, new double[] {1e-110, 1}, 0, w)).isEqualTo(3);
    // level 2 already: 1e-320
    assertThat(mon.evaluateFrom(0, null, 0, new double[] {1e-160, 0.5}, 0, w)).isEqualTo(2);
    // a zero variable is not an underflow
    assertThat(mon.evaluateFrom(0, null, 0, new double[] {0, 1e-50}, 0, w)).isEqualTo(Integer.MAX_VALUE);
    // a product of exactly 2^-1022 is normal: not an underflow
    ScoreMoments.Monomials square = ScoreMoments.Monomials.of(1, 2);
    assertThat(square.evaluateFrom(0, null, 0, new double[] {0x1p-511}, 0, new double[square.workSize()]))
        .isEqualTo(Integer.MAX_VALUE);
    boolean[] under = new boolean[1];
    ScoreMoments.Monomials.checkedProduct(0x1p-511, 0x1p-511, under);
    assertThat(under[0]).as("2^-1022 is normal").isFalse();
    ScoreMoments.Monomials.checkedProduct(0, 1e-300, under);
    assertThat(under[0]).as("0 times tiny").isFalse();
    ScoreMoments.Monomials.checkedProduct(1e-200, 1e-200, under);
    assertThat(under[0]).as("tiny times tiny").isTrue();
  }

  /**
   * §11.7 (c): {@code a_j = q_j kmU}, {@code kmU = ||b|| (1 + gamma_{h+1}) / Lk},
   * {@code b_i = |sum_l Kc_li| + gamma_Lk (1 + gamma_Lk) sum_l |Kc_li|}. Lk = 300 rows with
   * column sums 0 and 5/4 (magnitudes 1 and 1/4 in the second): the {@code gamma_Lk} part is 3.5e-12
   * of {@code b_1} (and all of {@code b_0}), so dropping it, or a sum over the wrong entries, moves
   * {@code a_j} outside {@code 1 + 1e-12}.
   */
  @Test
  void shiftsAreTheMeanKeyNormFormula() {
    int lk = 300;
    int h = 2;
    double[] kc = new double[lk * h];
    for (int l = 0; l < lk; l++) {
      kc[l * h] = l % 2 == 0 ? 0.5 : -0.5; // sum 0
      // rows 0..74: +-1 (38 - 37: sum 1), rows 75..299: +-1/4 (113 - 112: sum 1/4); sum 5/4, |.| sum 131.25
      kc[l * h + 1] = l < 75 ? (l % 2 == 0 ? 1 : -1) : (l % 2 == 1 ? 0.25 : -0.25);
    }
    double[] q = {2, 0.75};
    double[] a = ScoreMoments.shifts(kc, lk, h, q);
    MathContext exact = new MathContext(80, RoundingMode.HALF_EVEN);
    for (int j = 0; j < q.length; j++) {
      double qj = q[j];
      assertTerm("a_" + j, a[j], f -> {
        BigDecimal g = f.gamma(big(lk));
        BigDecimal ss = BigDecimal.ZERO;
        for (int i = 0; i < h; i++) {
          BigDecimal s = BigDecimal.ZERO;
          BigDecimal abs = BigDecimal.ZERO;
          for (int l = 0; l < lk; l++) {
            s = s.add(big(kc[l * h + i]));
            abs = abs.add(big(Math.abs(kc[l * h + i])));
          }
          BigDecimal b = f.add(s.abs(), f.mul(g, abs, f.onePlus(g)));
          ss = ss.add(b.multiply(b));
        }
        // the root to 80 digits, moved by 1e-70 relative in the oracle's direction
        BigDecimal root = ss.sqrt(exact);
        root = root.multiply(BigDecimal.ONE.add(new BigDecimal(f.upper ? "1e-70" : "-1e-70")));
        return f.mul(big(qj), root, f.onePlus(f.gamma(big(h + 1L)))).divide(big(lk), f.mc);
      });
    }
  }

  /**
   * §11.7 (b): a product {@code (t choose m) x^m agg_m} below 2^-1022 makes every {@code T_j} infinite
   * even when no monomial underflowed (h = 1, t = 2: {@code q^2 = 1e-200}, {@code k^2 = 1e-120}, product
   * 1e-320); a product of exactly 2^-1022 is normal and leaves {@code T_j} finite.
   */
  @Test
  void anUnderflowingMomentProductGivesInfinity() {
    double[] q = {1e-100};
    double[] k = {1e-60};
    FastBound.KeyRows rows = new FastBound.KeyRows(q, 1, k, 1, 1);
    ScoreMoments sm = new ScoreMoments(q, k, k, 1, 1, 1, new double[] {FastBound.normUpper(q, 0, 1)}, rows);
    assertThat(sm.evenMoment(2)).containsOnly(Double.POSITIVE_INFINITY);
    assertThat(sm.evenMomentFromScratch(2)).containsOnly(Double.POSITIVE_INFINITY);
    double[] qe = {0x1p-300};
    double[] ke = {0x1p-211};
    FastBound.KeyRows rowsE = new FastBound.KeyRows(qe, 1, ke, 1, 1);
    ScoreMoments exact = new ScoreMoments(qe, ke, ke, 1, 1, 1, new double[] {FastBound.normUpper(qe, 0, 1)}, rowsE);
    assertThat(exact.evenMoment(2)[0]).as("q^2 k^2 = 2^-1022 exactly").isFinite();
    // a level-2 monomial of exactly 2^-1022 times the coefficient 1
    double[] qm = {0x1p-511};
    double[] km = {1};
    FastBound.KeyRows rowsM = new FastBound.KeyRows(qm, 1, km, 1, 1);
    ScoreMoments m = new ScoreMoments(qm, km, km, 1, 1, 1, new double[] {FastBound.normUpper(qm, 0, 1)}, rowsM);
    assertThat(m.evenMoment(2)[0]).as("c x = 2^-1022 exactly").isFinite();
  }

  /**
   * A zero query entry (a zero monomial, {@code x = 0}) is not an underflow: the moments stay finite,
   * equal the reference's, and bound the exact mean {@code (1/Lk) sum_l (q . k_l)^t} (the PIT survivor
   * {@code x != 0} to {@code x == 0} in the inlined underflow test turned them into +infinity, sound
   * but useless).
   */
  @Test
  void aZeroQueryEntryIsNotAnUnderflow() {
    double[] q = {0, 0.5};
    double[] k = {0.25, 0.5, -0.5, 1};
    FastBound.KeyRows rows = new FastBound.KeyRows(q, 1, k, 2, 2);
    ScoreMoments sm = new ScoreMoments(q, k, k, 1, 2, 2, new double[] {FastBound.normUpper(q, 0, 2)}, rows);
    for (int t : new int[] {2, 4}) {
      double got = sm.evenMoment(t)[0];
      assertThat(got).as("t = " + t).isFinite().isEqualTo(sm.evenMomentFromScratch(t)[0]);
      // (q . k_1, q . k_2) = (0.25, 0.5): the exact mean of the t-th powers, and the returned bound
      // exceeds it by at most its rounding allowance (far below 1e-12 relative here)
      double exact = (Math.pow(0.25, t) + Math.pow(0.5, t)) / 2;
      assertThat(got).as("t = " + t).isGreaterThanOrEqualTo(exact).isLessThan(exact * (1 + 1e-12));
    }
  }
}
