package dev.loralimits.fast;

import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

/**
 * The exact gradient of an attention layer in doubles (spec/PROBLEMS.md Section 7,
 * proofs-notes/LAYER.md Section 2): O(L^2 d) time, O(L d) memory, one pass over the query rows.
 *
 * <p>Query row j is finished before row j + 1 starts: its scores (attended keys only), softmax,
 * {@code Z_j}, residual {@code R_j = Z_j W_O - Y_j} and {@code G_j = R_j W_O^T} need no other row,
 * so the centred softmax backward of LAYER.md (2.4) runs on the same row at once and the key-side
 * gradients {@code dK, dV} accumulate row by row. Memory: Q, K, V, their gradients and one score
 * row per head. Masked entries are never formed (the row loop stops at the last attended key).
 * Single-threaded; the summation order is fixed, so results are reproducible bit for bit.
 */
public final class LayerExact {
  /** The method name written in gradient files. */
  public static final String METHOD = "exact";
  /** Digits written for a double (17 identify every binary64 number). */
  public static final int DIGITS = 17;

  private LayerExact() {}

  /**
   * The loss and adapter gradients of {@code inst} in double precision.
   *
   * @param inst the layer, not null
   * @return the result, every number a double converted exactly, method {@value #METHOD}
   * @throws IllegalArgumentException when inst is null
   * @throws OutOfDoubleRangeException naming the number when an input is beyond the double range
   */
  public static LayerResult compute(LayerInstance inst) {
    Checks.notNull("instance", inst);
    double alpha = DoubleInstance.double1("alpha", inst.alpha());
    double beta = DoubleInstance.double1("beta", inst.beta());
    Map<LayerWeight, double[][]> w = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Double> scale = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, double[][]> fa = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, double[][]> fb = new EnumMap<>(LayerWeight.class);
    for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
      LayerWeight mu = e.getKey();
      Projection p = e.getValue();
      double[][] frozen = DoubleInstance.doubles("weights." + mu + ".W", p.frozen());
      if (p.isAdapted()) {
        int r = p.rank().orElseThrow();
        double s = inst.scaling() == LoraScaling.LORA ? alpha / r : alpha / Math.sqrt(r);
        double[][] a = DoubleInstance.doubles("weights." + mu + ".A", p.a());
        double[][] b = DoubleInstance.doubles("weights." + mu + ".B", p.b());
        frozen = Dense.loraMergeScaled(frozen, a, b, s);
        scale.put(mu, s);
        fa.put(mu, a);
        fb.put(mu, b);
      }
      w.put(mu, frozen);
    }
    Map<LayerWeight, double[][]> dw = new EnumMap<>(LayerWeight.class);
    double loss = 0;
    for (int i = 0; i < inst.data().size(); i++) {
      loss += point(inst, i, w, beta, dw);
    }
    Map<LayerWeight, AdapterGradient> out = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : inst.adapted()) {
      double s = scale.get(mu);
      double[][] g = dw.get(mu);
      double[][] da = Dense.multiply(Dense.transpose(fb.get(mu)), g);
      double[][] db = Dense.multiply(g, Dense.transpose(fa.get(mu)));
      Dense.scaleInPlace(da, s);
      Dense.scaleInPlace(db, s);
      out.put(mu, new AdapterGradient(DecimalMatrix.ofDoubles("dLoss/dA_" + mu, da), DecimalMatrix.ofDoubles("dLoss/dB_" + mu, db)));
    }
    Checks.finite("the loss", loss);
    return new LayerResult(METHOD, DIGITS, new BigDecimal(loss), out);
  }

  /** Point i's loss; adds its gradients with respect to each merged weight to {@code dw}. */
  private static double point(LayerInstance inst, int i, Map<LayerWeight, double[][]> w, double beta, Map<LayerWeight, double[][]> dw) {
    DataPoint pt = inst.data().get(i);
    String at = "data[" + i + "].";
    double[][] xq = DoubleInstance.doubles(at + (pt.selfAttention() ? "X" : "XQ"), pt.xq());
    double[][] xk = pt.selfAttention() ? xq : DoubleInstance.doubles(at + "XK", pt.xk());
    double[][] xv = pt.selfAttention() ? xq : DoubleInstance.doubles(at + "XV", pt.xv());
    double[][] y = DoubleInstance.doubles(at + "Y", pt.y());
    double[][] q = Dense.multiply(xq, w.get(LayerWeight.Q));
    double[][] k = Dense.multiply(xk, w.get(LayerWeight.K));
    double[][] v = Dense.multiply(xv, w.get(LayerWeight.V));
    double[][] wo = w.get(LayerWeight.O);
    int lq = q.length;
    int lk = k.length;
    int heads = inst.heads();
    int hw = inst.headWidth();
    int vw = inst.valueHeadWidth();
    int zw = heads * vw;
    double[][] dq = new double[lq][heads * hw];
    double[][] dk = new double[lk][heads * hw];
    double[][] dv = new double[lk][zw];
    double[][] dwo = wo == null ? null : new double[zw][wo[0].length];
    double[][] f = new double[heads][lk];
    double[][] sc = new double[heads][lk];
    int[] star = new int[heads];
    double[] z = new double[zw];
    double loss = 0;
    for (int j = 0; j < lq; j++) {
      int n = inst.masking().lastKey(j, lq, lk) + 1;
      java.util.Arrays.fill(z, 0);
      for (int t = 0; t < heads; t++) {
        double[] s = sc[t];
        int m = 0;
        for (int l = 0; l < n; l++) {
          double acc = 0;
          for (int c = 0; c < hw; c++) {
            acc += q[j][t * hw + c] * k[l][t * hw + c];
          }
          s[l] = beta * acc;
          if (s[l] > s[m]) {
            m = l;
          }
        }
        star[t] = m;
        double d = 0;
        for (int l = 0; l < n; l++) {
          f[t][l] = Math.exp(s[l] - s[m]);
          d += f[t][l];
        }
        for (int l = 0; l < n; l++) {
          f[t][l] /= d;
          for (int c = 0; c < vw; c++) {
            z[t * vw + c] += f[t][l] * v[l][t * vw + c];
          }
        }
      }
      double[] r = wo == null ? z.clone() : Dense.rowTimes(z, wo);
      for (int c = 0; c < r.length; c++) {
        r[c] -= y[j][c];
        loss += 0.5 * r[c] * r[c];
      }
      double[] g = wo == null ? r : Dense.rowTimesTransposed(r, wo);
      if (wo != null) {
        for (int a = 0; a < zw; a++) {
          for (int c = 0; c < r.length; c++) {
            dwo[a][c] += z[a] * r[c];
          }
        }
      }
      for (int t = 0; t < heads; t++) {
        double[] df = sc[t]; // the scores are no longer needed: reuse the row for dF
        for (int l = 0; l < n; l++) {
          double acc = 0;
          for (int c = 0; c < vw; c++) {
            acc += g[t * vw + c] * v[l][t * vw + c];
          }
          df[l] = acc;
        }
        double pivot = df[star[t]];
        double shift = 0;
        for (int l = 0; l < n; l++) {
          df[l] -= pivot;
          shift += f[t][l] * df[l];
        }
        for (int l = 0; l < n; l++) {
          double ds = beta * (f[t][l] * (df[l] - shift));
          for (int a = 0; a < hw; a++) {
            dq[j][t * hw + a] += ds * k[l][t * hw + a];
            dk[l][t * hw + a] += ds * q[j][t * hw + a];
          }
          for (int a = 0; a < vw; a++) {
            dv[l][t * vw + a] += f[t][l] * g[t * vw + a];
          }
        }
      }
    }
    add(dw, LayerWeight.Q, Dense.multiply(Dense.transpose(xq), dq));
    add(dw, LayerWeight.K, Dense.multiply(Dense.transpose(xk), dk));
    add(dw, LayerWeight.V, Dense.multiply(Dense.transpose(xv), dv));
    if (wo != null) {
      add(dw, LayerWeight.O, dwo);
    }
    return loss;
  }

  private static void add(Map<LayerWeight, double[][]> dw, LayerWeight mu, double[][] g) {
    double[][] acc = dw.get(mu);
    if (acc == null) {
      dw.put(mu, g);
    } else {
      Dense.addInto(acc, g);
    }
  }

}
