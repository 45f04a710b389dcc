package dev.loralimits.fast;

/**
 * The certified error bound of the almost-linear algorithm (proofs-notes/FAST-BOUND.md). Every
 * method here is one numbered inequality of that note; the numbers are upper bounds computed in
 * doubles from non-negative terms and then rounded up by {@link #up} (FAST-BOUND.md §7: each
 * formula has fewer than 64 operations on non-negative numbers, so a factor {@code 1 + 256u}
 * covers their rounding).
 */
public final class FastBound {
  /** Unit roundoff of double, {@code 2^-53}. */
  static final double U = 0x1p-53;

  private FastBound() {}

  /** {@code gamma_n = n u / (1 - n u)} (Higham), rounded up. */
  static double gamma(double n) {
    double nu = n * U;
    if (!(nu < 0.5)) {
      return Double.POSITIVE_INFINITY;
    }
    return up(nu / (1 - nu));
  }

  /**
   * Additions a term passes through in a sum over n rows as {@link AlmostLinear} computes it:
   * sequential within blocks of {@link AlmostLinear#BLOCK} rows, block totals added in order within
   * each of the {@link AlmostLinear#CHUNKS} ranges, range totals added in order.
   */
  static double depth(int n) {
    return Math.min(n, AlmostLinear.BLOCK) + Math.ceil(n / (double) AlmostLinear.BLOCK) + AlmostLinear.CHUNKS + 2;
  }

  /** Rounds a non-negative bound up past the rounding of the formula that produced it. */
  static double up(double x) {
    return x * (1 + 256 * U);
  }

  /**
   * Data of one point that the bound uses; all are upper bounds of the named quantity.
   *
   * @param lq query length
   * @param lk key length
   * @param h head width (columns of W_Q, W_K)
   * @param o value width (columns of W_V)
   * @param qMax {@code max |Qh|}, {@code Qh = beta X^Q W_Q} as computed
   * @param kMax {@code max |Kc|}, centred keys as computed
   * @param vMax {@code nu}: bounds both computed and exact {@code |X^V W_V|}
   * @param yMax {@code max |Y|}
   * @param beta inverse temperature
   * @param xqColSum {@code max_a sum_j |X^Q[j,a]|}
   * @param xkMax {@code max |X^K|}
   * @param xvMax {@code max |X^V|}
   * @param eQ entrywise error of the computed Qh
   * @param eK entrywise error of the computed Kc
   * @param eV entrywise error of the computed Vm
   */
  public record PointNorms(
      int lq, int lk, int h, int o, double beta, double qMax, double kMax, double vMax, double yMax,
      double xqColSum, double xkMax, double xvMax, double eQ, double eK, double eV) {}

  /**
   * Per-point bounds (FAST-BOUND.md §5): errors of {@code G_Q, G_K, G_V} and of the loss, and
   * majorants of {@code |G_Q|, |G_K|, |G_V|} for the rounding of later contractions.
   */
  public record PointBound(double gq, double gk, double gv, double loss, double gqMaj, double gkMaj, double gvMaj) {}

  /**
   * Every intermediate term of FAST-BOUND.md §3-5 for one point, as returned doubles (each an
   * upper bound of its formula evaluated on the returned terms it reads, §7), and the result.
   * When {@code deltaTot >= 1/2} every term after it is infinite.
   */
  record Terms(
      double sigma, double deltaS, double nAgg, double tau, double deltaTot, double deltaF, double gc,
      double ez, double ec, double dt, double ds, double tMaj, double sMaj, double rho, double pi,
      PointBound bound) {}

  // ---------------------------------------------------------------- §1: inputs in doubles

  /**
   * (1.1) {@code eQ = gamma_{dq + r_Q + 10} |beta| max_j sum_a |X^Q_ja| max Wabs_Q}, rounded up.
   *
   * @param dq columns of X^Q
   * @param rankQ adapter rank of W_Q (0 when not adapted)
   * @param beta inverse temperature
   * @param xqRowSum upper bound of {@code max_j sum_a |X^Q_ja|}
   * @param wMajQ upper bound of {@code max Wabs_Q}
   */
  static double queryError(int dq, int rankQ, double beta, double xqRowSum, double wMajQ) {
    return up(gamma(dq + rankQ + 10.0) * Math.abs(beta) * xqRowSum * wMajQ);
  }

  /**
   * (1.2) {@code eK = gamma_{dk + r_K + 8} max_l sum_a |X^K_la| max Wabs_K + u (max|Km^| + max|kbar|)},
   * rounded up.
   */
  static double keyError(int dk, int rankK, double xkRowSum, double wMajK, double kmMax, double kbarMax) {
    return up(gamma(dk + rankK + 8.0) * xkRowSum * wMajK + U * (kmMax + kbarMax));
  }

  /** (1.3) {@code eV = gamma_{dv + r_V + 8} max_l sum_a |X^V_la| max Wabs_V}, rounded up. */
  static double valueError(int dv, int rankV, double xvRowSum, double wMajV) {
    return up(gamma(dv + rankV + 8.0) * xvRowSum * wMajV);
  }

  /** (1.3) {@code nu = max|Vm^| + eV}, rounded up: bounds both {@code |Vm|} and {@code |Vm^|}. */
  static double valueMajorant(double vmMax, double eV) {
    return up(vmMax + eV);
  }

  // ---------------------------------------------------------------- §3-5: one point

  /**
   * (3.3) {@code (1 + a)(1 + b) - 1}, written as {@code a + b (1 + a)}: equal in exact arithmetic,
   * and for {@code a, b >= 0} three operations on non-negative numbers (no 1 is subtracted), so the
   * computed value is at least {@code (1 - u)^3} times the exact one (FAST-BOUND.md §7). For finite
   * a it is never NaN (an infinite b gives infinity).
   */
  static double compose(double a, double b) {
    return a + b * (1 + a);
  }

  /**
   * FAST-BOUND.md §3-5 for one point.
   *
   * @param n the point's norms
   * @param delta certified relative error of the polynomial on [-R, R] (Lemma 3.3)
   * @param absCoefficientSum {@code A(R) = sum_t |a_t| R^t}
   * @param radius R
   * @param rank k1
   * @param degree g
   */
  static PointBound point(PointNorms n, double delta, double absCoefficientSum, double radius, int rank, int degree) {
    return terms(n, delta, absCoefficientSum, radius, rank, degree).bound();
  }

  /** The same, with every intermediate term (for the formula properties). */
  static Terms terms(PointNorms n, double delta, double absCoefficientSum, double radius, int rank, int degree) {
    // (3.1) score perturbation from the rounding of Qh and Kc
    double sigma = up(n.h() * (n.eQ() * n.kMax() + n.qMax() * n.eK() + n.eQ() * n.eK()));
    double deltaS = up(Math.expm1(sigma));
    // (3.2) rounding of every kernel aggregate, relative to the exact kernel terms
    double nAgg = Math.max(depth(n.lq()), depth(n.lk())) + (double) rank * Math.max(n.o(), n.h()) + 2.0 * degree + 32;
    double tau = up(gamma(nAgg) * absCoefficientSum * Math.exp(radius));
    // (3.3) all relative kernel errors together, (1 + delta)(1 + deltaS)(1 + tau)(1 + 3u) - 1
    // expanded so that no 1 is subtracted, and the attention error delta_F
    double deltaTot = up(compose(compose(compose(delta, deltaS), tau), 3 * U));
    if (!(deltaTot < 0.5)) {
      double i = inf();
      return new Terms(sigma, deltaS, nAgg, tau, deltaTot, i, i, i, i, i, i, i, i, i, i,
          new PointBound(i, i, i, i, i, i, i));
    }
    double deltaF = up(2 * deltaTot / (1 - deltaTot));
    double nu = n.vMax();
    double gc = up(nu + n.yMax());
    int o = n.o();
    // (4.1) z and c
    double ez = up(deltaF * nu + n.eV() * (1 + deltaF));
    double ec = up(ez + 2 * U * (nu * (1 + deltaF) + n.yMax()));
    // (4.2) row L1 error rho of P, and the row L1 majorant pi of |P|
    double dt = up(o * (ec * nu + gc * n.eV()));
    double ds = up(o * (ec * (1 + deltaF) * nu + gc * ez));
    double tMaj = up(o * (gc + ec) * nu);
    double sMaj = up(tMaj * (1 + deltaF));
    double rho = up(dt + ds + deltaF * tMaj + deltaF * sMaj);
    double pi = up((tMaj + sMaj) * (1 + deltaF));
    // (5.1) G_Q = beta X^Q^T (P Kc)
    // majorant of |computed P Kc| rows: pi (kMax + eK) for P^ plus rho kMax for its own error
    double gqMaj = up(n.beta() * n.xqColSum() * (pi * (n.kMax() + n.eK()) + rho * n.kMax()));
    double gq = up(n.beta() * n.xqColSum() * (n.kMax() * rho + pi * n.eK()) + gamma(depth(n.lq()) + 16) * gqMaj);
    // (5.2) G_K = X^K^T (P^T Qh)
    double gkMaj = up(n.xkMax() * n.lq() * (pi * (n.qMax() + n.eQ()) + rho * n.qMax()));
    double gk = up(n.xkMax() * n.lq() * (rho * n.qMax() + pi * n.eQ()) + gamma(depth(n.lk()) + 16) * gkMaj);
    // (5.3) G_V = X^V^T (F^T c)
    double gvMaj = up(n.xvMax() * n.lq() * (1 + deltaF) * (gc + ec));
    double gv = up(n.xvMax() * n.lq() * (deltaF * (gc + ec) + ec) + gamma(depth(n.lk()) + 16) * gvMaj);
    // (5.4) loss = 1/2 sum c^2
    double cells = (double) n.lq() * o;
    double loss = up(cells * (gc * ec + 0.5 * ec * ec) + gamma(n.o() + depth(n.lq()) + 8) * 0.5 * cells * (gc + ec) * (gc + ec));
    return new Terms(sigma, deltaS, nAgg, tau, deltaTot, deltaF, gc, ez, ec, dt, ds, tMaj, sMaj, rho, pi,
        new PointBound(gq, gk, gv, loss, gqMaj, gkMaj, gvMaj));
  }

  /**
   * FAST-BOUND.md §6: from the bound on {@code G_W} (summed over points) to
   * {@code dLoss/dA = (alpha/r) B^T G_W} (returns index 0) and {@code dLoss/dB = (alpha/r) G_W A^T}
   * (index 1).
   *
   * @param gError bound on the entries of the computed {@code G_W} minus the exact one
   * @param gMaj majorant of the entries of |G_W| (sum of the points' majorants)
   * @param scale {@code |alpha / r|}
   * @param bColSum {@code max_k sum_a |B[a,k]|}
   * @param aRowSum {@code max_k sum_b |A[k,b]|}
   * @param rowsW rows of W (length of the sums in B^T G)
   * @param colsW columns of W
   */
  static double[] adapter(double gError, double gMaj, double scale, double bColSum, double aRowSum, int rowsW, int colsW) {
    double da = up(scale * bColSum * (gError + gamma(rowsW + 4.0) * gMaj));
    double db = up(scale * aRowSum * (gError + gamma(colsW + 4.0) * gMaj));
    return new double[] {da, db};
  }

  private static double inf() {
    return Double.POSITIVE_INFINITY;
  }
}
