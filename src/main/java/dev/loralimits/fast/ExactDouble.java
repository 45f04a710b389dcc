package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.EnumMap;
import java.util.Map;

/**
 * Theorem F.1 (quadratic exact algorithm, doubles): the loss and every adapter gradient of a
 * {@link LoraInstance} (proofs-notes/MODEL.md §1 and §3), in double arithmetic, streamed over the rows of
 * the attention matrix. Per data point, with {@code W_mu = W*_mu + (alpha/r_mu) B_mu A_mu}:
 *
 * <pre>
 *   Qm = XQ W_Q,  Km = XK W_K,  Vm = XV W_V,   S = beta Qm Km^T,   F = row-softmax(S)
 *   z = F Vm,  c = z - Y,  G[j,l] = c_j . Vm_l,  l*_j = argmax_l S[j,l],  g0_j = G[j,l*_j]
 *   s'_j = sum_m F[j,m] (G[j,m] - g0_j),   P[j,l] = F[j,l] ((G[j,l] - g0_j) - s'_j)   (= dLoss/dS)
 *   dLoss/dW_Q = beta XQ^T P Km,   dLoss/dW_K = beta XK^T P^T Qm,   dLoss/dW_V = XV^T F^T c
 *   dLoss/dA = (alpha/r) B^T dLoss/dW,   dLoss/dB = (alpha/r) dLoss/dW A^T,   loss = sum 1/2 ||c||_F^2
 * </pre>
 *
 * summed over the data points.
 *
 * <p><b>Pivoted softmax backward.</b> {@code dLoss/dS[j,l] = F[j,l] (G[j,l] - s_j)} with
 * {@code s_j = sum_m F[j,m] G[j,m]}; since {@code sum_m F[j,m] = 1}, {@code s_j = g0_j + s'_j}, so
 * P above is the same number. Computed as written it has no cancellation on a nearly one-hot row
 * ({@code F[j,l*] ~ 1}): there {@code G[j,l*] - g0 = 0} exactly, {@code P[j,l*] = -F[j,l*] s'_j}
 * and {@code s'_j} is a sum of the small entries (the plain form {@code G - s} loses every digit
 * of the dominant entry). Cost O(Lk) per row, as the plain form.
 *
 * <p><b>Centred sums.</b> The rows of P sum to 0, so {@code P Km = P (Km - 1 Km_0)} and
 * {@code XK^T P^T Qm = (XK - 1 XK_0)^T P^T Qm}, and {@code G[j,l] - g0_j} only needs
 * {@code Vm_l - Vm_0 = (XV_l - XV_0) W_V}: these differences from row 0 are formed in
 * double-double once per point and used instead of Km, XK, Vm, so keys or values that share a large
 * common part lose nothing to cancellation (EXACT-DOUBLE.md section 2.2).
 *
 * <p><b>Scores.</b> {@code Qm} and {@code Km} are computed in double-double
 * ({@link DoubleDouble}) from double-double inputs (the decimals' low parts, {@link LowParts}),
 * and so is {@code beta Qm}. A row j whose scores are small uses plain doubles,
 * {@code S'[j,l] = hi(beta Qm_j) . hi(Km_l)}, when the exponent error bound
 * {@code 1.02 (2h + 6) u A_j} with {@code A_j = sum_i |hi(beta Qm_j)_i| max_l |hi(Km_l)_i|} is at
 * most {@link #PLAIN_ROW_BOUND}; otherwise every score of the row is a double-double and
 * {@code S[j,l] - max_l S[j,l]} is formed in double-double before exp, so F has relative error a
 * few u however large the scores (scores of 1e4, beta of 1e6, decimal inputs such as 0.1).
 *
 * <p><b>Stability.</b> Row j of F is computed as {@code exp(S[j,l] - m_j) / Z_j} with
 * {@code m_j = max_l S[j,l]} and {@code Z_j = sum_l exp(S[j,l] - m_j)}: every exponent is
 * {@code <= 0} (no overflow) and {@code Z_j >= 1} (the maximum contributes {@code exp(0) = 1}), so
 * scores of any finite size (1e4, 1e300) give no NaN; far-below-maximum entries underflow to 0,
 * an absolute error below {@code 2^-1022}.
 *
 * <p><b>Time and memory.</b> One pass over the query rows j: the row's scores, numerators
 * {@code exp(S[j,l] - m_j)}, F[j,:] and P[j,:] go to buffers of length Lk, so each score and
 * exponential is computed once; from them m_j, Z_j, c_j, g0_j, s'_j, the loss term,
 * {@code u_j = P[j,:] (Km - Km_0)} and the contributions {@code P[j,l] Qm_j} and
 * {@code F[j,l] c_j} to {@code H_l} and {@code R_l}; then {@code G_Q = beta XQ^T U},
 * {@code G_K = beta (XK - XK_0)^T H}, {@code G_V = XV^T R}. Time
 * {@code O(Lq Lk (h + o) + (Lq + Lk) d^2)} per point with {@code Lq Lk} calls of exp
 * ({@link ExpKernel}); extra memory {@code O((Lq + Lk) d)} (the key-side matrices transposed, H
 * and R) plus {@code O(Lk (h + o))} per thread (row buffers, chunk partials of H and R): no
 * {@code Lq x Lk} matrix is ever allocated.
 *
 * <p><b>Determinism.</b> A query row's own results (c_j, u_j, the loss term) are computed by one
 * thread, sequentially, in a fixed order, and written to its own slot. The column sums H and R
 * are summed per chunk of {@link #QUERY_CHUNK} consecutive rows (each chunk by one thread into its
 * own partial, rows in increasing order) and the partials are added on the calling thread in
 * chunk order; the chunks depend on Lq only. All other cross-index sums ({@code XQ^T U},
 * {@code XK^T H}, {@code XV^T R}, the loss, the sum over points) run on the calling thread in
 * increasing index order. So the operations performed do not depend on the thread count, and Java
 * double arithmetic is IEEE 754 with no implicit contraction into fused multiply-adds (the
 * explicit {@link Math#fma} is correctly rounded everywhere): the results are bit-identical for
 * every thread count. The exponential is {@link ExpKernel#exp} (range reduction and a degree-13
 * polynomial in {@code + - *} and fma, fdlibm's {@link StrictMath#exp} below -708), relative error
 * at most {@code 2.2 u}, the same bits on every JVM and platform (unlike {@link Math#exp}).
 *
 * <p><b>Accuracy.</b> Each result y satisfies
 * {@code |y_computed - y| <= 1.02 x ybar + 3.01 2^-1021 ybar(1)} with
 * {@code x = u (n + 3 (L + 8)) + 6 H}, {@code n = 6D + 3L + NL + 29} (D the largest width, L the
 * largest length, N the number of points), H the largest exponent error
 * {@code (1 + 2^-40) min(PLAIN_ROW_BOUND, 1.02 (2h + 6) u A_j) + (2 kS + 2.04) u^2 Sbar_j + 754 u^2}
 * over the rows ({@code kS = 10 (D + 4)^2 + 114}, Sbar_j the row's largest score and A_j its
 * score majorant in the absolute-value program), ybar the same program run on absolute values with
 * the pivoted P and the centred differences: proofs-notes/EXACT-DOUBLE.md, checked by
 * {@code ExactDoubleProperties}; the normwise error per matrix stays below 1e-12 on one-hot rows,
 * scores up to 1e6 and beta up to 1e6 ({@code ExactDoubleAccuracyProperties}).
 */
public final class ExactDouble {
  /**
   * Largest exponent error bound allowed for a plain-double row (tau = 2^-47, about 7.1e-15,
   * EXACT-DOUBLE.md section 4.1): the bound's score term {@code 6 tau = 4.3e-14} stays of the size
   * of its other rounding terms {@code u (n + 3 (L + 8)) >= 1.1e-14}, while rows with
   * {@code A_j <= 64 / (1.02 (2h + 6))} (4.5 at h = 4: scores up to a few units, as in ordinary and
   * benchmark instances) keep the plain-double speed.
   */
  static final double PLAIN_ROW_BOUND = 0x1p-47;

  private static final double U = 0x1p-53;

  /**
   * Query rows per chunk of the fused pass: the column sums H and R are summed per chunk and the
   * chunk sums added in chunk order, so the result does not depend on the thread count; the extra
   * memory is one {@code (h + o) x Lk} partial per thread.
   */
  static final int QUERY_CHUNK = 64;

  private ExactDouble() {}

  /**
   * Loss and adapter gradients of {@code inst}, using every available processor.
   *
   * @throws IllegalArgumentException when inst is missing or a number is outside the double range
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(LoraInstance inst) {
    return gradient(inst, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Loss and adapter gradients of {@code inst} on {@code threads} threads; the result does not
   * depend on the thread count. The decimal inputs of the scores are used as double-doubles
   * ({@link LowParts}), so a decimal such as 0.1 perturbs no score by {@code u |S|}.
   *
   * @throws IllegalArgumentException when inst is missing, threads is not positive or a number is
   *     outside the double range
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(LoraInstance inst, int threads) {
    Checks.positive("threads", threads);
    DoubleInstance doubles = DoubleInstance.of(inst);
    return run(doubles, LowParts.of(inst, doubles), threads);
  }

  /**
   * Loss and adapter gradients of a double instance, using every available processor.
   *
   * @throws IllegalArgumentException when inst is missing
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(DoubleInstance inst) {
    return gradient(inst, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Loss and adapter gradients of a double instance (its numbers taken as exact) on
   * {@code threads} threads; the result does not depend on the thread count.
   *
   * @throws IllegalArgumentException when inst is missing or threads is not positive
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(DoubleInstance inst, int threads) {
    Checks.notNull("instance", inst);
    Checks.positive("threads", threads);
    return run(inst, LowParts.zero(inst), threads);
  }

  private static DoubleGradients run(DoubleInstance inst, LowParts lows, int threads) {
    try (RowScheduler rows = new RowScheduler(threads, "exact-double")) {
      return new Run(inst, lows, rows).gradients();
    }
  }

  /** A matrix of normalised double-doubles {@code hi + lo}. */
  private record Dd(double[][] hi, double[][] lo) {}

  /** One gradient computation: the merged weights and the running sums over points. */
  private static final class Run {
    private final DoubleInstance inst;
    private final LowParts lows;
    private final RowScheduler par;
    private final double beta;
    private final Dd wq;
    private final Dd wk;
    private final double[][] wv;
    private final boolean adaptQ;
    private final boolean adaptK;
    private final boolean adaptV;
    private final Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
    private double loss;

    Run(DoubleInstance inst, LowParts lows, RowScheduler par) {
      this.inst = inst;
      this.lows = lows;
      this.par = par;
      this.beta = inst.beta();
      this.wq = mergedDd(inst, lows, Adapter.Q);
      this.wk = mergedDd(inst, lows, Adapter.K);
      this.wv = merged(inst, Adapter.V);
      this.adaptQ = inst.weight(Adapter.Q).isAdapted();
      this.adaptK = inst.weight(Adapter.K).isAdapted();
      this.adaptV = inst.weight(Adapter.V).isAdapted();
      for (Adapter mu : Adapter.values()) {
        double[][] w = inst.weight(mu).frozen();
        if (inst.weight(mu).isAdapted()) {
          gw.put(mu, new double[w.length][w[0].length]);
        }
      }
    }

    DoubleGradients gradients() {
      for (int i = 0; i < inst.points().size(); i++) {
        point(inst.points().get(i), lows.points.get(i));
      }
      Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
      for (Map.Entry<Adapter, double[][]> e : gw.entrySet()) {
        Adapter mu = e.getKey();
        double[][] g = e.getValue();
        if (mu != Adapter.V) {
          Dense.scaleInPlace(g, beta);
        }
        DoubleInstance.Weight w = inst.weight(mu);
        double sc = inst.alpha() / w.rank();
        ga.put(mu, finite("dLoss/dA_" + mu, Dense.scale(sc, Dense.multiplyTransposeLeft(w.b(), g))));
        gb.put(mu, finite("dLoss/dB_" + mu, Dense.scale(sc, Dense.multiplyTransposeRight(g, w.a()))));
      }
      if (!Double.isFinite(loss)) {
        throw new ArithmeticException(
            "the loss (" + loss + ") is not finite: an intermediate overflowed the double range");
      }
      return new DoubleGradients(loss, ga, gb);
    }

    private void point(DoubleInstance.Point p, double[][][] low) {
      int lq = p.xq().length;
      int lk = p.xk().length;
      Dd qm = product(par, p.xq(), low[0], wq);
      Dd km = product(par, p.xk(), low[1], wk);
      Dd bq = scale(par, beta, lows.beta, qm);
      double[][] vm = product(par, p.xv(), wv);
      boolean needP = adaptQ || adaptK;
      // centred differences (rows of P sum to 0): Km_l - Km_0, (X^V_l - X^V_0) W_V, X^K_l - X^K_0
      double[][] kc = adaptQ ? centred(km.hi, km.lo) : null;
      double[][] vc = needP ? product(par, centred(p.xv(), low[2]), wv) : null;
      double[][] xkc = adaptK ? centred(p.xk(), low[1]) : null;
      int h = qm.hi[0].length;
      int o = vm[0].length;
      Kernel kernel = new Kernel(bq, km, qm.hi, vm, vc, kc, p.y(), adaptK, adaptV);
      double[] rowLoss = new double[lq];
      double[][] u = adaptQ ? new double[lq][h] : null;
      double[][] ht = adaptK ? new double[h][lk] : null;
      double[][] rt = adaptV ? new double[o][lk] : null;
      par.forChunks(lq, QUERY_CHUNK, () -> kernel.new Scratch(), (j, w) -> kernel.row(j, w, rowLoss, u), (w) -> {
        if (ht != null) {
          Dense.addInto(ht, w.ht);
        }
        if (rt != null) {
          Dense.addInto(rt, w.rt);
        }
      });
      for (int j = 0; j < lq; j++) {
        loss += rowLoss[j];
      }
      if (adaptQ) {
        addTransposeTimes(gw.get(Adapter.Q), p.xq(), u);
      }
      if (adaptK) {
        addTransposeTimesT(gw.get(Adapter.K), xkc, ht);
      }
      if (adaptV) {
        addTransposeTimesT(gw.get(Adapter.V), p.xv(), rt);
      }
    }
  }

  /**
   * {@code hi((xh_l + xl_l) - (xh_0 + xl_0))} for every row l: the difference of each row and row 0
   * as a two-term double-double sum (Lemma DD with n = 2), rounded once; row 0 gives exactly 0.
   */
  private static double[][] centred(double[][] xh, double[][] xl) {
    double[][] out = new double[xh.length][xh[0].length];
    for (int l = 0; l < xh.length; l++) {
      for (int i = 0; i < xh[0].length; i++) {
        DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
        acc.addProduct(xh[l][i], xl[l][i], 1, 0);
        acc.addProduct(xh[0][i], xl[0][i], -1, 0);
        out[l][i] = acc.hi();
      }
    }
    return out;
  }

  /**
   * The fused pass over the query rows of one point (EXACT-DOUBLE.md section 0, steps 4-7): for
   * row j, every score, numerator, F[j,l] and P[j,l] is computed once, into per-row buffers of
   * length Lk; the row's own results (loss term, {@code u_j}) go to slot j, and the column sums
   * {@code H_l = sum_j P[j,l] Qh_j}, {@code R_l = sum_j F[j,l] c_j} into the chunk partials of the
   * scratch that runs the row. The key-side matrices are stored transposed ({@code [i][l]}) so
   * that the loops over l run over contiguous arrays.
   */
  private static final class Kernel {
    private final double[][] qh;
    private final double[][] ql;
    private final double[][] kh;
    private final double[][] kl;
    private final double[][] khT;
    private final double[] kmax;
    private final double plainLimit;
    private final double[][] qm;
    private final double[][] vmT;
    private final double[][] vc;
    private final double[][] vcT;
    private final double[][] kcT;
    private final double[][] y;
    private final boolean wantH;
    private final boolean wantR;
    private final int lk;
    private final int h;
    private final int o;

    /** @param bq {@code beta Qm}; @param km {@code Km}; @param qm {@code hi(Qm)}; vc, kc null when not needed */
    Kernel(Dd bq, Dd km, double[][] qm, double[][] vm, double[][] vc, double[][] kc, double[][] y,
        boolean wantH, boolean wantR) {
      qh = bq.hi;
      ql = bq.lo;
      kh = km.hi;
      kl = km.lo;
      lk = kh.length;
      h = kh[0].length;
      o = vm[0].length;
      khT = Dense.transpose(kh);
      kmax = new double[h];
      for (double[] k : kh) {
        for (int i = 0; i < h; i++) {
          kmax[i] = Math.max(kmax[i], Math.abs(k[i]));
        }
      }
      plainLimit = PLAIN_ROW_BOUND / (switchFactor(h) * U);
      this.qm = qm;
      vmT = Dense.transpose(vm);
      this.vc = vc;
      vcT = vc == null ? null : Dense.transpose(vc);
      kcT = kc == null ? null : Dense.transpose(kc);
      this.y = y;
      this.wantH = wantH;
      this.wantR = wantR;
    }

    /** Per-thread buffers: the row's scores, numerators, P, and the chunk partials of H and R. */
    final class Scratch implements RowScheduler.Scratch {
      final double[] s = new double[lk];
      final double[] f = new double[lk];
      final double[] lo = new double[lk];
      final double[] k = new double[lk];
      final double[] z = new double[o];
      final double[] c = new double[o];
      final double[][] ht = wantH ? new double[h][lk] : null;
      final double[][] rt = wantR ? new double[o][lk] : null;

      @Override
      public void clear() {
        clearRows(ht);
        clearRows(rt);
      }
    }

    /** Row j: its loss term into {@code loss[j]}, {@code u_j} into {@code u[j]} (when u is not null). */
    void row(int j, Scratch w, double[] loss, double[][] u) {
      double[] f = w.f;
      int star = numerators(j, w);
      double sum = Dense.sum4(f, lk);
      for (int l = 0; l < lk; l++) {
        f[l] = f[l] / sum;
      }
      double[] z = w.z;
      columnDots(f, vmT, z);
      double[] c = w.c;
      for (int i = 0; i < o; i++) {
        c[i] = z[i] - y[j][i];
      }
      loss[j] = 0.5 * Dense.dot(c, c);
      if (vcT != null) {
        // pivoted centred backward: gd[star] = 0 exactly, so P[j,star] = -F[j,star] s'
        double[] gd = w.s;
        double[] v = vc[star];
        double g0 = c[0] * v[0];
        for (int i = 1; i < o; i++) {
          g0 += c[i] * v[i];
        }
        combine(c, vcT, gd);
        for (int l = 0; l < lk; l++) {
          gd[l] = gd[l] - g0;
        }
        double sp = Dense.dot4(f, gd, lk);
        for (int l = 0; l < lk; l++) {
          gd[l] = f[l] * (gd[l] - sp);
        }
        if (u != null) {
          columnDots(gd, kcT, u[j]);
        }
        if (w.ht != null) {
          double[] q = qm[j];
          for (int i = 0; i < h; i++) {
            Dense.axpy(q[i], gd, w.ht[i]);
          }
        }
      }
      if (w.rt != null) {
        for (int i = 0; i < o; i++) {
          Dense.axpy(c[i], f, w.rt[i]);
        }
      }
    }

    /**
     * The numerators {@code exp(S[j,l] - m_j)} of row j into {@code w.f}: plain doubles when the
     * row's exponent error bound is at most {@link #PLAIN_ROW_BOUND}, double-double otherwise
     * (EXACT-DOUBLE.md 4.1, 4.2); returns the pivot {@code l*} (the first index of the maximum).
     */
    private int numerators(int j, Scratch w) {
      double[] q = qh[j];
      double a = 0;
      for (int i = 0; i < h; i++) {
        a += Math.abs(q[i]) * kmax[i];
      }
      boolean dd = !(a <= plainLimit); // NaN (overflow) takes the double-double path
      double[] s = w.s;
      double[] f = w.f;
      double[] lo = w.lo;
      int star = 0;
      double mh = Double.NEGATIVE_INFINITY;
      if (!dd) {
        combine(q, khT, s);
        for (int l = 0; l < lk; l++) {
          if (s[l] > mh) {
            mh = s[l];
            star = l;
          }
        }
        for (int l = 0; l < lk; l++) {
          s[l] = s[l] - mh;
        }
        ExpKernel.exp(s, f, w.k, lk);
        return star;
      }
      double ml = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < lk; l++) {
        ddScore(q, ql[j], kh[l], kl[l], s, lo, l);
        if (s[l] > mh || (s[l] == mh && lo[l] > ml)) {
          mh = s[l];
          ml = lo[l];
          star = l;
        }
      }
      for (int l = 0; l < lk; l++) {
        f[l] = ddNumerator(s[l], lo[l], mh, ml);
      }
      return star;
    }
  }

  /**
   * {@code out[l] = a . xT[:, l]} for every column l: {@code a_0 xT[0][l] + a_1 xT[1][l] + ...}
   * summed left to right (the sequential order of {@link Dense#dot}).
   */
  private static void combine(double[] a, double[][] xT, double[] out) {
    int n = out.length;
    double[] x0 = xT[0];
    double a0 = a[0];
    for (int l = 0; l < n; l++) {
      out[l] = a0 * x0[l];
    }
    for (int i = 1; i < a.length; i++) {
      double ai = a[i];
      double[] xi = xT[i];
      for (int l = 0; l < n; l++) {
        out[l] += ai * xi[l];
      }
    }
  }

  /**
   * {@code out[i] = sum_l f[l] xT[i][l]}, each a recursive sum in increasing l (four components
   * at a time, for independent accumulators).
   */
  private static void columnDots(double[] f, double[][] xT, double[] out) {
    int n = f.length;
    int i = 0;
    for (; i + 3 < out.length; i += 4) {
      double[] x0 = xT[i];
      double[] x1 = xT[i + 1];
      double[] x2 = xT[i + 2];
      double[] x3 = xT[i + 3];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int l = 0; l < n; l++) {
        double fl = f[l];
        s0 += fl * x0[l];
        s1 += fl * x1[l];
        s2 += fl * x2[l];
        s3 += fl * x3[l];
      }
      out[i] = s0;
      out[i + 1] = s1;
      out[i + 2] = s2;
      out[i + 3] = s3;
    }
    for (; i < out.length; i++) {
      double[] x = xT[i];
      double s = 0;
      for (int l = 0; l < n; l++) {
        s += f[l] * x[l];
      }
      out[i] = s;
    }
  }

  private static void clearRows(double[][] m) {
    if (m != null) {
      for (double[] row : m) {
        java.util.Arrays.fill(row, 0);
      }
    }
  }

  /** {@code 1.02 (2h + 6)}: a plain row's exponent error is at most this times u A_j (EXACT-DOUBLE.md 4.1). */
  static double switchFactor(int h) {
    return 1.02 * (2.0 * h + 6);
  }

  /**
   * The score {@code (qh + ql) . (kh + kl)} as a normalised double-double into
   * {@code hi[at], lo[at]}: {@link DoubleDouble.Accumulator}, written out (no allocation).
   */
  private static void ddScore(double[] qh, double[] ql, double[] kh, double[] kl, double[] hi, double[] lo, int at) {
    double sh = 0;
    double sl = 0;
    for (int i = 0; i < qh.length; i++) {
      double a = qh[i];
      double b = kh[i];
      double p = a * b;
      double pe = Math.fma(a, b, -p);
      double s = sh + p;
      double bb = s - sh;
      double te = (sh - (s - bb)) + (p - bb);
      sh = s;
      sl += te + (pe + Math.fma(a, kl[i], ql[i] * b));
    }
    double t = sh + sl;
    hi[at] = t;
    lo[at] = DoubleDouble.twoSumError(sh, sl, t);
  }

  /**
   * {@code exp((sh + sl) - (mh + ml))}: {@code t = fl(sh - mh)} with its exact error te, the low
   * difference {@code dl = fl(te + fl(sl - ml))}, and {@code exp(t) (1 + dl)} by one fma
   * (EXACT-DOUBLE.md 4.2). Exactly 1 at the maximum.
   */
  private static double ddNumerator(double sh, double sl, double mh, double ml) {
    double t = sh - mh;
    double dl = DoubleDouble.twoSumError(sh, -mh, t) + (sl - ml);
    double e = ExpKernel.exp(t);
    return Math.fma(e, dl, e);
  }

  /** {@code x w}, row by row (each row a left-to-right dot product per entry). */
  private static double[][] product(RowScheduler rows, double[][] x, double[][] w) {
    double[][] out = new double[x.length][w[0].length];
    rows.forBlocks(x.length, (from, to) -> Dense.multiplyRows(x, w, from, to, out));
    return out;
  }

  /** {@code (xh + xl) w} in double-double (Lemma DD per entry), row by row. */
  private static Dd product(RowScheduler rows, double[][] xh, double[][] xl, Dd w) {
    int cols = w.hi[0].length;
    Dd out = new Dd(new double[xh.length][cols], new double[xh.length][cols]);
    rows.forBlocks(xh.length, (from, to) -> {
      for (int i = from; i < to; i++) {
        for (int b = 0; b < cols; b++) {
          DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
          for (int a = 0; a < w.hi.length; a++) {
            acc.addProduct(xh[i][a], xl[i][a], w.hi[a][b], w.lo[a][b]);
          }
          out.hi[i][b] = acc.hi();
          out.lo[i][b] = acc.lo();
        }
      }
    });
    return out;
  }

  /** {@code (sh + sl) m} entrywise in double-double (Lemma DD with one term). */
  private static Dd scale(RowScheduler rows, double sh, double sl, Dd m) {
    int cols = m.hi[0].length;
    Dd out = new Dd(new double[m.hi.length][cols], new double[m.hi.length][cols]);
    rows.forBlocks(m.hi.length, (from, to) -> {
      for (int i = from; i < to; i++) {
        for (int b = 0; b < cols; b++) {
          DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
          acc.addProduct(sh, sl, m.hi[i][b], m.lo[i][b]);
          out.hi[i][b] = acc.hi();
          out.lo[i][b] = acc.lo();
        }
      }
    });
    return out;
  }

  /**
   * {@code W* + (alpha/r) (B A)} of Q or K in double-double (EXACT-DOUBLE.md 5.5): {@code sc =
   * alpha / r} by {@link DoubleDouble#divide}, {@code (sc B)_ik} with one term, then
   * {@code W_ij = W*_ij 1 + sum_k (sc B)_ik A_kj} with r + 1 terms; W* itself when frozen.
   */
  private static Dd mergedDd(DoubleInstance inst, LowParts lows, Adapter mu) {
    DoubleInstance.Weight w = inst.weight(mu);
    double[][][] low = lows.weights.get(mu);
    double[][] f = w.frozen();
    int rows = f.length;
    int cols = f[0].length;
    Dd out = new Dd(new double[rows][], new double[rows][]);
    if (!w.isAdapted()) {
      for (int i = 0; i < rows; i++) {
        out.hi[i] = f[i].clone();
        out.lo[i] = low[0][i].clone();
      }
      return out;
    }
    int r = w.rank();
    double[] sc = new double[2];
    DoubleDouble.divide(inst.alpha(), lows.alpha, r, sc);
    double[][] sbh = new double[rows][r];
    double[][] sbl = new double[rows][r];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < r; k++) {
        DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
        acc.addProduct(sc[0], sc[1], w.b()[i][k], low[2][i][k]);
        sbh[i][k] = acc.hi();
        sbl[i][k] = acc.lo();
      }
    }
    for (int i = 0; i < rows; i++) {
      out.hi[i] = new double[cols];
      out.lo[i] = new double[cols];
      for (int j = 0; j < cols; j++) {
        DoubleDouble.Accumulator acc = new DoubleDouble.Accumulator();
        acc.addProduct(f[i][j], low[0][i][j], 1, 0);
        for (int k = 0; k < r; k++) {
          acc.addProduct(sbh[i][k], sbl[i][k], w.a()[k][j], low[1][k][j]);
        }
        out.hi[i][j] = acc.hi();
        out.lo[i][j] = acc.lo();
      }
    }
    return out;
  }

  /** {@code W* + (alpha/r) (B A)} in plain doubles ({@link Dense#loraMerge}), or a copy of W* when frozen. */
  static double[][] merged(DoubleInstance inst, Adapter mu) {
    DoubleInstance.Weight w = inst.weight(mu);
    return w.isAdapted()
        ? Dense.loraMerge(w.frozen(), w.a(), w.b(), inst.alpha())
        : Dense.copy(w.frozen());
  }

  /** {@code g += x^T v}, summed over the rows of x in increasing order. */
  private static void addTransposeTimes(double[][] g, double[][] x, double[][] v) {
    for (int j = 0; j < x.length; j++) {
      for (int a = 0; a < g.length; a++) {
        Dense.axpy(x[j][a], v[j], g[a]);
      }
    }
  }

  /** {@code g += x^T vT^T} ({@code vT} holds {@code v} transposed), summed over the rows of x in increasing order. */
  private static void addTransposeTimesT(double[][] g, double[][] x, double[][] vT) {
    int cols = vT.length;
    for (int j = 0; j < x.length; j++) {
      for (int a = 0; a < g.length; a++) {
        double xa = x[j][a];
        double[] ga = g[a];
        for (int i = 0; i < cols; i++) {
          ga[i] += xa * vT[i][j];
        }
      }
    }
  }

  private static double[][] finite(String name, double[][] m) {
    for (double[] row : m) {
      for (double x : row) {
        if (!Double.isFinite(x)) {
          throw new ArithmeticException(
              name + " has a non-finite entry (" + x + "): an intermediate overflowed the double range");
        }
      }
    }
    return m;
  }
}
