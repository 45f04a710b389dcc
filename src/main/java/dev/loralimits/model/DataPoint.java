package dev.loralimits.model;

/**
 * One data point of Definition 1.2 / A.1: the triplet input {@code (X^Q, X^K, X^V)} and the target
 * {@code Y}. Self-attention is the case {@code X^Q = X^K = X^V = X}.
 *
 * @param xq queries' input, {@code Lq x dq}
 * @param xk keys' input, {@code Lk x dk}
 * @param xv values' input, {@code Lk x dv} (same length as the keys)
 * @param y target, {@code Lq x cols(W_V)}
 * @param selfAttention whether the point was given as a single X (recorded for round trips)
 */
public record DataPoint(
    DecimalMatrix xq, DecimalMatrix xk, DecimalMatrix xv, DecimalMatrix y, boolean selfAttention) {

  /** @throws IllegalArgumentException when a matrix is missing or X^K and X^V lengths differ */
  public DataPoint {
    Checks.notNull("XQ", xq);
    Checks.notNull("XK", xk);
    Checks.notNull("XV", xv);
    Checks.notNull("Y", y);
    Checks.rows("XV", xv, xk.rows(), "keys and values have the same length");
    Checks.rows("Y", y, xq.rows(), "one target row per query");
    if (selfAttention) {
      Checks.argument(xq == xk && xk == xv, "a self-attention point uses one X for Q, K and V");
    }
  }

  /** A self-attention point {@code X^Q = X^K = X^V = x}. */
  public static DataPoint self(DecimalMatrix x, DecimalMatrix y) {
    return new DataPoint(x, x, x, y, true);
  }

  /** A cross-attention point. */
  public static DataPoint cross(
      DecimalMatrix xq, DecimalMatrix xk, DecimalMatrix xv, DecimalMatrix y) {
    return new DataPoint(xq, xk, xv, y, false);
  }

  /** Number of query rows {@code Lq}. */
  public int queryLength() {
    return xq.rows();
  }

  /** Number of key rows {@code Lk}. */
  public int keyLength() {
    return xk.rows();
  }
}
