package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Theorem F.1 (E3) in binary floating point at P bits ({@link BinaryArithmetic}): the loss and
 * every adapter gradient of one instance in one run, {@code O(L^2 (h + o))} work in rows streamed
 * over threads and {@code O(L d)} memory (proofs-notes/REFERENCE-ENGINE.md §4-§5).
 *
 * <p>Per data point, with merged weights (Definition 1.1), {@code Qb = beta X^Q W_Q},
 * {@code Km = X^K W_K}, {@code Vm = X^V W_V}, and for each query row j (never an L x L matrix):
 *
 * <pre>
 *   s_l = &lt;Qb_j, Km_l&gt;, l* = first argmax, e_l = exp(s_l - s_l*), D = sum_l e_l, F_l = e_l (1/D)
 *   c_j = sum_l F_l Vm_l - Y_j,  Loss_i += 1/2 |c_j|^2
 *   q_l = &lt;c_j, Vm_l&gt;, p_l = F_l ((q_l - q_l*) - sum_m F_m (q_m - q_l*))     (ExactGradients.pivotedP)
 *   U_j = sum_l p_l Km_l,  Akey_l += p_l Qb_j,  Bkey_l += F_l c_j
 * </pre>
 *
 * then {@code dLoss/dW_Q = beta (X^Q)^T U}, {@code dLoss/dW_K = (X^K)^T Akey} (that is,
 * {@code beta (X^K)^T p^T Qm}), {@code dLoss/dW_V = (X^V)^T Bkey}, summed over points, and
 * {@code dLoss/dA = (alpha/r) B^T G}, {@code dLoss/dB = (alpha/r) G A^T} as in
 * {@link AdapterGradients}. Each exponential is computed once per score and serves the loss and
 * the gradients. A point whose key rows are all equal contributes exact zeros to the Q and K
 * gradients ({@link AdapterGradients#keysAllEqual}'s argument), and its p is not formed.
 *
 * <p><b>Determinism.</b> The query rows of a point are cut into {@link #ROW_BLOCKS} fixed blocks
 * (independent of the thread count); each block sums its rows in order into its own key-side
 * accumulators, and the blocks are combined in block order. Every other sum runs over a fixed
 * index order inside one task. The result is therefore bit-identical for any number of threads
 * ({@code BinaryEngineExamples}).
 */
final class BinaryTheoremF1 {
  /** Fixed number of row blocks per point (the unit of parallel work). */
  static final int ROW_BLOCKS = 4;

  private final BinaryArithmetic ar;
  private final BallArithmetic ba;
  private final int threads;
  private final RowCounter counter;

  /** Counts finished rows and reports them to a {@link Progress}, serialised. */
  static final class RowCounter {
    private final Progress progress;
    private final AtomicLong done = new AtomicLong();
    private final LongSupplier total;

    RowCounter(Progress progress, LongSupplier total) {
      this.progress = progress;
      this.total = total;
    }

    void rowDone() {
      long d = done.incrementAndGet();
      synchronized (this) {
        progress.advance(d, Math.max(d, total.getAsLong()));
      }
    }
  }

  private BinaryTheoremF1(BinaryArithmetic ar, int threads, RowCounter counter) {
    this.ar = ar;
    this.ba = new BallArithmetic(ar);
    this.threads = threads;
    this.counter = counter;
  }

  /** The number of query rows of one run: {@code sum_i Lq_i}. */
  static long rows(LoraInstance inst) {
    long n = 0;
    for (DataPoint p : inst.data()) {
      n += p.queryLength();
    }
    return n;
  }

  /**
   * One unverified run at P bits: the midpoints of {@link #computeBalls}.
   *
   * @param threads worker threads, {@code >= 1} (the result does not depend on it)
   * @throws OutOfBinaryRangeException when a number of the instance is outside the engine's range
   */
  static ApGradients compute(LoraInstance inst, BinaryArithmetic ar, int threads, RowCounter counter) {
    return computeBalls(inst, ar, threads, counter).mid();
  }

  /** Same, without progress reports. */
  static ApGradients compute(LoraInstance inst, BinaryArithmetic ar, int threads) {
    return compute(inst, ar, threads, new RowCounter(Progress.NONE, () -> 0));
  }

  /**
   * One run at P bits with a radius for every number: {@code |mid - x| <= radius} for the exact
   * value x (proofs-notes/REFERENCE-ENGINE.md §8). The midpoints are the same for every thread count.
   *
   * @throws OutOfBinaryRangeException when a number of the instance is outside the engine's range
   */
  static BallGradients computeBalls(LoraInstance inst, BinaryArithmetic ar, int threads, RowCounter counter) {
    BinaryTheoremF1 engine = new BinaryTheoremF1(ar, threads, counter);
    if (threads == 1) {
      return engine.run(inst, null);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "reference-engine");
      t.setDaemon(true);
      return t;
    });
    try {
      return engine.run(inst, pool);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Same, without progress reports. */
  static BallGradients computeBalls(LoraInstance inst, BinaryArithmetic ar, int threads) {
    return computeBalls(inst, ar, threads, new RowCounter(Progress.NONE, () -> 0));
  }

  // ---- one run ----

  private BallGradients run(LoraInstance inst, ExecutorService pool) {
    Ball alpha = ba.fromDecimal(inst.alpha());
    Ball beta = ba.fromDecimal(inst.beta());
    Map<Adapter, Ball[][]> merged = new EnumMap<>(Adapter.class);
    Map<Adapter, Ball> scales = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Projection p = inst.projection(mu);
      Ball[][] w = convert(p.frozen());
      if (p.isAdapted()) {
        Ball s = ba.divide(alpha, p.a().rows());
        scales.put(mu, s);
        Ball[][] prod = multiply(convert(p.b()), convert(p.a()));
        for (int i = 0; i < w.length; i++) {
          for (int t = 0; t < w[0].length; t++) {
            w[i][t] = ba.add(w[i][t], ba.multiply(s, prod[i][t]));
          }
        }
      }
      merged.put(mu, w);
    }
    boolean qAdapted = inst.projection(Adapter.Q).isAdapted();
    boolean kAdapted = inst.projection(Adapter.K).isAdapted();
    boolean vAdapted = inst.projection(Adapter.V).isAdapted();
    Map<Adapter, Ball[][]> gw = new EnumMap<>(Adapter.class);
    Ball loss = Ball.ZERO;
    for (DataPoint point : inst.data()) {
      boolean equalKeys = keysAllEqual(point.xk());
      Point pt = new Point(point, merged, beta, qAdapted, kAdapted, vAdapted, equalKeys);
      pt.rows(pool);
      loss = ba.add(loss, pt.loss());
      for (Adapter mu : Adapter.values()) {
        Ball[][] g = pt.weightGradient(mu);
        if (g != null) {
          gw.merge(mu, g, this::add);
        }
      }
    }
    Map<Adapter, Ball[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, Ball[][]> gb = new EnumMap<>(Adapter.class);
    for (Map.Entry<Adapter, Ball[][]> e : gw.entrySet()) {
      Projection p = inst.projection(e.getKey());
      Ball s = scales.get(e.getKey());
      ga.put(e.getKey(), scale(s, multiply(transpose(convert(p.b())), e.getValue())));
      gb.put(e.getKey(), scale(s, multiply(e.getValue(), transpose(convert(p.a())))));
    }
    return BallGradients.of(loss, ga, gb);
  }

  /** The per-point state: projected inputs, per-row outputs, per-block key-side sums. */
  private final class Point {
    final Ball[][] xq;
    final Ball[][] xk;
    final Ball[][] xv;
    final Ball[][] y;
    final Ball[][] qb;
    final Ball[][] km;
    final Ball[][] vm;
    final Ball beta;
    final boolean adaptedQ;
    final boolean adaptedK;
    final boolean needQ;
    final boolean needK;
    final boolean needV;
    final int lq;
    final int lk;
    final Ball[][] u;
    final Block[] blocks = new Block[ROW_BLOCKS];

    Point(
        DataPoint p, Map<Adapter, Ball[][]> w, Ball beta, boolean adaptedQ, boolean adaptedK,
        boolean adaptedV, boolean equalKeys) {
      this.xq = convert(p.xq());
      this.xk = p.xk() == p.xq() ? xq : convert(p.xk());
      this.xv = p.xv() == p.xk() ? xk : convert(p.xv());
      this.y = convert(p.y());
      this.beta = beta;
      Ball[][] qm = multiply(xq, w.get(Adapter.Q));
      this.qb = new Ball[qm.length][qm[0].length];
      for (int j = 0; j < qm.length; j++) {
        for (int i = 0; i < qm[0].length; i++) {
          qb[j][i] = ba.multiply(beta, qm[j][i]);
        }
      }
      this.km = multiply(xk, w.get(Adapter.K));
      this.vm = multiply(xv, w.get(Adapter.V));
      this.adaptedQ = adaptedQ;
      this.adaptedK = adaptedK;
      this.needQ = adaptedQ && !equalKeys;
      this.needK = adaptedK && !equalKeys;
      this.needV = adaptedV;
      this.lq = xq.length;
      this.lk = xk.length;
      this.u = needQ ? new Ball[lq][] : null;
    }

    void rows(ExecutorService pool) {
      for (int b = 0; b < ROW_BLOCKS; b++) {
        blocks[b] = new Block(lq * b / ROW_BLOCKS, lq * (b + 1) / ROW_BLOCKS);
      }
      if (pool == null) {
        for (Block b : blocks) {
          b.run();
        }
        return;
      }
      List<Future<?>> fs = new ArrayList<>();
      for (Block b : blocks) {
        fs.add(pool.submit(b::run));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("reference engine interrupted", e);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException) {
            throw (RuntimeException) e.getCause();
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    }

    /** {@code 1/2 sum_j |c_j|^2}: the blocks' exact squares combined in block order, one rounding. */
    Ball loss() {
      BinaryAccumulator acc = ar.accumulator();
      for (Block b : blocks) {
        acc.add(b.squares);
      }
      return ba.half(ba.result(acc));
    }

    /** This point's {@code dLoss/dW_mu}; exact zeros for Q, K with equal keys; null when mu is frozen. */
    Ball[][] weightGradient(Adapter mu) {
      switch (mu) {
        case Q:
          if (needQ) {
            return scale(beta, multiply(transpose(xq), u));
          }
          return adaptedQ ? zeros(xq[0].length, qb[0].length) : null;
        case K:
          if (needK) {
            return multiply(transpose(xk), keySums(true));
          }
          return adaptedK ? zeros(xk[0].length, km[0].length) : null;
        default:
          return needV ? multiply(transpose(xv), keySums(false)) : null;
      }
    }

    /** Akey (queries' side, p^T Qb) or Bkey (F^T c), combined over the blocks in block order. */
    private Ball[][] keySums(boolean key) {
      int width = key ? qb[0].length : y[0].length;
      Ball[][] out = new Ball[lk][width];
      for (int l = 0; l < lk; l++) {
        for (int t = 0; t < width; t++) {
          BinaryAccumulator acc = ar.accumulator();
          for (Block b : blocks) {
            BinaryAccumulator[][] part = key ? b.akey : b.bkey;
            if (part != null) {
              acc.add(part[l][t]);
            }
          }
          out[l][t] = ba.result(acc);
        }
      }
      return out;
    }

    /** Rows {@code [from, to)} of one point: Theorem F.1's row quantities. */
    private final class Block {
      final int from;
      final int to;
      final BinaryAccumulator squares = ar.accumulator();
      final BinaryAccumulator[][] akey;
      final BinaryAccumulator[][] bkey;

      Block(int from, int to) {
        this.from = from;
        this.to = to;
        this.akey = needK && to > from ? accumulators(lk, qb[0].length) : null;
        this.bkey = needV && to > from ? accumulators(lk, y[0].length) : null;
      }

      void run() {
        int h = qb[0].length;
        int o = y[0].length;
        Ball[] s = new Ball[lk];
        Ball[] f = new Ball[lk];
        Ball[] centred = new Ball[lk];
        Ball[] c = new Ball[o];
        int frac = ar.expFractionBits();
        for (int j = from; j < to; j++) {
          int star = 0;
          for (int l = 0; l < lk; l++) {
            s[l] = ba.dot(qb[j], km[l]);
            if (l > 0 && s[l].mid.compareTo(s[star].mid) > 0) {
              star = l;
            }
          }
          java.math.BigInteger top = s[star].mid.fixed(frac);
          BinaryAccumulator d = ar.accumulator();
          for (int l = 0; l < lk; l++) {
            f[l] = l == star ? Ball.ONE : ba.expDifference(s[l].mid.fixed(frac).subtract(top), s[l].rad, s[star].rad);
            d.add(f[l]);
          }
          Ball inverse = ba.inverseOfSoftmaxSum(ba.result(d));
          for (int l = 0; l < lk; l++) {
            f[l] = ba.multiply(f[l], inverse);
          }
          for (int t = 0; t < o; t++) {
            BinaryAccumulator z = ar.accumulator();
            for (int l = 0; l < lk; l++) {
              z.addProduct(f[l], vm[l][t]);
            }
            c[t] = ba.subtract(ba.result(z), y[j][t]);
            squares.addProduct(c[t], c[t]);
          }
          if (needQ || needK) {
            Ball g0 = ba.dot(c, vm[star]);
            BinaryAccumulator shift = ar.accumulator();
            for (int l = 0; l < lk; l++) {
              centred[l] = l == star ? Ball.ZERO : ba.subtract(ba.dot(c, vm[l]), g0);
              shift.addProduct(f[l], centred[l]);
            }
            Ball sh = ba.result(shift);
            BinaryAccumulator[] uj = needQ ? accumulators(1, h)[0] : null;
            for (int l = 0; l < lk; l++) {
              Ball pl = ba.multiply(f[l], ba.subtract(centred[l], sh));
              for (int i = 0; i < h; i++) {
                if (uj != null) {
                  uj[i].addProduct(pl, km[l][i]);
                }
                if (akey != null) {
                  akey[l][i].addProduct(pl, qb[j][i]);
                }
              }
            }
            if (uj != null) {
              Ball[] row = new Ball[h];
              for (int i = 0; i < h; i++) {
                row[i] = ba.result(uj[i]);
              }
              u[j] = row;
            }
          }
          if (bkey != null) {
            for (int l = 0; l < lk; l++) {
              for (int t = 0; t < o; t++) {
                bkey[l][t].addProduct(f[l], c[t]);
              }
            }
          }
          counter.rowDone();
        }
      }
    }
  }

  // ---- small dense helpers (O(L d h)) ----

  private BinaryAccumulator[][] accumulators(int rows, int cols) {
    BinaryAccumulator[][] a = new BinaryAccumulator[rows][cols];
    for (BinaryAccumulator[] row : a) {
      for (int t = 0; t < cols; t++) {
        row[t] = ar.accumulator();
      }
    }
    return a;
  }

  private Ball[][] convert(DecimalMatrix m) {
    Ball[][] b = new Ball[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = ba.fromDecimal(m.get(i, j));
      }
    }
    return b;
  }

  /** {@code a b}, each entry an exact dot product rounded once. */
  private Ball[][] multiply(Ball[][] a, Ball[][] b) {
    Ball[][] c = new Ball[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        BinaryAccumulator acc = ar.accumulator();
        for (int k = 0; k < b.length; k++) {
          acc.addProduct(a[i][k], b[k][j]);
        }
        c[i][j] = ba.result(acc);
      }
    }
    return c;
  }

  private static Ball[][] transpose(Ball[][] a) {
    Ball[][] t = new Ball[a[0].length][a.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        t[j][i] = a[i][j];
      }
    }
    return t;
  }

  private Ball[][] scale(Ball s, Ball[][] a) {
    Ball[][] c = new Ball[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        c[i][j] = ba.multiply(s, a[i][j]);
      }
    }
    return c;
  }

  private Ball[][] add(Ball[][] a, Ball[][] b) {
    Ball[][] c = new Ball[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        c[i][j] = ba.add(a[i][j], b[i][j]);
      }
    }
    return c;
  }

  private static Ball[][] zeros(int rows, int cols) {
    Ball[][] z = new Ball[rows][cols];
    for (Ball[] row : z) {
      java.util.Arrays.fill(row, Ball.ZERO);
    }
    return z;
  }

  /** Every row of X^K equal (exact decimal comparison): see {@link AdapterGradients#keysAllEqual}. */
  static boolean keysAllEqual(DecimalMatrix xk) {
    for (int l = 1; l < xk.rows(); l++) {
      for (int t = 0; t < xk.cols(); t++) {
        if (xk.get(l, t).compareTo(xk.get(0, t)) != 0) {
          return false;
        }
      }
    }
    return true;
  }
}
