package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The layer tolerance of proofs-notes/CHECK-TOLERANCE.md Section 7 recomputed from the note's
 * equations with dense matrices (every head's {@code Lq x Lk} scores, softmax and P held, the
 * masked entries as zeros with zero bounds), sharing no code with {@link LayerPrecisionTolerance}
 * or {@link SoftmaxRow}: the two must agree to {@link ToleranceFormulaExamples#AGREEMENT}. This is
 * the test that a single dropped or miscounted term fails (the soundness properties leave such a
 * term undetected where the bound has room).
 */
class LayerToleranceFormulaExamples {
  @Test
  void denseRecomputationAgreesOnLayersWithHeadsMasksOAndRsLora() {
    int checked = 0;
    for (Masking mask : Masking.values()) {
      for (LoraScaling sc : LoraScaling.values()) {
        for (Integer o : new Integer[] {null, 3}) {
          for (boolean adaptO : new boolean[] {false, true}) {
            if (o == null && adaptO) {
              continue;
            }
            for (FloatFormat f : new FloatFormat[] {FloatFormat.FLOAT64, FloatFormat.FLOAT32}) {
              Map<LayerWeight, Integer> ranks = new EnumMap<>(LayerWeight.class);
              ranks.put(LayerWeight.Q, 2);
              ranks.put(LayerWeight.K, 1);
              ranks.put(LayerWeight.V, 3);
              if (adaptO) {
                ranks.put(LayerWeight.O, 2);
              }
              LayerInstance layer = LayerInstances.random(new LayerInstances.Spec(2, 2, 3, 3, 4, 2, o, mask, sc, ranks,
                  true, 2, 5, new BigDecimal("1.5"), new BigDecimal("0.7")), 31 + checked);
              compare(mask + " " + sc + " O=" + o + (adaptO ? " adapted" : "") + " " + f, layer, f);
              checked++;
            }
          }
        }
      }
    }
    assertThat(checked).isEqualTo(36);
  }

  @Test
  void onlyOAdaptedAndSelfAttentionAgree() {
    Map<LayerWeight, Integer> ranks = new EnumMap<>(LayerWeight.class);
    ranks.put(LayerWeight.O, 1);
    LayerInstance layer = LayerInstances.random(new LayerInstances.Spec(3, 1, 2, 4, 4, 4, 2, Masking.TOP_LEFT,
        LoraScaling.RSLORA, ranks, false, 2, 4, new BigDecimal("-2"), new BigDecimal("2")), 5);
    assertThat(LayerPrecisionTolerance.of(layer, FloatFormat.FLOAT64).a().keySet()).containsExactly(LayerWeight.O);
    compare("O only", layer, FloatFormat.FLOAT64);
    compare("O only float16", layer, FloatFormat.FLOAT16);
  }

  private static void compare(String what, LayerInstance layer, FloatFormat f) {
    LayerPrecisionTolerance.Result got = LayerPrecisionTolerance.of(layer, f);
    Dense want = new Dense(layer, f);
    ToleranceFormulaExamples.assertClose(what + " loss", got.loss(), want.lossTolerance);
    assertThat(got.firstOrderSize()).as(what + " N u").isEqualTo(want.longestPath * f.unitRoundoff());
    assertThat(got.a().keySet()).as(what).isEqualTo(want.ta.keySet());
    for (LayerWeight mu : want.ta.keySet()) {
      ToleranceFormulaExamples.assertClose(what + " A_" + mu, got.a(mu), want.ta.get(mu));
      ToleranceFormulaExamples.assertClose(what + " B_" + mu, got.b(mu), want.tb.get(mu));
    }
  }

  /** Section 7's equations, one loop each, all matrices dense. */
  static final class Dense {
    final Map<LayerWeight, double[][]> ta = new EnumMap<>(LayerWeight.class);
    final Map<LayerWeight, double[][]> tb = new EnumMap<>(LayerWeight.class);
    double lossTolerance;
    long longestPath;

    private final double u;
    private final int sigma;
    private final Map<LayerWeight, double[][]> wStar = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> wMerged = new EnumMap<>(LayerWeight.class);
    /** |s| |B| |A|, or zeros for a frozen projection. */
    private final Map<LayerWeight, double[][]> tLora = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, Double> scale = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, Integer> rank = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> gVal = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> gErr = new EnumMap<>(LayerWeight.class);
    private final Map<LayerWeight, double[][]> gAbs = new EnumMap<>(LayerWeight.class);
    /** (3.10a): the magnitude of dW's terms, for the unmerged backward. */
    private final Map<LayerWeight, double[][]> gTerm = new EnumMap<>(LayerWeight.class);

    Dense(LayerInstance layer, FloatFormat f) {
      u = f.unitRoundoff();
      double eta = f.smallestSubnormal();
      sigma = layer.scaling() == LoraScaling.LORA ? 2 : 3;                                   // (7.1 5)
      double alpha = layer.alpha().doubleValue();
      double beta = layer.beta().doubleValue();
      for (Map.Entry<LayerWeight, Projection> e : layer.weights().entrySet()) {
        LayerWeight mu = e.getKey();
        double[][] ws = e.getValue().frozen().toDoubles();
        int rows = ws.length;
        int cols = ws[0].length;
        double[][] wm = new double[rows][cols];
        double[][] tl = new double[rows][cols];
        double s = 0;
        int r = 0;
        double[][] a = null;
        double[][] b = null;
        if (e.getValue().isAdapted()) {
          a = e.getValue().a().toDoubles();
          b = e.getValue().b().toDoubles();
          r = a.length;
          s = sigma == 2 ? alpha / r : alpha / Math.sqrt(r);
        }
        for (int i = 0; i < rows; i++) {
          for (int t = 0; t < cols; t++) {
            double ba = 0;
            double abs = 0;
            for (int q = 0; q < r; q++) {
              ba += b[i][q] * a[q][t];
              abs += Math.abs(b[i][q]) * Math.abs(a[q][t]);
            }
            wm[i][t] = ws[i][t] + s * ba;
            tl[i][t] = Math.abs(s) * abs;
          }
        }
        wStar.put(mu, ws);
        wMerged.put(mu, wm);
        tLora.put(mu, tl);
        rank.put(mu, r);
        scale.put(mu, s);
        if (r > 0) {
          gVal.put(mu, new double[rows][cols]);
          gErr.put(mu, new double[rows][cols]);
          gAbs.put(mu, new double[rows][cols]);
          gTerm.put(mu, new double[rows][cols]);
        }
      }
      int heads = layer.heads();
      int hw = layer.headWidth();
      int vw = layer.valueHeadWidth();
      int zw = heads * vw;
      boolean hasO = layer.hasOutputProjection();
      boolean oAdapted = rank.getOrDefault(LayerWeight.O, 0) > 0;
      double lossE = 0;
      double lossA = 0;
      long terms = 0;
      long ops = 0;
      long toGradient = 0;
      long toLoss = 0;
      for (DataPoint p : layer.data()) {
        double[][] xq = p.xq().toDoubles();
        double[][] xk = p.xk().toDoubles();
        double[][] xv = p.xv().toDoubles();
        double[][] y = p.y().toDoubles();
        double[][][] q = proj(LayerWeight.Q, xq);
        double[][][] k = proj(LayerWeight.K, xk);
        double[][][] v = proj(LayerWeight.V, xv);
        int lq = xq.length;
        int lk = xk.length;
        int ow = y[0].length;
        int[] n = new int[lq];
        int nMax = 0;
        for (int j = 0; j < lq; j++) {
          n[j] = layer.masking().lastKey(j, lq, lk) + 1;                                      // (7.2)
          nMax = Math.max(nMax, n[j]);
        }
        double[][][] s = new double[heads][lq][lk];
        double[][][] eps = new double[heads][lq][lk];
        double[][][] fm = new double[heads][lq][lk];
        double[][][] ef = new double[heads][lq][lk];
        double[][] tau = new double[heads][lq];
        int[][] star = new int[heads][lq];
        for (int t = 0; t < heads; t++) {
          for (int j = 0; j < lq; j++) {
            for (int l = 0; l < n[j]; l++) {
              double val = 0;
              double err = 0;
              double abs = 0;
              for (int c = t * hw; c < (t + 1) * hw; c++) {
                val += q[0][j][c] * k[0][l][c];
                err += q[1][j][c] * (Math.abs(k[0][l][c]) + k[1][l][c]) + (Math.abs(q[0][j][c]) + q[1][j][c]) * k[1][l][c];
                abs += Math.abs(q[0][j][c] * k[0][l][c]);
              }
              s[t][j][l] = beta * val;
              eps[t][j][l] = Math.abs(beta) * err + (hw + 2) * u * Math.abs(beta) * abs;      // (7.3a)
            }
            double m = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < n[j]; l++) {
              if (s[t][j][l] > m) {
                m = s[t][j][l];
                star[t][j] = l;
              }
            }
            double zs = 0;
            for (int l = 0; l < n[j]; l++) {
              zs += Math.exp(s[t][j][l] - m);
            }
            for (int l = 0; l < n[j]; l++) {
              fm[t][j][l] = Math.exp(s[t][j][l] - m) / zs;
              eps[t][j][l] += u * Math.abs(s[t][j][l] - m) + 2 * u;                          // (3.4a)
            }
            tau[t][j] = (n[j] + 1) * u + u * (Math.abs(m) + 4 * Math.log(n[j]) + 2);          // (3.4c)
            for (int l = 0; l < n[j]; l++) {
              double others = 0;
              for (int m2 = 0; m2 < n[j]; m2++) {
                others += m2 == l ? 0 : fm[t][j][m2] * eps[t][j][m2];
              }
              ef[t][j][l] = fm[t][j][l] * ((1 - fm[t][j][l]) * eps[t][j][l] + others + tau[t][j]) + (n[j] + 1) * eta;
            }
          }
        }
        // (7.4a): Z, the heads side by side
        double[][] z = new double[lq][zw];
        double[][] ez = new double[lq][zw];
        for (int t = 0; t < heads; t++) {
          for (int j = 0; j < lq; j++) {
            for (int c = t * vw; c < (t + 1) * vw; c++) {
              double za = 0;
              for (int l = 0; l < n[j]; l++) {
                z[j][c] += fm[t][j][l] * v[0][l][c];
                ez[j][c] += ef[t][j][l] * (Math.abs(v[0][l][c]) + v[1][l][c]) + fm[t][j][l] * v[1][l][c];
                za += fm[t][j][l] * Math.abs(v[0][l][c]);
              }
              ez[j][c] += n[j] * u * za;
            }
          }
        }
        // (7.5a): the output, the residual, the loss
        double[][] r = new double[lq][ow];
        double[][] er = new double[lq][ow];
        for (int j = 0; j < lq; j++) {
          for (int c = 0; c < ow; c++) {
            double out = hasO ? 0 : z[j][c];
            double eo = hasO ? 0 : ez[j][c];
            if (hasO) {
              double[][] wsO = wStar.get(LayerWeight.O);
              double[][] tO = tLora.get(LayerWeight.O);
              double frozenAbs = 0;
              double loraAbs = 0;
              for (int a = 0; a < zw; a++) {
                out += z[j][a] * wMerged.get(LayerWeight.O)[a][c];
                eo += ez[j][a] * (Math.abs(wsO[a][c]) + tO[a][c]);
                frozenAbs += Math.abs(z[j][a]) * Math.abs(wsO[a][c]);
                loraAbs += Math.abs(z[j][a]) * tO[a][c];
              }
              eo += (zw + 1 + (oAdapted ? 1 : 0)) * u * frozenAbs
                  + (zw + rank.get(LayerWeight.O) + 4 + sigma) * u * loraAbs;
            }
            r[j][c] = out - y[j][c];
            er[j][c] = eo + u * Math.abs(y[j][c]) + u * (Math.abs(out) + Math.abs(y[j][c]));
            double mag = Math.abs(r[j][c]) + er[j][c];
            lossE += mag * er[j][c];
            lossA += 0.5 * mag * mag;
          }
        }
        terms += (long) lq * ow;
        // (7.6a): G = R W_O^T
        double[][] g = r;
        double[][] eg = er;
        if (hasO) {
          g = new double[lq][zw];
          eg = new double[lq][zw];
          double[][] wsO = wStar.get(LayerWeight.O);
          double[][] tO = tLora.get(LayerWeight.O);
          for (int j = 0; j < lq; j++) {
            for (int a = 0; a < zw; a++) {
              double frozenAbs = 0;
              double loraAbs = 0;
              for (int c = 0; c < ow; c++) {
                double mag = Math.abs(r[j][c]) + er[j][c];
                g[j][a] += r[j][c] * wMerged.get(LayerWeight.O)[a][c];
                eg[j][a] += er[j][c] * (Math.abs(wsO[a][c]) + tO[a][c]);
                frozenAbs += mag * Math.abs(wsO[a][c]);
                loraAbs += mag * tO[a][c];
              }
              eg[j][a] += (ow + 1 + (oAdapted ? 1 : 0)) * u * frozenAbs
                  + (ow + rank.get(LayerWeight.O) + 4 + sigma) * u * loraAbs;
            }
          }
          // (7.7a): dW_O = Z^T R
          if (oAdapted) {
            double[][] point = new double[zw][ow];
            for (int a = 0; a < zw; a++) {
              for (int c = 0; c < ow; c++) {
                double abs = 0;
                for (int j = 0; j < lq; j++) {
                  double mz = Math.abs(z[j][a]) + ez[j][a];
                  double mr = Math.abs(r[j][c]) + er[j][c];
                  point[a][c] += z[j][a] * r[j][c];
                  gErr.get(LayerWeight.O)[a][c] += ez[j][a] * mr + mz * er[j][c];
                  abs += mz * mr;
                }
                gErr.get(LayerWeight.O)[a][c] += lq * u * abs;
                gTerm.get(LayerWeight.O)[a][c] += abs;
                gVal.get(LayerWeight.O)[a][c] += point[a][c];
                gAbs.get(LayerWeight.O)[a][c] += Math.abs(point[a][c]);
              }
            }
          }
        }
        // (7.6), (3.8) per head: dF = G^t V^t, P and its bound; masked entries stay 0
        double[][][] pv = new double[heads][lq][lk];
        double[][][] pe = new double[heads][lq][lk];
        for (int t = 0; t < heads; t++) {
          for (int j = 0; j < lq; j++) {
            int nj = n[j];
            double[] d = new double[nj];
            double[] ed = new double[nj];
            for (int l = 0; l < nj; l++) {
              for (int c = t * vw; c < (t + 1) * vw; c++) {
                d[l] += g[j][c] * v[0][l][c];
                ed[l] += eg[j][c] * (Math.abs(v[0][l][c]) + v[1][l][c])
                    + (Math.abs(g[j][c]) + eg[j][c]) * v[1][l][c] + vw * u * Math.abs(g[j][c] * v[0][l][c]);
              }
            }
            double[] fr = fm[t][j];
            double sr = 0;
            for (int l = 0; l < nj; l++) {
              sr += fr[l] * d[l];
            }
            int st = star[t][j];
            double a1 = 0;
            double a2 = 0;
            double aD = 0;
            double aEpsD = 0;
            double aPiv = 0;
            for (int l = 0; l < nj; l++) {
              a1 += fr[l] * Math.abs(d[l]);
              a2 += fr[l] * ed[l];
              aD += fr[l] * Math.abs(d[l] - sr);
              aEpsD += fr[l] * eps[t][j][l] * Math.abs(d[l] - sr);
              aPiv += fr[l] * Math.abs(d[l] - d[st]);
            }
            for (int l = 0; l < nj; l++) {
              double dd = Math.abs(d[l] - sr);
              double fromF = aEpsD + tau[t][j] * Math.max(Math.max(Math.abs(sr), dd), Math.abs(sr - d[st]))
                  + 2 * u * Math.max(Math.max(a1, dd + aD), aPiv);
              double round = Math.max(
                  Math.max(nj * u * a1 + u * dd, (nj + 1) * u * (dd + aD)),
                  Math.max((nj + 1) * u * aPiv + u * Math.abs(d[l] - d[st]) + u * dd, nj * u * a1 + u * (Math.abs(d[l]) + Math.abs(sr))));
              double eD = ed[l] + a2 + fromF + round;                                          // (3.8a)
              pv[t][j][l] = fr[l] * (d[l] - sr);
              pe[t][j][l] = ef[t][j][l] * dd + fr[l] * eD + u * Math.abs(pv[t][j][l])
                  + u * fr[l] * (Math.abs(d[l]) + Math.abs(sr));                                // (3.8b)
            }
          }
          // (7.8): head t's columns of dW_Q, dW_K, dW_V
          int path = lq + lk + 1;
          product(LayerWeight.Q, xq, pv[t], pe[t], k, beta, (path + 2) * u, false, t * hw, (t + 1) * hw);
          product(LayerWeight.K, xk, pv[t], pe[t], q, beta, (path + 2) * u, true, t * hw, (t + 1) * hw);
          product(LayerWeight.V, xv, fm[t], ef[t], new double[][][] {g, eg}, 1, (lq + lk + 1) * u, true, t * vw, (t + 1) * vw);
        }
        // (7.9) per point
        long pp = 0;
        for (LayerWeight mu : new LayerWeight[] {LayerWeight.Q, LayerWeight.K, LayerWeight.V}) {
          int rows = wStar.get(mu).length;
          pp = Math.max(pp, rank.get(mu) > 0 ? rows + rank.get(mu) + 2 + 3 + sigma : rows + 5);
        }
        long outPath = !hasO ? 0 : (oAdapted ? zw + rank.get(LayerWeight.O) + 2 : zw) + 2 + sigma;
        long gPath = !hasO ? 0 : (oAdapted ? ow + rank.get(LayerWeight.O) + 2 : ow) + 2 + sigma;
        long toR = pp + (hw + 2) + (nMax + 4) + nMax + 2 + outPath;
        toLoss = Math.max(toLoss, toR);
        toGradient = Math.max(toGradient, Math.max(toR + gPath + vw + (nMax + 2) + 2 + (lq + lk + 3), toR + lq));
        ops += 2L * (lq + lk) + hw + vw + 8 + (hasO ? zw + ow : 0);
      }
      double floor = ops * eta;
      int points = layer.data().size();
      long adapters = 0;
      for (LayerWeight mu : gVal.keySet()) {
        Projection pr = layer.weights().get(mu);
        double[][] a = pr.a().toDoubles();
        double[][] b = pr.b().toDoubles();
        double sc = scale.get(mu);
        double[][] val = gVal.get(mu);
        int rows = val.length;
        int cols = val[0].length;
        int rk = a.length;
        double[][] e = new double[rows][cols];
        double[][] mag = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
          for (int t = 0; t < cols; t++) {
            e[i][t] = gErr.get(mu)[i][t] + points * u * gAbs.get(mu)[i][t];                   // (3.10)
            mag[i][t] = Math.abs(val[i][t]) + e[i][t];
          }
        }
        double[][] tA = new double[rk][cols];
        for (int q = 0; q < rk; q++) {
          for (int t = 0; t < cols; t++) {
            double ee = 0;
            double mm = 0;
            double tt = 0;
            double pp = 0;
            double vv = 0;
            for (int i = 0; i < rows; i++) {
              ee += Math.abs(b[i][q]) * e[i][t];
              mm += Math.abs(b[i][q]) * mag[i][t];
              tt += Math.abs(b[i][q]) * gTerm.get(mu)[i][t];
              pp += Math.abs(b[i][q]) * (gAbs.get(mu)[i][t] + e[i][t]);
              vv += b[i][q] * val[i][t];
            }
            double merged = (rows + 2 + sigma) * u * mm;                                // (3.10b)
            double unmerged = (rows + 1) * u * tt + (1 + sigma) * u * pp;                // (3.10c)
            tA[q][t] = PrecisionTolerance.SAFETY
                * (Math.abs(sc) * ee + Math.abs(sc) * Math.max(merged, unmerged) + u * Math.abs(sc * vv) + floor);
          }
        }
        double[][] tB = new double[rows][rk];
        for (int i = 0; i < rows; i++) {
          for (int q = 0; q < rk; q++) {
            double ee = 0;
            double mm = 0;
            double tt = 0;
            double pp = 0;
            double vv = 0;
            for (int t = 0; t < cols; t++) {
              ee += e[i][t] * Math.abs(a[q][t]);
              mm += mag[i][t] * Math.abs(a[q][t]);
              tt += gTerm.get(mu)[i][t] * Math.abs(a[q][t]);
              pp += (gAbs.get(mu)[i][t] + e[i][t]) * Math.abs(a[q][t]);
              vv += val[i][t] * a[q][t];
            }
            double merged = (cols + 2 + sigma) * u * mm;                                // (3.10b)
            double unmerged = (cols + 1) * u * tt + (1 + sigma) * u * pp;                // (3.10c)
            tB[i][q] = PrecisionTolerance.SAFETY
                * (Math.abs(sc) * ee + Math.abs(sc) * Math.max(merged, unmerged) + u * Math.abs(sc * vv) + floor);
          }
        }
        ta.put(mu, tA);
        tb.put(mu, tB);
        adapters = Math.max(adapters, Math.max(rows, cols) + 2 + sigma + points);
      }
      longestPath = Math.max(toGradient + adapters, toLoss + terms + 1);
      lossTolerance = PrecisionTolerance.SAFETY * (lossE + (terms + 1) * u * lossA + u * lossA + floor);
    }

    /** {value, error} of X W_mu by (3.2) with the scale's sigma roundings (7.3). */
    private double[][][] proj(LayerWeight mu, double[][] x) {
      double[][] ws = wStar.get(mu);
      double[][] tl = tLora.get(mu);
      int rows = ws.length;
      int cols = ws[0].length;
      int r = rank.get(mu);
      double[][] val = new double[x.length][cols];
      double[][] err = new double[x.length][cols];
      for (int j = 0; j < x.length; j++) {
        for (int t = 0; t < cols; t++) {
          double t1 = 0;
          double t2 = 0;
          for (int i = 0; i < rows; i++) {
            val[j][t] += x[j][i] * wMerged.get(mu)[i][t];
            t1 += Math.abs(x[j][i]) * Math.abs(ws[i][t]);
            t2 += Math.abs(x[j][i]) * tl[i][t];
          }
          err[j][t] = (rows + (r > 0 ? 3 : 2)) * u * t1 + (r > 0 ? (rows + r + 5 + sigma) * u * t2 : 0);
        }
      }
      return new double[][][] {val, err};
    }

    /**
     * Columns {@code c0 .. c1-1} of {@code G_mu += c X^T M R}, M = left ({@code Lq x Lk} or its
     * transpose), R the right factor's rows: value, error and magnitude sum by Lemma A (3.9).
     */
    private void product(
        LayerWeight mu, double[][] x, double[][] mv, double[][] me, double[][][] right, double c, double k,
        boolean transposeLeft, int c0, int c1) {
      if (!gVal.containsKey(mu)) {
        return;
      }
      int rowsOut = transposeLeft ? mv[0].length : mv.length;
      int inner = transposeLeft ? mv.length : mv[0].length;
      double[][] uv = new double[rowsOut][c1];
      double[][] ue = new double[rowsOut][c1];
      double[][] ua = new double[rowsOut][c1];
      for (int a = 0; a < rowsOut; a++) {
        for (int b = 0; b < inner; b++) {
          double m = transposeLeft ? mv[b][a] : mv[a][b];
          double e = transposeLeft ? me[b][a] : me[a][b];
          double mag = Math.abs(m) + e;
          for (int t = c0; t < c1; t++) {
            double rv = right[0][b][t];
            double re = right[1][b][t];
            uv[a][t] += m * rv;
            ue[a][t] += e * (Math.abs(rv) + re) + mag * re;
            ua[a][t] += mag * (Math.abs(rv) + re);
          }
        }
      }
      int d = x[0].length;
      for (int i = 0; i < d; i++) {
        for (int t = c0; t < c1; t++) {
          double pv = 0;
          for (int j = 0; j < x.length; j++) {
            pv += c * x[j][i] * uv[j][t];
            gErr.get(mu)[i][t] += Math.abs(x[j][i] * c) * (ue[j][t] + k * ua[j][t]);
            gTerm.get(mu)[i][t] += Math.abs(x[j][i] * c) * (Math.abs(uv[j][t]) + ue[j][t] + k * ua[j][t]);
          }
          gVal.get(mu)[i][t] += pv;
          gAbs.get(mu)[i][t] += Math.abs(pv);
        }
      }
    }
  }
}
