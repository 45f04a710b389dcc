package dev.loralimits.fast;

import java.util.List;

/**
 * Lemma 3.3 for the almost-linear algorithm: the score radius R ({@link #lemma33Radius}) and the
 * degree search ({@link #lemma33Polynomial}): the least polynomial degree whose certified bounds
 * ({@link FastBound}) meet epsilon within the rank budget, or the refusal
 * (proofs-notes/FAST-BOUND.md §3 and §8).
 */
final class DegreeSearch {
  private DegreeSearch() {}

  /**
   * Lemma 3.3, the radius: {@code |Qh_j . Kc_l| <= ||Qh_j||_2 ||Kc_l||_2 <= R} (Cauchy-Schwarz) for
   * the computed vectors of one point; the norms are rounded up ({@link FastBound#scoreRadius}:
   * {@code sqrt} of a sum of h squares has relative error below {@code gamma_{h+2}}).
   */
  static double lemma33Radius(PreparedPoint p) {
    return FastBound.scoreRadius(p.maxQNorm, p.maxKNorm, p.h);
  }

  /**
   * Lemma 3.3, the degree: the smallest g (over the Taylor and Chebyshev polynomials of
   * {@link ExpPolynomial}) whose certified gradient bounds ({@link FastBound}) are all
   * {@code <= epsilon}.
   *
   * @throws OutsideEfficientRegimeException when the rank {@code binom(g + h, h)} of that g exceeds
   *     the budget, or no degree up to {@link ExpPolynomial#MAX_DEGREE} meets epsilon
   */
  static FastBound.Certificate lemma33Polynomial(
      DoubleData dd, List<FastBound.PointNorms> pts, List<FastBound.KeyRows> rows, double radius, double epsilon, long budget, int h) {
    if (!(radius <= ExpPolynomial.MAX_RADIUS)) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: score radius R = %.4g exceeds %.0f, where no polynomial certificate exists (epsilon %.3g)",
              radius, ExpPolynomial.MAX_RADIUS, epsilon),
          -1, Long.MAX_VALUE, radius, budget);
    }
    double lastBound = Double.NaN;
    for (int g = 0; g <= ExpPolynomial.MAX_DEGREE; g++) {
      long rank = FeatureMap.rank(h, g);
      if (rank > budget) {
        String closest = Double.isNaN(lastBound) ? "" : String.format(", where the certified bound is %.3g", lastBound);
        throw new OutsideEfficientRegimeException(
            String.format(
                "outside the efficient regime: needs degree > %d, rank > %d at R = %.4g (rank budget %d%s; epsilon %.3g)",
                g - 1, FeatureMap.rank(h, Math.max(g - 1, 0)), radius, budget, closest, epsilon),
            g, rank, radius, budget);
      }
      lastBound = Double.POSITIVE_INFINITY;
      FastBound.Certificate best = null;
      for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
        ExpPolynomial poly = ExpPolynomial.of(kind, g, radius);
        FastBound.Certificate c = FastBound.certify(dd, pts, rows, poly, radius, (int) rank);
        lastBound = Math.min(lastBound, c.certifiedBound());
        if (c.certifiedBound() <= epsilon && (best == null || c.certifiedBound() < best.certifiedBound())) {
          best = c;
        }
      }
      if (best != null) {
        return best;
      }
      // Any polynomial with relative error <= 1/2 on [-R, R] has A(R) >= |P(R)| >= e^R / 2, and the
      // rounding part grows with n_agg (so with g): if it alone exceeds epsilon with delta = 0 and
      // A(R) = e^R / 2 at this g, no degree >= g can be certified (FAST-BOUND.md §8). Evaluated only
      // where it decides something (g >= 1 and no certificate at g): certify has no side effects.
      if (g >= 1 && FastBound.certify(dd, pts, noneFor(rows), 0.0, Math.exp(radius) / 2, g, radius, (int) rank)
          .certifiedBound() > epsilon) {
        // the rounding part grows with g (n_agg and A(R) do), so no higher degree can succeed
        throw new OutsideEfficientRegimeException(
            String.format(
                "outside the efficient regime: rounding alone exceeds epsilon %.3g at degree %d, rank %d, R = %.4g",
                epsilon, g, rank, radius),
            g, rank, radius, budget);
      }
    }
    throw noDegree(epsilon, radius, budget);
  }

  /** {@link FastBound.KeyRows#noTaylor} per point: §11 with delta only (FAST-BOUND.md §11.5-11.6). */
  private static List<FastBound.RowMean> noneFor(List<FastBound.KeyRows> rows) {
    List<FastBound.RowMean> none = new java.util.ArrayList<>();
    for (FastBound.KeyRows r : rows) {
      none.add(r.noTaylor());
    }
    return none;
  }

  private static OutsideEfficientRegimeException noDegree(double epsilon, double radius, long budget) {
    return new OutsideEfficientRegimeException(
        String.format("outside the efficient regime: no degree <= %d certifies epsilon %.3g at R = %.4g",
            ExpPolynomial.MAX_DEGREE, epsilon, radius),
        -1, Long.MAX_VALUE, radius, budget);
  }
}
