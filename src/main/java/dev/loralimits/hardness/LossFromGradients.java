package dev.loralimits.hardness;

import dev.loralimits.model.Checks;

/**
 * H3: the AAttLGC loss read off gradient-oracle answers (proofs-notes/MODEL.md §5.3 H3; proofs-notes/HARDNESS-H3.md).
 *
 * <p>With {@code E = 0} and {@code phi(lambda) = l(lambda I_m)},
 * {@code l(X) = 1/2 ||D^{-1} exp(A1 X A2^T / m) A3||_F^2}:
 * {@code phi'(lambda) = trace(dl/dX (lambda I_m))}, so
 * {@code phi(1) = phi(0) + integral_0^1 trace(dl/dX (lambda I_m)) d lambda}. {@code phi(0)} is
 * closed form (uniform attention) and the integral is a composite Gauss-Legendre sum of oracle
 * answers, with K panels and n points chosen from the proved bound of notes Sections 3-5.
 *
 * <p>Error bound of an {@link Estimate} (notes Section 6): for an oracle meeting the
 * {@link TraceGradientOracle} contract with {@code oracleEps = eps},
 * {@code |value - phi(1)| <= errorBound}, where errorBound adds the quadrature bound, the effect of
 * the rounded nodes and weights, {@code m eps} (times the weight sum), the rounding of phi(0) and
 * the rounding of the final sum.
 */
public final class LossFromGradients {
  private static final double U = AnalyticBound.U;

  /**
   * A rule: K panels, n points each, and its proved quadrature bound (notes Section 5).
   *
   * @param panels K
   * @param points n
   * @param quadratureBound the bound on {@code |Gauss sum - integral|} for exact nodes, weights and
   *     gradients
   */
  public record Plan(int panels, int points, double quadratureBound) {
    /** Number of oracle calls, {@code K n}. */
    public int oracleCalls() {
      return panels * points;
    }
  }

  /**
   * The loss at lambda = 1 from gradient answers.
   *
   * @param value the computed {@code phi(1)}
   * @param errorBound proved bound on {@code |value - phi(1)|} (notes Section 6)
   * @param panels K
   * @param points n
   * @param oracleCalls {@code K n}
   * @param quadratureBound the quadrature part of errorBound (at most the requested tau)
   */
  public record Estimate(double value, double errorBound, int panels, int points,
      int oracleCalls, double quadratureBound) {}

  private LossFromGradients() {}

  /**
   * {@code phi(1)} to within {@code tau + m oracleEps + rounding}, with the cheapest rule whose
   * proved quadrature bound is at most tau.
   *
   * @throws IllegalArgumentException when the matrices are not all L x m with finite entries,
   *     oracle is missing, {@code oracleEps} is negative or not finite, tau is not in
   *     (0, infinity), or tau is below what 2^24 panels of 40 points certify
   * @throws IllegalStateException when the oracle returns NaN or an infinity
   */
  public static Estimate phiAtOne(double[][] a1, double[][] a2, double[][] a3,
      TraceGradientOracle oracle, double oracleEps, double tau) {
    AnalyticBound.Inputs in = AnalyticBound.inputs(a1, a2, a3);
    checkTau(tau);
    Plan plan = AnalyticBound.plan(in, tau);
    return run(in, a3, oracle, oracleEps, plan);
  }

  /**
   * {@code phi(1)} with a given rule (K panels, n points) and its proved bound.
   *
   * @throws IllegalArgumentException as {@link #phiAtOne(double[][], double[][], double[][],
   *     TraceGradientOracle, double, double)}, or "panels (K) must be in [1, 16777216]", "points
   *     (n) must be in [1, 40]"
   * @throws IllegalStateException when the oracle returns NaN or an infinity
   */
  public static Estimate phiAtOne(double[][] a1, double[][] a2, double[][] a3,
      TraceGradientOracle oracle, double oracleEps, int panels, int points) {
    AnalyticBound.Inputs in = AnalyticBound.inputs(a1, a2, a3);
    Checks.inRange("panels", panels, 1, GaussLegendre.MAX_PANELS);
    Checks.inRange("points", points, 1, GaussLegendre.MAX_POINTS);
    return run(in, a3, oracle, oracleEps, new Plan(panels, points,
        AnalyticBound.bound(in, panels, points)));
  }

  /**
   * The cheapest rule (fewest oracle calls) whose proved quadrature bound is at most tau; runs no
   * oracle.
   *
   * @throws IllegalArgumentException as {@link #phiAtOne(double[][], double[][], double[][],
   *     TraceGradientOracle, double, double)}
   */
  public static Plan plan(double[][] a1, double[][] a2, double[][] a3, double tau) {
    AnalyticBound.Inputs in = AnalyticBound.inputs(a1, a2, a3);
    checkTau(tau);
    return AnalyticBound.plan(in, tau);
  }

  /**
   * The proved quadrature bound (notes Section 5) of K panels of the n-point rule.
   *
   * @throws IllegalArgumentException as {@link #phiAtOne(double[][], double[][], double[][],
   *     TraceGradientOracle, double, int, int)}
   */
  public static double quadratureBound(double[][] a1, double[][] a2, double[][] a3,
      int panels, int points) {
    AnalyticBound.Inputs in = AnalyticBound.inputs(a1, a2, a3);
    Checks.inRange("panels", panels, 1, GaussLegendre.MAX_PANELS);
    Checks.inRange("points", points, 1, GaussLegendre.MAX_POINTS);
    return AnalyticBound.bound(in, panels, points);
  }

  /**
   * {@code phi(0) = (L/2) sum_c mean_l(A3[l,c])^2}: at lambda = 0 every attention row is uniform,
   * so every output row is the column mean of A3 (notes Section 1).
   *
   * @throws IllegalArgumentException when a3 is missing, empty or ragged, or has a non-finite entry
   */
  public static double phiAtZero(double[][] a3) {
    AttentionLossGradient.checkShapes(a3, a3, a3);
    int len = a3.length;
    double sum = 0;
    for (int c = 0; c < a3[0].length; c++) {
      double s = 0;
      for (double[] row : a3) {
        s += row[c];
      }
      double mean = s / len;
      sum += mean * mean;
    }
    return len * sum / 2;
  }

  /**
   * {@code phi(lambda) = l(lambda I_m)} evaluated directly in doubles (row maxima subtracted).
   *
   * @throws IllegalArgumentException when the matrices are not all L x m with finite entries or
   *     lambda is not finite
   */
  public static double phiDirect(double[][] a1, double[][] a2, double[][] a3, double lambda) {
    return AttentionLossGradient.loss(a1, a2, a3, lambda);
  }

  private static Estimate run(AnalyticBound.Inputs in, double[][] a3, TraceGradientOracle oracle,
      double oracleEps, Plan plan) {
    Checks.notNull("oracle", oracle);
    if (!(oracleEps >= 0) || oracleEps == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("oracleEps (" + oracleEps + ") must be >= 0 and finite");
    }
    GaussLegendre.Rule rule = GaussLegendre.compositeOnUnitInterval(plan.panels(), plan.points());
    double[] nodes = rule.nodes();
    double[] weights = rule.weights();
    double phi0 = phiAtZero(a3);
    double value = phi0;
    double absSum = Math.abs(phi0);
    for (int i = 0; i < nodes.length; i++) {
      double t = oracle.traceGradient(nodes[i]);
      if (!Double.isFinite(t)) {
        throw new IllegalStateException(
            "oracle returned " + t + " at lambda = " + nodes[i]);
      }
      value += weights[i] * t;
      absSum += Math.abs(weights[i] * t);
    }
    int n = nodes.length;
    int len = in.rows();
    int m = in.columns();
    // notes Section 6, terms (b)-(e); term (a) is plan.quadratureBound()
    double weightError = GaussLegendre.WEIGHT_RELATIVE_ERROR + 2 * U;
    double nodeError = GaussLegendre.NODE_ERROR / 2 + 4 * U;
    double ruleTerm = weightError * in.firstDerivativeBound()
        + nodeError * in.secondDerivativeBound();
    double oracleTerm = m * oracleEps * (1 + weightError);
    double phi0Term = 2 * gamma(len + m + 2) * len * in.valueNorm();
    double sumTerm = gamma(n + 3) * absSum * (1 + gamma(n + 2));
    double total = (plan.quadratureBound() + ruleTerm + oracleTerm + phi0Term + sumTerm)
        * AnalyticBound.SAFETY;
    return new Estimate(value, total, plan.panels(), plan.points(), plan.oracleCalls(),
        plan.quadratureBound());
  }

  /** {@code gamma_k = k u / (1 - k u)} (Higham). */
  static double gamma(long k) {
    return k * U / (1 - k * U);
  }

  private static void checkTau(double tau) {
    if (!(tau > 0) || tau == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("tau (" + tau + ") must be > 0 and finite");
    }
  }
}
