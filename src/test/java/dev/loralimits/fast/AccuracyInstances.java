package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Rectangular random instances for the accuracy properties of {@link ExactDouble}: every width
 * ({@code dq, dk, dv, h, o}) and every adapter rank drawn separately, cross-attention with
 * {@code Lq != Lk}, entries with three decimals (so most are not doubles), and three ways of making
 * the scores large: {@link #scaled} (X scaled until {@code max |S|} reaches a target: rows become
 * nearly one-hot), {@link #offset} (a bias feature adds a large per-row constant to every score of
 * the row, so the scores are large while their differences stay O(1-10)).
 */
final class AccuracyInstances {
  private AccuracyInstances() {}

  /**
   * The shape of an instance.
   *
   * @param lq query length
   * @param lk key length (= lq for self-attention)
   * @param dq rows of W_Q (= dk = dv for self-attention)
   * @param dk rows of W_K
   * @param dv rows of W_V
   * @param h columns of W_Q and W_K
   * @param o columns of W_V
   * @param ranks LoRA rank per adapted projection
   * @param points number of data points
   * @param cross cross-attention
   * @param alpha LoRA scale
   * @param beta inverse temperature
   */
  record Shape(
      int lq, int lk, int dq, int dk, int dv, int h, int o, Map<Adapter, Integer> ranks, int points,
      boolean cross, BigDecimal alpha, BigDecimal beta) {
    Set<Adapter> adapters() {
      return ranks.keySet();
    }

    boolean rectangular() {
      return dq != h || dk != h || dv != o || h != o;
    }

    boolean ranksDiffer() {
      return ranks.values().stream().distinct().count() > 1;
    }

    Shape withBeta(BigDecimal b) {
      return new Shape(lq, lk, dq, dk, dv, h, o, ranks, points, cross, alpha, b);
    }
  }

  /**
   * Shapes with lengths 1..maxL, widths 1..maxD ({@code minWidth} for dq, dk and h, which the
   * offset construction needs to be at least 2), ranks 1..maxD per adapter, 1-2 points.
   */
  static Arbitrary<Shape> shapes(int maxL, int maxD, int minWidth) {
    Arbitrary<Integer> width = Arbitraries.integers().between(minWidth, maxD);
    Arbitrary<Integer> anyWidth = Arbitraries.integers().between(1, maxD);
    Arbitrary<Integer> length = Arbitraries.integers().between(1, maxL);
    Arbitrary<BigDecimal> alphas = Arbitraries.of("0.5", "1", "4", "16", "-2", "0.3").map(BigDecimal::new);
    Arbitrary<BigDecimal> betas = Arbitraries.of("0.25", "1", "1.5", "3", "0.7").map(BigDecimal::new);
    Arbitrary<int[]> dims = Combinators.combine(width, width, anyWidth, width, anyWidth)
        .as((a, b, c, d, e) -> new int[] {a, b, c, d, e});
    Arbitrary<int[]> lengths = Combinators.combine(length, length, Arbitraries.integers().between(1, 2))
        .as((a, b, c) -> new int[] {a, b, c});
    Arbitrary<Map<Adapter, Integer>> ranks = InstanceArbitraries.adapterSets().flatMap(set ->
        Arbitraries.integers().between(1, maxD).list().ofSize(set.size()).map(rs -> {
          Map<Adapter, Integer> m = new EnumMap<>(Adapter.class);
          int i = 0;
          for (Adapter mu : set) {
            m.put(mu, rs.get(i++));
          }
          return m;
        }));
    return Combinators.combine(dims, lengths, ranks, Arbitraries.of(true, false), alphas, betas)
        .as((dm, ln, rk, cross, alpha, beta) -> {
          int dq = dm[0];
          return new Shape(
              ln[0], cross ? ln[1] : ln[0], dq, cross ? dm[1] : dq, cross ? dm[2] : dq, dm[3], dm[4], rk, ln[2],
              cross, alpha, beta);
        });
  }

  /** A random instance: W* entries in [-1/sqrt(rows), ...], A and B in [-0.5, 0.5], X in [-1, 1], Y in [-1, 1]. */
  static LoraInstance random(Shape s, long seed) {
    Random rnd = new Random(seed);
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    int[][] dims = {{s.dq(), s.h()}, {s.dk(), s.h()}, {s.dv(), s.o()}};
    for (Adapter mu : Adapter.values()) {
      int rows = dims[mu.ordinal()][0];
      int cols = dims[mu.ordinal()][1];
      DecimalMatrix frozen = Instances.matrix(rnd, rows, cols, 1.0 / Math.sqrt(rows));
      Integer r = s.ranks().get(mu);
      w.put(mu, r == null
          ? Projection.frozen(frozen)
          : Projection.adapted(frozen, Instances.matrix(rnd, r, cols, 0.5), Instances.matrix(rnd, rows, r, 0.5)));
    }
    List<DataPoint> pts = new ArrayList<>();
    for (int i = 0; i < s.points(); i++) {
      if (s.cross()) {
        pts.add(DataPoint.cross(
            Instances.matrix(rnd, s.lq(), s.dq(), 1.0),
            Instances.matrix(rnd, s.lk(), s.dk(), 1.0),
            Instances.matrix(rnd, s.lk(), s.dv(), 1.0),
            Instances.matrix(rnd, s.lq(), s.o(), 1.0)));
      } else {
        pts.add(DataPoint.self(Instances.matrix(rnd, s.lq(), s.dq(), 1.0), Instances.matrix(rnd, s.lq(), s.o(), 1.0)));
      }
    }
    return new LoraInstance(s.alpha(), s.beta(), w, pts);
  }

  /**
   * The random instance with X^Q and X^K multiplied by one 6-digit factor so that the largest
   * |score| is about target (null when every score is near 0).
   */
  static LoraInstance scaled(Shape s, long seed, double target) {
    return ExactDoubleProperties.withMaxScore(random(s, seed), target);
  }

  /**
   * The random instance with a bias feature that gives every row of S a large offset: column 0 of
   * every X^Q and X^K set to 1; column 0 of W*_K set to {@code e_0} and column 0 of A_K to 0, so
   * {@code Km[l][0] = 1} exactly; row 0 of W*_Q set to {@code (big, 0, ..., 0)} and row 0 of B_Q
   * to 0; the other rows of W*_Q and B_Q multiplied by {@code k = 1/beta} (6 digits). Then
   * {@code Qm[j][0] = big + O(k)}, {@code Qm[j][i] = O(k)} for i > 0, and
   * {@code S[j,l] = beta big + O(1) + sum_{i>0} beta Qm[j][i] Km[l][i]}: a per-row offset of about
   * {@code beta big} on top of O(1) differences, for any beta. Needs {@code dq, dk, h >= 2};
   * {@code big} is rounded to 7 significant digits (not a double).
   */
  static LoraInstance offset(Shape s, long seed, double big) {
    LoraInstance base = random(s, seed);
    BigDecimal k = BigDecimal.ONE.divide(s.beta(), new MathContext(6));
    Map<Adapter, Projection> w = new EnumMap<>(base.weights());
    Projection pq = base.projection(Adapter.Q);
    BigDecimal[][] wq = entries(pq.frozen());
    for (int a = 0; a < wq.length; a++) {
      for (int i = 0; i < wq[0].length; i++) {
        wq[a][i] = a > 0 ? wq[a][i].multiply(k) : i == 0 ? new BigDecimal(big).round(new MathContext(7)) : BigDecimal.ZERO;
      }
    }
    DecimalMatrix bq = pq.b();
    if (bq != null) {
      BigDecimal[][] e = entries(bq);
      for (int a = 0; a < e.length; a++) {
        for (int r = 0; r < e[0].length; r++) {
          e[a][r] = a == 0 ? BigDecimal.ZERO : e[a][r].multiply(k);
        }
      }
      bq = DecimalMatrix.of("B_Q", e);
    }
    w.put(Adapter.Q, new Projection(DecimalMatrix.of("W_Q", wq), pq.a(), bq));
    Projection pk = base.projection(Adapter.K);
    BigDecimal[][] wk = entries(pk.frozen());
    for (int a = 0; a < wk.length; a++) {
      wk[a][0] = a == 0 ? BigDecimal.ONE : BigDecimal.ZERO;
    }
    DecimalMatrix ak = pk.a();
    if (ak != null) {
      BigDecimal[][] e = entries(ak);
      for (BigDecimal[] row : e) {
        row[0] = BigDecimal.ZERO;
      }
      ak = DecimalMatrix.of("A_K", e);
    }
    w.put(Adapter.K, new Projection(DecimalMatrix.of("W_K", wk), ak, pk.b()));
    List<DataPoint> pts = new ArrayList<>();
    for (DataPoint p : base.data()) {
      DecimalMatrix xq = withBias(p.xq());
      if (p.selfAttention()) {
        pts.add(DataPoint.self(xq, p.y()));
      } else {
        pts.add(DataPoint.cross(xq, withBias(p.xk()), p.xv(), p.y()));
      }
    }
    return new LoraInstance(base.alpha(), base.beta(), w, pts);
  }

  /**
   * Nearly equal rows, where the backward sums cancel (the rows of P sum to 0): self-attention
   * {@code X_l = m + eps r_l} (m one random row, r_l the random rows; scores O(1) with differences
   * O(eps)); cross-attention {@code X^K_l = big m_K + r_l} and {@code X^V_l = big m_V + r^V_l}
   * (keys and values that share a large component: scores about {@code beta q . (big m_K W_K)} with
   * O(1) differences). {@code eps} and {@code big} are rounded to 3 significant digits.
   */
  static LoraInstance nearlyEqualRows(Shape s, long seed, double eps, double big) {
    LoraInstance base = random(s, seed);
    Random rnd = new Random(~seed);
    BigDecimal e = new BigDecimal(eps).round(new MathContext(3));
    BigDecimal b = new BigDecimal(big).round(new MathContext(3));
    List<DataPoint> pts = new ArrayList<>();
    for (DataPoint p : base.data()) {
      if (p.selfAttention()) {
        pts.add(DataPoint.self(shifted(p.xq(), Instances.matrix(rnd, 1, p.xq().cols(), 1.0), BigDecimal.ONE, e), p.y()));
      } else {
        pts.add(DataPoint.cross(p.xq(),
            shifted(p.xk(), Instances.matrix(rnd, 1, p.xk().cols(), 1.0), b, BigDecimal.ONE),
            shifted(p.xv(), Instances.matrix(rnd, 1, p.xv().cols(), 1.0), b, BigDecimal.ONE), p.y()));
      }
    }
    return new LoraInstance(base.alpha(), base.beta(), base.weights(), pts);
  }

  /** Rows {@code scale m + eps x_l}. */
  private static DecimalMatrix shifted(DecimalMatrix x, DecimalMatrix m, BigDecimal scale, BigDecimal eps) {
    BigDecimal[][] out = entries(x);
    for (int l = 0; l < out.length; l++) {
      for (int i = 0; i < out[0].length; i++) {
        out[l][i] = scale.multiply(m.get(0, i)).add(eps.multiply(out[l][i]));
      }
    }
    return DecimalMatrix.of("X", out);
  }

  private static DecimalMatrix withBias(DecimalMatrix x) {
    BigDecimal[][] e = entries(x);
    for (BigDecimal[] row : e) {
      row[0] = BigDecimal.ONE;
    }
    return DecimalMatrix.of("X", e);
  }

  static BigDecimal[][] entries(DecimalMatrix m) {
    BigDecimal[][] e = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        e[i][j] = m.get(i, j);
      }
    }
    return e;
  }
}
