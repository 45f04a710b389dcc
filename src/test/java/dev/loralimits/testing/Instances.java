package dev.loralimits.testing;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random LoRA instances with short exact decimal entries (three decimals), for properties and
 * examples. Seeded {@link Random}: jqwik supplies the seed, so failures shrink and replay.
 *
 * <p>Shapes follow the model ({@code LoraInstance}): {@code W_Q: dq x h}, {@code W_K: dk x h},
 * {@code W_V: dv x o}, adapter mu with {@code A_mu: r_mu x cols(W_mu)} and
 * {@code B_mu: rows(W_mu) x r_mu}, and per point {@code X^Q: Lq x dq}, {@code X^K: Lk x dk},
 * {@code X^V: Lk x dv}, {@code Y: Lq x o}.
 */
public final class Instances {
  private Instances() {}

  /**
   * The shape of a random instance; every width and every adapter's rank is its own number.
   *
   * @param lq query length
   * @param lk key length (equal to lq for self-attention)
   * @param dq rows of W_Q, columns of X^Q
   * @param dk rows of W_K, columns of X^K (= dq for self-attention)
   * @param dv rows of W_V, columns of X^V (= dq for self-attention)
   * @param h columns of W_Q and W_K (the head width of the scores)
   * @param o columns of W_V and of Y
   * @param ranks the LoRA rank of each adapted projection; its key set is the adapted set
   * @param points number of data points
   * @param cross cross-attention (distinct X^Q, X^K, X^V) or self-attention
   * @param alpha LoRA scale
   * @param beta inverse temperature
   * @param scale entries of X lie in [-scale, scale]
   */
  public record Spec(
      int lq, int lk, int dq, int dk, int dv, int h, int o, Map<Adapter, Integer> ranks, int points,
      boolean cross, BigDecimal alpha, BigDecimal beta, double scale) {

    /** @throws IllegalArgumentException when a size is not positive or a self-attention shape has two X widths or lengths */
    public Spec {
      for (int n : new int[] {lq, lk, dq, dk, dv, h, o, points}) {
        if (n < 1) {
          throw new IllegalArgumentException("spec sizes must be >= 1: " + List.of(lq, lk, dq, dk, dv, h, o, points));
        }
      }
      EnumMap<Adapter, Integer> copy = new EnumMap<>(Adapter.class);
      copy.putAll(ranks);
      for (Map.Entry<Adapter, Integer> e : copy.entrySet()) {
        if (e.getValue() < 1) {
          throw new IllegalArgumentException("rank of " + e.getKey() + " (" + e.getValue() + ") must be >= 1");
        }
      }
      ranks = Collections.unmodifiableMap(copy);
      if (!cross && (lk != lq || dk != dq || dv != dq)) {
        throw new IllegalArgumentException(
            "self-attention uses one X: needs lk = lq and dq = dk = dv, got lq " + lq + ", lk " + lk
                + ", dq " + dq + ", dk " + dk + ", dv " + dv);
      }
    }

    /**
     * The square shape of the paper: every X and W of width d, one rank r for every adapter (a
     * self-attention spec takes lk = lq, as the square-only generator did).
     *
     * @param d width of every X and W
     * @param r LoRA rank of every adapter
     * @param adapters the adapted projections
     */
    public Spec(
        int lq, int lk, int d, int r, int points, boolean cross, Set<Adapter> adapters,
        BigDecimal alpha, BigDecimal beta, double scale) {
      this(lq, cross ? lk : lq, d, d, d, d, d, sameRank(adapters, r), points, cross, alpha, beta, scale);
    }

    /** The adapted projections. */
    public Set<Adapter> adapters() {
      return ranks.isEmpty() ? EnumSet.noneOf(Adapter.class) : EnumSet.copyOf(ranks.keySet());
    }

    /** Rows of W_mu (the width of the X it multiplies). */
    public int rows(Adapter mu) {
      return mu == Adapter.Q ? dq : mu == Adapter.K ? dk : dv;
    }

    /** Columns of W_mu. */
    public int cols(Adapter mu) {
      return mu == Adapter.V ? o : h;
    }

    /** dq = dk = dv = h = o. */
    public boolean squareWeights() {
      return dq == h && dk == h && dv == h && o == h;
    }

    /** Square weights and one rank for every adapter: the only shape the old generators made. */
    public boolean square() {
      return squareWeights() && ranks.values().stream().distinct().count() <= 1;
    }

    /** Two adapters with different ranks. */
    public boolean ranksDiffer() {
      return ranks.values().stream().distinct().count() > 1;
    }

    /** The largest rank (1 when nothing is adapted). */
    public int maxRank() {
      return ranks.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    /** The largest of dq, dk, dv, h, o. */
    public int maxWidth() {
      return Math.max(Math.max(Math.max(dq, dk), Math.max(dv, h)), o);
    }

    /** This shape with other lengths and attention kind (to self-attention: dk = dv = dq, lk = lq). */
    public Spec withLengths(int newLq, int newLk, boolean newCross) {
      return new Spec(
          newLq, newCross ? newLk : newLq, dq, newCross ? dk : dq, newCross ? dv : dq, h, o, ranks, points,
          newCross, alpha, beta, scale);
    }

    /** This shape as cross-attention (the X widths stay). */
    public Spec asCross() {
      return new Spec(lq, lk, dq, dk, dv, h, o, ranks, points, true, alpha, beta, scale);
    }

    /** This shape with another number of points. */
    public Spec withPoints(int n) {
      return new Spec(lq, lk, dq, dk, dv, h, o, ranks, n, cross, alpha, beta, scale);
    }

    /** This shape with another X scale. */
    public Spec withScale(double s) {
      return new Spec(lq, lk, dq, dk, dv, h, o, ranks, points, cross, alpha, beta, s);
    }

    /** This shape with other ranks (and so another adapted set). */
    public Spec withRanks(Map<Adapter, Integer> r) {
      return new Spec(lq, lk, dq, dk, dv, h, o, r, points, cross, alpha, beta, scale);
    }

    /**
     * This shape with adapters {@code set}: an adapter already present keeps its rank, a new one
     * gets {@code newRank}.
     */
    public Spec withAdapters(Set<Adapter> set, int newRank) {
      Map<Adapter, Integer> r = new EnumMap<>(Adapter.class);
      for (Adapter mu : set) {
        r.put(mu, ranks.getOrDefault(mu, newRank));
      }
      return withRanks(r);
    }

    /** This shape with every rank capped at {@code max}. */
    public Spec withRanksAtMost(int max) {
      Map<Adapter, Integer> r = new EnumMap<>(Adapter.class);
      ranks.forEach((mu, v) -> r.put(mu, Math.min(v, max)));
      return withRanks(r);
    }

    private static Map<Adapter, Integer> sameRank(Set<Adapter> adapters, int r) {
      Map<Adapter, Integer> m = new EnumMap<>(Adapter.class);
      for (Adapter mu : adapters) {
        m.put(mu, r);
      }
      return m;
    }
  }

  /**
   * A random instance of the given shape: {@code W*_mu} entries in {@code [-1/sqrt(rows), ..]}
   * (rows = the width summed over in {@code X W}), A and B in [-0.5, 0.5], X in [-scale, scale],
   * Y in [-1, 1]. For a square spec the draws are those of the square-only generator this
   * replaced, so a seed gives the same instance as before.
   */
  public static LoraInstance random(Spec s, long seed) {
    Random rnd = new Random(seed);
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      int rows = s.rows(mu);
      int cols = s.cols(mu);
      DecimalMatrix frozen = matrix(rnd, rows, cols, 1.0 / Math.sqrt(rows));
      Integer r = s.ranks().get(mu);
      w.put(
          mu,
          r != null
              ? Projection.adapted(frozen, matrix(rnd, r, cols, 0.5), matrix(rnd, rows, r, 0.5))
              : Projection.frozen(frozen));
    }
    List<DataPoint> pts = new ArrayList<>();
    for (int i = 0; i < s.points(); i++) {
      if (s.cross()) {
        pts.add(
            DataPoint.cross(
                matrix(rnd, s.lq(), s.dq(), s.scale()),
                matrix(rnd, s.lk(), s.dk(), s.scale()),
                matrix(rnd, s.lk(), s.dv(), s.scale()),
                matrix(rnd, s.lq(), s.o(), 1.0)));
      } else {
        pts.add(DataPoint.self(matrix(rnd, s.lq(), s.dq(), s.scale()), matrix(rnd, s.lq(), s.o(), 1.0)));
      }
    }
    return new LoraInstance(s.alpha(), s.beta(), w, pts);
  }

  /** A rows x cols matrix with entries k/1000 * scale rounded to three decimals, k uniform. */
  public static DecimalMatrix matrix(Random rnd, int rows, int cols, double scale) {
    BigDecimal[][] b = new BigDecimal[rows][cols];
    long max = Math.max(1, Math.round(1000 * scale));
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        b[i][j] = BigDecimal.valueOf(rnd.nextLong() % (max + 1), 3);
      }
    }
    return DecimalMatrix.of("random", b);
  }

  /** All three adapters. */
  public static Set<Adapter> all() {
    return EnumSet.allOf(Adapter.class);
  }
}
