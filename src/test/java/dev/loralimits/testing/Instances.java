package dev.loralimits.testing;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random LoRA instances with short exact decimal entries (three decimals), for properties and
 * examples. Seeded {@link Random}: jqwik supplies the seed, so failures shrink and replay.
 */
public final class Instances {
  private Instances() {}

  /**
   * The shape of a random instance.
   *
   * @param lq query length
   * @param lk key length (equal to lq for self-attention)
   * @param d width of every X and W
   * @param r LoRA rank of every adapter
   * @param points number of data points
   * @param cross cross-attention (distinct X^Q, X^K, X^V) or self-attention
   * @param adapters the adapted projections
   * @param alpha LoRA scale
   * @param beta inverse temperature
   * @param scale entries of X lie in [-scale, scale]
   */
  public record Spec(
      int lq, int lk, int d, int r, int points, boolean cross, Set<Adapter> adapters,
      BigDecimal alpha, BigDecimal beta, double scale) {}

  /** A random instance of the given shape. */
  public static LoraInstance random(Spec s, long seed) {
    Random rnd = new Random(seed);
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      DecimalMatrix frozen = matrix(rnd, s.d(), s.d(), 1.0 / Math.sqrt(s.d()));
      w.put(
          mu,
          s.adapters().contains(mu)
              ? Projection.adapted(frozen, matrix(rnd, s.r(), s.d(), 0.5), matrix(rnd, s.d(), s.r(), 0.5))
              : Projection.frozen(frozen));
    }
    List<DataPoint> pts = new ArrayList<>();
    for (int i = 0; i < s.points(); i++) {
      if (s.cross()) {
        pts.add(
            DataPoint.cross(
                matrix(rnd, s.lq(), s.d(), s.scale()),
                matrix(rnd, s.lk(), s.d(), s.scale()),
                matrix(rnd, s.lk(), s.d(), s.scale()),
                matrix(rnd, s.lq(), s.d(), 1.0)));
      } else {
        pts.add(DataPoint.self(matrix(rnd, s.lq(), s.d(), s.scale()), matrix(rnd, s.lq(), s.d(), 1.0)));
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
