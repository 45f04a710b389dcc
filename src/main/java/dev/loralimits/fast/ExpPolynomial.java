package dev.loralimits.fast;

import dev.loralimits.model.Checks;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * Lemma 3.3 (polynomial method; Alman-Song 2023 Thm 3.8, Aggarwal-Alman 2022): a polynomial
 * {@code P(x) = sum_{t=0}^g a_t x^t} with <b>double</b> coefficients and a <b>certified</b> bound
 * <pre>   |P(x) - e^x| <= relativeErrorBound() * e^x   for all x in [-R, R].</pre>
 * The bound is about the exact doubles {@link #coefficients()} returns (evaluated exactly), not
 * about an idealised real polynomial; floating-point <em>evaluation</em> error is the caller's,
 * bounded through {@link #absoluteCoefficientSum()} {@code = A(R) = sum_t |a_t| R^t}.
 *
 * <p><b>Certificate</b> ({@code proofs-notes/EXP-POLYNOMIAL.md}). With {@code a*_t} the
 * coefficients of the exact real polynomial {@code P*} of the chosen kind and g its degree,
 * <pre>   |P(x) - e^x| / e^x <= trunc(g) + e^R sum_t |a_t - a*_t| R^t</pre>
 * (triangle inequality; {@code e^x >= e^-R} on [-R, R]), where
 * <ul>
 *   <li>{@link Kind#TAYLOR}: {@code a*_t = 1/t!}, {@code trunc(g) = e^R R^(g+1) / (g+1)!}
 *       (Lagrange remainder: {@code e^(xi) / e^x <= e^R} for x &lt; 0, {@code <= 1} for x &ge; 0);
 *   <li>{@link Kind#CHEBYSHEV}: {@code P*} interpolates e^x at the g+1 Chebyshev points
 *       {@code R cos((2k+1) pi / (2g+2))}, {@code trunc(g) = 2 (R/2)^(g+1) e^(2R) / (g+1)!}
 *       (interpolation remainder with {@code |prod (x - x_k)| <= 2 (R/2)^(g+1)}, divided by
 *       {@code e^x >= e^-R}). Its coefficients are enclosed in decimal balls (exact arithmetic
 *       and directed rounding; see {@link ChebyshevInterpolant}); the rounding term uses
 *       {@code |a_t - a*_t| R^t <= |a_t R^t - mid_t| + rad_t}.
 * </ul>
 * Every quantity is computed exactly or with directed rounding (BigDecimal, binary fixed point) and the sum is rounded
 * up to a double ({@link DirectedDecimal}). The only trusted library value is apfloat's
 * {@code pi} (for the Chebyshev nodes), used with all but 5 of its digits (assumption A in the
 * notes); Taylor bounds trust nothing.
 *
 * <p><b>Degree.</b> {@link #choose} returns the least g (over both kinds, ties to TAYLOR) whose
 * certified bound is {@code <= delta}. The bound is not monotone in g: {@code trunc(g)} first
 * grows (while {@code g + 2 < R}) and then falls, while the coefficient-rounding term has a floor
 * near {@code 2^-53 e^(2R)} (for x = -R the terms {@code a_t x^t} have size up to
 * {@code e^R / sqrt(2 pi R)} and cancel to {@code e^-R}). So choose scans g = 0, 1, ...,
 * {@link #MAX_DEGREE} and takes the first that meets delta. When delta is below that floor
 * (for instance R = 8, delta = 1e-12) no degree qualifies and choose throws.
 *
 * <p><b>Rank for the caller.</b> {@code P(<q, k>)} for q, k in R^d is an inner product of feature
 * maps whose coordinates are the monomials of total degree {@code <= g} in d variables, so the
 * low-rank factors of Lemma 3.3 have rank {@code k1 = binom(g + d, d)}.
 */
public final class ExpPolynomial {

  /** Which exact polynomial the double coefficients round. */
  public enum Kind {
    /** Taylor polynomial of e^x at 0. */
    TAYLOR,
    /** Interpolant of e^x at the Chebyshev points (zeros of T_{g+1}) of [-R, R]. */
    CHEBYSHEV
  }

  /** Largest degree accepted by {@link #of} and searched by {@link #choose}. */
  public static final int MAX_DEGREE = 200;

  /**
   * Largest radius accepted. Far beyond any useful one: the coefficient-rounding floor
   * {@code ~2^-53 e^(2R)} exceeds 1 once R > 18.4, so no certificate below 1 exists there.
   */
  public static final double MAX_RADIUS = 64;

  /** Significant digits of the upper bounds (far more than the double they are rounded to). */
  static final int BOUND_DIGITS = 40;

  private final Kind kind;
  private final int degree;
  private final double radius;
  private final double[] coefficients;
  private final double truncationBound;
  private final double roundingBound;
  private final double relativeErrorBound;
  private final double absoluteCoefficientSum;

  private ExpPolynomial(
      Kind kind, int degree, double radius, double[] coefficients, BigDecimal truncation,
      BigDecimal rounding) {
    this.kind = kind;
    this.degree = degree;
    this.radius = radius;
    this.coefficients = coefficients;
    this.truncationBound = DirectedDecimal.toDoubleUp(truncation);
    this.roundingBound = DirectedDecimal.toDoubleUp(rounding);
    this.relativeErrorBound = DirectedDecimal.toDoubleUp(truncation.add(rounding));
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal r = new BigDecimal(radius);
    MathContext up = DirectedDecimal.up(BOUND_DIGITS);
    BigDecimal rPow = BigDecimal.ONE; // >= R^t
    for (int t = 0; t < coefficients.length; t++) {
      sum = sum.add(new BigDecimal(Math.abs(coefficients[t])).multiply(rPow, up), up);
      rPow = rPow.multiply(r, up);
    }
    this.absoluteCoefficientSum = DirectedDecimal.toDoubleUp(sum);
  }

  /** {@value #MAX_DEGREE}: the largest degree {@link #of} accepts and {@link #choose} tries. */
  public static int maxDegree() {
    return MAX_DEGREE;
  }

  /**
   * The polynomial of least degree g (both kinds tried at each g, TAYLOR first) whose certified
   * relative error on [-radius, radius] is at most delta.
   *
   * @throws IllegalArgumentException if radius is NaN or outside [0, {@value #MAX_RADIUS}], if
   *     delta is NaN or outside (0, 1), or if no degree {@code <= } {@value #MAX_DEGREE} reaches
   *     delta
   */
  public static ExpPolynomial choose(double radius, double delta) {
    checkRadius(radius);
    Checks.inOpenRange("delta", delta, 0, 1);
    BigDecimal target = new BigDecimal(delta);
    for (int g = 0; g <= MAX_DEGREE; g++) {
      for (Kind kind : Kind.values()) {
        // trunc(g) <= bound, so a truncation term above delta rules g out without coefficients
        if (truncation(kind, g, radius).compareTo(target) > 0) {
          continue;
        }
        ExpPolynomial p = of(kind, g, radius);
        if (p.relativeErrorBound <= delta) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException(
        "no polynomial of degree <= " + MAX_DEGREE + " reaches relative error " + delta
            + " on [-" + radius + ", " + radius + "]");
  }

  /**
   * The polynomial of the given kind and degree on [-radius, radius], with its certified bound.
   * For radius 0 the Chebyshev points coincide; the interpolant is then the confluent
   * (Hermite) one at 0, the Taylor polynomial, and that is what CHEBYSHEV returns.
   * Degree 0 CHEBYSHEV is the constant {@code e^0 = 1} (the single node is 0).
   *
   * @throws IllegalArgumentException if kind is null, degree is outside [0, {@value
   *     #MAX_DEGREE}] or radius is NaN or outside [0, {@value #MAX_RADIUS}]
   */
  public static ExpPolynomial of(Kind kind, int degree, double radius) {
    Checks.notNull("kind", kind);
    Checks.inRange("degree", degree, 0, MAX_DEGREE);
    checkRadius(radius);
    if (kind == Kind.TAYLOR || radius == 0) {
      return taylor(kind, degree, radius);
    }
    return chebyshev(degree, radius);
  }

  private static void checkRadius(double radius) {
    Checks.inClosedRange("radius", radius, 0, MAX_RADIUS);
  }

  /** Upper bound of {@code trunc(g)} of the class comment. */
  static BigDecimal truncation(Kind kind, int g, double radius) {
    MathContext up = DirectedDecimal.up(BOUND_DIGITS);
    BigDecimal r = new BigDecimal(radius);
    BigDecimal factorial = new BigDecimal(factorial(g + 1));
    if (kind == Kind.TAYLOR || radius == 0) {
      return DirectedDecimal.expUpper(r, BOUND_DIGITS)
          .multiply(powUp(r, g + 1), up)
          .divide(factorial, up);
    }
    BigDecimal half = r.multiply(new BigDecimal("0.5")); // exact
    return DirectedDecimal.expUpper(r.add(r), BOUND_DIGITS)
        .multiply(powUp(half, g + 1), up)
        .multiply(BigDecimal.valueOf(2))
        .divide(factorial, up);
  }

  /** Taylor: {@code a_t} = the double nearest {@code 1/t!}; {@code |a_t - 1/t!|} is exact. */
  private static ExpPolynomial taylor(Kind kind, int g, double radius) {
    MathContext up = DirectedDecimal.up(BOUND_DIGITS);
    MathContext nearest = new MathContext(BOUND_DIGITS, RoundingMode.HALF_EVEN);
    BigDecimal r = new BigDecimal(radius);
    double[] a = new double[g + 1];
    BigDecimal weighted = BigDecimal.ZERO; // sum_t |a_t - 1/t!| R^t, rounded up
    BigDecimal rPow = BigDecimal.ONE; // >= R^t
    BigInteger factorial = BigInteger.ONE;
    for (int t = 0; t <= g; t++) {
      factorial = factorial.multiply(BigInteger.valueOf(Math.max(1, t)));
      BigDecimal fact = new BigDecimal(factorial);
      a[t] = BigDecimal.ONE.divide(fact, nearest).doubleValue();
      BigDecimal diff = new BigDecimal(a[t]).multiply(fact).subtract(BigDecimal.ONE).abs(); // exact
      if (diff.signum() != 0) {
        weighted = weighted.add(diff.divide(fact, up).multiply(rPow, up), up);
      }
      rPow = rPow.multiply(r, up);
    }
    BigDecimal rounding = weighted.signum() == 0
        ? BigDecimal.ZERO
        : DirectedDecimal.expUpper(r, BOUND_DIGITS).multiply(weighted, up);
    return new ExpPolynomial(kind, g, radius, a, truncation(Kind.TAYLOR, g, radius), rounding);
  }

  /**
   * Chebyshev: enclose {@code n 2^(2B) b*_t} (with {@code b*_t = a*_t R^t}, the coefficients in
   * {@code y = x/R}) by an exact integer {@code N_t} and radius {@code rad_t}
   * ({@link ChebyshevInterpolant}); take {@code a_t} = the double nearest
   * {@code N_t / (n 2^(2B) R^t)} (up to a rare near-tie; the bound is about the a_t returned),
   * and bound {@code |a_t R^t - b*_t| <= (|a_t R^t n 2^(2B) - N_t| + rad_t) / (n 2^(2B))}: the
   * numerator is an exact dyadic integer, the quotient is rounded up to a double and the doubles
   * are summed rounding up. A ball that does not separate {@code b*_t} from 0
   * ({@code |N_t| <= 2 rad_t}) is noise: its coefficient is set to 0, still certified.
   */
  private static ExpPolynomial chebyshev(int g, double radius) {
    ChebyshevInterpolant balls = new ChebyshevInterpolant(g, radius);
    int twoB = 2 * ChebyshevInterpolant.bits(g);
    BigInteger n = BigInteger.valueOf(g + 1);
    long[] rd = FixedPoint.dyadic(radius); // R = mR 2^eR
    BigInteger mR = BigInteger.valueOf(rd[0]);
    double[] a = new double[g + 1];
    double weighted = 0; // sum_t |a_t R^t - b*_t|, each term and each sum rounded up
    BigInteger mRt = BigInteger.ONE; // mR^t
    for (int t = 0; t <= g; t++) {
      BigInteger num = balls.numerator(t);
      BigInteger rad = balls.radius(t);
      long eRt = rd[1] * t; // R^t = mRt 2^eRt
      if (num.abs().compareTo(rad.shiftLeft(1)) > 0) {
        // N_t / (n 2^(2B) R^t) = (N_t 2^K / (n mRt)) 2^(-K - 2B - eRt), K leaving ~80 bits
        int k = 80 + n.bitLength() + mRt.bitLength() - num.bitLength();
        BigInteger q = (k >= 0 ? num.shiftLeft(k) : num.shiftRight(-k)).divide(n.multiply(mRt));
        a[t] = Math.scalb(q.doubleValue(), (int) Math.max(-5000, Math.min(5000, -k - twoB - eRt)));
        Checks.argument(Double.isFinite(a[t]), "coefficient " + t + " overflows a double");
      }
      long[] ad = FixedPoint.dyadic(a[t]);
      BigInteger x = BigInteger.valueOf(ad[0]).multiply(mRt).multiply(n); // a_t R^t n = x 2^e
      long e = ad[1] + eRt + twoB; // a_t R^t n 2^(2B) = x 2^e
      BigInteger diff;
      long scale;
      if (e >= 0) {
        diff = x.shiftLeft((int) e).subtract(num).abs().add(rad);
        scale = twoB;
      } else {
        diff = x.subtract(num.shiftLeft((int) -e)).abs().add(rad.shiftLeft((int) -e));
        scale = twoB - e;
      }
      weighted = Math.nextUp(weighted + FixedPoint.upperDouble(FixedPoint.ceilDiv(diff, n), scale));
      mRt = mRt.multiply(mR);
    }
    MathContext up = DirectedDecimal.up(BOUND_DIGITS);
    BigDecimal rounding =
        DirectedDecimal.expUpper(new BigDecimal(radius), BOUND_DIGITS).multiply(new BigDecimal(weighted), up);
    return new ExpPolynomial(
        Kind.CHEBYSHEV, g, radius, a, truncation(Kind.CHEBYSHEV, g, radius), rounding);
  }

  /** An upper bound of {@code x^m} for x >= 0: m multiplications, each rounded up. */
  static BigDecimal powUp(BigDecimal x, int m) {
    MathContext up = DirectedDecimal.up(BOUND_DIGITS);
    BigDecimal p = BigDecimal.ONE;
    for (int i = 0; i < m; i++) {
      p = p.multiply(x, up);
    }
    return p;
  }

  static BigInteger factorial(int m) {
    BigInteger f = BigInteger.ONE;
    for (int i = 2; i <= m; i++) {
      f = f.multiply(BigInteger.valueOf(i));
    }
    return f;
  }

  public Kind kind() {
    return kind;
  }

  public int degree() {
    return degree;
  }

  public double radius() {
    return radius;
  }

  /** {@code a_0..a_g} (a copy): {@code P(x) = sum_t a_t x^t}. */
  public double[] coefficients() {
    return coefficients.clone();
  }

  /** Certified {@code sup_{|x|<=R} |P(x) - e^x| / e^x}, rounded up to a double. */
  public double relativeErrorBound() {
    return relativeErrorBound;
  }

  /** The {@code trunc(g)} part of {@link #relativeErrorBound()}, rounded up. */
  public double truncationBound() {
    return truncationBound;
  }

  /** The {@code e^R sum_t |a_t - a*_t| R^t} part of {@link #relativeErrorBound()}, rounded up. */
  public double roundingBound() {
    return roundingBound;
  }

  /** {@code A(R) = sum_t |a_t| R^t}, rounded up: the caller's floating-point error scale. */
  public double absoluteCoefficientSum() {
    return absoluteCoefficientSum;
  }

  /** Horner evaluation in doubles (no error claim beyond the caller's use of A(R)). */
  public double evaluate(double x) {
    double v = 0;
    for (int t = degree; t >= 0; t--) {
      v = v * x + coefficients[t];
    }
    return v;
  }

  @Override
  public String toString() {
    return kind + " degree " + degree + " on [-" + radius + ", " + radius + "], relative error <= "
        + relativeErrorBound + ", coefficients " + Arrays.toString(coefficients);
  }
}
