package dev.loralimits.bench;

import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded self-attention instances for the benchmarks: one point {@code (X, Y)} with
 * {@code X: L x d}, entries uniform in {@code [-gamma, gamma]}, {@code Y: L x d} uniform in
 * {@code [-1, 1]}; Q, K and V adapted with rank {@link #RANK}, {@code W* = I_d} and A, B uniform in
 * {@code [-ADAPTER_SCALE, ADAPTER_SCALE]}, so that {@code W = I + (alpha/r) B A} differs from the
 * identity by at most {@code d r ADAPTER_SCALE^2 = O(1e-5)} per entry and
 * {@code ||X^Q W_Q||_max ~= ||X^K W_K||_max ~= gamma} (the paper's norm bound Gamma, entrywise).
 * {@code alpha = beta = 1}.
 */
public final class BenchInstances {
  /** The seed of every instance (fixed: the same parameters give the same instance). */
  public static final long SEED = 20240605L;
  /** LoRA rank r of each adapter. */
  public static final int RANK = 1;
  /** Half-width of the uniform entries of A and B: small, so W stays within O(1e-5) of I. */
  public static final double ADAPTER_SCALE = 1e-3;
  /** The LoRA scale alpha and the inverse temperature beta. */
  public static final double ALPHA = 1;

  public static final double BETA = 1;

  private BenchInstances() {}

  /**
   * The instance for (L, d, gamma).
   *
   * @throws IllegalArgumentException when L or d is not positive or gamma is not positive
   */
  public static DoubleInstance selfAttention(int length, int d, double gamma) {
    if (!(length > 0 && d > 0 && gamma > 0)) {
      throw new IllegalArgumentException(
          "L (" + length + "), d (" + d + ") and gamma (" + gamma + ") must be > 0");
    }
    SplittableRandom rnd = new SplittableRandom(SEED);
    Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      double[][] identity = new double[d][d];
      for (int i = 0; i < d; i++) {
        identity[i][i] = 1;
      }
      w.put(mu, new Weight(identity, uniform(rnd, RANK, d, ADAPTER_SCALE), uniform(rnd, d, RANK, ADAPTER_SCALE)));
    }
    double[][] x = uniform(rnd, length, d, gamma);
    double[][] y = uniform(rnd, length, d, 1);
    return new DoubleInstance(ALPHA, BETA, w, List.of(Point.self(x, y)));
  }

  private static double[][] uniform(SplittableRandom rnd, int rows, int cols, double half) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextDouble(-half, half);
      }
    }
    return m;
  }
}
