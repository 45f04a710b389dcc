package dev.loralimits.check;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Instances of the case classes that precision-aware {@code check} must judge right, with every
 * width independent (d = cols(X), h = cols(W_Q) = cols(W_K), o = cols(W_V), one rank per adapter)
 * and cross-attention points with {@code Lq != Lk}.
 */
final class ToleranceCases {
  private ToleranceCases() {}

  /** The case classes of issue 8 item 1. */
  enum Kind {
    /** Entries of order 1, beta 0.5-2: no cancellation to speak of. */
    WELL_CONDITIONED,
    /** beta 50 with spread keys: softmax rows nearly one-hot. */
    ONE_HOT,
    /** B_Q = 0 and A_V = 0: dLoss/dA_Q and dLoss/dB_V are exactly zero. */
    ZERO_MATRIX,
    /** Y equal to the float64 output: the residual is rounding noise. */
    Y_IS_OUTPUT,
    /** Scores of magnitude 1e2-1e4 (X scaled up). */
    LARGE_SCORES
  }

  /**
   * The shape of an instance.
   *
   * @param lq query length
   * @param lk key length of the cross-attention point (the self-attention point has lq)
   * @param d input width
   * @param h head width of Q and K
   * @param o width of V
   * @param ranks rank of the Q, K, V adapters (0 = frozen)
   * @param cross whether a cross-attention point is added
   */
  record Shape(int lq, int lk, int d, int h, int o, int[] ranks, boolean cross) {}

  static LoraInstance build(Kind kind, Shape s, long seed) {
    Random rnd = new Random(seed);
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      int cols = mu == Adapter.V ? s.o() : s.h();
      DecimalMatrix frozen = matrix(rnd, s.d(), cols, 1.0 / Math.sqrt(s.d()));
      int r = s.ranks()[mu.ordinal()];
      if (r == 0) {
        w.put(mu, Projection.frozen(frozen));
        continue;
      }
      DecimalMatrix a = matrix(rnd, r, cols, 0.5);
      DecimalMatrix b = matrix(rnd, s.d(), r, 0.5);
      if (kind == Kind.ZERO_MATRIX && mu == Adapter.Q) {
        b = zeros(s.d(), r);
      }
      if (kind == Kind.ZERO_MATRIX && mu == Adapter.V) {
        a = zeros(r, cols);
      }
      w.put(mu, Projection.adapted(frozen, a, b));
    }
    double xScale = kind == Kind.LARGE_SCORES ? Math.pow(10, 1 + 1.5 * rnd.nextDouble()) : 1;
    BigDecimal beta = kind == Kind.ONE_HOT
        ? BigDecimal.valueOf(50)
        : BigDecimal.valueOf(500 + rnd.nextInt(1501), 3);
    List<DataPoint> pts = new ArrayList<>();
    pts.add(DataPoint.self(matrix(rnd, s.lq(), s.d(), xScale), matrix(rnd, s.lq(), s.o(), 1)));
    if (s.cross()) {
      pts.add(DataPoint.cross(
          matrix(rnd, s.lq(), s.d(), xScale), matrix(rnd, s.lk(), s.d(), xScale),
          matrix(rnd, s.lk(), s.d(), 1), matrix(rnd, s.lq(), s.o(), 1)));
    }
    BigDecimal alpha = BigDecimal.valueOf(1 + rnd.nextInt(16));
    LoraInstance inst = new LoraInstance(alpha, beta, w, pts);
    if (kind != Kind.Y_IS_OUTPUT) {
      return inst;
    }
    // Y := the float64 output of the textbook pass, so that Z - Y is rounding noise
    List<double[][]> z = EmulatedAttention.outputs(inst, FloatFormat.FLOAT64);
    List<DataPoint> withY = new ArrayList<>();
    for (int i = 0; i < pts.size(); i++) {
      DataPoint p = pts.get(i);
      DecimalMatrix y = DecimalMatrix.ofDoubles("Y", z.get(i));
      withY.add(p.selfAttention() ? DataPoint.self(p.xq(), y) : DataPoint.cross(p.xq(), p.xk(), p.xv(), y));
    }
    return new LoraInstance(alpha, beta, w, withY);
  }

  /** Entries k/1000 * scale with k uniform, three decimals after scaling (exact decimals). */
  static DecimalMatrix matrix(Random rnd, int rows, int cols, double scale) {
    BigDecimal[][] b = new BigDecimal[rows][cols];
    BigDecimal sc = new BigDecimal(scale).round(new java.math.MathContext(3));
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        b[i][j] = BigDecimal.valueOf(rnd.nextInt(2001) - 1000, 3).multiply(sc);
      }
    }
    return DecimalMatrix.of("random", b);
  }

  static DecimalMatrix zeros(int rows, int cols) {
    BigDecimal[][] b = new BigDecimal[rows][cols];
    for (BigDecimal[] row : b) {
      java.util.Arrays.fill(row, BigDecimal.ZERO);
    }
    return DecimalMatrix.of("zeros", b);
  }
}
