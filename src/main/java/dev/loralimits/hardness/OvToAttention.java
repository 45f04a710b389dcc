package dev.loralimits.hardness;

import dev.loralimits.fast.Dense;
import dev.loralimits.model.Checks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * H2 (proofs-notes/MODEL.md §5.3): Orthogonal Vectors to attention detection (in the spirit of Alman-Song 2023,
 * with our own constants; proofs-notes/HARDNESS-H1-H2-H4.md, H2).
 *
 * <p>Pad the shorter side with all-ones vectors so that both sides hold N vectors (this keeps
 * the answer: a padding vector is orthogonal only to a zero vector, which is orthogonal to every
 * real vector too). With {@code B = 2 ln N + ln 8} build length {@code L = N + 1}, width m:
 *
 * <pre>
 *   q_0 = 0,  q_a = sqrt(B) u_a;    k_0 = 0,  k_b = -sqrt(B) w_b;    v_0 = 0,  v_b = e_1   (a, b = 1..N)
 * </pre>
 *
 * An OV instance of dimension 0 (a formula without clauses) gets one zero column, which changes
 * no inner product. {@code N = 1} is allowed: then {@code B = ln 8} and both gaps still hold.
 */
public final class OvToAttention {
  private OvToAttention() {}

  /**
   * The scale {@code B = 2 ln N + ln 8}, so that {@code N e^{-B} = 1/(8N)}.
   *
   * @throws IllegalArgumentException when N is not positive
   */
  public static double scale(int n) {
    Checks.positive("N", n);
    return 2 * Math.log(n) + Math.log(8);
  }

  /**
   * H2 forward.
   *
   * @throws IllegalArgumentException when the instance is missing
   */
  public static AttentionDetection forward(OvInstance ov) {
    Checks.notNull("instance", ov);
    int n = Math.max(ov.u().length, ov.w().length);
    int dim = ov.dimension();
    int m = Math.max(dim, 1);
    double b = scale(n);
    double root = Math.sqrt(b);
    double[][] q = new double[n + 1][m];
    double[][] k = new double[n + 1][m];
    double[][] v = new double[n + 1][m];
    for (int a = 1; a <= n; a++) {
      int[] ua = padded(ov.u(), a - 1, dim);
      int[] wb = padded(ov.w(), a - 1, dim);
      for (int c = 0; c < dim; c++) {
        q[a][c] = root * ua[c];
        k[a][c] = -root * wb[c];
      }
      v[a][0] = 1;
    }
    return new AttentionDetection(q, k, v, b, n, m);
  }

  private static int[] padded(int[][] side, int i, int dim) {
    if (i < side.length) {
      return side[i];
    }
    int[] ones = new int[dim];
    Arrays.fill(ones, 1);
    return ones;
  }

  /**
   * H2 decode: "an orthogonal pair exists", read off the loss ({@link AttentionDetection#decide}).
   *
   * @throws IllegalArgumentException when the instance is missing
   */
  public static boolean decode(AttentionDetection det) {
    return Checks.notNull("instance", det).decide();
  }

  /**
   * Norms of H2: inputs {@code ||U||_inf, ||W||_inf}; outputs {@code B},
   * {@code ||Q||_inf = sqrt(B) ||U||_inf}, {@code ||K||_inf = sqrt(B) ||W||_inf} (after padding)
   * and {@code ||V||_inf = 1}.
   *
   * @throws IllegalArgumentException when an argument is missing
   */
  public static NormMap normMap(OvInstance ov, AttentionDetection det) {
    Checks.notNull("instance", ov);
    Checks.notNull("detection", det);
    Map<String, Double> in = new LinkedHashMap<>();
    in.put("U", NormMap.maxAbs(ov.u()));
    in.put("W", NormMap.maxAbs(ov.w()));
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("B", det.b());
    out.put("Q", Dense.maxAbs(det.q()));
    out.put("K", Dense.maxAbs(det.k()));
    out.put("V", Dense.maxAbs(det.v()));
    return new NormMap("H2", in, out);
  }
}
