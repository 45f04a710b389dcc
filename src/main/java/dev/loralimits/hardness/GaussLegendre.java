package dev.loralimits.hardness;

import dev.loralimits.model.Checks;

/**
 * Gauss-Legendre quadrature: the n-point rule on [-1, 1] and the composite rule on [0, 1] with K
 * equal panels (proofs-notes/HARDNESS-H3.md, Section 2).
 *
 * <p>The n nodes are the zeros of the Legendre polynomial {@code P_n}, found by Newton's method
 * from the asymptotic guess {@code cos(pi (i + 3/4) / (n + 1/2))}; {@code P_n} and {@code P_n'}
 * come from the three-term recurrence. The weights are {@code 2 / ((1 - x^2) P_n'(x)^2)}. Only the
 * non-negative half is computed; the other half is its mirror image, so the computed rule is
 * exactly symmetric.
 *
 * <p>Accuracy contract (a computer-checked lemma, notes Section 2.3): for every
 * {@code 1 <= n <= }{@link #MAX_POINTS} the computed nodes are within {@link #NODE_ERROR} of the
 * true nodes and the computed weights within relative error {@link #WEIGHT_RELATIVE_ERROR} of the
 * true weights. {@code GaussLegendreExamples.nodesAndWeightsMatchFortyDigits} checks this for
 * every n against 40-digit Newton iterates.
 */
public final class GaussLegendre {
  /** Largest number of points per panel; the accuracy contract is checked for all n up to it. */
  public static final int MAX_POINTS = 40;

  /**
   * Absolute node error on [-1, 1] for n <= MAX_POINTS. Measured maximum: 8.8e-17; the constant
   * keeps a factor of more than 5 (GaussLegendreExamples.nodesAndWeightsMatchFortyDigits).
   */
  public static final double NODE_ERROR = 5e-16;

  /**
   * Relative weight error for n <= MAX_POINTS. Measured maximum: 2.1e-14 (the end weights, whose
   * relative sensitivity to the node is {@code 2|x|/(1 - x^2)}, about 600 at n = 40); the constant
   * keeps a factor of more than 4 (GaussLegendreExamples.nodesAndWeightsMatchFortyDigits).
   */
  public static final double WEIGHT_RELATIVE_ERROR = 1e-13;

  /** Largest number of panels of the composite rule (its nodes must stay distinct doubles). */
  public static final int MAX_PANELS = 1 << 24;

  private static final int MAX_NEWTON_STEPS = 100;

  /** Newton stops once a step is this small (quadratic convergence: the next step is ~1e-30). */
  private static final double NEWTON_STOP = 1e-15;

  /** A quadrature rule: ascending nodes and their weights (arrays are copies). */
  public record Rule(double[] nodes, double[] weights) {
    public Rule {
      nodes = nodes.clone();
      weights = weights.clone();
    }

    @Override
    public double[] nodes() {
      return nodes.clone();
    }

    @Override
    public double[] weights() {
      return weights.clone();
    }

    /** Number of nodes. */
    public int size() {
      return nodes.length;
    }

    /** {@code sum_i w_i f(x_i)}, summed in node order. */
    public double apply(java.util.function.DoubleUnaryOperator f) {
      double sum = 0;
      for (int i = 0; i < nodes.length; i++) {
        sum += weights[i] * f.applyAsDouble(nodes[i]);
      }
      return sum;
    }
  }

  private GaussLegendre() {}

  /**
   * The n-point Gauss-Legendre rule on [-1, 1]: exact for polynomials of degree {@code <= 2n - 1};
   * positive weights summing to 2.
   *
   * @throws IllegalArgumentException "points (n) must be in [1, 40]"
   */
  public static Rule onSymmetricInterval(int points) {
    Checks.inRange("points", points, 1, MAX_POINTS);
    int n = points;
    double[] x = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n / 2; i++) {
      double xi = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
      for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
        double[] pd = legendre(n, xi);
        double dx = pd[0] / pd[1];
        xi -= dx;
        if (Math.abs(dx) <= NEWTON_STOP) {
          break;
        }
      }
      double[] last = legendre(n, xi); // one more step after convergence
      xi -= last[0] / last[1];
      double[] pd = legendre(n, xi);
      // w(x) = 2 / ((1 - x^2) P_n'(x)^2) has d log w / dx = -2x / (1 - x^2) at a zero (Legendre's
      // equation); the residual step dx = P_n / P_n' (below the spacing of doubles) corrects it
      double dx = pd[0] / pd[1];
      double wi = 2 / ((1 - xi) * (1 + xi) * pd[1] * pd[1])
          * (1 + 2 * xi * dx / ((1 - xi) * (1 + xi)));
      x[n - 1 - i] = xi;
      x[i] = -xi;
      w[n - 1 - i] = wi;
      w[i] = wi;
    }
    if (n % 2 == 1) {
      double d = legendre(n, 0)[1];
      x[n / 2] = 0;
      w[n / 2] = 2 / (d * d);
    }
    return new Rule(x, w);
  }

  /**
   * The composite rule on [0, 1]: panel k = [k/K, (k+1)/K] carries the n-point rule, node
   * {@code (k + (1 + x_i)/2) / K}, weight {@code w_i / (2K)}. Weights sum to 1.
   *
   * @throws IllegalArgumentException "panels (K) must be in [1, 16777216]", or as
   *     {@link #onSymmetricInterval}
   */
  public static Rule compositeOnUnitInterval(int panels, int points) {
    Checks.inRange("panels", panels, 1, MAX_PANELS);
    Rule base = onSymmetricInterval(points);
    double[] bx = base.nodes;
    double[] bw = base.weights;
    double[] x = new double[panels * points];
    double[] w = new double[panels * points];
    for (int k = 0; k < panels; k++) {
      for (int i = 0; i < points; i++) {
        x[k * points + i] = (k + (1 + bx[i]) / 2) / panels;
        w[k * points + i] = bw[i] / (2.0 * panels);
      }
    }
    return new Rule(x, w);
  }

  /** {P_n(x), P_n'(x)} by the recurrence {@code (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}}. */
  static double[] legendre(int n, double x) {
    double p0 = 1;
    double p1 = x;
    for (int k = 1; k < n; k++) {
      double p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
      p0 = p1;
      p1 = p2;
    }
    // P_n' = n (P_{n-1} - x P_n) / (1 - x^2), valid inside (-1, 1)
    double derivative = n * (p0 - x * p1) / ((1 - x) * (1 + x));
    return new double[] {p1, derivative};
  }
}
