package dev.loralimits.hardness;

import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;

/**
 * The LoRA instance that H4 ({@link AttentionToLora#forward}) builds from an {@link AAttLGC}
 * instance, in doubles (for {@code ExactDouble} and the fast algorithm) and in exact decimals (for
 * the reference). The decimal instance is the double instance converted exactly
 * ({@code new BigDecimal(double)}), so both describe the same numbers.
 *
 * <p>The query adapter holds {@code A_Q = [x I_m | 0]} with {@code x = queryEntry = fl(lambda/m)}
 * (exact when m is a power of two), i.e. the embedded AAttLGC point is
 * {@code X = m x I_m = lambda (1 + delta) I_m}, {@code |delta| <= 2^-53}.
 *
 * @param source the AAttLGC instance
 * @param doubles the LoRA instance in doubles
 * @param exact the same LoRA instance in exact decimals
 * @param queryEntry {@code fl(lambda / m)}, the diagonal entry of {@code A_Q}
 */
public record LoraEmbedding(AAttLGC source, DoubleInstance doubles, LoraInstance exact, double queryEntry) {
  /** @throws IllegalArgumentException when a field is missing */
  public LoraEmbedding {
    Checks.notNull("source", source);
    Checks.notNull("doubles", doubles);
    Checks.notNull("exact", exact);
    Checks.finite("queryEntry", queryEntry);
  }

  /** The AAttLGC width m (= the LoRA rank). */
  public int m() {
    return source.m();
  }

  /** The LoRA width {@code d = m + 1}. */
  public int d() {
    return source.m() + 1;
  }

  /**
   * {@code ||C1 W||_inf = ||beta X^Q W_Q||_inf} of the exact LoRA instance, by exact decimal
   * products (here {@code W*_Q = 0}, so this is {@code ||C1 B_Q A_Q||_inf}, the query-side norm
   * of Theorem 4.1).
   */
  public BigDecimal loraQueryNorm() {
    Projection wq = exact.projection(Adapter.Q);
    BigDecimal scale = exact.alpha().divide(BigDecimal.valueOf(wq.rank().orElseThrow()));
    BigDecimal[][] w = plus(wq.frozen(), times(scale, product(wq.b(), wq.a())));
    BigDecimal[][] c1w = product(exact.data().get(0).xq(), w);
    return maxAbs(c1w).multiply(exact.beta());
  }

  /** {@code ||C2||_inf = ||X^K W_K||_inf} of the exact LoRA instance (the key-side norm). */
  public BigDecimal loraKeyNorm() {
    return maxAbs(product(exact.data().get(0).xk(), exact.projection(Adapter.K).frozen()));
  }

  /**
   * {@code ||A1 X||_inf / m} of the embedded point {@code X = m x I}: {@code ||A1||_inf |x|},
   * exactly.
   */
  public BigDecimal sourceQueryNorm() {
    return DecimalMatrix.ofDoubles("A1", source.a1()).maxAbs().multiply(new BigDecimal(queryEntry).abs());
  }

  /** {@code ||A2||_inf}, exactly. */
  public BigDecimal sourceKeyNorm() {
    return DecimalMatrix.ofDoubles("A2", source.a2()).maxAbs();
  }

  private static BigDecimal[][] product(DecimalMatrix x, DecimalMatrix y) {
    return product(entries(x), entries(y));
  }

  private static BigDecimal[][] product(DecimalMatrix x, BigDecimal[][] y) {
    return product(entries(x), y);
  }

  private static BigDecimal[][] product(BigDecimal[][] x, BigDecimal[][] y) {
    BigDecimal[][] r = new BigDecimal[x.length][y[0].length];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < y[0].length; j++) {
        BigDecimal s = BigDecimal.ZERO;
        for (int k = 0; k < y.length; k++) {
          s = s.add(x[i][k].multiply(y[k][j]));
        }
        r[i][j] = s;
      }
    }
    return r;
  }

  private static BigDecimal[][] plus(DecimalMatrix x, BigDecimal[][] y) {
    BigDecimal[][] r = entries(x);
    for (int i = 0; i < r.length; i++) {
      for (int j = 0; j < r[0].length; j++) {
        r[i][j] = r[i][j].add(y[i][j]);
      }
    }
    return r;
  }

  private static BigDecimal[][] times(BigDecimal c, BigDecimal[][] y) {
    BigDecimal[][] r = new BigDecimal[y.length][y[0].length];
    for (int i = 0; i < y.length; i++) {
      for (int j = 0; j < y[0].length; j++) {
        r[i][j] = c.multiply(y[i][j]);
      }
    }
    return r;
  }

  private static BigDecimal[][] entries(DecimalMatrix x) {
    BigDecimal[][] r = new BigDecimal[x.rows()][x.cols()];
    for (int i = 0; i < x.rows(); i++) {
      for (int j = 0; j < x.cols(); j++) {
        r[i][j] = x.get(i, j);
      }
    }
    return r;
  }

  private static BigDecimal maxAbs(BigDecimal[][] x) {
    BigDecimal r = BigDecimal.ZERO;
    for (BigDecimal[] row : x) {
      for (BigDecimal v : row) {
        r = r.max(v.abs());
      }
    }
    return r;
  }
}
