package dev.loralimits.hardness;

import dev.loralimits.fast.Dense;
import dev.loralimits.model.Checks;

/**
 * The proved quadrature error bound of proofs-notes/HARDNESS-H3.md, Sections 3-5, and the bounds
 * on {@code |phi'|}, {@code |phi''|} on the real line used for the rounding of the rule.
 *
 * <p>Inputs (notes Section 3.1): L rows, m columns, an upper bound {@code R} on every row's score
 * range {@code max_l G[j,l] - min_l G[j,l]} ({@code G = A1 A2^T / m}, rounding of G included), and
 * {@code A = sum_c max_l A3[l,c]^2}.
 *
 * <p>Strip lemma (Section 3): for {@code 0 < theta < pi/2}, {@code C = cos theta} and
 * {@code |Im lambda| <= rho = 2 theta / R}: {@code |phi'(lambda)| <= M1 = L A (R/2)(1 + 1/C)/C^2}.
 * Panel lemma (Section 4): on a panel of half-width {@code h = 1/(2K)} the n-point Gauss rule errs
 * by at most {@code 2 h M1 c_n r^(2-2n) / (r^2 - 1)}, {@code r = a + sqrt(1 + a^2)},
 * {@code a = rho / h}, {@code c_n = 2 + 2/(4n^2 - 1)}; K panels sum to
 * {@code M1 c_n r^(2-2n) / (r^2 - 1)} (Section 5). The bound is the least of these over the angles
 * {@code theta_k = k pi / 64}, k = 1..31.
 */
final class AnalyticBound {
  /** Unit roundoff of double. */
  static final double U = 0x1p-53;

  /** The angles tried: {@code theta_k = k pi / (2 ANGLE_STEPS)}, {@code 0 < k < ANGLE_STEPS}. */
  static final int ANGLE_STEPS = 32;

  /** Largest m: keeps the relative evaluation error of the bound below SAFETY - 1 (notes 5.2). */
  static final int MAX_COLUMNS = 100_000;

  /**
   * Factor covering the rounding of evaluating the bound in doubles: the computed logarithm of the
   * bound is off by at most {@code (2m + 100000) u < 3.4e-11} (m <= 100000), far below
   * {@code log(SAFETY) ~ 9.3e-10} (notes Section 5.2).
   */
  static final double SAFETY = 1 + 0x1p-30;

  /** Smallest bound reported (a bound below it is rounded up to it; notes Section 5.2). */
  static final double FLOOR = 1e-300;

  /** Shrinks {@code fl(2 theta / R)} so that rho never exceeds {@code 2 theta / R} (notes 5.2). */
  static final double RHO_SHRINK = 1 - 0x1p-50;

  /** The quantities the bound depends on. */
  record Inputs(int rows, int columns, double range, double valueNorm) {
    /** {@code M1 = L A (R/2)(1 + 1/C)/C^2}, {@code C = cos theta} (boundAt uses its logarithm). */
    double stripBound(double theta) {
      double c = Math.cos(theta);
      return rows * valueNorm * (range / 2) * (1 + 1 / c) / (c * c);
    }

    /** {@code sup over real lambda of |phi'| <= L A R} (strip lemma with y = 0, C = 1). */
    double firstDerivativeBound() {
      return rows * valueNorm * range;
    }

    /** {@code sup over real lambda of |phi''| <= 9 L A R^2 / pi} (Cauchy, theta = pi/3). */
    double secondDerivativeBound() {
      return 9 * rows * valueNorm * range * range / Math.PI;
    }
  }

  private AnalyticBound() {}

  /**
   * R and A from the matrices (notes Section 5.1): R is the largest computed row range of
   * {@code G = A1 A2^T / m}, enlarged by the rounding of G:
   * {@code R = (range (1 + 2^-50) + 4 (m + 2) u E) (1 + 2^-50)},
   * {@code E = max_{j,l} sum_k |A1[j,k]| |A2[l,k]| / m}.
   */
  static Inputs inputs(double[][] a1, double[][] a2, double[][] a3) {
    int m = AttentionLossGradient.checkShapes(a1, a2, a3);
    Checks.inRange("m (columns)", m, 1, MAX_COLUMNS);
    int len = a1.length;
    double range = 0;
    double abs = 0;
    for (int j = 0; j < len; j++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < len; l++) {
        double g = Dense.dot(a1[j], a2[l]) / m;
        lo = Math.min(lo, g);
        hi = Math.max(hi, g);
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += Math.abs(a1[j][k]) * Math.abs(a2[l][k]);
        }
        abs = Math.max(abs, s / m);
      }
      range = Math.max(range, hi - lo);
    }
    double r = (range * (1 + 0x1p-50) + 4.0 * (m + 2) * U * abs) * (1 + 0x1p-50);
    double valueNorm = 0;
    for (int c = 0; c < m; c++) {
      double a = 0;
      for (int l = 0; l < len; l++) {
        a = Math.max(a, Math.abs(a3[l][c]));
      }
      valueNorm += a * a;
    }
    Checks.finite("score range bound R", r);
    Checks.finite("value norm A", valueNorm);
    return new Inputs(len, m, r, valueNorm);
  }

  /** The bound for K panels of n points: least over the angles of {@link #boundAt}. */
  static double bound(Inputs in, int panels, int points) {
    double best = Double.POSITIVE_INFINITY;
    for (int k = 1; k < ANGLE_STEPS; k++) {
      best = Math.min(best, boundAt(in, k * Math.PI / (2 * ANGLE_STEPS), panels, points));
    }
    return best;
  }

  /**
   * {@code SAFETY * M1(theta) c_n r^(2-2n) / (r^2 - 1)}, r from {@code a = 2 K rho}, evaluated in
   * logarithms (no overflow or underflow) and never below {@link #FLOOR} (notes Section 5.2).
   */
  static double boundAt(Inputs in, double theta, int panels, int points) {
    if (in.range() == 0 || in.valueNorm() == 0) {
      return 0; // phi' vanishes identically: every score row is constant, or A3 = 0
    }
    double c = Math.cos(theta);
    double logM1 = Math.log(in.rows()) + Math.log(in.valueNorm()) + Math.log(in.range() / 2)
        + Math.log1p(1 / c) - 2 * Math.log(c);
    double rho = 2 * theta / in.range() * RHO_SHRINK;
    double a = 2.0 * panels * rho; // rho / h with h = 1 / (2K)
    double rMinusOne = a + a * a / (1 + Math.sqrt(1 + a * a)); // r - 1 without cancellation
    double cn = 2 + 2.0 / (4.0 * points * points - 1);
    double logBound = logM1 + Math.log(cn) - (2.0 * points - 2) * Math.log1p(rMinusOne)
        - Math.log(rMinusOne) - Math.log(2 + rMinusOne);
    return Math.max(Math.exp(logBound) * SAFETY, FLOOR);
  }

  /**
   * The cheapest rule (fewest oracle calls K n; ties to fewer points) whose bound is at most tau.
   *
   * @throws IllegalArgumentException when no K <= 2^24, n <= 40 reaches tau
   */
  static LossFromGradients.Plan plan(Inputs in, double tau) {
    LossFromGradients.Plan best = null;
    for (int n = 1; n <= GaussLegendre.MAX_POINTS; n++) {
      if (bound(in, GaussLegendre.MAX_PANELS, n) > tau) {
        continue;
      }
      int lo = 1;
      int hi = GaussLegendre.MAX_PANELS; // invariant: bound(hi) <= tau
      if (bound(in, lo, n) <= tau) {
        hi = lo;
      }
      while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (bound(in, mid, n) <= tau) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      if (best == null || (long) hi * n < (long) best.panels() * best.points()) {
        best = new LossFromGradients.Plan(hi, n, bound(in, hi, n));
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("tau (" + tau + ") is below what "
          + GaussLegendre.MAX_PANELS + " panels of " + GaussLegendre.MAX_POINTS
          + " points certify for this instance (R = " + in.range() + ", floor " + FLOOR + ")");
    }
    return best;
  }
}
