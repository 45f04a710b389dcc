package dev.loralimits.hardness;

import dev.loralimits.fast.Dense;
import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * H4 = the proof of Theorem 4.1 (Appendix E; proofs-notes/MODEL.md §5.3): AAttLGC (Alman-Song
 * 2024) to ALoRAGC. Given {@code A1 (Lq x m)}, {@code A2, A3 (Lk x m)} and {@code X = lambda I_m},
 * build a LoRA instance of width {@code d = m + 1} and rank m:
 *
 * <pre>
 *   X^Q = C1 = [A1 | 0],  X^K = [A2 | 0],  X^V = [A3 | 0],  Y = 0,
 *   W*_Q = 0,  B_Q = [I_m ; 0] (d x m),  A_Q = [X/m | 0] (m x d),  W_K = W_V = I_d (frozen),
 *   alpha = r = m (alpha/r = 1),  beta = 1.
 * </pre>
 *
 * Our model's scores are {@code S = beta X^Q W_Q (X^K W_K)^T} with
 * {@code W_Q = W*_Q + (alpha/r) B_Q A_Q = [[X/m, 0], [0, 0]]}, so
 * {@code S = [A1 X/m | 0] [A2 | 0]^T = A1 X A2^T / m}: the two losses are equal, and
 * {@code dLoss/dA_Q = (alpha/r) B_Q^T (beta X^Q^T P X^K W_K) = [A1^T P A2 | 0]} while
 * {@code dl/dX = (1/m) A1^T P A2} ({@code P = dLoss/dS}). {@link #decode} therefore divides the
 * first m columns by m; it is {@code 1/m}-Lipschitz in the max-entry norm, so an eps-approximate
 * LoRA gradient decodes to an (eps/m)-approximate AAttLGC gradient. Norms:
 * {@code ||C2||_inf = ||A2||_inf}, {@code ||C1 B_Q A_Q||_inf = ||A1 X||_inf / m}
 * (proofs-notes/HARDNESS-H1-H2-H4.md, H4).
 */
public final class AttentionToLora {
  private AttentionToLora() {}

  /**
   * H4 forward: the LoRA instance (doubles and exact decimals) of an AAttLGC instance.
   *
   * @throws IllegalArgumentException when the instance is missing or {@code lambda/m} is not a
   *     finite double
   */
  public static LoraEmbedding forward(AAttLGC p) {
    Checks.notNull("instance", p);
    int m = p.m();
    int d = m + 1;
    double x = p.lambda() / m;
    double[][] aq = new double[m][d];
    double[][] bq = new double[d][m];
    for (int i = 0; i < m; i++) {
      aq[i][i] = x;
      bq[i][i] = 1;
    }
    double[][] eye = new double[d][d];
    for (int i = 0; i < d; i++) {
      eye[i][i] = 1;
    }
    double[][] xq = pad(p.a1(), d);
    double[][] xk = pad(p.a2(), d);
    double[][] xv = pad(p.a3(), d);
    double[][] y = new double[xq.length][d];
    double[][] zero = new double[d][d];

    Map<Adapter, DoubleInstance.Weight> dw = new EnumMap<>(Adapter.class);
    dw.put(Adapter.Q, new DoubleInstance.Weight(zero, aq, bq));
    dw.put(Adapter.K, DoubleInstance.Weight.frozen(eye));
    dw.put(Adapter.V, DoubleInstance.Weight.frozen(eye));
    DoubleInstance doubles =
        new DoubleInstance(m, 1, dw, List.of(new DoubleInstance.Point(xq, xk, xv, y)));

    Map<Adapter, Projection> ew = new EnumMap<>(Adapter.class);
    ew.put(
        Adapter.Q,
        Projection.adapted(
            DecimalMatrix.ofDoubles("W*_Q", zero), DecimalMatrix.ofDoubles("A_Q", aq), DecimalMatrix.ofDoubles("B_Q", bq)));
    ew.put(Adapter.K, Projection.frozen(DecimalMatrix.ofDoubles("W_K", eye)));
    ew.put(Adapter.V, Projection.frozen(DecimalMatrix.ofDoubles("W_V", eye)));
    DataPoint point =
        DataPoint.cross(
            DecimalMatrix.ofDoubles("X^Q", xq),
            DecimalMatrix.ofDoubles("X^K", xk),
            DecimalMatrix.ofDoubles("X^V", xv),
            DecimalMatrix.ofDoubles("Y", y));
    LoraInstance exact = new LoraInstance(BigDecimal.valueOf(m), BigDecimal.ONE, ew, List.of(point));
    return new LoraEmbedding(p, doubles, exact, x);
  }

  /** {@code [a | 0]}: a with zero columns appended up to width d. */
  private static double[][] pad(double[][] a, int d) {
    double[][] r = new double[a.length][d];
    for (int i = 0; i < a.length; i++) {
      System.arraycopy(a[i], 0, r[i], 0, a[i].length);
    }
    return r;
  }

  /**
   * H4 decode: {@code dl/dX} from {@code dLoss/dA_Q} ({@code m x (m + 1)}): the first m columns
   * divided by m.
   *
   * @throws IllegalArgumentException when the matrix is missing, empty, ragged or not
   *     {@code m x (m + 1)}
   */
  public static double[][] decode(double[][] gradAq) {
    Checks.notNull("dLoss/dA_Q", gradAq);
    int m = gradAq.length;
    Checks.argument(m > 0, "dLoss/dA_Q must have at least one row");
    double[][] g = new double[m][m];
    for (int i = 0; i < m; i++) {
      Checks.notNull("dLoss/dA_Q[" + i + "]", gradAq[i]);
      Checks.argument(
          gradAq[i].length == m + 1,
          "dLoss/dA_Q[" + i + "] has " + gradAq[i].length + " entries, expected m + 1 = " + (m + 1));
      for (int j = 0; j < m; j++) {
        g[i][j] = gradAq[i][j] / m;
      }
    }
    return g;
  }

  /**
   * H4 decode of a double gradient result (its Q adapter).
   *
   * @throws IllegalArgumentException when the result has no Q adapter gradient or a wrong shape
   */
  public static double[][] decode(DoubleGradients g) {
    Checks.notNull("gradients", g);
    return decode(Checks.notNull("dLoss/dA_Q", g.gradA().get(Adapter.Q)));
  }

  /**
   * H4 decode of an exact or reference gradient {@code dLoss/dA_Q}: each entry rounded to the
   * nearest double, then divided by m.
   *
   * @throws IllegalArgumentException when the matrix is missing or not {@code m x (m + 1)}
   */
  public static double[][] decode(DecimalMatrix gradAq) {
    return decode(Checks.notNull("dLoss/dA_Q", gradAq).toDoubles());
  }

  /**
   * Norms of H4: inputs {@code ||A1 X||_inf / m}, {@code ||A2||_inf}, {@code ||A3||_inf}; outputs
   * {@code ||C1 B_Q A_Q||_inf}, {@code ||C2||_inf}, {@code ||C3||_inf} (the first two equal the
   * first two inputs exactly: {@link LoraEmbedding#loraQueryNorm()} and
   * {@link LoraEmbedding#sourceQueryNorm()} give them as exact decimals).
   *
   * @throws IllegalArgumentException when the embedding is missing
   */
  public static NormMap normMap(LoraEmbedding e) {
    Checks.notNull("embedding", e);
    Map<String, Double> in = new LinkedHashMap<>();
    in.put("A1 X / m", e.sourceQueryNorm().doubleValue());
    in.put("A2", e.sourceKeyNorm().doubleValue());
    in.put("A3", Dense.maxAbs(e.source().a3()));
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("C1 B_Q A_Q", e.loraQueryNorm().doubleValue());
    out.put("C2", e.loraKeyNorm().doubleValue());
    out.put("C3", Dense.maxAbs(e.doubles().points().get(0).xv()));
    return new NormMap("H4", in, out);
  }
}
