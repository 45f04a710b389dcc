package dev.loralimits.fast;

import dev.loralimits.model.Checks;

/**
 * Lemma 3.3 (polynomial method): the feature maps with {@code P(<q, k>) = <phi(q), psi(k)>} for a
 * polynomial {@code P(x) = sum_{t <= g} a_t x^t} in d variables.
 *
 * <p>Expanding {@code <q,k>^t = sum_{|m| = t} (t choose m) q^m k^m} over multi-indices m of total
 * degree t gives {@code phi(q)_m = a_{|m|} (|m| choose m) q^m} and {@code psi(k)_m = k^m}, one
 * coordinate per monomial of total degree {@code <= g}: rank {@code k1 = binom(g + d, d)}. This is
 * the paper's construction (Alman-Song's {@code binom(2(g+d), 2g)} counts the same monomials of a
 * symmetrised map, twice as many variables, and is never smaller: proofs-notes/FAST-BOUND.md §2).
 *
 * <p>Monomials are enumerated by degree, each as its parent (one degree lower) times one variable
 * with a non-decreasing variable sequence, so every multi-index appears once and each feature is
 * one multiplication from its parent: {@code k1} multiplications per vector. A key feature is a
 * product of at most g rounded factors (relative error {@code <= gamma_g}); a query feature adds
 * one rounded multiplication by the exact-in-double coefficient {@code a_t * (t choose m)}
 * (multinomials are integers below 2^53 for the sizes we allow).
 */
public final class FeatureMap {
  /** Rank limit: feature maps beyond this many coordinates are refused. */
  public static final int MAX_RANK = 2_000_000;

  private final int d;
  private final int g;
  private final int k1;
  private final int[] parent;
  private final int[] variable;
  private final double[] queryCoefficient;

  /**
   * @param d number of variables, {@code >= 1}
   * @param coefficients {@code a_0 .. a_g}, finite
   * @throws IllegalArgumentException when the rank exceeds {@link #MAX_RANK} or a multinomial is
   *     not exact in double
   */
  public FeatureMap(int d, double[] coefficients) {
    Checks.positive("d", d);
    Checks.argument(coefficients.length >= 1, "coefficients must hold a_0 at least");
    for (int t = 0; t < coefficients.length; t++) {
      Checks.finite("coefficients[" + t + "]", coefficients[t]);
    }
    this.d = d;
    this.g = coefficients.length - 1;
    long rank = rank(d, g);
    Checks.argument(rank <= MAX_RANK, "feature rank binom(" + (g + d) + ", " + d + ") = " + rank + " exceeds " + MAX_RANK);
    this.k1 = (int) rank;
    this.parent = new int[k1];
    this.variable = new int[k1];
    int[] degree = new int[k1];
    int[] lastCount = new int[k1];
    double[] multinomial = new double[k1];
    parent[0] = -1;
    variable[0] = 0;
    multinomial[0] = 1;
    int next = 1;
    int levelStart = 0;
    int levelEnd = 1;
    for (int t = 1; t <= g; t++) {
      for (int p = levelStart; p < levelEnd; p++) {
        int v0 = t == 1 ? 0 : variable[p];
        for (int v = v0; v < d; v++) {
          parent[next] = p;
          variable[next] = v;
          degree[next] = t;
          lastCount[next] = (t > 1 && variable[p] == v) ? lastCount[p] + 1 : 1;
          // (t choose m) = (t-1 choose m') * t / m_v, with m' the parent and m_v the count of v in m
          multinomial[next] = multinomial[p] * t / lastCount[next];
          Checks.argument(multinomial[next] < 0x1p53, "multinomial coefficient not exact in double at degree " + t);
          next++;
        }
      }
      levelStart = levelEnd;
      levelEnd = next;
    }
    this.queryCoefficient = new double[k1];
    for (int m = 0; m < k1; m++) {
      queryCoefficient[m] = coefficients[degree[m]] * multinomial[m];
    }
  }

  /** {@code binom(g + d, d)}, the number of monomials of total degree {@code <= g} in d variables. */
  public static long rank(int d, int g) {
    long r = 1;
    for (int i = 1; i <= d; i++) {
      r = r * (g + i) / i; // exact: r = binom(g + i, i) after each step
      if (r > Integer.MAX_VALUE) {
        return Long.MAX_VALUE;
      }
    }
    return r;
  }

  public int rank() {
    return k1;
  }

  public int degree() {
    return g;
  }

  public int dimension() {
    return d;
  }

  /** {@code psi(k)}: the monomials {@code k^m}, written into {@code out[0 .. k1-1]}. */
  public void keyFeatures(double[] k, int offset, double[] out) {
    out[0] = 1;
    for (int m = 1; m < k1; m++) {
      out[m] = out[parent[m]] * k[offset + variable[m]];
    }
  }

  /** {@code phi(q)}: {@code a_{|m|} (|m| choose m) q^m}, written into {@code out[0 .. k1-1]}. */
  public void queryFeatures(double[] q, int offset, double[] out) {
    keyFeatures(q, offset, out);
    for (int m = 0; m < k1; m++) {
      out[m] *= queryCoefficient[m];
    }
  }

  /**
   * {@link #keyFeatures} of n points at once, feature-major: {@code out[m][t] = psi(k_t)_m} from
   * {@code in[v][t] = (k_t)_v}, for {@code t < n}; each feature is the same product of its parent
   * and one variable, so the values are bit for bit those of {@link #keyFeatures}. For the tiled
   * kernels ({@code LemmaKernels}).
   */
  void keyFeaturesTile(double[][] in, int n, double[][] out) {
    java.util.Arrays.fill(out[0], 0, n, 1.0);
    for (int m = 1; m < k1; m++) {
      double[] par = out[parent[m]];
      double[] x = in[variable[m]];
      double[] y = out[m];
      for (int t = 0; t < n; t++) {
        y[t] = par[t] * x[t];
      }
    }
  }

  /** {@link #queryFeatures} of n points at once, feature-major, as {@link #keyFeaturesTile}. */
  void queryFeaturesTile(double[][] in, int n, double[][] out) {
    keyFeaturesTile(in, n, out);
    for (int m = 0; m < k1; m++) {
      double a = queryCoefficient[m];
      double[] y = out[m];
      for (int t = 0; t < n; t++) {
        y[t] *= a;
      }
    }
  }
}
