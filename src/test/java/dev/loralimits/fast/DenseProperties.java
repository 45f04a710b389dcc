package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link Dense}: the sums against exact BigDecimal sums within Higham's bound for their order, the
 * products and the LoRA merge against their stated sequential order bit for bit (what lets
 * callers move onto them without a changed bit), and the two orders shown to differ.
 */
@Label("Dense kernels: summation orders and rounding bounds")
class DenseProperties {
  private static final double U = 0x1p-53;

  /**
   * Excess allowed over {@code gamma_n sum |x_i y_i|} for the bound itself being evaluated in
   * doubles: {@code gamma_n} and the absolute sum are each computed with relative error below
   * {@code (n + 2) u <= 1e-13} for n up to 40, so a factor {@code 1 + 1e-12} covers both with room.
   */
  private static final double BOUND_EVALUATION_SLACK = 1e-12;

  /** Vectors of length 0..40 with random signs and exponents in [-20, 20], some cancelling. */
  @Provide
  Arbitrary<double[]> vectors() {
    Arbitrary<Double> entry = Combinators.combine(
            Arbitraries.doubles().between(1, 2), Arbitraries.integers().between(-20, 20), Arbitraries.of(1.0, -1.0))
        .as((m, e, s) -> s * Math.scalb(m, e));
    return entry.array(double[].class).ofMinSize(0).ofMaxSize(40);
  }

  /** Small rectangular matrices, rows x cols both 1..6 drawn independently. */
  @Provide
  Arbitrary<double[][]> matrices() {
    return Combinators.combine(Arbitraries.integers().between(1, 6), Arbitraries.integers().between(1, 6),
            Arbitraries.longs())
        .as(DenseProperties::randomMatrix);
  }

  @Property(tries = 1000)
  @Label("dot (sequential) and dot4 (four-way): |computed - exact| <= gamma_n sum |x_i y_i|")
  void dotProductsAreWithinGammaN(@ForAll("vectors") double[] x, @ForAll long seed) {
    Statistics.label("length").collect(x.length == 0 ? "0" : x.length < 5 ? "1-4" : "5-40");
    Statistics.label("length").coverage(c -> {
      c.check("0").count(n -> n >= 1);
      c.check("5-40").percentage(p -> p >= 50);
    });
    double[] y = randomVector(x.length, seed);
    BigDecimal exact = BigDecimal.ZERO;
    double absSum = 0;
    for (int i = 0; i < x.length; i++) {
      exact = exact.add(new BigDecimal(x[i]).multiply(new BigDecimal(y[i])));
      absSum += Math.abs(x[i] * y[i]);
    }
    double bound = FastBound.gamma(Math.max(x.length, 1)) * absSum * (1 + BOUND_EVALUATION_SLACK);
    assertThat(Dense.dot(x, y)).as("dot is the sequential order").isEqualTo(sequentialDot(x, y));
    assertThat(error(Dense.dot(x, y), exact)).as("dot").isLessThanOrEqualTo(new BigDecimal(bound));
    assertThat(error(Dense.dot4(x, y, x.length), exact)).as("dot4").isLessThanOrEqualTo(new BigDecimal(bound));
  }

  @Property(tries = 1000)
  @Label("sum4: |computed - exact| <= gamma_{n-1} sum |x_i| (depth max(n - 1, 0))")
  void sum4IsWithinGammaNMinusOne(@ForAll("vectors") double[] x) {
    BigDecimal exact = BigDecimal.ZERO;
    double absSum = 0;
    for (double v : x) {
      exact = exact.add(new BigDecimal(v));
      absSum += Math.abs(v);
    }
    double bound = x.length <= 1 ? 0 : FastBound.gamma(x.length - 1) * absSum * (1 + BOUND_EVALUATION_SLACK);
    assertThat(error(Dense.sum4(x, x.length), exact)).isLessThanOrEqualTo(new BigDecimal(bound));
  }

  @Example
  @Label("the two orders differ: 1 + three halves of an ulp is 1 sequentially, 1 + 2^-52 four-way")
  void theTwoOrdersGiveDifferentBits() {
    double[] x = {1, U, U, U};
    double[] ones = {1, 1, 1, 1};
    assertThat(Dense.dot(x, ones)).isEqualTo(1.0);
    assertThat(Dense.dot4(x, ones, 4)).isEqualTo(1 + 0x1p-52);
    assertThat(Dense.sum4(x, 4)).isEqualTo(1 + 0x1p-52);
  }

  @Property(tries = 300)
  @Label("rowTimes and rowTimesTransposed: row 0 of multiply and the sequential dots, bit for bit")
  void rowProductsAreSequentialDots(@ForAll("matrices") double[][] m, @ForAll long seed) {
    double[] x = randomVector(m.length, seed);
    double[] y = randomVector(m[0].length, seed + 1);
    assertThat(Dense.rowTimes(x, m)).isEqualTo(Dense.multiply(new double[][] {x}, m)[0]);
    double[] t = Dense.rowTimesTransposed(y, m);
    assertThat(t).hasSize(m.length);
    for (int a = 0; a < m.length; a++) {
      assertThat(t[a]).isEqualTo(sequentialDot(y, m[a]));
    }
  }

  @Property(tries = 300)
  @Label("multiply, multiplyFlat, multiplyTransposeLeft/Right: each entry is the sequential dot, bit for bit")
  void productsAreSequentialDots(@ForAll("matrices") double[][] a, @ForAll long seed) {
    int k = a[0].length;
    double[][] b = randomMatrix(k, 1 + (int) Math.floorMod(seed, 5), seed);
    double[][] c = Dense.multiply(a, b);
    double[] flat = Dense.multiplyFlat(a, b);
    double[][] bt = Dense.transpose(b);
    double[][] at = Dense.transpose(a);
    double[][] atTimesA = Dense.multiplyTransposeLeft(a, a);
    double[][] aTimesBtT = Dense.multiplyTransposeRight(a, bt);
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        double expected = sequentialDot(a[i], bt[j]);
        assertThat(c[i][j]).as("multiply [%d][%d]", i, j).isEqualTo(expected);
        assertThat(flat[i * b[0].length + j]).as("multiplyFlat").isEqualTo(expected);
        assertThat(aTimesBtT[i][j]).as("multiplyTransposeRight").isEqualTo(expected);
      }
    }
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < k; q++) {
        assertThat(atTimesA[p][q]).as("multiplyTransposeLeft").isEqualTo(sequentialDot(at[p], at[q]));
      }
    }
  }

  @Property(tries = 300)
  @Label("loraMerge: W*_ij + fl(alpha / r) (B A)_ij with (B A)_ij the sequential dot, bit for bit")
  void loraMergeIsTheStatedFormula(@ForAll("matrices") double[][] frozen, @ForAll long seed) {
    int rank = 1 + (int) Math.floorMod(seed, 4);
    double[][] a = randomMatrix(rank, frozen[0].length, seed + 1);
    double[][] b = randomMatrix(frozen.length, rank, seed + 2);
    double alpha = 0.1 + Math.floorMod(seed, 97) / 7.0;
    double[][] w = Dense.loraMerge(frozen, a, b, alpha);
    double s = alpha / rank;
    double[][] at = Dense.transpose(a);
    for (int i = 0; i < frozen.length; i++) {
      for (int j = 0; j < frozen[0].length; j++) {
        assertThat(w[i][j]).as("[%d][%d]", i, j).isEqualTo(frozen[i][j] + s * sequentialDot(b[i], at[j]));
      }
    }
    assertThat(Dense.loraMerge(frozen, null, null, alpha)).isDeepEqualTo(frozen).isNotSameAs(frozen);
  }

  @Property(tries = 300)
  @Label("maxAbs is the largest magnitude, abs the entrywise magnitude")
  void maxAbsAndAbs(@ForAll("matrices") double[][] m) {
    double largest = 0;
    for (double[] row : m) {
      for (double v : row) {
        largest = Math.max(largest, Math.abs(v));
      }
    }
    assertThat(Dense.maxAbs(m)).isEqualTo(largest);
    double[][] abs = Dense.abs(m);
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        assertThat(abs[i][j]).isEqualTo(Math.abs(m[i][j]));
      }
    }
    assertThat(Dense.maxAbs(new double[0][])).isZero();
    assertThat(Dense.maxAbs(new double[] {Double.NaN, 1})).isNaN();
  }

  /** The reference order, written out: one accumulator from +0.0, increasing index. */
  private static double sequentialDot(double[] x, double[] y) {
    double s = 0.0;
    for (int i = 0; i < x.length; i++) {
      s = s + x[i] * y[i];
    }
    return s;
  }

  private static BigDecimal error(double computed, BigDecimal exact) {
    return new BigDecimal(computed).subtract(exact).abs();
  }

  private static double[] randomVector(int n, long seed) {
    java.util.Random r = new java.util.Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(41) - 20);
    }
    return v;
  }

  private static double[][] randomMatrix(int rows, int cols, long seed) {
    java.util.Random r = new java.util.Random(seed);
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = r.nextGaussian();
      }
    }
    return m;
  }
}
