package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Theorem 3.1 (Q adapters) and Theorem A.1 (K adapters), plus the V adapters: LoRA gradients in
 * almost-linear time through low-rank factors, with a certified max-entry error bound. This class
 * is the entry point; the jobs live in their own classes:
 *
 * <ul>
 *   <li>{@link PreparedPoint}: per data point, queries {@code Qh = beta X^Q W_Q}, centred keys
 *       {@code Kc = X^K W_K - 1 kbar^T} (softmax is invariant under the shift,
 *       proofs-notes/MODEL.md §1.2), values {@code Vm = X^V W_V} and the feature scaling;
 *   <li>{@link FastBound}: the certifier, every inequality of proofs-notes/FAST-BOUND.md from the
 *       input norms (1.1)-(1.3) to the adapters' bounds;
 *   <li>{@link DegreeSearch}: Lemma 3.3, the certified radius {@code R >= |Qh_j . Kc_l|}
 *       ({@code lemma33Radius}) and the smallest degree g whose certified bound meets epsilon
 *       ({@code lemma33Polynomial}); {@link FeatureMap}: {@code P(S) = U1 V1^T} of rank
 *       {@code k1 = binom(g + h, h)};
 *   <li>{@link LemmaKernels}: Lemmas 3.4-3.7 per row ({@code lemma34KeyAggregates},
 *       {@code lemma34to37QueryRow}, {@code lemma34Row}, {@code lemma35Entry},
 *       {@code lemma36Row}, {@code lemma37Diagonal}, {@code lemma37Row}) giving row j of
 *       {@code (p1 - p2) Kc} and hence {@code G_Q = beta X^Q^T (p Kc)} (Theorem 3.1,
 *       {@code theorem31Accumulate}), and row l of {@code p^T Qh} and of {@code Ftilde^T ctilde}
 *       from query-side aggregates, giving {@code G_K = X^K^T (p^T Qh)} (Theorem A.1) and
 *       {@code G_V = X^V^T (Ftilde^T ctilde)} ({@code theoremA1QuerySide}, {@code theoremA1KeyRow});
 *   <li>{@link RowScheduler} (shared with {@link ExactDouble}): the rows of each pass split into
 *       {@link #CHUNKS} fixed index ranges, each summed in blocks of {@link #BLOCK} rows, partial
 *       sums added in range order, so the result does not depend on the number of threads;
 *   <li>{@link Dense}: the small dense products and norms.
 * </ul>
 * No L x L matrix is formed: time {@code O((Lq + Lk) k1 h o)}, memory {@code O((Lq + Lk) d + k1 h o)}.
 *
 * <p>The bound ({@link FastBound}, proofs-notes/FAST-BOUND.md) covers the polynomial's error and
 * every rounding of this code; the answer is refused ({@link OutsideEfficientRegimeException})
 * rather than returned with a bound above epsilon.
 */
public final class AlmostLinear {
  /** Fixed number of index ranges per pass (independent of the thread count). */
  public static final int CHUNKS = 8;
  /**
   * Rows summed sequentially before a partial sum is added to its range's total: a sum over L rows
   * then passes each term through at most {@code BLOCK + L/BLOCK + CHUNKS} additions instead of L
   * ({@link FastBound#depth}), which keeps the certified rounding part small at large L.
   */
  public static final int BLOCK = 1024;

  private AlmostLinear() {}

  /**
   * Options.
   *
   * @param epsilon requested max-entry accuracy of every adapter gradient, {@code > 0}
   * @param threads worker threads, {@code >= 1}
   * @param rankBudget largest feature rank allowed; 0 means the rank at which this algorithm's
   *     operation count exceeds the exact quadratic algorithm's ({@link #defaultRankBudget})
   */
  public record Options(double epsilon, int threads, long rankBudget) {
    public Options {
      Checks.positive("epsilon", epsilon);
      Checks.finite("epsilon", epsilon);
      Checks.positive("threads", threads);
      Checks.argument(rankBudget >= 0, "rankBudget (" + rankBudget + ") must be >= 0");
    }

    public static Options of(double epsilon) {
      return new Options(epsilon, Runtime.getRuntime().availableProcessors(), 0);
    }
  }

  /** Gradients to max-entry accuracy epsilon, or {@link OutsideEfficientRegimeException}. */
  public static FastResult gradient(LoraInstance inst, double epsilon) {
    return gradient(inst, Options.of(epsilon));
  }

  /**
   * @throws OutsideEfficientRegimeException when no certified degree within the rank budget meets
   *     epsilon
   * @throws IllegalArgumentException on bad options or non-finite inputs
   */
  public static FastResult gradient(LoraInstance inst, Options opt) {
    Checks.notNull("instance", inst);
    return gradient(DoubleInstance.of(inst), opt);
  }

  /**
   * The same on an instance already in doubles (benchmarks, large L). The bound then refers to
   * the exact gradient of the double inputs (conversion errors are zero).
   */
  public static FastResult gradient(DoubleInstance inst, Options opt) {
    Checks.notNull("instance", inst);
    Checks.notNull("options", opt);
    Setup su = setup(inst, opt);
    DoubleData dd = su.dd;
    List<PreparedPoint> pts = su.pts;
    double radius = su.radius;
    FastBound.Certificate cert = su.cert;
    FeatureMap fm = new FeatureMap(pts.get(0).h, cert.poly.coefficients());

    Map<Adapter, double[][]> g = new EnumMap<>(Adapter.class);
    boolean needKV = dd.a.containsKey(Adapter.K) || dd.a.containsKey(Adapter.V);
    double loss = 0;
    Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
    try (RowScheduler rows = new RowScheduler(opt.threads(), "almost-linear")) {
      for (PreparedPoint p : pts) {
        PointResult r = runPoint(p, fm, needKV, rows);
        loss += r.loss;
        add(g, Adapter.Q, r.gq);
        add(g, Adapter.K, r.gk);
        add(g, Adapter.V, r.gv);
      }
      requireFinite("the loss", loss);
      for (Adapter mu : dd.a.keySet()) {
        double s = dd.alpha / dd.rank.get(mu);
        ga.put(mu, requireFinite("dLoss/dA_" + mu, Dense.scale(s, Dense.multiplyTransposeLeft(dd.b.get(mu), g.get(mu)))));
        gb.put(mu, requireFinite("dLoss/dB_" + mu, Dense.scale(s, Dense.multiplyTransposeRight(g.get(mu), dd.a.get(mu)))));
      }
    } catch (NonFiniteException e) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: %s is not finite in double at degree %d, rank %d, R = %.4g (overflow in the features or aggregates; epsilon %.3g)",
              e.getMessage(), cert.poly.degree(), fm.rank(), radius, opt.epsilon()),
          cert.poly.degree(), fm.rank(), radius, su.budget);
    }
    return new FastResult(
        new DoubleGradients(loss, ga, gb), cert.lossBound, cert.boundA, cert.boundB, opt.epsilon(),
        cert.poly.degree(), fm.rank(), radius, cert.poly.kind(), cert.poly.relativeErrorBound(), cert.norms);
  }

  /**
   * The passes of {@link #gradient} at a given polynomial, uncertified (for probes that compare
   * the true error at each degree with the certificate): the gradients only, no bound.
   */
  static DoubleGradients gradientWith(DoubleInstance inst, ExpPolynomial poly, int threads) {
    DoubleData dd = new DoubleData(inst);
    List<PreparedPoint> pts = new ArrayList<>();
    for (int i = 0; i < dd.points.size(); i++) {
      pts.add(PreparedPoint.of(dd, i));
    }
    FeatureMap fm = new FeatureMap(pts.get(0).h, poly.coefficients());
    boolean needKV = dd.a.containsKey(Adapter.K) || dd.a.containsKey(Adapter.V);
    Map<Adapter, double[][]> g = new EnumMap<>(Adapter.class);
    double loss = 0;
    Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
    try (RowScheduler rows = new RowScheduler(threads, "almost-linear")) {
      for (PreparedPoint p : pts) {
        PointResult r = runPoint(p, fm, needKV, rows);
        loss += r.loss;
        add(g, Adapter.Q, r.gq);
        add(g, Adapter.K, r.gk);
        add(g, Adapter.V, r.gv);
      }
    }
    for (Adapter mu : dd.a.keySet()) {
      double s = dd.alpha / dd.rank.get(mu);
      ga.put(mu, Dense.scale(s, Dense.multiplyTransposeLeft(dd.b.get(mu), g.get(mu))));
      gb.put(mu, Dense.scale(s, Dense.multiplyTransposeRight(g.get(mu), dd.a.get(mu))));
    }
    return new DoubleGradients(loss, ga, gb);
  }

  /**
   * What {@link #gradient} would use, without running it: the certified degree, rank, radius and
   * bound for epsilon, or the refusal. Cost {@code O(L d^2)} plus the degree search.
   *
   * @param degree polynomial degree g
   * @param rank feature rank k1
   * @param radius score radius R
   * @param kind polynomial kind
   * @param kernelDelta certified relative error of the polynomial
   * @param maxGradientBound the largest certified gradient bound ({@code <= epsilon})
   * @param rankBudget the budget that was applied
   */
  public record Plan(
      int degree, long rank, double radius, ExpPolynomial.Kind kind, double kernelDelta,
      double maxGradientBound, long rankBudget) {}

  /**
   * The plan for an instance in doubles.
   *
   * @throws OutsideEfficientRegimeException exactly when {@link #gradient} would throw it
   */
  public static Plan plan(DoubleInstance inst, double epsilon, long rankBudget) {
    Checks.notNull("instance", inst);
    Setup su = setup(inst, new Options(epsilon, 1, rankBudget));
    FastBound.Certificate c = su.cert;
    return new Plan(
        c.poly.degree(), FeatureMap.rank(su.pts.get(0).h, c.poly.degree()), su.radius, c.poly.kind(),
        c.poly.relativeErrorBound(), c.maxGradientBound(), su.budget);
  }

  /** Everything before the passes: doubles, prepared points, radius, budget, certificate. */
  private record Setup(
      DoubleData dd, List<PreparedPoint> pts, double radius, long budget, FastBound.Certificate cert) {}

  private static Setup setup(DoubleInstance inst, Options opt) {
    DoubleData dd = new DoubleData(inst);
    List<PreparedPoint> pts = new ArrayList<>();
    List<FastBound.PointNorms> norms = new ArrayList<>();
    List<FastBound.KeyRows> rows = new ArrayList<>();
    for (int i = 0; i < dd.points.size(); i++) {
      PreparedPoint p = PreparedPoint.of(dd, i);
      pts.add(p);
      norms.add(p.norms);
      rows.add(p.keyRows);
    }
    double radius = 0;
    for (PreparedPoint p : pts) {
      radius = Math.max(radius, DegreeSearch.lemma33Radius(p));
    }
    long budget = opt.rankBudget() > 0 ? opt.rankBudget() : defaultRankBudget(norms);
    FastBound.Certificate cert =
        DegreeSearch.lemma33Polynomial(dd, norms, rows, radius, opt.epsilon(), budget, pts.get(0).h);
    return new Setup(dd, pts, radius, budget, cert);
  }

  /**
   * The rank at which this algorithm's operation count, about {@code 2 (Lq + Lk) k1 (2 h o + h + o)}
   * multiply-adds per point, reaches the exact algorithm's {@code 2 Lq Lk (h + o)} per pass (two
   * passes when K or V is adapted, one otherwise; we count two).
   */
  static long defaultRankBudget(List<FastBound.PointNorms> pts) {
    double exact = 0;
    double perRank = 0;
    for (FastBound.PointNorms p : pts) {
      exact += 4.0 * p.lq() * p.lk() * (p.h() + p.o());
      perRank += 2.0 * (p.lq() + p.lk()) * (2.0 * p.h() * p.o() + p.h() + p.o());
    }
    return Math.max(1, (long) Math.floor(exact / perRank));
  }

  /**
   * Most bytes the aggregates of one data point may take when {@code --method fast} chooses its
   * degree: 1 GiB. Within it fast answers whenever a certified degree exists (issue 12: the cost
   * rule of {@link #defaultRankBudget} refused in-regime instances); the cost rule is {@code auto}'s.
   */
  public static final long AGGREGATE_BYTES_CAP = 1L << 30;

  /**
   * The largest rank whose aggregates fit {@link #AGGREGATE_BYTES_CAP}. At rank k1 one point holds
   * at most {@code 2 CHUNKS + 1} key-side sets of {@code k1 (1 + o + h + o h)} doubles (each chunk's
   * running total and current block, and the merged one) and {@code 2 CHUNKS} query-side sets of
   * {@code k1 (o h + h + o)}: at most {@code 8 (2 CHUNKS + 1) k1 (1 + 2o + 2h + 2 o h)} bytes. Each
   * of the at most {@code CHUNKS} tasks running at once also holds the tiled passes' working set
   * ({@link LemmaKernels}): two tiles of features ({@code 2 TILE k1} doubles: {@code psi} and its
   * products with one value column, or {@code phi} in both orders) and transposed copies of the
   * aggregates or coefficients it reads and writes (at most {@code 2 k1 (1 + o + h + o h)}), so
   * {@code 8 CHUNKS k1 (2 TILE + 2 (1 + o + h + o h))} bytes more.
   *
   * @param h width of the queries and keys ({@code cols(W_Q)})
   * @param o width of the values ({@code cols(W_V)})
   * @return the cap, at least 1
   * @throws IllegalArgumentException when h or o is not positive
   */
  public static long memoryRankCap(int h, int o) {
    Checks.positive("h", h);
    Checks.positive("o", o);
    long perRank = 8L * (2L * CHUNKS + 1) * (1 + 2L * o + 2L * h + 2L * o * h)
        + 8L * CHUNKS * (2L * LemmaKernels.TILE + 2L * (1 + o + h + (long) o * h));
    return Math.max(1, AGGREGATE_BYTES_CAP / perRank);
  }

  // ---------------------------------------------------------------- the passes

  private static final class PointResult {
    double loss;
    double[][] gq;
    double[][] gk;
    double[][] gv;
  }

  /**
   * The passes over one point: key aggregates, query rows, and (K or V adapted) key rows, each over
   * {@link #CHUNKS} fixed ranges in blocks of {@link #BLOCK} rows, partial results added in order.
   */
  private static PointResult runPoint(PreparedPoint p, FeatureMap fm, boolean kv, RowScheduler rows) {
    List<LemmaKernels.KeyAggregates> kParts = rows.ranges(p.lk, CHUNKS, (from, to) -> RowScheduler.blocked(from, to,
        BLOCK, (f, t) -> LemmaKernels.lemma34KeyAggregates(p, fm, f, t), (x, y) -> { x.add(y); return x; }));
    LemmaKernels.KeyAggregates ka = kParts.get(0);
    for (int i = 1; i < kParts.size(); i++) {
      ka.add(kParts.get(i));
    }
    List<LemmaKernels.QueryPartial> qParts = rows.ranges(p.lq, CHUNKS, (from, to) -> RowScheduler.blocked(from, to,
        BLOCK, (f, t) -> LemmaKernels.lemma34to37QueryRow(p, fm, ka, kv, f, t), (x, y) -> { x.add(y); return x; }));
    LemmaKernels.QueryPartial qa = qParts.get(0);
    for (int i = 1; i < qParts.size(); i++) {
      qa.add(qParts.get(i));
    }
    PointResult r = new PointResult();
    r.loss = qa.loss;
    int dq = p.xq[0].length;
    double beta = p.norms.beta();
    double[] gq = qa.gq.clone();
    for (int i = 0; i < gq.length; i++) {
      gq[i] *= beta;
    }
    r.gq = Dense.reshape(gq, dq, p.h);
    if (kv) {
      List<double[][]> cParts = rows.ranges(p.lk, CHUNKS, (from, to) -> RowScheduler.blocked(from, to,
          BLOCK, (f, t) -> LemmaKernels.theoremA1KeyRow(p, fm, qa, f, t),
          (x, y) -> { Dense.addInto(x[0], y[0]); Dense.addInto(x[1], y[1]); return x; }));
      double[] gk = cParts.get(0)[0];
      double[] gv = cParts.get(0)[1];
      for (int i = 1; i < cParts.size(); i++) {
        Dense.addInto(gk, cParts.get(i)[0]);
        Dense.addInto(gv, cParts.get(i)[1]);
      }
      r.gk = Dense.reshape(gk, p.xk[0].length, p.h);
      r.gv = Dense.reshape(gv, p.xv[0].length, p.o);
    }
    return r;
  }

  private interface RangeTask<T> {
    T run(int from, int to);
  }


  // ---------------------------------------------------------------- small helpers

  private static void requireFinite(String what, double x) {
    if (!Double.isFinite(x)) {
      throw new NonFiniteException(what);
    }
  }

  private static double[][] requireFinite(String what, double[][] m) {
    for (double[] row : m) {
      for (double x : row) {
        requireFinite(what, x);
      }
    }
    return m;
  }

  private static void add(Map<Adapter, double[][]> g, Adapter mu, double[][] x) {
    if (x == null) {
      return;
    }
    g.merge(mu, x, Dense::sum);
  }
}
