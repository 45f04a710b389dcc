package dev.loralimits.fast;

import static dev.loralimits.fast.FastBoundFormulaProperties.assertTerm;
import static dev.loralimits.fast.FastBoundFormulaProperties.big;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * FAST-BOUND.md's helper formulas on inputs where the double computation inside the helper is exact
 * (small dyadic entries, sums far below 2^53), so that the note's formula, including its factor
 * {@code 1 + gamma_n}, is known exactly and {@code formula <= returned <= (1 + TERM_SLACK) formula}
 * tests that factor too. The lengths are chosen with {@code n > 128}: a factor {@code 1 + gamma_n}
 * replaced by {@code 1 - gamma_n} or divided instead of multiplied then falls below the formula by
 * more than {@code up}'s {@code 256 u} (proofs-notes/MUTATION.md, issue 12). Random formula
 * properties compare with the exact quantity (no gamma factor), where an O(u) change is invisible.
 */
class FastBoundExamples {
  /** A length above 128: {@code (1 - gamma_{n+1})(1 + 256u) < 1 + gamma_{n+1}} (see the class comment). */
  static final int LONG = 300;

  /** Entries of {@code +-1/4, +-1/2, +-1}, all dyadic: sums of a few hundred are exact in double. */
  static double dyadic(SplittableRandom rnd) {
    double v = Math.scalb(1.0, -rnd.nextInt(3));
    return rnd.nextBoolean() ? v : -v;
  }

  static double[][] dyadic(SplittableRandom rnd, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = dyadic(rnd);
      }
    }
    return m;
  }

  // ---------------------------------------------------------------- §1

  /** §1: {@code maxWeightMajorant = up(max Wabs (1 + gamma_{r+2}))}, {@code Wabs = |W*| + |alpha/r| |B| |A|}. */
  @Test
  void weightMajorantIsMaxWabsTimesOnePlusGammaRPlus2() {
    SplittableRandom rnd = new SplittableRandom(12);
    int r = 256;
    double[][] w = dyadic(rnd, 3, 4);
    double[][] a = dyadic(rnd, r, 4);
    double[][] b = dyadic(rnd, 3, r);
    double alpha = -2.0; // |alpha / r| = 2^-7: exact; alpha * r or alpha - r would change it
    BigDecimal max = BigDecimal.ZERO;
    int argI = -1;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        BigDecimal s = BigDecimal.ZERO;
        for (int k = 0; k < r; k++) {
          s = s.add(big(Math.abs(b[i][k] * a[k][j])));
        }
        BigDecimal wabs = big(Math.abs(w[i][j])).add(s.multiply(big(Math.abs(alpha / r))));
        if (wabs.compareTo(max) > 0) {
          max = wabs;
          argI = i;
        }
      }
    }
    assertThat(argI).as("the largest entry is not in the first row (a loop over rows is exercised)").isPositive();
    BigDecimal m = max;
    assertTerm("maxWeightMajorant", FastBound.maxWeightMajorant(w, a, b, alpha),
        f -> f.mul(m, f.onePlus(f.gamma(big(r + 2L)))));
  }

  /** §1 for a frozen projection (r = 0): {@code up(max|W*| (1 + gamma_2))}, no adapter read. */
  @Test
  void weightMajorantOfAFrozenProjectionIsMaxAbsTimesOnePlusGamma2() {
    double[][] w = {{0.5, -3}, {2, 1}};
    assertTerm("maxWeightMajorant frozen", FastBound.maxWeightMajorant(w, null, null, 7),
        f -> f.mul(big(3), f.onePlus(f.gamma(big(2)))));
  }

  /** §1: {@code maxRowAbsSum = up(max_i sum_j |x_ij| (1 + gamma_{n+1}))}, n the columns. */
  @Test
  void maxRowAbsSumIsTheLargestRowSumTimesOnePlusGamma() {
    SplittableRandom rnd = new SplittableRandom(3);
    double[][] x = dyadic(rnd, 4, LONG);
    x[2][7] = 40; // the largest row is not the first
    BigDecimal max = BigDecimal.ZERO;
    for (double[] row : x) {
      BigDecimal s = BigDecimal.ZERO;
      for (double v : row) {
        s = s.add(big(Math.abs(v)));
      }
      max = max.max(s);
    }
    BigDecimal m = max;
    assertTerm("maxRowAbsSum", FastBound.maxRowAbsSum(x), f -> f.mul(m, f.onePlus(f.gamma(big(LONG + 1L)))));
  }

  /** §1: {@code maxColAbsSum = up(max_j sum_i |x_ij| (1 + gamma_{n+1}))}, n the rows. */
  @Test
  void maxColAbsSumIsTheLargestColumnSumTimesOnePlusGamma() {
    SplittableRandom rnd = new SplittableRandom(4);
    double[][] x = dyadic(rnd, LONG, 3);
    x[9][2] = -40; // the largest column is the last
    BigDecimal max = BigDecimal.ZERO;
    for (int j = 0; j < 3; j++) {
      BigDecimal s = BigDecimal.ZERO;
      for (double[] row : x) {
        s = s.add(big(Math.abs(row[j])));
      }
      max = max.max(s);
    }
    BigDecimal m = max;
    assertTerm("maxColAbsSum", FastBound.maxColAbsSum(x), f -> f.mul(m, f.onePlus(f.gamma(big(LONG + 1L)))));
  }

  /**
   * §1 (5.1): the point's {@code xqColSum = up(maxColAbsSum(X^Q) (1 + gamma_{Lq+1}))} (the old chain's
   * second factor, FAST-BOUND.md §11.6), and (1.1)-(1.3) read the row sums of §1.
   */
  @Test
  void inputNormsCarryTheColumnSumWithItsSecondFactor() {
    SplittableRandom rnd = new SplittableRandom(5);
    int lq = LONG;
    int d = 2;
    Map<Adapter, DoubleInstance.Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, new DoubleInstance.Weight(dyadic(rnd, d, d), null, null));
    }
    double[][] xq = dyadic(rnd, lq, d);
    double[][] xk = dyadic(rnd, 4, d);
    DoubleData dd = new DoubleData(new DoubleInstance(1.0, 0.5, w, List.of(DoubleInstance.Point.self(xq, dyadic(rnd, lq, d)))));
    double[] qh = new double[lq * d];
    double[] kc = new double[4 * d];
    double[] vm = new double[4 * d];
    double[] y = new double[lq * d];
    FastBound.PointNorms n = FastBound.inputNorms(dd, xq, xk, xk, qh, kc, vm, y, d, d, 0, 0);
    double colSum = FastBound.maxColAbsSum(xq);
    assertTerm("xqColSum", n.xqColSum(), f -> f.mul(big(colSum), f.onePlus(f.gamma(big(lq + 1L)))));
    double rowQ = FastBound.maxRowAbsSum(xq);
    assertThat(n.eQ()).isEqualTo(FastBound.queryError(d, 0, 0.5, rowQ, dd.maxMergedMajorant.get(Adapter.Q)));
  }

  /** §11.8: {@code rowOneNorm = up(sum_i |x_ri| (1 + gamma_{n+1}))} for row r only. */
  @Test
  void rowOneNormIsTheRowsSumTimesOnePlusGamma() {
    SplittableRandom rnd = new SplittableRandom(6);
    int rows = 3;
    double[] x = new double[rows * LONG];
    for (int i = 0; i < x.length; i++) {
      x[i] = dyadic(rnd);
    }
    x[2 * LONG + 5] = 100; // row 2 differs from row 1
    for (int r = 0; r < rows; r++) {
      BigDecimal s = BigDecimal.ZERO;
      for (int i = 0; i < LONG; i++) {
        s = s.add(big(Math.abs(x[r * LONG + i])));
      }
      BigDecimal sr = s;
      assertTerm("rowOneNorm of row " + r, FastBound.rowOneNorm(x, r, LONG),
          f -> f.mul(sr, f.onePlus(f.gamma(big(LONG + 1L)))));
    }
    assertThat(FastBound.maxRowOneNorm(x, rows, LONG)).isEqualTo(FastBound.rowOneNorm(x, 2, LONG));
  }

  /** §11.4: {@code normUpper = up(sqrt(sum x_i^2) (1 + gamma_{h+1}))}; 400 ones: root 20, exact. */
  @Test
  void normUpperIsTheRootTimesOnePlusGamma() {
    int h = 400;
    double[] x = new double[h + 3];
    java.util.Arrays.fill(x, 3, h + 3, -1.0);
    x[0] = 1e300; // before the offset: not read
    assertTerm("normUpper", FastBound.normUpper(x, 3, h), f -> f.mul(big(20), f.onePlus(f.gamma(big(h + 1L)))));
  }

  /** §3: {@code R = up(qN kN (1 + 2 gamma_{h+2}))}. */
  @Test
  void scoreRadiusIsTheProductTimesOnePlusTwoGamma() {
    int h = 100; // 4 (h + 2) u > 256 u: 1 - 2 gamma would fall below
    assertTerm("scoreRadius", FastBound.scoreRadius(3, 0.25, h),
        f -> f.mul(big(0.75), f.onePlus(f.mul(big(2), f.gamma(big(h + 2L))))));
  }

  // ---------------------------------------------------------------- §11.3-11.6

  /** §11.6: {@code qPow = up(t^p (1 + gamma_{2p}))}, t = q/qn; q = qn/2 and p = 200 make t^p exact. */
  @Test
  void ratioPowerIsThePowerTimesOnePlusGamma2p() {
    int p = 200;
    assertTerm("ratioPowerUpper", FastBound.ratioPowerUpper(1.5, 3, p),
        f -> f.mul(big(Math.scalb(1.0, -p)), f.onePlus(f.gamma(big(2L * p)))));
    assertTerm("ratioPowerUpper p = 1", FastBound.ratioPowerUpper(3, 3, 1), f -> f.onePlus(f.gamma(big(2))));
    assertThat(FastBound.ratioPowerUpper(1, 0, 3)).as("qn = 0").isZero();
  }

  /**
   * §11.4: {@code mu_p = up(c (1 + gamma_{2p + Lk}) / Lk)} on the code's own clamped power sum c
   * (recomputed here in the same order); p = 200, Lk = 300: every change of the factor or of the
   * division by Lk leaves the formula's bracket.
   */
  @Test
  void momentIsThePowerSumTimesOnePlusGammaOverLk() {
    int lk = 300;
    int h = 1;
    int p = 200;
    double[] qh = {1, -0.5};
    double[] kc = new double[lk];
    for (int l = 0; l < lk; l++) {
      kc[l] = l % 3 == 0 ? 1 : -0.5;
    }
    FastBound.KeyRows rows = new FastBound.KeyRows(qh, 2, kc, lk, h);
    double[] pow = new double[lk];
    double c = 0;
    for (int t = 1; t <= p; t++) {
      c = 0;
      for (int l = 0; l < lk; l++) {
        double c1 = FastBound.clampedProduct(rows.qn, FastBound.normUpper(kc, l, h));
        pow[l] = t == 1 ? c1 : FastBound.clampedProduct(pow[l], c1);
        c += pow[l];
      }
    }
    double cp = c;
    assertTerm("mu_200", rows.moment(p), f -> f.mul(big(cp), f.onePlus(f.gamma(big(2L * p + lk))))
        .divide(big(lk), f.mc));
  }

  /** A point's inputs to {@link FastBound.KeyRows}: queries, keys, X^Q, targets, values. */
  record RowsInput(double[] qh, double[] kc, double[][] xq, double[] y, double[] vm, int lq, int lk, int h, int o) {
    static RowsInput of(long seed) {
      SplittableRandom rnd = new SplittableRandom(seed);
      int lq = 4;
      int lk = 5;
      int h = 2;
      int o = 3;
      double[] qh = new double[lq * h];
      double[] kc = new double[lk * h];
      double[] vm = new double[lk * o];
      double[] y = new double[lq * o];
      for (double[] v : new double[][] {qh, kc, vm, y}) {
        for (int i = 0; i < v.length; i++) {
          v[i] = rnd.nextDouble(-1, 1);
        }
      }
      // row maxima of |y| at different columns, one negative
      y[0 * o + 2] = -3;
      y[1 * o + 1] = 2.5;
      y[3 * o + 0] = 1.5;
      return new RowsInput(qh, kc, dyadic(rnd, lq, 2), y, vm, lq, lk, h, o);
    }
  }

  /** §11.6: the per-row data a KeyRows carries: {@code yMax_j = max_i |Y_ji|}, {@code q_j}, {@code kn}. */
  @Test
  void keyRowsCarryTheRowMaximaAndNorms() {
    RowsInput in = RowsInput.of(7);
    FastBound.KeyRows kr = new FastBound.KeyRows(in.qh(), in.lq(), in.kc(), in.lk(), in.h(), in.xq(), in.y(), in.o());
    FastBound.QueryRows q = kr.noTaylor().query();
    double kn = 0;
    for (int l = 0; l < in.lk(); l++) {
      kn = Math.max(kn, FastBound.normUpper(in.kc(), l * in.h(), in.h()));
    }
    assertThat(q.kn()).isEqualTo(kn);
    assertThat(q.xq()).isSameAs(in.xq());
    for (int j = 0; j < in.lq(); j++) {
      double m = 0;
      for (int i = 0; i < in.o(); i++) {
        m = Math.max(m, Math.abs(in.y()[j * in.o() + i]));
      }
      assertThat(q.yMax()[j]).as("yMax_%d", j).isEqualTo(m);
      assertThat(q.q()[j]).as("q_%d", j).isEqualTo(FastBound.normUpper(in.qh(), j * in.h(), in.h()));
    }
    assertThat(q.yMax()[0]).isEqualTo(3);
    assertThat(q.yMax()[1]).isEqualTo(2.5);
    assertThat(q.yOne()).as("no l1 data without Vm").isNull();
    assertThat(q.vOne()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(kr.rowMean(ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, 3, 1)).scoreMoment()).as("no score moments").isNull();
  }

  /** §11.8: with {@code Vm} the l1 data {@code yOne_j = rowOneNorm(Y, j)}, {@code vOne = maxRowOneNorm(Vm)}. */
  @Test
  void keyRowsWithValuesCarryTheL1Data() {
    RowsInput in = RowsInput.of(8);
    FastBound.KeyRows kr = new FastBound.KeyRows(
        in.qh(), in.lq(), in.kc(), in.lk(), in.h(), in.xq(), in.y(), in.o(), null, null, in.vm());
    FastBound.QueryRows q = kr.noTaylor().query();
    assertThat(q.yOne()).hasSize(in.lq());
    for (int j = 0; j < in.lq(); j++) {
      assertThat(q.yOne()[j]).as("yOne_%d", j).isEqualTo(FastBound.rowOneNorm(in.y(), j, in.o()));
    }
    assertThat(q.vOne()).isEqualTo(FastBound.maxRowOneNorm(in.vm(), in.lk(), in.o()));
  }

  /** §11.7: score moments exist exactly when both the scaled queries and X^Q are given. */
  @Test
  void scoreMomentsNeedTheScaledQueriesAndTheQueryRows() {
    RowsInput in = RowsInput.of(9);
    ExpPolynomial taylor = ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, 3, 1);
    FastBound.KeyRows without = new FastBound.KeyRows(
        in.qh(), in.lq(), in.kc(), in.lk(), in.h(), null, in.y(), in.o(), in.qh(), in.kc());
    assertThat(without.rowMean(taylor).query()).isNull();
    assertThat(without.rowMean(taylor).scoreMoment()).isNull();
    assertThat(without.rowMean(taylor).qPow()).as("no query rows, no qPow").isNull();
    FastBound.KeyRows with = new FastBound.KeyRows(
        in.qh(), in.lq(), in.kc(), in.lk(), in.h(), in.xq(), in.y(), in.o(), in.qh(), in.kc());
    FastBound.RowMean rm = with.rowMean(taylor);
    assertThat(rm.scoreMoment()).hasSize(in.lq());
    assertThat(rm.shift()).hasSize(in.lq());
  }

  /**
   * §11.3: the Taylor row mean reads {@code rhoP}, {@code Rs}, {@code mu_p} and {@code 1/p!} with
   * p = g + 1, and per row {@code qPow_j = ratioPowerUpper(q_j, qn, p)}; a Chebyshev polynomial gives
   * none of them (moment infinite: {@code min(delta, Mbar) = delta}) but keeps the query rows.
   */
  @Test
  void rowMeanReadsTheTaylorTermsAndChebyshevNone() {
    RowsInput in = RowsInput.of(10);
    FastBound.KeyRows kr = new FastBound.KeyRows(in.qh(), in.lq(), in.kc(), in.lk(), in.h(), in.xq(), in.y(), in.o());
    int g = 4;
    ExpPolynomial taylor = ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, g, 2);
    FastBound.RowMean rm = kr.rowMean(taylor);
    assertThat(rm.rhoP()).isEqualTo(taylor.roundingBound());
    assertThat(rm.rStar()).isEqualTo(kr.rStar);
    assertThat(rm.moment()).isEqualTo(kr.moment(g + 1));
    assertThat(rm.moment()).isNotEqualTo(kr.moment(g)).isNotEqualTo(kr.moment(g + 2));
    assertTerm("1/p!", rm.invFactorial(), f -> BigDecimal.ONE.divide(big(120), f.mc));
    assertThat(rm.query()).isSameAs(kr.noTaylor().query());
    assertThat(rm.qPow()).hasSize(in.lq());
    for (int j = 0; j < in.lq(); j++) {
      assertThat(rm.qPow()[j]).as("qPow_%d", j)
          .isEqualTo(FastBound.ratioPowerUpper(FastBound.normUpper(in.qh(), j * in.h(), in.h()), kr.qn, g + 1));
    }
    FastBound.RowMean cheb = kr.rowMean(ExpPolynomial.of(ExpPolynomial.Kind.CHEBYSHEV, g, 2));
    assertThat(cheb.moment()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(cheb.qPow()).isNull();
    assertThat(cheb.rhoP()).isZero();
    assertThat(cheb.invFactorial()).isEqualTo(1);
    assertThat(cheb.query()).isSameAs(rm.query());
    assertThat(FastBound.rowMeanTaylorError(cheb, 0)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  // ---------------------------------------------------------------- §5-6 over points

  /** The degree search's target: the largest gradient bound; without adapters 0 or infinity (loss). */
  @Test
  void certifiedBoundIsTheLargestGradientBoundOrTheLossFiniteness() {
    FastBound.Certificate c = new FastBound.Certificate();
    c.lossBound = 3;
    assertThat(c.certifiedBound()).isZero();
    c.lossBound = Double.POSITIVE_INFINITY;
    assertThat(c.certifiedBound()).isEqualTo(Double.POSITIVE_INFINITY);
    c.lossBound = 3;
    c.boundA.put(Adapter.Q, 2.0);
    c.boundB.put(Adapter.Q, 5.0);
    c.boundA.put(Adapter.V, 4.0);
    assertThat(c.certifiedBound()).isEqualTo(5);
    assertThat(c.maxGradientBound()).isEqualTo(5);
    c.boundA.put(Adapter.K, 7.0);
    assertThat(c.certifiedBound()).isEqualTo(7);
    assertThat(FastBound.largest(Map.of(), Map.of())).isZero();
  }

  /** A two-point instance with Q adapted at rank 2 and alpha = 3 (|alpha/r| = 1.5). */
  static DoubleData rankTwoInstance(SplittableRandom rnd, int d) {
    Map<Adapter, DoubleInstance.Weight> w = new EnumMap<>(Adapter.class);
    w.put(Adapter.Q, new DoubleInstance.Weight(CertificateTermsProbe.uniform(rnd, d, d, 0.5),
        CertificateTermsProbe.uniform(rnd, 2, d, 0.5), CertificateTermsProbe.uniform(rnd, d, 2, 0.5)));
    w.put(Adapter.K, new DoubleInstance.Weight(CertificateTermsProbe.uniform(rnd, d, d, 0.5), null, null));
    w.put(Adapter.V, new DoubleInstance.Weight(CertificateTermsProbe.uniform(rnd, d, d, 0.5),
        CertificateTermsProbe.uniform(rnd, 2, d, 0.5), CertificateTermsProbe.uniform(rnd, d, 2, 0.5)));
    List<DoubleInstance.Point> pts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int len = 3 + 4 * i;
      pts.add(DoubleInstance.Point.self(CertificateTermsProbe.uniform(rnd, len, d, 1), CertificateTermsProbe.uniform(rnd, len, d, 2)));
    }
    return new DoubleData(new DoubleInstance(3.0, 0.5, w, pts));
  }

  /**
   * §5-6: {@code E = up(sum_i g_i + gamma_{N+1} sum_i gMaj_i)} per adapted projection, then
   * {@code dA = |alpha/r| colsum(B) (E + gamma_{rows(W)+4} GM)}, {@code dB = |alpha/r| rowsum(A) (E +
   * gamma_{cols(W)+4} GM)}; the overloads with a polynomial (and with KeyRows) are the same numbers.
   */
  @Test
  void certifyIsTheAdapterFormulaOnThePointSums() {
    SplittableRandom rnd = new SplittableRandom(21);
    int d = 3;
    DoubleData dd = rankTwoInstance(rnd, d);
    List<FastBound.PointNorms> norms = new ArrayList<>();
    List<FastBound.KeyRows> keyRows = new ArrayList<>();
    double radius = 1e-3;
    for (int i = 0; i < 2; i++) {
      PreparedPoint p = PreparedPoint.of(dd, i);
      norms.add(p.norms);
      keyRows.add(p.keyRows);
      radius = Math.max(radius, DegreeSearch.lemma33Radius(p));
    }
    int degree = 6;
    ExpPolynomial poly = ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, degree, radius);
    int rank = (int) FeatureMap.rank(d, degree);
    double delta = poly.relativeErrorBound();
    double absSum = poly.absoluteCoefficientSum();
    FastBound.Certificate c = FastBound.certify(dd, norms, delta, absSum, degree, radius, rank);
    assertThat(c.norms).isEqualTo(norms);
    List<FastBound.PointBound> bs = new ArrayList<>();
    for (FastBound.PointNorms n : norms) {
      bs.add(FastBound.point(n, delta, absSum, radius, rank, degree));
    }
    assertThat(bs).allMatch(b -> Double.isFinite(b.gq()) && Double.isFinite(b.gv()));
    assertThat(c.boundA.keySet()).containsExactlyInAnyOrder(Adapter.Q, Adapter.V);
    for (Adapter mu : List.of(Adapter.Q, Adapter.V)) {
      java.util.function.ToDoubleFunction<FastBound.PointBound> g =
          mu == Adapter.Q ? FastBound.PointBound::gq : FastBound.PointBound::gv;
      java.util.function.ToDoubleFunction<FastBound.PointBound> gm =
          mu == Adapter.Q ? FastBound.PointBound::gqMaj : FastBound.PointBound::gvMaj;
      double majSum = 0;
      for (FastBound.PointBound b : bs) {
        majSum += gm.applyAsDouble(b);
      }
      double gmD = majSum;
      double[][] wm = dd.merged.get(mu);
      double colB = FastBound.maxColAbsSum(dd.b.get(mu));
      double rowA = FastBound.maxRowAbsSum(dd.a.get(mu));
      java.util.function.Function<FastBoundFormulaProperties.Oracle, BigDecimal> e = f -> {
        BigDecimal err = BigDecimal.ZERO;
        for (FastBound.PointBound b : bs) {
          err = f.add(err, big(g.applyAsDouble(b)));
        }
        return f.add(err, f.mul(f.gamma(big(3)), big(gmD)));
      };
      BigDecimal scale = big(1.5);
      assertTerm("dA " + mu, c.boundA.get(mu), f -> f.adapter(scale, big(colB), e.apply(f), big(gmD), wm.length),
          FastBoundFormulaProperties.CHAIN_SLACK);
      assertTerm("dB " + mu, c.boundB.get(mu), f -> f.adapter(scale, big(rowA), e.apply(f), big(gmD), wm[0].length),
          FastBoundFormulaProperties.CHAIN_SLACK);
    }
    FastBound.Certificate withPoly = FastBound.certify(dd, norms, poly, radius, rank);
    assertThat(withPoly.poly).isSameAs(poly);
    assertThat(withPoly.boundA).isEqualTo(c.boundA);
    assertThat(withPoly.boundB).isEqualTo(c.boundB);
    assertThat(withPoly.lossBound).isEqualTo(c.lossBound);
    FastBound.Certificate withRows = FastBound.certify(dd, norms, keyRows, poly, radius, rank);
    assertThat(withRows.poly).isSameAs(poly);
    List<FastBound.RowMean> means = new ArrayList<>();
    for (FastBound.KeyRows kr : keyRows) {
      means.add(kr.rowMean(poly));
    }
    FastBound.Certificate direct = FastBound.certify(dd, norms, means, delta, absSum, degree, radius, rank);
    assertThat(withRows.boundA).isEqualTo(direct.boundA);
    assertThat(withRows.boundB).isEqualTo(direct.boundB);
    assertThat(withRows.lossBound).isEqualTo(direct.lossBound);
    assertThat(withRows.maxGradientBound()).as("§11 never above §3-5").isLessThanOrEqualTo(c.maxGradientBound());
  }

  // ---------------------------------------------------------------- (4.1)-(5.4) at a wide value width

  /**
   * A point with value width {@code o = 300} (the generated cases have {@code o <= 16}, where
   * {@code gamma_o} is below {@code up}'s slack) and the row chain of §11.6/§11.8 on two query rows.
   * {@code nu, yMax, eV} as given; {@code delta = 1e-6} makes {@code deltaF ~ 2e-6}, far above the slack.
   */
  static FastBound.Terms widePoint(double nu, double yMax, double eV) {
    return widePoint(nu, yMax, eV, 2);
  }

  /** The same with {@code lq} query rows (alternating the two rows' data). */
  static FastBound.Terms widePoint(double nu, double yMax, double eV, int lq) {
    FastBound.PointNorms n = new FastBound.PointNorms(
        lq, 3, 2, 300, 1, 1, 1, nu, yMax, 1, 1, 1, 1e-10, 1e-10, eV);
    double[][] xq = new double[lq][];
    double[] ym = new double[lq];
    double[] q = new double[lq];
    double[] yOne = new double[lq];
    double[] qPow = new double[lq];
    for (int j = 0; j < lq; j++) {
      boolean even = j % 2 == 0;
      xq[j] = even ? new double[] {0.5, 1} : new double[] {1, -0.25};
      ym[j] = even ? yMax : yMax / 2;
      q[j] = even ? 1 : 0.5;
      yOne[j] = even ? 300 * yMax : 100 * yMax;
      qPow[j] = even ? 1 : 1.0 / 32;
    }
    FastBound.QueryRows qr = new FastBound.QueryRows(xq, ym, q, 1, yOne, 300 * nu);
    FastBound.RowMean rm = new FastBound.RowMean(0, 1, 1, 1.0 / 120, qr, qPow);
    return FastBound.terms(n, 1e-6, 3, 1, 10, 4, rm);
  }

  /** (4.1)-(4.2) and (5.5) of the point and of each row of its chain, each against its formula. */
  static void assertWideTerms(FastBound.Terms t, double nuD, double yMaxD, double eVD) {
    int o = 300;
    int lq = t.row().rows();
    BigDecimal nu = big(nuD);
    BigDecimal eV = big(eVD);
    BigDecimal dF = big(t.deltaF());
    assertThat(t.deltaF()).as("deltaF well above the slack").isGreaterThan(1e-7);
    assertTerm("ec", t.ec(), f -> f.ec(big(t.ez()), nu, dF, big(yMaxD)));
    assertTerm("ds", t.ds(), f -> f.ds(o, big(t.ec()), dF, nu, big(t.gc()), big(t.ez()), big(t.tMaj())));
    assertTerm("sMaj", t.sMaj(), f -> f.sMaj(o, big(t.tMaj()), dF));
    FastBound.RowChain r = t.row();
    assertThat(r).isNotNull();
    BigDecimal two = big(2);
    for (int j = 0; j < 2; j++) {
      FastBound.Row w = r.row(j);
      BigDecimal f1 = big(w.deltaF());
      BigDecimal y = big(j == 0 ? yMaxD : yMaxD / 2);
      BigDecimal y1 = big(j == 0 ? 300 * yMaxD : 100 * yMaxD);
      BigDecimal v1 = big(300 * nuD);
      BigDecimal ez = big(w.ez());
      BigDecimal ec = big(w.ec());
      BigDecimal gc = big(w.gc());
      assertTerm("ec_" + j, w.ec(), f -> f.ec(ez, nu, f1, y));
      // §11.8: gc1 = v1 + o eV + y1, ez1 = f v1 + o eV (1 + f), ec1 = ez1 + 2u ((1 + f) v1 + y1)
      assertTerm("gc1_" + j, w.gc1(), f -> f.add(v1, f.mul(big(o), eV), y1));
      assertTerm("ez1_" + j, w.ez1(), f -> f.add(f.mul(f1, v1), f.mul(big(o), eV, f.onePlus(f1))));
      assertTerm("ec1_" + j, w.ec1(), f -> f.add(big(w.ez1()), f.mul(two, FastBoundFormulaProperties.U,
          f.add(f.mul(f.onePlus(f1), v1), y1))));
      assertTerm("tMaj1_" + j, w.tMaj1(), f -> f.mul(f.add(big(w.gc1()), big(w.ec1())), nu));
      // ds1 = ec1 (1 + f) nu + gc1 ez + gamma_o (1 + f) tMaj1; ds_j the smaller of the two forms
      java.util.function.Function<FastBoundFormulaProperties.Oracle, BigDecimal> ds1 = f -> f.add(
          f.mul(big(w.ec1()), f.onePlus(f1), nu), f.mul(big(w.gc1()), ez),
          f.mul(f.gamma(big(o)), f.onePlus(f1), big(w.tMaj1())));
      assertTerm("ds1_" + j, w.ds1(), ds1);
      BigDecimal tMajEntry = big(FastBound.up(o * (w.gc() + w.ec()) * nuD));
      assertTerm("ds_" + j, w.ds(), f -> f.ds(o, ec, f1, nu, gc, ez, tMajEntry).min(ds1.apply(f)));
      assertTerm("sMaj_" + j, w.sMaj(), f -> f.sMaj(o, big(w.tMaj()), f1));
    }
    FastBound.PointBound b = r.bound();
    BigDecimal g = big(FastBound.gamma(o + FastBound.depth(lq) + 8));
    assertTerm("lossMaj_row", b.lossMaj(), f -> f.mul(new BigDecimal("0.5"), big(o), big(r.slmSum()), f.onePlus(g)));
    assertTerm("lossMaj", t.bound().lossMaj(), f -> f.mul(new BigDecimal("0.5"), big((long) lq * o), f.add(big(t.gc()), big(t.ec())),
        f.add(big(t.gc()), big(t.ec())), f.onePlus(g)).min(f.mul(new BigDecimal("0.5"), big(o), big(r.slmSum()), f.onePlus(g))));
  }

  /** (4.1)-(4.2) at o = 300 with balanced norms: the factors {@code 1 + gamma_o} and {@code 1 + deltaF} count. */
  @Test
  void wideValueTermsAreTheirFormulas() {
    assertWideTerms(widePoint(1, 1, 1e-10), 1, 1, 1e-10);
  }

  /**
   * The same with Lq = 200 rows: {@code depth(Lq) = 211}, so the loss majorants' {@code gamma_{o +
   * depth(Lq) + 8}} is off by more than {@code up}'s slack if {@code o + depth} becomes {@code o - depth}.
   */
  @Test
  void wideValueTermsOverManyRowsAreTheirFormulas() {
    assertWideTerms(widePoint(1, 1, 1e-10, 200), 1, 1, 1e-10);
  }

  /** §11.6: {@code sumUpper = up(S (1 + gamma_{n+1}))}, S the in-order sum; 300 dyadic terms: S exact. */
  @Test
  void sumUpperIsTheSumTimesOnePlusGamma() {
    SplittableRandom rnd = new SplittableRandom(13);
    double[] w = new double[LONG];
    BigDecimal s = BigDecimal.ZERO;
    for (int i = 0; i < LONG; i++) {
      w[i] = Math.abs(dyadic(rnd));
      s = s.add(big(w[i]));
    }
    BigDecimal sum = s;
    assertTerm("sumUpper", FastBound.sumUpper(w), f -> f.mul(sum, f.onePlus(f.gamma(big(LONG + 1L)))));
    double plain = 0;
    for (double v : w) {
      plain += v;
    }
    assertThat(FastBound.sumUpper(plain, LONG)).isEqualTo(FastBound.sumUpper(w));
  }

  /**
   * (4.1) with {@code eV = 0} and {@code nu = 1e-12 << yMax = 1}: {@code ez ~ deltaF nu} is below
   * {@code 2u yMax}, so {@code ec} and {@code ec1} are their rounding terms {@code 2u (nu (1 + deltaF) + yMax)}.
   */
  @Test
  void roundingTermsOfTheCenteredTargetsDominateWhenValuesAreTiny() {
    FastBound.Terms t = widePoint(1e-12, 1, 0);
    assertThat(t.ez()).as("ez below a fiftieth of 2u yMax").isLessThan(2 * FastBound.U / 50);
    assertWideTerms(t, 1e-12, 1, 0);
  }
}
