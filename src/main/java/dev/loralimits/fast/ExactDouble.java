package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Theorem F.1 (quadratic exact algorithm, doubles): the loss and every adapter gradient of a
 * {@link LoraInstance} (MATH.md Sections 1 and 3), in double arithmetic, streamed over the rows of
 * the attention matrix. Per data point, with {@code W_mu = W*_mu + (alpha/r_mu) B_mu A_mu}:
 *
 * <pre>
 *   Qm = XQ W_Q,  Km = XK W_K,  Vm = XV W_V,   S = beta Qm Km^T,   F = row-softmax(S)
 *   z = F Vm,  c = z - Y,  s_j = c_j . z_j,    P[j,l] = F[j,l] (c_j . Vm_l - s_j)   (= dLoss/dS)
 *   dLoss/dW_Q = beta XQ^T P Km,   dLoss/dW_K = beta XK^T P^T Qm,   dLoss/dW_V = XV^T F^T c
 *   dLoss/dA = (alpha/r) B^T dLoss/dW,   dLoss/dB = (alpha/r) dLoss/dW A^T,   loss = sum 1/2 ||c||_F^2
 * </pre>
 *
 * summed over the data points.
 *
 * <p><b>Stability.</b> Row j of F is computed as {@code exp(S[j,l] - m_j) / Z_j} with
 * {@code m_j = max_l S[j,l]} and {@code Z_j = sum_l exp(S[j,l] - m_j)}: every exponent is
 * {@code <= 0} (no overflow) and {@code Z_j >= 1} (the maximum contributes {@code exp(0) = 1}), so
 * scores of any finite size (1e4, 1e300) give no NaN; far-below-maximum entries underflow to 0,
 * an absolute error below {@code 2^-1022}.
 *
 * <p><b>Time and memory.</b> Two passes. Pass 1, over query rows j: m_j, Z_j, c_j, s_j, the loss
 * term and {@code u_j = P[j,:] Km}; then {@code G_Q = beta XQ^T U}. Pass 2, over key rows l (only
 * when K or V is adapted): F[j,l] and P[j,l] are recomputed from the stored {@code m_j, Z_j, c_j,
 * s_j}, giving {@code H_l = sum_j P[j,l] Qm_j} and {@code R_l = sum_j F[j,l] c_j}; then
 * {@code G_K = beta XK^T H}, {@code G_V = XV^T R}. Time {@code O(Lq Lk (h + o) + (Lq + Lk) d^2)}
 * per point with {@code Lq Lk} (one pass) or {@code 2 Lq Lk} (two passes) calls of exp; extra
 * memory {@code O((Lq + Lk) d)} plus {@code O(Lk)} scratch per thread: no {@code Lq x Lk} matrix
 * is ever allocated.
 *
 * <p><b>Determinism.</b> Every index of a parallel pass (a query row j, a key row l, a row of
 * {@code X W}) is computed by one thread, sequentially, in a fixed order, and written to its own
 * slot; all cross-index sums ({@code XQ^T U}, {@code XK^T H}, {@code XV^T R}, the loss, the sum
 * over points) run on the calling thread in increasing index order. The operations performed for
 * an index do not depend on which thread runs it or how the indices are split into blocks, and
 * Java double arithmetic is IEEE 754 with no contraction into fused multiply-adds, so the results
 * are bit-identical for every thread count. Pass 2 recomputes S[j,l] and F[j,l] with the same code
 * as pass 1, so it sees bit-identical values. The exponential is {@link StrictMath#exp} (fdlibm),
 * reproducible on every platform, error below 1 ulp.
 *
 * <p><b>Accuracy.</b> Each result y satisfies
 * {@code |y_computed - y| <= 1.02 x ybar + 3.01 2^-1021 ybar(1)} with
 * {@code x = u (n + 3 (L + 4) + 6 (kS + 2) Sbar)}, {@code n = 8D + 3L + NL + 31},
 * {@code kS = 5D + 16} (D the largest width, L the largest length, N the number of points, Sbar
 * the largest score of the absolute-value program), ybar the same program run on absolute values:
 * proofs-notes/EXACT-DOUBLE.md, checked by {@code ExactDoubleProperties}.
 */
public final class ExactDouble {
  private ExactDouble() {}

  /**
   * Loss and adapter gradients of {@code inst}, rounded once to doubles, using every available
   * processor.
   *
   * @throws IllegalArgumentException when inst is missing or a number is outside the double range
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(LoraInstance inst) {
    return gradient(inst, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Loss and adapter gradients of {@code inst} on {@code threads} threads; the result does not
   * depend on the thread count.
   *
   * @throws IllegalArgumentException when inst is missing, threads is not positive or a number is
   *     outside the double range
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(LoraInstance inst, int threads) {
    Checks.positive("threads", threads);
    return gradient(DoubleInstance.of(inst), threads);
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
   * Loss and adapter gradients of a double instance on {@code threads} threads; the result does not
   * depend on the thread count.
   *
   * @throws IllegalArgumentException when inst is missing or threads is not positive
   * @throws ArithmeticException when a result overflows the double range
   */
  public static DoubleGradients gradient(DoubleInstance inst, int threads) {
    Checks.notNull("instance", inst);
    Checks.positive("threads", threads);
    ExecutorService pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, ExactDouble::daemon);
    try {
      return new Run(inst, new Parallel(pool, threads)).gradients();
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "exact-double");
    t.setDaemon(true);
    return t;
  }

  /** One gradient computation: the merged weights and the running sums over points. */
  private static final class Run {
    private final DoubleInstance inst;
    private final Parallel par;
    private final double beta;
    private final double[][] wq;
    private final double[][] wk;
    private final double[][] wv;
    private final boolean adaptQ;
    private final boolean adaptK;
    private final boolean adaptV;
    private final Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
    private double loss;

    Run(DoubleInstance inst, Parallel par) {
      this.inst = inst;
      this.par = par;
      this.beta = inst.beta();
      this.wq = merged(inst, Adapter.Q);
      this.wk = merged(inst, Adapter.K);
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
      for (DoubleInstance.Point p : inst.points()) {
        point(p);
      }
      Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
      for (Map.Entry<Adapter, double[][]> e : gw.entrySet()) {
        Adapter mu = e.getKey();
        double[][] g = e.getValue();
        if (mu != Adapter.V) {
          scaleInPlace(g, beta);
        }
        DoubleInstance.Weight w = inst.weight(mu);
        double sc = inst.alpha() / w.rank();
        ga.put(mu, finite("dLoss/dA_" + mu, transposeTimes(w.b(), g, sc)));
        gb.put(mu, finite("dLoss/dB_" + mu, timesTranspose(g, w.a(), sc)));
      }
      if (!Double.isFinite(loss)) {
        throw new ArithmeticException(
            "the loss (" + loss + ") is not finite: an intermediate overflowed the double range");
      }
      return new DoubleGradients(loss, ga, gb);
    }

    private void point(DoubleInstance.Point p) {
      int lq = p.xq().length;
      int lk = p.xk().length;
      double[][] qm = par.product(p.xq(), wq);
      double[][] km = par.product(p.xk(), wk);
      double[][] vm = par.product(p.xv(), wv);
      Rows rows = new Rows(lq, vm[0].length, adaptQ ? km[0].length : 0);
      par.forBlocks(lq, (from, to) -> queryRows(from, to, qm, km, vm, p.y(), rows));
      for (int j = 0; j < lq; j++) {
        loss += rows.loss[j];
      }
      if (adaptQ) {
        addTransposeTimes(gw.get(Adapter.Q), p.xq(), rows.u);
      }
      if (adaptK || adaptV) {
        double[][] h = adaptK ? new double[lk][qm[0].length] : null;
        double[][] r = adaptV ? new double[lk][vm[0].length] : null;
        par.forBlocks(lk, (from, to) -> keyRows(from, to, qm, km, vm, rows, h, r));
        if (adaptK) {
          addTransposeTimes(gw.get(Adapter.K), p.xk(), h);
        }
        if (adaptV) {
          addTransposeTimes(gw.get(Adapter.V), p.xv(), r);
        }
      }
    }

    /** Pass 1 for query rows [from, to): m_j, Z_j, c_j, s_j, the loss term and u_j. */
    private void queryRows(
        int from, int to, double[][] qm, double[][] km, double[][] vm, double[][] y, Rows rows) {
      int lk = km.length;
      int o = vm[0].length;
      double[] f = new double[lk];
      double[] z = new double[o];
      for (int j = from; j < to; j++) {
        double m = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < lk; l++) {
          f[l] = score(qm[j], km[l]);
          m = Math.max(m, f[l]);
        }
        double sum = 0;
        for (int l = 0; l < lk; l++) {
          f[l] = StrictMath.exp(f[l] - m);
          sum += f[l];
        }
        java.util.Arrays.fill(z, 0);
        for (int l = 0; l < lk; l++) {
          f[l] = f[l] / sum;
          axpy(f[l], vm[l], z);
        }
        double[] c = rows.c[j];
        for (int i = 0; i < o; i++) {
          c[i] = z[i] - y[j][i];
        }
        double s = dot(c, z);
        rows.max[j] = m;
        rows.sum[j] = sum;
        rows.s[j] = s;
        rows.loss[j] = 0.5 * dot(c, c);
        if (rows.u != null) {
          double[] u = rows.u[j];
          for (int l = 0; l < lk; l++) {
            axpy(f[l] * (dot(c, vm[l]) - s), km[l], u);
          }
        }
      }
    }

    /** Pass 2 for key rows [from, to): H_l = sum_j P[j,l] Qm_j and R_l = sum_j F[j,l] c_j. */
    private void keyRows(
        int from, int to, double[][] qm, double[][] km, double[][] vm, Rows rows, double[][] h, double[][] r) {
      int lq = qm.length;
      for (int l = from; l < to; l++) {
        for (int j = 0; j < lq; j++) {
          // the same operations as pass 1, so the same bits
          double f = StrictMath.exp(score(qm[j], km[l]) - rows.max[j]) / rows.sum[j];
          if (h != null) {
            axpy(f * (dot(rows.c[j], vm[l]) - rows.s[j]), qm[j], h[l]);
          }
          if (r != null) {
            axpy(f, rows.c[j], r[l]);
          }
        }
      }
    }

    private double score(double[] q, double[] k) {
      return beta * dot(q, k);
    }
  }

  /** Per-query-row results of pass 1, one slot per row. */
  private static final class Rows {
    final double[] max;
    final double[] sum;
    final double[] s;
    final double[] loss;
    final double[][] c;
    final double[][] u;

    Rows(int lq, int o, int h) {
      max = new double[lq];
      sum = new double[lq];
      s = new double[lq];
      loss = new double[lq];
      c = new double[lq][o];
      u = h == 0 ? null : new double[lq][h];
    }
  }

  /** Contiguous index blocks, one per thread; the calling thread runs everything when threads = 1. */
  private static final class Parallel {
    private final ExecutorService pool;
    private final int threads;

    Parallel(ExecutorService pool, int threads) {
      this.pool = pool;
      this.threads = threads;
    }

    interface Block {
      void run(int from, int to);
    }

    void forBlocks(int n, Block body) {
      int blocks = Math.min(threads, n);
      if (pool == null || blocks == 1) {
        body.run(0, n);
        return;
      }
      List<Future<?>> futures = new ArrayList<>();
      for (int b = 0; b < blocks; b++) {
        int from = (int) ((long) n * b / blocks);
        int to = (int) ((long) n * (b + 1) / blocks);
        futures.add(pool.submit(() -> body.run(from, to)));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          throw new IllegalStateException(cause);
        }
      }
    }

    /** {@code x w}, row by row (each row a left-to-right dot product per entry). */
    double[][] product(double[][] x, double[][] w) {
      double[][] out = new double[x.length][w[0].length];
      forBlocks(x.length, (from, to) -> {
        for (int i = from; i < to; i++) {
          for (int b = 0; b < w[0].length; b++) {
            double acc = 0;
            for (int a = 0; a < w.length; a++) {
              acc += x[i][a] * w[a][b];
            }
            out[i][b] = acc;
          }
        }
      });
      return out;
    }
  }

  /** {@code W* + (alpha/r) (B A)}, or a copy of W* when frozen. */
  static double[][] merged(DoubleInstance inst, Adapter mu) {
    DoubleInstance.Weight w = inst.weight(mu);
    double[][] f = w.frozen();
    double[][] out = new double[f.length][];
    if (!w.isAdapted()) {
      for (int i = 0; i < f.length; i++) {
        out[i] = f[i].clone();
      }
      return out;
    }
    double sc = inst.alpha() / w.rank();
    for (int i = 0; i < f.length; i++) {
      out[i] = new double[f[i].length];
      for (int j = 0; j < f[i].length; j++) {
        double ba = 0;
        for (int k = 0; k < w.rank(); k++) {
          ba += w.b()[i][k] * w.a()[k][j];
        }
        out[i][j] = f[i][j] + sc * ba;
      }
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double acc = 0;
    for (int i = 0; i < a.length; i++) {
      acc += a[i] * b[i];
    }
    return acc;
  }

  /** {@code y += a x}. */
  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }

  /** {@code g += x^T v}, summed over the rows of x in increasing order. */
  private static void addTransposeTimes(double[][] g, double[][] x, double[][] v) {
    for (int j = 0; j < x.length; j++) {
      for (int a = 0; a < g.length; a++) {
        axpy(x[j][a], v[j], g[a]);
      }
    }
  }

  private static void scaleInPlace(double[][] g, double s) {
    for (double[] row : g) {
      for (int i = 0; i < row.length; i++) {
        row[i] *= s;
      }
    }
  }

  /** {@code sc (b^T g)}: {@code r x cols(g)}. */
  private static double[][] transposeTimes(double[][] b, double[][] g, double sc) {
    int r = b[0].length;
    double[][] out = new double[r][g[0].length];
    for (int k = 0; k < r; k++) {
      for (int j = 0; j < g[0].length; j++) {
        double acc = 0;
        for (int i = 0; i < b.length; i++) {
          acc += b[i][k] * g[i][j];
        }
        out[k][j] = sc * acc;
      }
    }
    return out;
  }

  /** {@code sc (g a^T)}: {@code rows(g) x r}. */
  private static double[][] timesTranspose(double[][] g, double[][] a, double sc) {
    double[][] out = new double[g.length][a.length];
    for (int i = 0; i < g.length; i++) {
      for (int k = 0; k < a.length; k++) {
        out[i][k] = sc * dot(g[i], a[k]);
      }
    }
    return out;
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
