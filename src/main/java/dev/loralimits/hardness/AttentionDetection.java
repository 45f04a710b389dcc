package dev.loralimits.hardness;

import dev.loralimits.model.Checks;

/**
 * The attention-detection instance of H2 (proofs-notes/MODEL.md §5.3, HARDNESS-H1-H2-H4.md §2):
 * queries, keys and values of length {@code L = N + 1} and width m, built by
 * {@link OvToAttention#forward}, with the scale B.
 * Row 0 is the "sink" ({@code q_0 = k_0 = v_0 = 0}); for {@code a, b >= 1},
 * {@code q_a . k_b = -B <u_a, w_b>} and {@code v_b = e_1}, so the first output column is
 * {@code o_a = Sigma_a / (1 + Sigma_a)}, {@code Sigma_a = sum_b exp(-B <u_a, w_b>)}.
 *
 * <p><b>Gaps</b> (proofs-notes/HARDNESS-H1-H2-H4.md, H2), with {@code B = 2 ln N + ln 8}, so
 * {@code N e^{-B} = 1/(8N)}: an orthogonal pair gives {@link #loss()} {@code >= 1/8}
 * ({@link #LOSS_WITH_PAIR}); none gives {@code loss <= 1/(128 N)} ({@link #lossBoundWithoutPair()});
 * {@link #decide()} compares with {@link #THRESHOLD} {@code = 1/16}, which lies strictly between
 * for every {@code N >= 1}. Both bounds hold for the double computation too (same notes).
 *
 * <p>The constructor copies the arrays; the accessors return the internal arrays, which callers
 * must not modify.
 *
 * @param q queries, {@code (N+1) x m}
 * @param k keys, {@code (N+1) x m}
 * @param v values, {@code (N+1) x m}
 * @param b the scale B, {@code > 0}
 * @param n N, the number of vectors per side after padding, at least 1
 * @param m the width (the OV dimension, at least 1)
 */
public record AttentionDetection(double[][] q, double[][] k, double[][] v, double b, int n, int m) {
  /** Lower bound on the loss when an orthogonal pair exists: {@code 1/2 (1/2)^2}. */
  public static final double LOSS_WITH_PAIR = 1.0 / 8;
  /** The decision threshold, between 1/8 and {@code 1/(128 N) <= 1/128}. */
  public static final double THRESHOLD = 1.0 / 16;

  /** @throws IllegalArgumentException when a shape, B, N or m is invalid or an entry not finite */
  public AttentionDetection {
    Checks.positive("N", n);
    Checks.positive("m", m);
    Checks.finite("B", b);
    Checks.positive("B", b);
    q = copy("q", q, n + 1, m);
    k = copy("k", k, n + 1, m);
    v = copy("v", v, n + 1, m);
  }

  private static double[][] copy(String name, double[][] x, int rows, int cols) {
    Checks.notNull(name, x);
    Checks.argument(x.length == rows, name + " has " + x.length + " rows, expected " + rows + " (L = N + 1)");
    double[][] c = new double[rows][];
    for (int i = 0; i < rows; i++) {
      c[i] = Checks.notNull(name + "[" + i + "]", x[i]).clone();
      Checks.argument(c[i].length == cols, name + "[" + i + "] has " + c[i].length + " entries, expected " + cols);
      for (int j = 0; j < cols; j++) {
        Checks.finite(name + "[" + i + "][" + j + "]", c[i][j]);
      }
    }
    return c;
  }

  /** The length {@code L = N + 1}. */
  public int length() {
    return n + 1;
  }

  /**
   * First column of the attention output, one entry per query row a = 0..N:
   * {@code o_a = sum_b softmax_b(q_a . k_b) v_b[0]}, computed stably (row maximum subtracted, so
   * every exponent is {@code <= 0} and the denominator is {@code >= 1}), with
   * {@link StrictMath#exp}.
   *
   * <p>Keys are summed from the last (b = N) to the first (b = 0), in the numerator and in the
   * denominator alike. On an H2 instance the sink (b = 0) then enters last, with
   * {@code v_0[0] = 0}, so the computed denominator is exactly {@code fl(num + 1)}; this is what
   * makes {@code o_a >= 1/2} hold in floating point whenever the computed numerator is at least 1
   * (proofs-notes/HARDNESS-H1-H2-H4.md, "H2 in doubles").
   */
  public double[] outputs() {
    int len = length();
    double[] o = new double[len];
    double[] s = new double[len];
    for (int a = 0; a < len; a++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int bb = 0; bb < len; bb++) {
        double dot = 0;
        for (int c = 0; c < m; c++) {
          dot += q[a][c] * k[bb][c];
        }
        s[bb] = dot;
        if (dot > max) {
          max = dot;
        }
      }
      double num = 0;
      double den = 0;
      for (int bb = len - 1; bb >= 0; bb--) {
        double e = StrictMath.exp(s[bb] - max);
        num += e * v[bb][0];
        den += e;
      }
      o[a] = num / den;
    }
    return o;
  }

  /** The loss {@code 1/2 sum_{a >= 1} o_a^2} (row 0, a known constant, excluded). */
  public double loss() {
    double[] o = outputs();
    double sum = 0;
    for (int a = 1; a < o.length; a++) {
      sum += o[a] * o[a];
    }
    return sum / 2;
  }

  /**
   * The full attention loss {@code 1/2 ||D^{-1} exp(Q K^T) V||_F^2} over all rows and columns:
   * {@link #loss()} plus row 0's {@link #rowZeroLoss()} (the other columns of V are 0). This is
   * the AAttLGC loss {@code l(I_m)} of {@link AAttLGC#ofDetection}.
   */
  public double fullLoss() {
    double[] o = outputs();
    double sum = 0;
    for (double x : o) {
      sum += x * x;
    }
    return sum / 2;
  }

  /**
   * Row 0's share of the full loss, {@code 1/2 (N/(N+1))^2}: query 0 is zero, so its attention is
   * uniform over N + 1 keys of which N carry value 1.
   */
  public double rowZeroLoss() {
    double r = (double) n / (n + 1);
    return r * r / 2;
  }

  /** The upper bound {@code 1/(128 N)} on the loss when no pair is orthogonal. */
  public double lossBoundWithoutPair() {
    return 1.0 / (128.0 * n);
  }

  /** H2 decision: {@code loss() >= 1/16}, i.e. "an orthogonal pair exists". */
  public boolean decide() {
    return loss() >= THRESHOLD;
  }
}
