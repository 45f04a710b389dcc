package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.check.ToleranceCases.Kind;
import dev.loralimits.check.ToleranceCases.Shape;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tolerance of proofs-notes/CHECK-TOLERANCE.md recomputed from the note's equations with
 * dense matrices (every L x L intermediate held, every equation a loop of its own), sharing no
 * code with {@link PrecisionTolerance}: the two must agree to {@link #AGREEMENT}.
 */
class ToleranceFormulaExamples {
  /**
   * Both evaluate the same non-negative sums in double, in different orders: they differ by the
   * rounding of those sums, a few hundred ulps at most at these sizes.
   */
  static final double AGREEMENT = 1e-12;

  @Test
  void denseRecomputationAgreesForEveryCaseClassAndFormat() {
    int checked = 0;
    for (Kind kind : Kind.values()) {
      for (FloatFormat f : FloatFormat.values()) {
        for (long seed = 1; seed <= 3; seed++) {
          Shape shape = new Shape(3 + (int) seed, 2 + (int) seed, 3, 2, 4, new int[] {2, 1, 3}, true);
          LoraInstance inst = ToleranceCases.build(kind, shape, seed);
          PrecisionTolerance.Result got;
          try {
            got = PrecisionTolerance.of(inst, f);
          } catch (IllegalArgumentException e) {
            // large scores beyond float16's range: refused, nothing to compare
            assertThat(f).isEqualTo(FloatFormat.FLOAT16);
            assertThat(kind).isEqualTo(Kind.LARGE_SCORES);
            continue;
          }
          Dense want = new Dense(DoubleInstance.of(inst), f);
          assertClose(kind + " " + f + " loss", got.loss(), want.lossTolerance);
          assertThat(got.firstOrderSize()).isEqualTo(want.longestPath * f.unitRoundoff());
          for (Adapter mu : Adapter.values()) {
            assertClose(kind + " " + f + " A_" + mu, got.a(mu), want.ta.get(mu));
            assertClose(kind + " " + f + " B_" + mu, got.b(mu), want.tb.get(mu));
          }
          checked++;
        }
      }
    }
    assertThat(checked).isBetween(57, 60);
  }

  @Test
  void oneAdapterAndLongKeysAgree() {
    // o = 1 and few queries: the gradient chain, not the loss's sum, is the longest (Section 5)
    for (int[] ranks : new int[][] {{1, 0, 0}, {0, 2, 0}, {0, 0, 1}}) {
      LoraInstance inst = ToleranceCases.build(Kind.ONE_HOT, new Shape(2, 9, 2, 3, 1, ranks, true), 13);
      PrecisionTolerance.Result got = PrecisionTolerance.of(inst, FloatFormat.FLOAT32);
      Dense want = new Dense(DoubleInstance.of(inst), FloatFormat.FLOAT32);
      assertClose("loss", got.loss(), want.lossTolerance);
      assertThat(got.firstOrderSize()).isEqualTo(want.longestPath * FloatFormat.FLOAT32.unitRoundoff());
      for (Adapter mu : want.ta.keySet()) {
        assertClose("A_" + mu, got.a(mu), want.ta.get(mu));
        assertClose("B_" + mu, got.b(mu), want.tb.get(mu));
      }
      assertThat(got.a().keySet()).isEqualTo(want.ta.keySet());
    }
  }

  @Test
  void frozenProjectionsAndSingleKeysAgree() {
    Shape shape = new Shape(3, 1, 2, 3, 2, new int[] {0, 2, 1}, true);
    LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, shape, 7);
    PrecisionTolerance.Result got = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
    Dense want = new Dense(DoubleInstance.of(inst), FloatFormat.FLOAT64);
    assertThat(got.a()).doesNotContainKey(Adapter.Q);
    assertClose("loss", got.loss(), want.lossTolerance);
    for (Adapter mu : new Adapter[] {Adapter.K, Adapter.V}) {
      assertClose("A_" + mu, got.a(mu), want.ta.get(mu));
      assertClose("B_" + mu, got.b(mu), want.tb.get(mu));
    }
  }

  static void assertClose(String what, double got, double want) {
    assertThat(Math.abs(got - want)).as(what + ": " + got + " vs " + want).isLessThanOrEqualTo(AGREEMENT * Math.abs(want));
  }

  static void assertClose(String what, double[][] got, double[][] want) {
    if (want == null) {
      return;
    }
    for (int i = 0; i < want.length; i++) {
      for (int j = 0; j < want[0].length; j++) {
        assertClose(what + "[" + i + "][" + j + "]", got[i][j], want[i][j]);
      }
    }
  }

  /** The note's equations, one loop each, all matrices dense. */
  static final class Dense {
    final Map<Adapter, double[][]> ta = new EnumMap<>(Adapter.class);
    final Map<Adapter, double[][]> tb = new EnumMap<>(Adapter.class);
    double lossTolerance;
    /** The longest rounding path N of Sections 3.2-3.10. */
    long longestPath;

    Dense(DoubleInstance in, FloatFormat f) {
      double u = f.unitRoundoff();
      double eta = f.smallestSubnormal();
      double beta = in.beta();
      int n = in.points().size();
      Map<Adapter, double[][]> gVal = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gErr = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gAbs = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gTerm = new EnumMap<>(Adapter.class);
      double lossE = 0;
      double lossA = 0;
      long toGradient = 0;
      long toLoss = 0;
      long adapters = 0;
      long terms = 0;
      long ops = 0;
      for (DoubleInstance.Point p : in.points()) {
        double[][][] q = proj(in, Adapter.Q, p.xq(), u);
        double[][][] k = proj(in, Adapter.K, p.xk(), u);
        double[][][] v = proj(in, Adapter.V, p.xv(), u);
        int lq = p.xq().length;
        int lk = p.xk().length;
        int h = q[0][0].length;
        int o = v[0][0].length;
        long proj = 0;
        for (Adapter mu : Adapter.values()) {
          DoubleInstance.Weight w = in.weight(mu);
          int rows = w.frozen().length;
          proj = Math.max(proj, (w.isAdapted() ? rows + w.rank() + 2 : rows) + 5);           // (3.2)
        }
        // Section 5: (3.3) h + 2, (3.4) lk + 4, (3.5) lk and 2, (3.7) o, (3.8) lk + 2 and 2, (3.9)
        toGradient = Math.max(toGradient, proj + (h + 2) + (lk + 4) + lk + 2 + o + (lk + 2) + 2 + (lq + lk + 3));
        toLoss = Math.max(toLoss, proj + (h + 2) + (lk + 4) + lk + 2);
        double[][] s = new double[lq][lk];
        double[][] es = new double[lq][lk];
        for (int j = 0; j < lq; j++) {
          for (int l = 0; l < lk; l++) {
            double val = 0;
            double err = 0;
            double abs = 0;
            for (int t = 0; t < h; t++) {
              val += q[0][j][t] * k[0][l][t];
              err += q[1][j][t] * (Math.abs(k[0][l][t]) + k[1][l][t]) + (Math.abs(q[0][j][t]) + q[1][j][t]) * k[1][l][t];
              abs += Math.abs(q[0][j][t] * k[0][l][t]);
            }
            s[j][l] = beta * val;
            es[j][l] = Math.abs(beta) * err + (h + 2) * u * Math.abs(beta) * abs;   // (3.3)
          }
        }
        double[][] fm = new double[lq][lk];
        double[][] ef = new double[lq][lk];
        double[][] eps = new double[lq][lk];
        for (int j = 0; j < lq; j++) {
          double m = Double.NEGATIVE_INFINITY;
          for (int l = 0; l < lk; l++) {
            m = Math.max(m, s[j][l]);
          }
          double z = 0;
          for (int l = 0; l < lk; l++) {
            z += Math.exp(s[j][l] - m);
          }
          double epsBar = 0;
          for (int l = 0; l < lk; l++) {
            fm[j][l] = Math.exp(s[j][l] - m) / z;
            eps[j][l] = es[j][l] + u * Math.abs(s[j][l] - m) + 2 * u;                   // (3.4a)
            epsBar += fm[j][l] * eps[j][l];
          }
          double tau = (lk + 1) * u + u * (Math.abs(m) + 4 * Math.log(lk) + 2);          // (3.4c)
          for (int l = 0; l < lk; l++) {
            double others = 0;                                                          // (3.4d)
            for (int m2 = 0; m2 < lk; m2++) {
              others += m2 == l ? 0 : fm[j][m2] * eps[j][m2];
            }
            ef[j][l] = fm[j][l] * ((1 - fm[j][l]) * eps[j][l] + others + tau) + (lk + 1) * eta;
          }
          // (3.8) needs tau per row: keep it in eps's spare column via a second array
          tauRow(j, tau);
        }
        double[][] c = new double[lq][o];
        double[][] ec = new double[lq][o];
        for (int j = 0; j < lq; j++) {
          for (int i = 0; i < o; i++) {
            double zv = 0;
            double ez = 0;
            double za = 0;
            for (int l = 0; l < lk; l++) {
              zv += fm[j][l] * v[0][l][i];
              ez += ef[j][l] * (Math.abs(v[0][l][i]) + v[1][l][i]) + fm[j][l] * v[1][l][i];
              za += fm[j][l] * Math.abs(v[0][l][i]);
            }
            ez += lk * u * za;                                                          // (3.5)
            double y = p.y()[j][i];
            c[j][i] = zv - y;
            ec[j][i] = ez + u * Math.abs(y) + u * (Math.abs(zv) + Math.abs(y));
            double mag = Math.abs(c[j][i]) + ec[j][i];
            lossE += mag * ec[j][i];                                                   // (3.6)
            lossA += 0.5 * mag * mag;
          }
        }
        terms += (long) lq * o;
        ops += 2L * (lq + lk) + h + o + 8;
        // (3.7), (3.8): dense G, D, P and their bounds
        double[][] pv = new double[lq][lk];
        double[][] pe = new double[lq][lk];
        for (int j = 0; j < lq; j++) {
          double[] g = new double[lk];
          double[] eg = new double[lk];
          int star = 0;
          for (int l = 0; l < lk; l++) {
            if (s[j][l] > s[j][star]) {
              star = l;
            }
            for (int i = 0; i < o; i++) {
              g[l] += c[j][i] * v[0][l][i];
              eg[l] += ec[j][i] * (Math.abs(v[0][l][i]) + v[1][l][i])
                  + (Math.abs(c[j][i]) + ec[j][i]) * v[1][l][i] + o * u * Math.abs(c[j][i] * v[0][l][i]);
            }
          }
          double sr = 0;
          for (int l = 0; l < lk; l++) {
            sr += fm[j][l] * g[l];
          }
          double a1 = 0;
          double a2 = 0;
          double aD = 0;
          double aEpsD = 0;
          double aPiv = 0;
          for (int l = 0; l < lk; l++) {
            a1 += fm[j][l] * Math.abs(g[l]);
            a2 += fm[j][l] * eg[l];
            aD += fm[j][l] * Math.abs(g[l] - sr);
            aEpsD += fm[j][l] * eps[j][l] * Math.abs(g[l] - sr);
            aPiv += fm[j][l] * Math.abs(g[l] - g[star]);
          }
          double tau = taus[j];
          for (int l = 0; l < lk; l++) {
            double d = Math.abs(g[l] - sr);
            double fromF = aEpsD + tau * Math.max(Math.max(Math.abs(sr), d), Math.abs(sr - g[star]))
                + 2 * u * Math.max(Math.max(a1, d + aD), aPiv);
            double round = Math.max(
                Math.max(lk * u * a1 + u * d, (lk + 1) * u * (d + aD)),
                Math.max((lk + 1) * u * aPiv + u * Math.abs(g[l] - g[star]) + u * d, lk * u * a1 + u * (Math.abs(g[l]) + Math.abs(sr))));
            double ed = eg[l] + a2 + fromF + round;                                     // (3.8a)
            pv[j][l] = fm[j][l] * (g[l] - sr);
            pe[j][l] = ef[j][l] * d + fm[j][l] * ed + u * Math.abs(pv[j][l])
                + u * fm[j][l] * (Math.abs(g[l]) + Math.abs(sr));                       // (3.8b)
          }
        }
        int path = lq + lk + 1;
        // (3.9): dW_Q = beta XQ^T (P K), dW_K = beta XK^T (P^T Q), dW_V = XV^T (F^T c)
        product(in, Adapter.Q, p.xq(), pv, pe, k, beta, (path + 2) * u, false, gVal, gErr, gAbs, gTerm);
        product(in, Adapter.K, p.xk(), pv, pe, q, beta, (path + 2) * u, true, gVal, gErr, gAbs, gTerm);
        double[][][] cv = {c, ec};
        product(in, Adapter.V, p.xv(), fm, ef, cv, 1, (lq + lk + 1) * u, true, gVal, gErr, gAbs, gTerm);
      }
      double floor = ops * eta;
      for (Adapter mu : gVal.keySet()) {
        DoubleInstance.Weight w = in.weight(mu);
        double sc = in.alpha() / w.rank();
        double[][] val = gVal.get(mu);
        int rows = val.length;
        int cols = val[0].length;
        double[][] e = new double[rows][cols];
        double[][] mag = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
          for (int t = 0; t < cols; t++) {
            e[i][t] = gErr.get(mu)[i][t] + n * u * gAbs.get(mu)[i][t];                  // (3.10)
            mag[i][t] = Math.abs(val[i][t]) + e[i][t];
          }
        }
        double[][] a = new double[w.rank()][cols];
        for (int r = 0; r < w.rank(); r++) {
          for (int t = 0; t < cols; t++) {
            double ee = 0;
            double mm = 0;
            double tt = 0;
            double pp = 0;
            double vv = 0;
            for (int i = 0; i < rows; i++) {
              ee += Math.abs(w.b()[i][r]) * e[i][t];
              mm += Math.abs(w.b()[i][r]) * mag[i][t];
              tt += Math.abs(w.b()[i][r]) * gTerm.get(mu)[i][t];
              pp += Math.abs(w.b()[i][r]) * (gAbs.get(mu)[i][t] + e[i][t]);
              vv += w.b()[i][r] * val[i][t];
            }
            double merged = (rows + 4) * u * mm;                                        // (3.10b)
            double unmerged = (rows + 1) * u * tt + 3 * u * pp;                          // (3.10c)
            a[r][t] = PrecisionTolerance.SAFETY
                * (Math.abs(sc) * ee + Math.abs(sc) * Math.max(merged, unmerged) + u * Math.abs(sc * vv) + floor);
          }
        }
        double[][] b = new double[rows][w.rank()];
        for (int i = 0; i < rows; i++) {
          for (int r = 0; r < w.rank(); r++) {
            double ee = 0;
            double mm = 0;
            double tt = 0;
            double pp = 0;
            double vv = 0;
            for (int t = 0; t < cols; t++) {
              ee += e[i][t] * Math.abs(w.a()[r][t]);
              mm += mag[i][t] * Math.abs(w.a()[r][t]);
              tt += gTerm.get(mu)[i][t] * Math.abs(w.a()[r][t]);
              pp += (gAbs.get(mu)[i][t] + e[i][t]) * Math.abs(w.a()[r][t]);
              vv += val[i][t] * w.a()[r][t];
            }
            double merged = (cols + 4) * u * mm;                                        // (3.10b)
            double unmerged = (cols + 1) * u * tt + 3 * u * pp;                          // (3.10c)
            b[i][r] = PrecisionTolerance.SAFETY
                * (Math.abs(sc) * ee + Math.abs(sc) * Math.max(merged, unmerged) + u * Math.abs(sc * vv) + floor);
          }
        }
        ta.put(mu, a);
        tb.put(mu, b);
        adapters = Math.max(adapters, Math.max(rows, cols) + 4 + n);                          // (3.10)
      }
      longestPath = Math.max(toGradient + adapters, toLoss + terms + 1);                       // (3.6)
      lossTolerance = PrecisionTolerance.SAFETY * (lossE + (terms + 1) * u * lossA + u * lossA + floor);
    }

    private double[] taus = new double[0];

    private void tauRow(int j, double tau) {
      if (taus.length <= j) {
        taus = java.util.Arrays.copyOf(taus, j + 1);
      }
      taus[j] = tau;
    }

    /** {value, error} of X W_mu by (3.2). */
    private static double[][][] proj(DoubleInstance in, Adapter mu, double[][] x, double u) {
      DoubleInstance.Weight w = in.weight(mu);
      double[][] ws = w.frozen();
      int rows = ws.length;
      int cols = ws[0].length;
      double sc = w.isAdapted() ? in.alpha() / w.rank() : 0;
      double[][] wm = new double[rows][cols];
      double[][] lora = new double[rows][cols];
      for (int i = 0; i < rows; i++) {
        for (int t = 0; t < cols; t++) {
          double ba = 0;
          double abs = 0;
          for (int r = 0; w.isAdapted() && r < w.rank(); r++) {
            ba += w.b()[i][r] * w.a()[r][t];
            abs += Math.abs(w.b()[i][r]) * Math.abs(w.a()[r][t]);
          }
          wm[i][t] = ws[i][t] + sc * ba;
          lora[i][t] = Math.abs(sc) * abs;
        }
      }
      int lr = w.isAdapted() ? rows + w.rank() + 2 : 0;
      double[][] val = new double[x.length][cols];
      double[][] err = new double[x.length][cols];
      for (int j = 0; j < x.length; j++) {
        for (int t = 0; t < cols; t++) {
          double t1 = 0;
          double t2 = 0;
          for (int i = 0; i < rows; i++) {
            val[j][t] += x[j][i] * wm[i][t];
            t1 += Math.abs(x[j][i]) * Math.abs(ws[i][t]);
            t2 += Math.abs(x[j][i]) * lora[i][t];
          }
          err[j][t] = (rows + (w.isAdapted() ? 3 : 2)) * u * t1 + (w.isAdapted() ? (lr + 5) * u * t2 : 0);
        }
      }
      return new double[][][] {val, err};
    }

    /**
     * {@code G += c X^T M R} with M = left (Lq x Lk, or its transpose) and R = right factor
     * rows: value, error and magnitude sum by Lemma A (3.9).
     */
    private static void product(
        DoubleInstance in, Adapter mu, double[][] x, double[][] mv, double[][] me, double[][][] right,
        double c, double k, boolean transposeLeft, Map<Adapter, double[][]> gVal, Map<Adapter, double[][]> gErr,
        Map<Adapter, double[][]> gAbs, Map<Adapter, double[][]> gTerm) {
      if (!in.weight(mu).isAdapted()) {
        return;
      }
      int rowsOut = transposeLeft ? mv[0].length : mv.length;
      int inner = transposeLeft ? mv.length : mv[0].length;
      int w = right[0][0].length;
      double[][] uv = new double[rowsOut][w];
      double[][] ue = new double[rowsOut][w];
      double[][] ua = new double[rowsOut][w];
      for (int a = 0; a < rowsOut; a++) {
        for (int b = 0; b < inner; b++) {
          double m = transposeLeft ? mv[b][a] : mv[a][b];
          double e = transposeLeft ? me[b][a] : me[a][b];
          double mag = Math.abs(m) + e;
          for (int t = 0; t < w; t++) {
            double rv = right[0][b][t];
            double re = right[1][b][t];
            uv[a][t] += m * rv;
            ue[a][t] += e * (Math.abs(rv) + re) + mag * re;
            ua[a][t] += mag * (Math.abs(rv) + re);
          }
        }
      }
      int d = x[0].length;
      double[][] val = gVal.computeIfAbsent(mu, z -> new double[d][w]);
      double[][] err = gErr.computeIfAbsent(mu, z -> new double[d][w]);
      double[][] abs = gAbs.computeIfAbsent(mu, z -> new double[d][w]);
      double[][] term = gTerm.computeIfAbsent(mu, z -> new double[d][w]);
      for (int i = 0; i < d; i++) {
        for (int t = 0; t < w; t++) {
          double pv = 0;
          for (int j = 0; j < x.length; j++) {
            pv += c * x[j][i] * uv[j][t];
            err[i][t] += Math.abs(x[j][i] * c) * (ue[j][t] + k * ua[j][t]);
            // (3.10a): the terms' magnitude |X|^T mag(c U) for the unmerged path
            term[i][t] += Math.abs(x[j][i] * c) * (Math.abs(uv[j][t]) + ue[j][t] + k * ua[j][t]);
          }
          val[i][t] += pv;
          abs[i][t] += Math.abs(pv);
        }
      }
    }
  }
}
