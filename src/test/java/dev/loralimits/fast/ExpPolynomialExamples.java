package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loralimits.fast.ExpPolynomial.Kind;
import net.jqwik.api.Example;
import net.jqwik.api.Label;

/** Lemma 3.3 examples: preconditions, a hand-checked table entry, R = 0, the rounding floor. */
@Label("Lemma 3.3 examples")
class ExpPolynomialExamples {
  /** Relative agreement of a certified double bound with its hand value (40-digit bounds). */
  static final double HAND_TOLERANCE = 1e-12;

  @Example
  void preconditionMessagesNameTheArgument() {
    assertThatThrownBy(() -> ExpPolynomial.choose(1, 1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("delta (1.5) must be in (0, 1)");
    assertThatThrownBy(() -> ExpPolynomial.choose(1, 0))
        .hasMessage("delta (0.0) must be in (0, 1)");
    assertThatThrownBy(() -> ExpPolynomial.choose(1, Double.NaN))
        .hasMessage("delta (NaN) must be in (0, 1)");
    assertThatThrownBy(() -> ExpPolynomial.choose(-1, 1e-3))
        .hasMessage("radius (-1.0) must be in [0, 64]");
    assertThatThrownBy(() -> ExpPolynomial.choose(Double.NaN, 1e-3))
        .hasMessage("radius (NaN) must be in [0, 64]");
    assertThatThrownBy(() -> ExpPolynomial.of(Kind.TAYLOR, 2, Double.POSITIVE_INFINITY))
        .hasMessage("radius (Infinity) must be in [0, 64]");
    assertThatThrownBy(() -> ExpPolynomial.of(Kind.TAYLOR, 201, 1))
        .hasMessage("degree (201) must be in [0, 200]");
    assertThatThrownBy(() -> ExpPolynomial.of(Kind.CHEBYSHEV, -1, 1))
        .hasMessage("degree (-1) must be in [0, 200]");
    assertThatThrownBy(() -> ExpPolynomial.of(null, 1, 1)).hasMessage("kind is missing");
    assertThat(ExpPolynomial.maxDegree()).isEqualTo(200);
  }

  /**
   * R = 1, delta = 1e-6, by hand (e = 2.718281828..., e^2 = 7.389056098...):
   * <pre>
   * Taylor    e R^(g+1)/(g+1)!:      g = 8: e/9!  = 2.71828/362880  = 7.4908e-6 > 1e-6
   *                                  g = 9: e/10! = 2.71828/3628800 = 7.4909e-7 <= 1e-6
   * Chebyshev 2 (1/2)^(g+1) e^2/(g+1)!: g = 7: 2 e^2/(2^8 8!)  = 14.778/10321920  = 1.4317e-6 > 1e-6
   *                                  g = 8: 2 e^2/(2^9 9!)  = 14.778/185794560 = 7.9540e-8 <= 1e-6
   * </pre>
   * The rounding terms are about 1e-16 and change nothing, so choose gives CHEBYSHEV of degree 8.
   */
  @Example
  void radiusOneDeltaOneMillionth() {
    double e = Math.E;
    ExpPolynomial taylor9 = ExpPolynomial.of(Kind.TAYLOR, 9, 1);
    ExpPolynomial taylor8 = ExpPolynomial.of(Kind.TAYLOR, 8, 1);
    ExpPolynomial cheb8 = ExpPolynomial.of(Kind.CHEBYSHEV, 8, 1);
    ExpPolynomial cheb7 = ExpPolynomial.of(Kind.CHEBYSHEV, 7, 1);
    assertThat(taylor9.truncationBound()).isCloseTo(e / 3628800, within(HAND_TOLERANCE * 1e-6));
    assertThat(taylor8.truncationBound()).isCloseTo(e / 362880, within(HAND_TOLERANCE * 1e-5));
    assertThat(cheb8.truncationBound()).isCloseTo(2 * e * e / (512 * 362880.0), within(HAND_TOLERANCE * 1e-7));
    assertThat(cheb7.truncationBound()).isCloseTo(2 * e * e / (256 * 40320.0), within(HAND_TOLERANCE * 1e-5));
    for (ExpPolynomial p : new ExpPolynomial[] {taylor9, taylor8, cheb8, cheb7}) {
      assertThat(p.roundingBound()).isLessThan(1e-15);
    }
    assertThat(taylor9.relativeErrorBound()).isLessThanOrEqualTo(1e-6);
    assertThat(taylor8.relativeErrorBound()).isGreaterThan(1e-6);
    assertThat(cheb8.relativeErrorBound()).isLessThanOrEqualTo(1e-6);
    assertThat(cheb7.relativeErrorBound()).isGreaterThan(1e-6);
    ExpPolynomial chosen = ExpPolynomial.choose(1, 1e-6);
    assertThat(chosen.kind()).isEqualTo(Kind.CHEBYSHEV);
    assertThat(chosen.degree()).isEqualTo(8);
    // Taylor coefficients are the doubles nearest 1/t!
    assertThat(taylor9.coefficients()[3]).isEqualTo(1.0 / 6);
  }

  /** The degree table reported with the change (regression check). Rows R, columns delta. */
  @Example
  void degreeTable() {
    double[] radii = {0.25, 0.5, 1, 2, 4};
    double[] deltas = {1e-3, 1e-6, 1e-9};
    int[][] taylor = {{3, 5, 7}, {4, 7, 9}, {6, 9, 12}, {10, 14, 17}, {17, 21, 25}};
    int[][] chebyshev = {{3, 4, 6}, {3, 6, 8}, {5, 8, 10}, {8, 11, 14}, {14, 17, 20}};
    for (int i = 0; i < radii.length; i++) {
      for (int j = 0; j < deltas.length; j++) {
        assertThat(leastDegree(Kind.TAYLOR, radii[i], deltas[j])).isEqualTo(taylor[i][j]);
        assertThat(leastDegree(Kind.CHEBYSHEV, radii[i], deltas[j])).isEqualTo(chebyshev[i][j]);
        assertThat(ExpPolynomial.choose(radii[i], deltas[j]).degree())
            .isEqualTo(Math.min(taylor[i][j], chebyshev[i][j]));
      }
    }
  }

  private static int leastDegree(Kind kind, double r, double delta) {
    int g = 0;
    while (ExpPolynomial.of(kind, g, r).relativeErrorBound() > delta) {
      g++;
    }
    return g;
  }

  @Example
  void radiusZeroIsTheConstantOne() {
    ExpPolynomial p = ExpPolynomial.choose(0, 1e-12);
    assertThat(p.kind()).isEqualTo(Kind.TAYLOR);
    assertThat(p.degree()).isZero();
    assertThat(p.coefficients()).containsExactly(1.0);
    assertThat(p.relativeErrorBound()).isZero();
    assertThat(p.absoluteCoefficientSum()).isEqualTo(1.0);
    ExpPolynomial c = ExpPolynomial.of(Kind.CHEBYSHEV, 3, 0); // confluent: the Taylor polynomial
    assertThat(c.coefficients()).containsExactly(ExpPolynomial.of(Kind.TAYLOR, 3, 0).coefficients());
    assertThat(c.relativeErrorBound()).isZero();
  }

  @Example
  void tinyRadiusNeedsDegreeZero() {
    // R = 1e-13: Taylor degree 0 has e^R R / 1! ~ 1e-13 <= 1e-12
    ExpPolynomial p = ExpPolynomial.choose(1e-13, 1e-12);
    assertThat(p.degree()).isZero();
    assertThat(p.relativeErrorBound()).isLessThanOrEqualTo(1e-12);
  }

  @Example
  void coefficientsAreACopy() {
    ExpPolynomial p = ExpPolynomial.of(Kind.CHEBYSHEV, 5, 1);
    p.coefficients()[0] = 42;
    assertThat(p.coefficients()[0]).isNotEqualTo(42);
  }

  /**
   * The rounding floor: at x = -R the terms a_t x^t reach e^R/sqrt(2 pi R) and cancel to e^-R,
   * so rounding 1/t! to doubles costs about 2^-53 e^(2R) relatively (R = 8: ~1e-9 by this
   * estimate; the certificate's floor there is 3.4e-10). No degree reaches 1e-12.
   */
  @Example
  void deltaBelowTheRoundingFloorHasNoPolynomial() {
    assertThat(ExpPolynomial.of(Kind.TAYLOR, 60, 8).roundingBound()).isGreaterThan(1e-10);
    assertThat(ExpPolynomial.of(Kind.CHEBYSHEV, 60, 8).roundingBound()).isGreaterThan(1e-10);
    assertThatThrownBy(() -> ExpPolynomial.choose(8, 1e-12))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no polynomial of degree <= 200 reaches relative error 1.0E-12 on [-8.0, 8.0]");
  }
}
