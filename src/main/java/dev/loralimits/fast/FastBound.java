package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The certifier of the almost-linear algorithm: its error bound (proofs-notes/FAST-BOUND.md). Every
 * method here is one numbered inequality of that note, from the input norms of §1
 * ({@link #maxWeightMajorant}, {@link #inputNorms} with (1.1)-(1.3)) and the radius
 * ({@link #scoreRadius}) through the per-point bound of §3-5 ({@link #point}) to the sum over
 * points and the adapters of §6 ({@link #certify}); the numbers are upper bounds computed in
 * doubles from non-negative terms and then rounded up by {@link #up} (FAST-BOUND.md §7: each
 * formula has fewer than 64 operations on non-negative numbers, so a factor {@code 1 + 256u}
 * covers their rounding). The degree search that calls it is {@link DegreeSearch}.
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
   * majorants of {@code |G_Q|, |G_K|, |G_V|} and of the computed loss {@code |loss^|} for the
   * rounding of later contractions (the sum over points, (5.5)).
   */
  public record PointBound(
      double gq, double gk, double gv, double loss, double gqMaj, double gkMaj, double gvMaj, double lossMaj) {}

  /**
   * Every intermediate term of FAST-BOUND.md §3-5 for one point, as returned doubles (each an
   * upper bound of its formula evaluated on the returned terms it reads, §7), and the result.
   * When {@code deltaTot >= 1/2} every term after it is infinite.
   */
  record Terms(
      double sigma, double deltaS, double nAgg, double tau, double deltaTot, double deltaF, double gc,
      double ez, double ec, double dt, double ds, double tMaj, double sMaj, double rho, double pi,
      PointBound bound, double deltaFOld, double mBar, double tauR, double tR, double dR, double m, double dP,
      double deltaFNew, RowChain row) {}

  /**
   * FAST-BOUND.md §11.6, the terms of one query row j of the per-row chain: its own {@code Rs_j},
   * {@code MbarS_j} (§11.7), {@code Mbar_j}, {@code m_j}, {@code dP_j}, {@code deltaF_j}, the (4.1)-(4.2)
   * terms with {@code deltaF_j} and {@code gc_j = nu + max_i |Y_ji|}, their l1 forms of §11.8
   * ({@code gc1 .. tMaj1}, 0 when not used) and the row's summands of (5.1)-(5.4) ({@code wq .. slm}).
   */
  record Row(
      double rStar, double mBarScore, double gc1, double ez1, double ec1, double dt1, double ds1, double tMaj1,
      double mBar, double m, double dP, double deltaF, double gc, double ez, double ec, double dt, double ds,
      double tMaj, double sMaj, double rho, double pi, double wq, double wqm, double sk, double skm, double sv,
      double svm, double sl, double slm) {}

  /**
   * The terms of one row as {@link #rowTerms} fills them: one buffer reused over the rows of a chain,
   * so that streaming them allocates nothing per row ({@link Row} is its immutable copy).
   */
  static final class RowBuffer {
    double rStar, mBarScore, gc1, ez1, ec1, dt1, ds1, tMaj1, mBar, m;
    double dP, deltaF, gc, ez, ec, dt, ds, tMaj, sMaj, rho;
    double pi, wq, wqm, sk, skm, sv, svm, sl, slm;

    Row toRow() {
      return new Row(rStar, mBarScore, gc1, ez1, ec1, dt1, ds1, tMaj1, mBar, m, dP, deltaF,
          gc, ez, ec, dt, ds, tMaj, sMaj, rho, pi, wq, wqm, sk, skm, sv, svm, sl, slm);
    }
  }

  /**
   * FAST-BOUND.md §11.6, the per-row chain of one point: the weighted sums of (5.1)-(5.4) over its
   * query rows and the bound they give. {@code bound} is this chain's own bound; {@link Terms#bound}
   * is the componentwise minimum of it and the §3-5/§11.2 bound. The rows' terms are not stored
   * (memory {@code O(dq)}, not {@code O(Lq)}, FAST-BOUND.md §11.6 "Memory"): {@link #row} recomputes
   * row j's terms from the chain's inputs ({@code n} .. {@code dR}, as {@link #rowChain} received
   * them), the same doubles the sums read.
   */
  record RowChain(
      PointNorms n, RowMean rm, double sigma, double deltaS, double delta, double deltaF, double dR, double cq,
      double cqm, double skSum, double skmSum, double svSum, double svmSum, double slSum, double slmSum,
      PointBound bound) {
    /** The terms of query row j ({@code 0 <= j < rows()}), bit for bit those the sums read. */
    Row row(int j) {
      RowBuffer b = new RowBuffer();
      rowTerms(n, rm, Math.exp(sigma), deltaS, delta, deltaF, dR, gamma(n.o()), j, b);
      return b.toRow();
    }

    /** The number of query rows. */
    int rows() {
      return rm.query().q().length;
    }

    /** One term over all rows, {@code f(row(0)) .. f(row(rows() - 1))} (for the tests: O(Lq) doubles). */
    double[] column(java.util.function.ToDoubleFunction<Row> f) {
      double[] c = new double[rows()];
      for (int j = 0; j < c.length; j++) {
        c[j] = f.applyAsDouble(row(j));
      }
      return c;
    }
  }

  /**
   * FAST-BOUND.md §11.6: the per-row data of one point. {@code xq} is {@code X^Q} ({@code Lq x dq}),
   * {@code yMax[j] = max_i |Y_ji|}, {@code q[j] >= ||Qh^_j||}, {@code kn = max_l k_l}; for §11.8
   * {@code yOne[j] >= ||Y_j||_1} and {@code vOne >= max_l ||Vm^_l||_1} (null and +infinity: not used).
   */
  record QueryRows(double[][] xq, double[] yMax, double[] q, double kn, double[] yOne, double vOne) {
    /** Without the l1 data of §11.8 (the entrywise chain of §11.6 only). */
    QueryRows(double[][] xq, double[] yMax, double[] q, double kn) {
      this(xq, yMax, q, kn, null, Double.POSITIVE_INFINITY);
    }
  }

  /**
   * FAST-BOUND.md §11.8: {@code up(max_r sum_i |x_ri| (1 + gamma_{n+1}))} over the rows of the
   * row-major {@code rows x n} array: at least every row's l1 norm (and, for converted inputs, the
   * exact one: the conversion's factor {@code 1/(1 - u)} is covered too).
   */
  static double maxRowOneNorm(double[] x, int rows, int n) {
    double m = 0;
    for (int r = 0; r < rows; r++) {
      m = Math.max(m, rowOneNorm(x, r, n));
    }
    return m;
  }

  /** FAST-BOUND.md §11.8: {@code up(sum_i |x_ri| (1 + gamma_{n+1}))} for row r of a row-major array. */
  static double rowOneNorm(double[] x, int r, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += Math.abs(x[r * n + i]);
    }
    return up(s * (1 + gamma(n + 1.0)));
  }

  /**
   * FAST-BOUND.md §11.3: the inputs of the row-mean Taylor error {@code Mbar} of one point, or
   * {@code moment = +infinity} when it does not apply (Chebyshev; then {@code min(delta, Mbar) = delta}).
   *
   * @param rhoP {@code e^R sum_t |a_t - 1/t!| R^t}, the coefficient-rounding part of the Taylor bound
   * @param rStar {@code Rs >= qn kn}
   * @param moment {@code mu_p = (1/Lk) sum_l (qn k_l)^p}, rounded up, p = g + 1
   * @param invFactorial {@code >= 1/p!}
   * @param query the per-row data of §11.6, or null
   * @param qPow {@code >= (q_j / qn)^p} per row (§11.6), or null (Chebyshev)
   * @param scoreMoment {@code U_j >= (1/Lk) sum_l |S^_jl|^p} per row (§11.7), or null
   * @param shift {@code a_j >= -Qh^_j . mean_l Kc^_l} per row (§11.7), or null
   */
  record RowMean(
      double rhoP, double rStar, double moment, double invFactorial, QueryRows query, double[] qPow,
      double[] scoreMoment, double[] shift) {
    static final RowMean NONE = new RowMean(0, 0, Double.POSITIVE_INFINITY, 1);

    /** Without per-row data (§11.2-11.3 only). */
    RowMean(double rhoP, double rStar, double moment, double invFactorial) {
      this(rhoP, rStar, moment, invFactorial, null, null);
    }

    /** Without the score moments of §11.7 (§11.6 only). */
    RowMean(double rhoP, double rStar, double moment, double invFactorial, QueryRows query, double[] qPow) {
      this(rhoP, rStar, moment, invFactorial, query, qPow, null, null);
    }
  }

  /**
   * FAST-BOUND.md §11.6: {@code max(fl(x / y), 2^-1022)} for {@code 0 <= x}, {@code y > 0}: at least
   * {@code (1 - u) x / y} without any underflow hypothesis.
   */
  static double clampedQuotient(double x, double y) {
    return Math.max(x / y, Double.MIN_NORMAL);
  }

  /**
   * FAST-BOUND.md §11.6: {@code up(c (1 + gamma_{2p}))} with {@code c} the clamped p-th power of the
   * clamped quotient {@code q / qn}: at least {@code (q / qn)^p}; 0 when {@code qn = 0}.
   */
  static double ratioPowerUpper(double q, double qn, int p) {
    if (qn == 0) {
      return 0;
    }
    double t = clampedQuotient(q, qn);
    double c = t;
    for (int i = 2; i <= p; i++) {
      c = clampedProduct(c, t);
    }
    return up(c * (1 + gamma(2.0 * p)));
  }

  /**
   * FAST-BOUND.md §11.6: {@code up(M (1 + gamma_{Lq+1}))}, {@code M = max_a sum_j cp(|x_ja|, w_j)}
   * summed over j in order: at least {@code max_a sum_j |x_ja| w_j}.
   */
  static double weightedColumnSum(double[][] x, double[] w) {
    double m = 0;
    for (int a = 0; a < x[0].length; a++) {
      double s = 0;
      for (int j = 0; j < x.length; j++) {
        s += clampedProduct(Math.abs(x[j][a]), w[j]);
      }
      m = Math.max(m, s);
    }
    return up(m * (1 + gamma(x.length + 1.0)));
  }

  /** FAST-BOUND.md §11.6: {@code up(S (1 + gamma_{n+1}))}, S the in-order sum of the n terms. */
  static double sumUpper(double[] w) {
    double s = 0;
    for (double v : w) {
      s += v;
    }
    return sumUpper(s, w.length);
  }

  /** {@link #sumUpper(double[])} of an in-order sum {@code s} of n terms already taken. */
  static double sumUpper(double s, int n) {
    return up(s * (1 + gamma(n + 1.0)));
  }

  /**
   * {@link #weightedColumnSum} of column sums already taken in row order over n rows:
   * {@code up(M (1 + gamma_{n+1}))}, {@code M = max_a colSum[a]} (the maximum taken from 0, in order).
   */
  static double columnMaximumUpper(double[] colSum, int n) {
    double m = 0;
    for (double s : colSum) {
      m = Math.max(m, s);
    }
    return up(m * (1 + gamma(n + 1.0)));
  }

  /**
   * FAST-BOUND.md §11.4: {@code max(fl(x y), 2^-1022)}, at least {@code (1 - u) x y} for
   * non-negative x, y without any underflow hypothesis.
   */
  static double clampedProduct(double x, double y) {
    return Math.max(x * y, Double.MIN_NORMAL);
  }

  /**
   * FAST-BOUND.md §11.4: an upper bound of the Euclidean norm of {@code x[off .. off+h-1]}:
   * {@code up(n^ (1 + gamma_{h+1}))} with {@code n^} the computed root of the clamped squares.
   */
  static double normUpper(double[] x, int off, int h) {
    double s = 0;
    for (int i = 0; i < h; i++) {
      s += clampedProduct(x[off + i], x[off + i]);
    }
    return up(Math.sqrt(s) * (1 + gamma(h + 1.0)));
  }

  /**
   * FAST-BOUND.md §11.3-11.4, per point: the query norm bound {@code qn}, the key norm bounds
   * {@code k_l}, {@code Rs} and the moments {@code mu_p} (computed on demand, cached).
   */
  static final class KeyRows {
    final double qn;
    final double rStar;
    private final double[] k;
    private final double[] pow;
    private final List<Double> moments = new ArrayList<>();

    /**
     * @param qh the computed queries, row-major {@code lq x h}
     * @param kc the computed centred keys, row-major {@code lk x h}
     */
    private final double[] qRow;
    private final double kn;
    private final QueryRows query;

    KeyRows(double[] qh, int lq, double[] kc, int lk, int h) {
      this(qh, lq, kc, lk, h, null, null, 0);
    }

    /**
     * With the per-row data of §11.6 when {@code xq} is not null.
     *
     * @param xq {@code X^Q} ({@code Lq x dq}), or null
     * @param y the targets, row-major {@code Lq x o}
     * @param o value width
     */
    KeyRows(double[] qh, int lq, double[] kc, int lk, int h, double[][] xq, double[] y, int o) {
      this(qh, lq, kc, lk, h, xq, y, o, null, null);
    }

    /**
     * With the score moments of §11.7 when {@code qf} is not null.
     *
     * @param qf the feature map's exactly scaled queries {@code Qh^ 2^-e} (§2), or null
     * @param kf the exactly scaled keys {@code Kc^ 2^e}
     */
    KeyRows(double[] qh, int lq, double[] kc, int lk, int h, double[][] xq, double[] y, int o, double[] qf, double[] kf) {
      this(qh, lq, kc, lk, h, xq, y, o, qf, kf, null);
    }

    /**
     * With the l1 data of §11.8 when {@code vm} is not null.
     *
     * @param vm the computed values {@code Vm^}, row-major {@code lk x o}, or null
     */
    KeyRows(double[] qh, int lq, double[] kc, int lk, int h, double[][] xq, double[] y, int o, double[] qf, double[] kf,
        double[] vm) {
      double q = 0;
      qRow = new double[lq];
      for (int j = 0; j < lq; j++) {
        qRow[j] = normUpper(qh, j * h, h);
        q = Math.max(q, qRow[j]);
      }
      k = new double[lk];
      double kn = 0;
      for (int l = 0; l < lk; l++) {
        k[l] = normUpper(kc, l * h, h);
        kn = Math.max(kn, k[l]);
      }
      qn = q;
      this.kn = kn;
      rStar = up(qn * kn);
      if (xq == null) {
        query = null;
      } else {
        double[] yMax = new double[lq];
        for (int j = 0; j < lq; j++) {
          for (int i = 0; i < o; i++) {
            yMax[j] = Math.max(yMax[j], Math.abs(y[j * o + i]));
          }
        }
        if (vm == null) {
          query = new QueryRows(xq, yMax, qRow, kn);
        } else {
          double[] yOne = new double[lq];
          for (int j = 0; j < lq; j++) {
            yOne[j] = rowOneNorm(y, j, o);
          }
          query = new QueryRows(xq, yMax, qRow, kn, yOne, maxRowOneNorm(vm, lk, o));
        }
      }
      pow = new double[lk];
      moments.add(Double.NaN); // index 0 unused
      scores = qf == null || xq == null ? null : new ScoreMoments(qf, kf, kc, lq, lk, h, qRow, this);
    }

    private final ScoreMoments scores;

    /** {@code mu_p = up(c (1 + gamma_{2p + Lk}) / Lk)}, c the clamped power sum (§11.4). */
    double moment(int p) {
      int lk = k.length;
      while (moments.size() <= p) {
        int t = moments.size();
        double c = 0;
        for (int l = 0; l < lk; l++) {
          double c1 = clampedProduct(qn, k[l]);
          pow[l] = t == 1 ? c1 : clampedProduct(pow[l], c1);
          c += pow[l];
        }
        moments.add(up(c * (1 + gamma(2.0 * t + lk)) / lk));
      }
      return moments.get(p);
    }

    /** The row-mean inputs for polynomial {@code poly} (§11.3): Taylor only. */
    RowMean rowMean(ExpPolynomial poly) {
      if (poly.kind() != ExpPolynomial.Kind.TAYLOR) {
        return noTaylor();
      }
      int p = poly.degree() + 1;
      double invFact = DirectedDecimal.toDoubleUp(
          java.math.BigDecimal.ONE.divide(new java.math.BigDecimal(ExpPolynomial.factorial(p)),
              DirectedDecimal.up(ExpPolynomial.BOUND_DIGITS)));
      double[] qPow = null;
      if (query != null) {
        qPow = new double[qRow.length];
        for (int j = 0; j < qRow.length; j++) {
          qPow[j] = ratioPowerUpper(qRow[j], qn, p);
        }
      }
      if (scores == null) {
        return new RowMean(poly.roundingBound(), rStar, moment(p), invFact, query, qPow);
      }
      return new RowMean(poly.roundingBound(), rStar, moment(p), invFact, query, qPow, scores.absMoment(p),
          scores.shift());
    }

    /** The per-row data without a Taylor row mean (Chebyshev, and the rounding-alone test, §11.5-11.6). */
    RowMean noTaylor() {
      return new RowMean(0, 0, Double.POSITIVE_INFINITY, 1, query, null);
    }
  }

  /**
   * FAST-BOUND.md §11.3: {@code Mbar = up(rhoP + cp(cp(E3, mu_p), 1/p!))},
   * {@code E3 = up(e^{Rs} e^{Rs} e^{Rs} e^sigma e^sigma)}: an upper bound of every row's
   * {@code sum_l F_jl |e_jl|} for the Taylor polynomial; +infinity when it does not apply.
   */
  static double rowMeanTaylorError(RowMean r, double sigma) {
    if (r.moment() == Double.POSITIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    double x = Math.exp(r.rStar());
    double s = Math.exp(sigma);
    double e3 = up(x * x * x * s * s);
    return up(r.rhoP() + clampedProduct(clampedProduct(e3, r.moment()), r.invFactorial()));
  }

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

  /**
   * §1, the weight majorant: {@code max Wabs} with {@code Wabs = |W*| + |alpha/r| |B| |A|}, rounded
   * up past its own rounding ({@code r} products and sums and the addition: factor
   * {@code 1 + gamma_{r+2}}).
   *
   * @param frozen {@code W*}
   * @param a {@code A} ({@code r x cols}), null when the projection is frozen
   * @param b {@code B} ({@code rows x r}), null when frozen
   * @param alpha the LoRA scale
   * @return an upper bound of {@code max Wabs}
   */
  static double maxWeightMajorant(double[][] frozen, double[][] a, double[][] b, double alpha) {
    double[][] maj = Dense.abs(frozen);
    int r = 0;
    if (a != null) {
      r = a.length;
      double s = Math.abs(alpha / r);
      for (int i = 0; i < maj.length; i++) {
        for (int j = 0; j < maj[0].length; j++) {
          double baAbs = 0;
          for (int k = 0; k < r; k++) {
            baAbs += Math.abs(b[i][k] * a[k][j]);
          }
          maj[i][j] += s * baAbs;
        }
      }
    }
    return up(Dense.maxAbs(maj) * (1 + gamma(r + 2.0)));
  }

  /**
   * §1, the row sums: {@code max_i sum_j |x_ij|}, computed with relative error
   * {@code <= gamma_{n+1}} (n = columns) and multiplied by {@code 1 + gamma_{n+1}}, rounded up.
   */
  static double maxRowAbsSum(double[][] x) {
    double m = 0;
    for (double[] row : x) {
      double s = 0;
      for (double v : row) {
        s += Math.abs(v);
      }
      m = Math.max(m, s);
    }
    return up(m * (1 + gamma(x[0].length + 1.0)));
  }

  /** §1, the column sums: {@code max_j sum_i |x_ij|} times {@code 1 + gamma_{n+1}} (n = rows), rounded up. */
  static double maxColAbsSum(double[][] x) {
    double m = 0;
    for (int j = 0; j < x[0].length; j++) {
      double s = 0;
      for (double[] row : x) {
        s += Math.abs(row[j]);
      }
      m = Math.max(m, s);
    }
    return up(m * (1 + gamma(x.length + 1.0)));
  }

  /**
   * §1 for one data point: the norms the bound reads, with the errors (1.1) {@code eQ}, (1.2)
   * {@code eK} and (1.3) {@code eV} of the computed {@code Qh}, {@code Kc}, {@code Vm} and the
   * majorant {@code nu}.
   *
   * @param dd the instance in doubles (beta, ranks, weight majorants)
   * @param xq {@code X^Q} ({@code Lq x dq}); xk, xv likewise
   * @param qh the computed {@code Qh}, row-major {@code Lq x h}
   * @param kc the computed {@code Kc}, row-major {@code Lk x h}
   * @param vm the computed {@code Vm}, row-major {@code Lk x o}
   * @param y the targets, row-major {@code Lq x o}
   * @param kmMax {@code max |Km^|}, the keys before centring
   * @param kbarMax {@code max |kbar|}
   * @return the point's norms
   */
  static PointNorms inputNorms(
      DoubleData dd, double[][] xq, double[][] xk, double[][] xv, double[] qh, double[] kc, double[] vm,
      double[] y, int h, int o, double kmMax, double kbarMax) {
    int lq = xq.length;
    int lk = xk.length;
    int rq = dd.rank.get(Adapter.Q);
    int rk = dd.rank.get(Adapter.K);
    int rv = dd.rank.get(Adapter.V);
    double eQ = queryError(xq[0].length, rq, dd.beta, maxRowAbsSum(xq), dd.maxMergedMajorant.get(Adapter.Q));
    double eK = keyError(xk[0].length, rk, maxRowAbsSum(xk), dd.maxMergedMajorant.get(Adapter.K), kmMax, kbarMax);
    double eV = valueError(xv[0].length, rv, maxRowAbsSum(xv), dd.maxMergedMajorant.get(Adapter.V));
    return new PointNorms(
        lq, lk, h, o, dd.beta, Dense.maxAbs(qh), Dense.maxAbs(kc), valueMajorant(Dense.maxAbs(vm), eV),
        Dense.maxAbs(y), up(maxColAbsSum(xq) * (1 + gamma(lq + 1.0))), Dense.maxAbs(xk),
        Dense.maxAbs(xv), eQ, eK, eV);
  }

  /**
   * §3, the radius of Lemma 3.3: {@code R = max_j ||Qh^_j|| max_l ||Kc^_l|| (1 + 2 gamma_{h+2})},
   * rounded up; the computed norms have relative error below {@code gamma_{h+2}}, so R bounds
   * every computed score {@code |Qh^_j . Kc^_l|} (Cauchy-Schwarz).
   *
   * @param maxQNorm the largest computed {@code ||Qh^_j||_2}
   * @param maxKNorm the largest computed {@code ||Kc^_l||_2}
   * @param h the head width
   */
  static double scoreRadius(double maxQNorm, double maxKNorm, int h) {
    return up(maxQNorm * maxKNorm * (1 + 2 * gamma(h + 2.0)));
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
    return terms(n, delta, absCoefficientSum, radius, rank, degree, null);
  }

  /**
   * The same with FAST-BOUND.md §11 when {@code rows} is not null: {@code deltaF = min(deltaFOld,
   * deltaFNew)}; with null rows exactly the §3-5 path (deltaF = deltaFOld, the §11 fields infinite).
   */
  static Terms terms(
      PointNorms n, double delta, double absCoefficientSum, double radius, int rank, int degree, RowMean rows) {
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
          new PointBound(i, i, i, i, i, i, i, i), i, i, i, i, i, i, i, i, null);
    }
    double deltaFOld = up(2 * deltaTot / (1 - deltaTot));
    // §11: the row-L1 attention error from the shared kernel factor and the per-aggregate rounding
    double i = inf();
    double mBar = i;
    double tauR = i;
    double tR = i;
    double dR = i;
    double m = i;
    double dP = i;
    double deltaFNew = i;
    if (rows != null) {
      mBar = rowMeanTaylorError(rows, sigma);
      tauR = up(tau / (1 - delta));
      tR = up(compose(tauR, gamma(3)));
      m = up(compose(deltaS, Math.min(delta, mBar)));
      if (tR < 0.5 && m < 0.5) {
        dR = up(2 * tR / (1 - tR));
        dP = up(2 * m / (1 - m));
        deltaFNew = up(dR + dP);
      }
    }
    double deltaF = Math.min(deltaFOld, deltaFNew);
    double nu = n.vMax();
    double gc = up(nu + n.yMax());
    int o = n.o();
    // (4.1) z and c
    double ez = up(deltaF * nu + n.eV() * (1 + deltaF));
    double ec = up(ez + 2 * U * (nu * (1 + deltaF) + n.yMax()));
    // (4.2) row L1 error rho of P, and the row L1 majorant pi of |P|
    double dt = up(o * (ec * nu + gc * n.eV()));
    double tMaj = up(o * (gc + ec) * nu);
    // s^ = fl(c^ . z^): its own rounding gamma_o sum_i |c^_i| |z^_i| <= gamma_o (1 + deltaF) tMaj (4.2)
    double go = gamma(o);
    double ds = up(o * (ec * (1 + deltaF) * nu + gc * ez) + go * (1 + deltaF) * tMaj);
    double sMaj = up(tMaj * (1 + deltaF) * (1 + go));
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
    // (5.5) |loss^| <= (Lq o / 2)(gc + ec)^2 (1 + gamma_{o + depth(Lq) + 8}): every |c^| <= gc + ec
    double lossMaj = up(0.5 * cells * (gc + ec) * (gc + ec) * (1 + gamma(n.o() + depth(n.lq()) + 8)));
    PointBound old = new PointBound(gq, gk, gv, loss, gqMaj, gkMaj, gvMaj, lossMaj);
    RowChain row = rows == null || rows.query() == null ? null : rowChain(n, rows, sigma, deltaS, delta, deltaF, dR);
    PointBound bound = row == null ? old : min(old, row.bound());
    return new Terms(sigma, deltaS, nAgg, tau, deltaTot, deltaF, gc, ez, ec, dt, ds, tMaj, sMaj, rho, pi,
        bound, deltaFOld, mBar, tauR, tR, dR, m, dP, deltaFNew, row);
  }

  /** The componentwise minimum of two valid bounds (FAST-BOUND.md §11.6). */
  static PointBound min(PointBound a, PointBound b) {
    return new PointBound(Math.min(a.gq(), b.gq()), Math.min(a.gk(), b.gk()), Math.min(a.gv(), b.gv()),
        Math.min(a.loss(), b.loss()), Math.min(a.gqMaj(), b.gqMaj()), Math.min(a.gkMaj(), b.gkMaj()),
        Math.min(a.gvMaj(), b.gvMaj()), Math.min(a.lossMaj(), b.lossMaj()));
  }

  /**
   * FAST-BOUND.md §11.6: the per-row chain. {@code deltaF} is the point's (already minimised)
   * attention error, {@code dR} the §11.2 rounding part (infinite when it does not apply). The rows
   * are streamed: row j's terms ({@link #rowTerms}) are added to the running sums and dropped, the
   * sums taken in row order as {@link #weightedColumnSum} and {@link #sumUpper} take them (so the
   * bound is bit for bit theirs on the stored terms).
   */
  static RowChain rowChain(
      PointNorms n, RowMean rm, double sigma, double deltaS, double delta, double deltaF, double dR) {
    QueryRows qr = rm.query();
    int lq = qr.q().length;
    int o = n.o();
    double[][] xq = qr.xq();
    int dq = xq[0].length;
    double s = Math.exp(sigma);
    double go = gamma(o);
    // (5.1): per column a of X^Q the in-order sums sum_j cp(|x_ja|, wq_j) and the same with wqm_j
    double[] colQ = new double[dq];
    double[] colQm = new double[dq];
    double skSum = 0;
    double skmSum = 0;
    double svSum = 0;
    double svmSum = 0;
    double slSum = 0;
    double slmSum = 0;
    RowBuffer r = new RowBuffer();
    for (int j = 0; j < lq; j++) {
      rowTerms(n, rm, s, deltaS, delta, deltaF, dR, go, j, r);
      double[] x = xq[j];
      for (int a = 0; a < dq; a++) {
        double xa = Math.abs(x[a]);
        colQ[a] += clampedProduct(xa, r.wq);
        colQm[a] += clampedProduct(xa, r.wqm);
      }
      skSum += r.sk;
      skmSum += r.skm;
      svSum += r.sv;
      svmSum += r.svm;
      slSum += r.sl;
      slmSum += r.slm;
    }
    double cq = columnMaximumUpper(colQ, lq);
    double cqm = columnMaximumUpper(colQm, lq);
    skSum = sumUpper(skSum, lq);
    skmSum = sumUpper(skmSum, lq);
    svSum = sumUpper(svSum, lq);
    svmSum = sumUpper(svmSum, lq);
    slSum = sumUpper(slSum, lq);
    slmSum = sumUpper(slmSum, lq);
    double beta = Math.abs(n.beta());
    double gqMaj = up(beta * cqm);
    double gq = up(beta * cq + gamma(depth(n.lq()) + 16) * gqMaj);
    double gkMaj = up(n.xkMax() * skmSum);
    double gk = up(n.xkMax() * skSum + gamma(depth(n.lk()) + 16) * gkMaj);
    double gvMaj = up(n.xvMax() * svmSum);
    double gv = up(n.xvMax() * svSum + gamma(depth(n.lk()) + 16) * gvMaj);
    double loss = up(o * slSum + gamma(o + depth(n.lq()) + 8) * 0.5 * o * slmSum);
    double lossMaj = up(0.5 * o * slmSum * (1 + gamma(o + depth(n.lq()) + 8)));
    return new RowChain(n, rm, sigma, deltaS, delta, deltaF, dR, cq, cqm, skSum, skmSum, svSum, svmSum, slSum,
        slmSum, new PointBound(gq, gk, gv, loss, gqMaj, gkMaj, gvMaj, lossMaj));
  }

  /**
   * FAST-BOUND.md §11.6 (a)-(c), the terms of query row j of the per-row chain ({@link #rowChain}'s
   * arguments, with {@code expSigma = e^sigma} and {@code go = gamma_o} computed once by the caller),
   * written into {@code out}.
   */
  static void rowTerms(
      PointNorms n, RowMean rm, double expSigma, double deltaS, double delta, double deltaF, double dR, double go,
      int j, RowBuffer out) {
    QueryRows qr = rm.query();
    int o = n.o();
    double nu = n.vMax();
    double s = expSigma;
    // (11.6a) the row's own Taylor row-mean error and attention error
    double rs = Math.min(rm.rStar(), up(clampedProduct(qr.q()[j], qr.kn())));
    double mb;
    double mbS = Double.POSITIVE_INFINITY;
    if (rm.qPow() == null) {
      mb = Double.POSITIVE_INFINITY;
    } else {
      double x = Math.exp(rs);
      double e3 = up(x * x * x * s * s);
      mb = up(rm.rhoP() + clampedProduct(clampedProduct(e3, rm.moment()),
          clampedProduct(rm.qPow()[j], rm.invFactorial())));
      // (11.7) the same row mean through the row's own score moment and Jensen's denominator
      if (rm.scoreMoment() != null) {
        mbS = scoreMomentTaylorErrorFromExp(rm.rhoP(), x, s, rm.shift()[j], rm.scoreMoment()[j], rm.invFactorial());
        mb = Math.min(mb, mbS);
      }
    }
    double mj = up(compose(deltaS, Math.min(delta, mb)));
    double dFNew = Double.POSITIVE_INFINITY;
    double dPj = Double.POSITIVE_INFINITY;
    if (dR < Double.POSITIVE_INFINITY && mj < 0.5) {
      dPj = up(2 * mj / (1 - mj));
      dFNew = up(dR + dPj);
    }
    double f = Math.min(deltaF, dFNew);
    double yj = qr.yMax()[j];
    // (4.1)-(4.2) for row j
    double gc = up(nu + yj);
    double ez = up(f * nu + n.eV() * (1 + f));
    double ec = up(ez + 2 * U * (nu * (1 + f) + yj));
    double dt = up(o * (ec * nu + gc * n.eV()));
    double tMaj = up(o * (gc + ec) * nu);
    double ds = up(o * (ec * (1 + f) * nu + gc * ez) + go * (1 + f) * tMaj);
    double gc1 = 0;
    double ez1 = 0;
    double ec1 = 0;
    double dt1 = 0;
    double ds1 = 0;
    double tMaj1 = 0;
    if (qr.yOne() != null) {
      // (11.8) the same three bounds through l1 norms of c_j and Holder; each the minimum of two bounds
      double v1 = qr.vOne();
      double y1 = qr.yOne()[j];
      gc1 = up(v1 + o * n.eV() + y1);
      ez1 = up(f * v1 + o * n.eV() * (1 + f));
      ec1 = up(ez1 + 2 * U * ((1 + f) * v1 + y1));
      dt1 = up(ec1 * nu + gc1 * n.eV());
      tMaj1 = up((gc1 + ec1) * nu);
      ds1 = up(ec1 * (1 + f) * nu + gc1 * ez + go * (1 + f) * tMaj1);
      dt = Math.min(dt, dt1);
      ds = Math.min(ds, ds1);
      tMaj = Math.min(tMaj, tMaj1);
    }
    double sMaj = up(tMaj * (1 + f) * (1 + go));
    double rho = up(dt + ds + f * tMaj + f * sMaj);
    double pi = up((tMaj + sMaj) * (1 + f));
    // the row's summands of (5.1)-(5.4)
    double wq = up(n.kMax() * rho + pi * n.eK());
    double wqm = up(pi * (n.kMax() + n.eK()) + rho * n.kMax());
    double sk = up(rho * n.qMax() + pi * n.eQ());
    double skm = up(pi * (n.qMax() + n.eQ()) + rho * n.qMax());
    double sv = up(f * (gc + ec) + ec);
    double svm = up((1 + f) * (gc + ec));
    double sl = up(gc * ec + 0.5 * ec * ec);
    double slm = up((gc + ec) * (gc + ec));
    out.rStar = rs; out.mBarScore = mbS; out.gc1 = gc1; out.ez1 = ez1; out.ec1 = ec1; out.dt1 = dt1;
    out.ds1 = ds1; out.tMaj1 = tMaj1; out.mBar = mb; out.m = mj; out.dP = dPj; out.deltaF = f; out.gc = gc;
    out.ez = ez; out.ec = ec; out.dt = dt; out.ds = ds; out.tMaj = tMaj; out.sMaj = sMaj; out.rho = rho;
    out.pi = pi; out.wq = wq; out.wqm = wqm; out.sk = sk; out.skm = skm; out.sv = sv; out.svm = svm;
    out.sl = sl; out.slm = slm;
  }

  /**
   * FAST-BOUND.md §11.7: {@code MbarS_j = up(rhoP + cp(cp(E_j, U_j), 1/p!))},
   * {@code E_j = up(x s s y)}, {@code x = e^{Rs_j}}, {@code s = e^sigma} (passed as {@code expSigma}),
   * {@code y = e^{a_j}}: an upper bound of row j's {@code sum_l F_jl |e_jl|} for the Taylor polynomial
   * (one factor {@code e^{Rs_j}}: the softmax numerator {@code e^x} and the remainder's
   * {@code e^{max(0, -x)}} together are {@code e^{max(x, 0)}}).
   */
  static double scoreMomentTaylorError(
      double rhoP, double rStarJ, double expSigma, double shiftJ, double scoreMomentJ, double invFactorial) {
    return scoreMomentTaylorErrorFromExp(rhoP, Math.exp(rStarJ), expSigma, shiftJ, scoreMomentJ, invFactorial);
  }

  /** {@link #scoreMomentTaylorError} with {@code expRStarJ = e^{Rs_j}} given (the row chain has it). */
  static double scoreMomentTaylorErrorFromExp(
      double rhoP, double expRStarJ, double expSigma, double shiftJ, double scoreMomentJ, double invFactorial) {
    double e = up(expRStarJ * expSigma * expSigma * Math.exp(shiftJ));
    return up(rhoP + clampedProduct(clampedProduct(e, scoreMomentJ), invFactorial));
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

  // ---------------------------------------------------------------- §5 over points, §6

  /** The chosen polynomial and the bounds it certifies. */
  static final class Certificate {
    ExpPolynomial poly;
    double lossBound;
    Map<Adapter, Double> boundA = new EnumMap<>(Adapter.class);
    Map<Adapter, Double> boundB = new EnumMap<>(Adapter.class);
    List<PointNorms> norms = new ArrayList<>();

    /**
     * What the degree search holds to epsilon: the largest gradient bound. With no adapted
     * projection there is no gradient, and the loss is not held to epsilon (spec/FORMATS.md 2.2);
     * the degree must still give a finite loss bound (0 then, infinity otherwise), or the search
     * would stop at degree 0 with an infinite {@code lossBound}.
     */
    double certifiedBound() {
      if (boundA.isEmpty()) {
        return Double.isFinite(lossBound) ? 0 : Double.POSITIVE_INFINITY;
      }
      return maxGradientBound();
    }

    double maxGradientBound() {
      return largest(boundA, boundB);
    }
  }

  /** The largest bound of two maps of per-adapter bounds (0 when both are empty). */
  static double largest(Map<Adapter, Double> boundA, Map<Adapter, Double> boundB) {
    double m = 0;
    for (double x : boundA.values()) {
      m = Math.max(m, x);
    }
    for (double x : boundB.values()) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** The bounds of FAST-BOUND.md for one polynomial, on the points' norms. */
  static Certificate certify(DoubleData dd, List<PointNorms> pts, ExpPolynomial poly, double radius, int rank) {
    Certificate c = certify(
        dd, pts, poly.relativeErrorBound(), poly.absoluteCoefficientSum(), poly.degree(), radius, rank);
    c.poly = poly;
    return c;
  }

  /** The same with FAST-BOUND.md §11 ({@code rows} per point, parallel to {@code pts}). */
  static Certificate certify(
      DoubleData dd, List<PointNorms> pts, List<KeyRows> rows, ExpPolynomial poly, double radius, int rank) {
    List<RowMean> means = new ArrayList<>();
    for (KeyRows r : rows) {
      means.add(r.rowMean(poly));
    }
    Certificate c = certify(dd, pts, means, poly.relativeErrorBound(), poly.absoluteCoefficientSum(),
        poly.degree(), radius, rank);
    c.poly = poly;
    return c;
  }

  /**
   * The bounds for a polynomial of degree g with relative error delta and {@code A(R) = absSum}:
   * §3-5 per point, summed over the N points with {@code gamma_{N+1}} times the summed majorant
   * for the sum's rounding (§5), then §6 per adapted projection.
   */
  static Certificate certify(
      DoubleData dd, List<PointNorms> pts, double delta, double absSum, int degree, double radius, int rank) {
    return certify(dd, pts, null, delta, absSum, degree, radius, rank);
  }

  /**
   * The same with FAST-BOUND.md §11 when {@code means} (one per point) is not null; an entry
   * {@link RowMean#NONE} still gives §11.2 with {@code min(delta, Mbar) = delta}.
   */
  static Certificate certify(
      DoubleData dd, List<PointNorms> pts, List<RowMean> means, double delta, double absSum, int degree,
      double radius, int rank) {
    Certificate c = new Certificate();
    Map<Adapter, Double> err = new EnumMap<>(Adapter.class);
    Map<Adapter, Double> maj = new EnumMap<>(Adapter.class);
    double loss = 0;
    double lossMaj = 0;
    for (int pi = 0; pi < pts.size(); pi++) {
      PointNorms n = pts.get(pi);
      PointBound b = terms(n, delta, absSum, radius, rank, degree, means == null ? null : means.get(pi)).bound();
      err.merge(Adapter.Q, b.gq(), Double::sum);
      err.merge(Adapter.K, b.gk(), Double::sum);
      err.merge(Adapter.V, b.gv(), Double::sum);
      maj.merge(Adapter.Q, b.gqMaj(), Double::sum);
      maj.merge(Adapter.K, b.gkMaj(), Double::sum);
      maj.merge(Adapter.V, b.gvMaj(), Double::sum);
      loss += b.loss();
      lossMaj += b.lossMaj();
      c.norms.add(n);
    }
    double sumRounding = gamma(pts.size() + 1.0);
    // (5.5): the N point losses are added in double, |fl(sum l^_i) - sum l^_i| <= gamma_{N-1} sum |l^_i|
    c.lossBound = up(loss + sumRounding * lossMaj);
    for (Adapter mu : dd.a.keySet()) {
      double e = up(err.get(mu) + sumRounding * maj.get(mu));
      double[][] w = dd.merged.get(mu);
      double[] ab = adapter(
          e, maj.get(mu), Math.abs(dd.alpha / dd.rank.get(mu)), maxColAbsSum(dd.b.get(mu)),
          maxRowAbsSum(dd.a.get(mu)), w.length, w[0].length);
      c.boundA.put(mu, ab[0]);
      c.boundB.put(mu, ab[1]);
    }
    return c;
  }

  private static double inf() {
    return Double.POSITIVE_INFINITY;
  }
}
