package dev.loralimits.fast;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import org.apfloat.ApfloatMath;

/**
 * Enclosures of the monomial coefficients of the interpolant of {@code f(y) = e^(R y)} at the
 * Chebyshev points {@code y_k = cos theta_k}, {@code theta_k = (2k+1) pi / (2n)}, k = 0..g,
 * {@code n = g + 1}, in binary fixed point at scale {@code B = }{@link #bits}{@code (g)}.
 *
 * <p>By the discrete orthogonality of {@code T_0..T_g} at these nodes the interpolant is
 * {@code sum_j c_j T_j(y)} with {@code c_j = (2 - [j=0]) S_j / n},
 * {@code S_j = sum_k f(y_k) cos(j theta_k)}. With {@code T_j(y) = sum_t tau_{j,t} y^t} (exact
 * integers) its coefficient of {@code y^t} is
 * {@code b*_t = (1/n) sum_j (2 - [j=0]) tau_{j,t} S_j}. Steps (notes Section 3):
 * <ol>
 *   <li>{@code C_m = cos(m pi/(2n))}, m = 0..n, enclosed by alternating Taylor series at angles
 *       enclosed from an enclosure of pi (assumption A: apfloat's pi to all but 5 of the digits
 *       asked); {@code Ct_m} the midpoint, {@code |Ct_m - C_m| <= rhoC}; the other quadrants by
 *       the exact symmetries {@code C_{2n-m} = -C_m}, {@code C_{4n-m} = C_m};
 *   <li>{@code f(y_k)} in [{@code e^(R (Ct - rhoC))}, {@code e^(R (Ct + rhoC))}] (exp is
 *       increasing; both ends bounded outward), midpoint {@code Ft_k}, radius {@code rho_k};
 *   <li>{@code St_j = sum_k Ft_k Ct_{j(2k+1)}} exactly (nodes k and n-1-k paired); since {@code |C| <= 1},
 *       {@code |St_j - S_j| <= rhoS := sum_k (|Ft_k| rhoC + rho_k)};
 *   <li>{@code N_t = sum_j (2 - [j=0]) tau_{j,t} St_j} exactly, so
 *       {@code |N_t - n 2^(2B) b*_t| <= rhoS sum_j (2 - [j=0]) |tau_{j,t}|} (all at scale 2B).
 * </ol>
 */
final class ChebyshevInterpolant {
  /** Fixed-point bits at degree 0. */
  static final int BASE_BITS = 200;

  /**
   * Extra bits per degree: {@code sum_j |tau_{j,t}| <= (1 + sqrt 2)^g < 2^(1.28 g)} multiplies
   * the radii, so 2 bits per degree keep them below {@code 2^-(200 + 0.7 g)} times {@code e^R}.
   */
  static final int BITS_PER_DEGREE = 2;

  /** Decimal digits asked of apfloat's pi beyond those needed; assumption A trusts all but 5. */
  static final int PI_GUARD_DIGITS = 20;

  private static final int MAX_BITS = bits(ExpPolynomial.MAX_DEGREE);
  private static final BigInteger[] PI = piBounds(MAX_BITS);
  private static final BigInteger[][] MONOMIAL_ROWS = new BigInteger[ExpPolynomial.MAX_DEGREE + 1][];
  private static final Nodes[] NODES = new Nodes[ExpPolynomial.MAX_DEGREE + 2];

  private final int n;
  private final int b;
  private final BigInteger[] numerators;
  private final BigInteger[] radii;

  static int bits(int g) {
    return BASE_BITS + BITS_PER_DEGREE * g;
  }

  ChebyshevInterpolant(int g, double radius) {
    this.n = g + 1;
    this.b = bits(g);
    Nodes nodes = nodes(n);
    BigInteger[] c = nodes.cos;
    BigInteger rhoC = nodes.radius;

    BigInteger[] f = new BigInteger[n];
    BigInteger rhoS = BigInteger.ZERO; // at scale 2B
    for (int k = 0; k < n; k++) {
      BigInteger y = c[(2 * k + 1) % (4 * n)];
      BigInteger zLo = FixedPoint.times(y.subtract(rhoC), radius, false);
      BigInteger zHi = FixedPoint.times(y.add(rhoC), radius, true);
      BigInteger lo = FixedPoint.exp(zLo, b, false);
      BigInteger hi = FixedPoint.exp(zHi, b, true);
      BigInteger mid = lo.add(hi).shiftRight(1);
      BigInteger rho = hi.subtract(mid).max(mid.subtract(lo));
      f[k] = mid;
      rhoS = rhoS.add(mid.abs().multiply(rhoC)).add(rho.shiftLeft(b));
    }

    // Node k and node n-1-k have C_{j(2(n-1-k)+1)} = C_{2nj - j(2k+1)} = (-1)^j C_{j(2k+1)}
    // exactly (table symmetries), so pair them: the same exact sum in half the products.
    int half = n / 2;
    BigInteger[] plus = new BigInteger[half];
    BigInteger[] minus = new BigInteger[half];
    for (int k = 0; k < half; k++) {
      plus[k] = f[k].add(f[n - 1 - k]);
      minus[k] = f[k].subtract(f[n - 1 - k]);
    }
    BigInteger[] s = new BigInteger[n];
    for (int j = 0; j < n; j++) {
      BigInteger[] pair = j % 2 == 0 ? plus : minus;
      BigInteger sum = BigInteger.ZERO;
      for (int k = 0; k < half; k++) {
        sum = sum.add(pair[k].multiply(c[(int) (((long) j * (2 * k + 1)) % (4L * n))]));
      }
      if (n % 2 == 1) { // the middle node y = 0
        sum = sum.add(f[half].multiply(c[(int) (((long) j * n) % (4L * n))]));
      }
      s[j] = sum;
    }

    numerators = new BigInteger[n];
    radii = new BigInteger[n];
    for (int t = 0; t < n; t++) {
      BigInteger num = BigInteger.ZERO;
      BigInteger weight = BigInteger.ZERO;
      for (int j = t; j < n; j += 2) { // tau_{j,t} = 0 unless j >= t and j - t is even
        BigInteger tau = monomial(j)[t];
        BigInteger coefficient = j == 0 ? tau : tau.shiftLeft(1);
        num = num.add(s[j].multiply(coefficient));
        weight = weight.add(coefficient.abs());
      }
      numerators[t] = num;
      radii[t] = rhoS.multiply(weight);
    }
  }

  /** {@code n 2^(2B)}: {@code b*_t} is enclosed by {@code (N_t +- rad_t) / denominator()}. */
  BigInteger denominator() {
    return BigInteger.valueOf(n).shiftLeft(2 * b);
  }

  BigInteger numerator(int t) {
    return numerators[t];
  }

  BigInteger radius(int t) {
    return radii[t];
  }

  /** Row j of the Chebyshev-to-monomial table: {@code T_j(y) = sum_t tau[t] y^t}. */
  static synchronized BigInteger[] monomial(int j) {
    if (MONOMIAL_ROWS[j] == null) {
      BigInteger[] row = new BigInteger[j + 1];
      Arrays.fill(row, BigInteger.ZERO);
      if (j == 0) {
        row[0] = BigInteger.ONE;
      } else if (j == 1) {
        row[1] = BigInteger.ONE;
      } else { // T_j = 2 y T_{j-1} - T_{j-2}
        BigInteger[] p1 = monomial(j - 1);
        BigInteger[] p2 = monomial(j - 2);
        for (int t = 0; t <= j; t++) {
          BigInteger v = t >= 1 ? p1[t - 1].shiftLeft(1) : BigInteger.ZERO;
          row[t] = t <= j - 2 ? v.subtract(p2[t]) : v;
        }
      }
      MONOMIAL_ROWS[j] = row;
    }
    return MONOMIAL_ROWS[j];
  }

  /** Midpoints {@code Ct_m}, m = 0..4n-1, at scale B(n-1), and their common radius rhoC. */
  static final class Nodes {
    final BigInteger[] cos;
    final BigInteger radius;

    Nodes(BigInteger[] cos, BigInteger radius) {
      this.cos = cos;
      this.radius = radius;
    }
  }

  static synchronized Nodes nodes(int n) {
    if (NODES[n] != null) {
      return NODES[n];
    }
    int b = bits(n - 1);
    BigInteger piLo = FixedPoint.floorShift(PI[0], MAX_BITS - b);
    BigInteger piHi = FixedPoint.ceilShift(PI[1], MAX_BITS - b);
    BigInteger twoN = BigInteger.valueOf(2L * n);
    BigInteger[] c = new BigInteger[4 * n];
    BigInteger rho = BigInteger.ZERO;
    for (int m = 0; m <= n; m++) {
      BigInteger lo;
      BigInteger hi;
      if (m == 0) {
        lo = hi = BigInteger.ONE.shiftLeft(b);
      } else if (m == n) {
        lo = hi = BigInteger.ZERO;
      } else if (2 * m <= n) { // angle m pi/(2n) <= pi/4 < 1; cos is decreasing there
        BigInteger m1 = BigInteger.valueOf(m);
        BigInteger angleLo = FixedPoint.floorDiv(piLo.multiply(m1), twoN);
        BigInteger angleHi = FixedPoint.ceilDiv(piHi.multiply(m1), twoN);
        lo = FixedPoint.cos(angleHi, b, false);
        hi = FixedPoint.cos(angleLo, b, true);
      } else { // cos(m pi/(2n)) = sin((n-m) pi/(2n)), angle < pi/4; sin is increasing there
        BigInteger m1 = BigInteger.valueOf(n - m);
        BigInteger angleLo = FixedPoint.floorDiv(piLo.multiply(m1), twoN);
        BigInteger angleHi = FixedPoint.ceilDiv(piHi.multiply(m1), twoN);
        lo = FixedPoint.sin(angleLo, b, false);
        hi = FixedPoint.sin(angleHi, b, true);
      }
      BigInteger mid = lo.add(hi).shiftRight(1);
      c[m] = mid;
      rho = rho.max(hi.subtract(mid)).max(mid.subtract(lo));
    }
    for (int m = n + 1; m <= 2 * n; m++) {
      c[m] = c[2 * n - m].negate();
    }
    for (int m = 2 * n + 1; m < 4 * n; m++) {
      c[m] = c[4 * n - m];
    }
    NODES[n] = new Nodes(c, rho);
    return NODES[n];
  }

  /**
   * {@code [floor(pi_lo 2^B), ceil(pi_hi 2^B)]} from apfloat's pi at D digits widened by
   * {@code 10^(5-D)} on each side (assumption A).
   */
  static BigInteger[] piBounds(int bits) {
    int digits = (int) Math.ceil(bits * Math.log10(2)) + PI_GUARD_DIGITS;
    BigDecimal pi = new BigDecimal(ApfloatMath.pi(digits).toString(true));
    BigDecimal slack = BigDecimal.ONE.scaleByPowerOfTen(5 - digits);
    return new BigInteger[] {
      FixedPoint.fromDecimal(pi.subtract(slack), bits, false),
      FixedPoint.fromDecimal(pi.add(slack), bits, true)
    };
  }
}
