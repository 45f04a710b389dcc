package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.Map;

/**
 * The forward error bound of {@link ExactDouble} (proofs-notes/EXACT-DOUBLE.md section 6), for the
 * decimal instance whose nearest doubles are the given {@link DoubleInstance}: for every computed
 * number y,
 *
 * <pre>
 *   |y_computed - y| <= SAFETY x ybar + UNDERFLOW ybar(1),
 *   x = u (n + 3 (L + 8)) + 6 H,   n = 6D + 3L + N L + 29,   H = max_j H_j,
 *   H_j = SLACK min(tau, 1.02 (2h + 6) u A'_j) + (2 kS + 2.04) u^2 Sbar_j + 754 u^2,
 *   kS = 10 (D + 4)^2 + 114,   A'_j = SLACK beta sum_i Qbar[j][i] max_l Kbar[l][i],
 * </pre>
 *
 * where ybar is the same program run on absolute values (every input replaced by its magnitude,
 * every minus by a plus, F kept) with the pivoted P of section 2 and the centred differences
 * {@code Km_l - Km_0}, {@code X^K_l - X^K_0}, {@code (X^V_l - X^V_0) W_V} (magnitudes
 * {@code Kbar_l + Kbar_0} and alike), ybar(1) the same with every
 * entry of F set to 1, Sbar_j the largest entry of row j of {@code beta Qbar Kbar^T}, D the largest
 * width (d's, h, o, r), L the largest sequence length, N the number of points and tau
 * {@link ExactDouble#PLAIN_ROW_BOUND}. The pivot {@code l*_j} of the code is not read from the code:
 * the bound uses the set of indices whose score is within the error margin of the row maximum
 * (section 8). Non-streaming (it holds each point's L x L matrices): for small test instances only.
 */
final class RoundingBound {
  /** Unit roundoff of binary64 round-to-nearest. */
  static final double U = 0x1p-53;
  /**
   * Covers the second-order terms (EXACT-DOUBLE.md section 6): {@code e^x - 1 <= 1.0026 x} for
   * {@code x <= 0.005}; ybar computed in doubles from rounded inputs, at most 2n factors
   * {@code (1 + u)} per term ({@code <= 1.0101}), and from the test's own F, within
   * {@code e^{3 Phi°} <= 1.0061} ({@link #MAX_TEST_F}); {@code 1.0026 * 1.0101 * 1.0061 <= 1.02}.
   */
  static final double SAFETY = 1.02;
  /** Validity range of SAFETY. */
  static final double MAX_X = 0.005;
  /** Validity of the double-double exponent step (section 4.2): {@code u Sbar <= 2^-10}. */
  static final double MAX_U_SBAR = 0x1p-10;
  /** Largest relative error {@code Phi°} of the test's own F allowed by SAFETY: {@code 3 Phi° <= 0.006}. */
  static final double MAX_TEST_F = 0.002;
  /** Underflow: at most 3 factors of F per term, each off by at most 2^-1021 absolutely (EXACT-DOUBLE §7). */
  static final double UNDERFLOW = 3.01 * 0x1p-1021;
  /**
   * {@code 1 + 2^-40}: covers the roundings of the test's magnitudes against the code's (at most
   * {@code 8D + 32 << 2^12} factors {@code 1 + u}) and of the code's plain-row test (section 4.1).
   */
  static final double SLACK = 1 + 0x1p-40;

  final double x;
  final double h;
  final double sbar;
  final double testF;
  final double lossBar;
  final double lossBarOnes;
  final Map<Adapter, double[][]> aBar;
  final Map<Adapter, double[][]> bBar;
  final Map<Adapter, double[][]> aBarOnes;
  final Map<Adapter, double[][]> bBarOnes;

  private RoundingBound(DoubleInstance inst) {
    int dMax = 0;
    for (Adapter mu : Adapter.values()) {
      DoubleInstance.Weight w = inst.weight(mu);
      dMax = Math.max(dMax, Math.max(w.frozen().length, w.frozen()[0].length));
      dMax = Math.max(dMax, w.rank());
    }
    int lMax = 0;
    for (DoubleInstance.Point p : inst.points()) {
      lMax = Math.max(lMax, Math.max(p.xq().length, p.xk().length));
    }
    // EXACT-DOUBLE.md section 3: most roundings on any term of an output
    int n = 6 * dMax + 3 * lMax + inst.points().size() * lMax + 29;
    Rows rows = new Rows(inst, dMax);
    Magnitudes real = new Magnitudes(inst, rows, false);
    Magnitudes ones = new Magnitudes(inst, rows, true);
    h = rows.h;
    sbar = rows.sbar;
    testF = rows.testF;
    x = U * (n + 3.0 * (lMax + 8)) + 6 * h;
    lossBar = real.loss;
    lossBarOnes = ones.loss;
    aBar = real.ga;
    bBar = real.gb;
    aBarOnes = ones.ga;
    bBarOnes = ones.gb;
  }

  static RoundingBound of(DoubleInstance inst) {
    return new RoundingBound(inst);
  }

  /** The bound for a number whose ybar and ybar(1) are given. */
  double bound(double ybar, double ybarOnes) {
    return SAFETY * x * ybar + UNDERFLOW * ybarOnes;
  }

  /** {@code kS = 10 (D + 4)^2 + 114}: the u^2 factor of a double-double score (EXACT-DOUBLE.md 5.5). */
  static double kappaScore(int dMax) {
    return 10.0 * (dMax + 4) * (dMax + 4) + 114;
  }

  /**
   * Per point and query row: the exponent error bound H_j, the pivot candidates and the test's
   * own F (from plain-double scores); shared by the real and the ones runs.
   */
  private static final class Rows {
    double h;
    double sbar;
    double testF;
    /** Per point: the test's F, and per row the candidate set of the code's pivot. */
    final java.util.List<double[][]> f = new java.util.ArrayList<>();
    final java.util.List<boolean[][]> candidates = new java.util.ArrayList<>();
    final Map<Adapter, double[][]> wbar = new EnumMap<>(Adapter.class);

    Rows(DoubleInstance inst, int dMax) {
      double beta = inst.beta();
      for (Adapter mu : Adapter.values()) {
        DoubleInstance.Weight w = inst.weight(mu);
        double[][] m = abs(w.frozen());
        if (w.isAdapted()) {
          double sc = Math.abs(inst.alpha() / w.rank());
          m = add(m, scale(sc, mul(abs(w.b()), abs(w.a()))));
        }
        wbar.put(mu, m);
      }
      int width = inst.weight(Adapter.Q).frozen()[0].length;
      double kS = kappaScore(dMax);
      double plainScoreRoundings = 5.0 * dMax + 16; // the test's own plain-double scores (old kS)
      double[][] wq = ExactDouble.merged(inst, Adapter.Q);
      double[][] wk = ExactDouble.merged(inst, Adapter.K);
      for (DoubleInstance.Point p : inst.points()) {
        double[][] qb = mul(abs(p.xq()), wbar.get(Adapter.Q));
        double[][] kb = mul(abs(p.xk()), wbar.get(Adapter.K));
        double[] kbMax = new double[width];
        for (double[] k : kb) {
          for (int i = 0; i < width; i++) {
            kbMax[i] = Math.max(kbMax[i], k[i]);
          }
        }
        double[][] sb = scale(beta, mul(qb, transpose(kb)));
        double[][] s = scale(beta, mul(mul(p.xq(), wq), transpose(mul(p.xk(), wk))));
        f.add(softmax(s));
        int lk = s[0].length;
        boolean[][] cand = new boolean[s.length][lk];
        for (int j = 0; j < s.length; j++) {
          double sbarJ = 0;
          for (double v : sb[j]) {
            sbarJ = Math.max(sbarJ, v);
          }
          double aJ = SLACK * beta * dot(qb[j], kbMax);
          double hJ = SLACK * Math.min(ExactDouble.PLAIN_ROW_BOUND, 1.02 * (2.0 * width + 6) * U * aJ)
              + (2 * kS + 2.04) * U * U * sbarJ + 754 * U * U;
          // EXACT-DOUBLE.md section 8: the test's scores are within epsTest of the exact ones,
          // the code's within hJ / 2, so the code's pivot scores within 2 epsTest + hJ of the max
          double epsTest = 1.01 * plainScoreRoundings * U * sbarJ;
          double margin = 2 * (hJ + 2 * epsTest);
          double max = Double.NEGATIVE_INFINITY;
          for (double v : s[j]) {
            max = Math.max(max, v);
          }
          for (int l = 0; l < lk; l++) {
            cand[j][l] = s[j][l] >= max - margin;
          }
          h = Math.max(h, hJ);
          sbar = Math.max(sbar, sbarJ);
          testF = Math.max(testF, 2 * 1.01 * (plainScoreRoundings + 2) * U * sbarJ + (lk + 4) * U);
        }
        candidates.add(cand);
      }
    }
  }

  /** The absolute-value program, point by point with explicit L x L matrices. */
  private static final class Magnitudes {
    double loss;
    final Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    final Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);

    Magnitudes(DoubleInstance inst, Rows rows, boolean onesForF) {
      double beta = inst.beta();
      Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        if (inst.weight(mu).isAdapted()) {
          double[][] m = rows.wbar.get(mu);
          gw.put(mu, new double[m.length][m[0].length]);
        }
      }
      for (int pi = 0; pi < inst.points().size(); pi++) {
        DoubleInstance.Point p = inst.points().get(pi);
        double[][] qb = mul(abs(p.xq()), rows.wbar.get(Adapter.Q));
        double[][] kb = mul(abs(p.xk()), rows.wbar.get(Adapter.K));
        double[][] vb = mul(abs(p.xv()), rows.wbar.get(Adapter.V));
        // the centred differences of section 2.2, as magnitudes: |a_l - a_0| -> abar_l + abar_0
        double[][] kbc = plusRowZero(kb);
        double[][] xkbc = plusRowZero(abs(p.xk()));
        double[][] vbc = mul(plusRowZero(abs(p.xv())), rows.wbar.get(Adapter.V));
        double[][] f = onesForF ? fill(p.xq().length, p.xk().length) : rows.f.get(pi);
        boolean[][] cand = rows.candidates.get(pi);
        double[][] z = mul(f, vb);
        double[][] c = add(z, abs(p.y()));
        double[][] pb = new double[f.length][f[0].length];
        for (int j = 0; j < f.length; j++) {
          loss += 0.5 * dot(c[j], c[j]);
          // section 2: gbar[m] = cbar . (Vbar_m + Vbar_l*), 0 at the pivot when it is certain
          int count = 0;
          double[] vStar = new double[vbc[0].length];
          for (int l = 0; l < f[0].length; l++) {
            if (cand[j][l]) {
              count++;
              for (int i = 0; i < vStar.length; i++) {
                vStar[i] = Math.max(vStar[i], vbc[l][i]);
              }
            }
          }
          double cv = dot(c[j], vStar);
          double[] g = new double[f[0].length];
          double sp = 0;
          for (int m = 0; m < f[0].length; m++) {
            g[m] = count == 1 && cand[j][m] ? 0 : dot(c[j], vbc[m]) + cv;
            sp += f[j][m] * g[m];
          }
          for (int l = 0; l < f[0].length; l++) {
            pb[j][l] = f[j][l] * (g[l] + sp);
          }
        }
        if (gw.containsKey(Adapter.Q)) {
          addTo(gw.get(Adapter.Q), mul(transpose(abs(p.xq())), mul(pb, kbc)));
        }
        if (gw.containsKey(Adapter.K)) {
          addTo(gw.get(Adapter.K), mul(transpose(xkbc), mul(transpose(pb), qb)));
        }
        if (gw.containsKey(Adapter.V)) {
          addTo(gw.get(Adapter.V), mul(transpose(abs(p.xv())), mul(transpose(f), c)));
        }
      }
      for (Map.Entry<Adapter, double[][]> e : gw.entrySet()) {
        DoubleInstance.Weight w = inst.weight(e.getKey());
        double sc = Math.abs(inst.alpha() / w.rank());
        double[][] g = e.getKey() == Adapter.V ? e.getValue() : scale(beta, e.getValue());
        ga.put(e.getKey(), scale(sc, mul(transpose(abs(w.b())), g)));
        gb.put(e.getKey(), scale(sc, mul(g, transpose(abs(w.a())))));
      }
    }
  }

  static double[][] softmax(double[][] s) {
    double[][] f = new double[s.length][s[0].length];
    for (int j = 0; j < s.length; j++) {
      double m = Double.NEGATIVE_INFINITY;
      for (double v : s[j]) {
        m = Math.max(m, v);
      }
      double z = 0;
      for (int l = 0; l < s[j].length; l++) {
        f[j][l] = Math.exp(s[j][l] - m);
        z += f[j][l];
      }
      for (int l = 0; l < s[j].length; l++) {
        f[j][l] /= z;
      }
    }
    return f;
  }

  /** Rows {@code m_l + m_0}: the magnitude of the centred difference {@code a_l - a_0}. */
  private static double[][] plusRowZero(double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int l = 0; l < m.length; l++) {
      for (int i = 0; i < m[0].length; i++) {
        out[l][i] = m[l][i] + m[0][i];
      }
    }
    return out;
  }

  private static double[][] fill(int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      java.util.Arrays.fill(row, 1.0);
    }
    return m;
  }

  private static double[][] abs(double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = Math.abs(m[i][j]);
      }
    }
    return out;
  }

  static double[][] mul(double[][] a, double[][] b) {
    double[][] out = new double[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        double acc = 0;
        for (int k = 0; k < b.length; k++) {
          acc += a[i][k] * b[k][j];
        }
        out[i][j] = acc;
      }
    }
    return out;
  }

  static double[][] transpose(double[][] a) {
    double[][] out = new double[a[0].length][a.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        out[j][i] = a[i][j];
      }
    }
    return out;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        out[i][j] = a[i][j] + b[i][j];
      }
    }
    return out;
  }

  private static void addTo(double[][] acc, double[][] b) {
    for (int i = 0; i < acc.length; i++) {
      for (int j = 0; j < acc[0].length; j++) {
        acc[i][j] += b[i][j];
      }
    }
  }

  private static double[][] scale(double s, double[][] a) {
    double[][] out = new double[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        out[i][j] = s * a[i][j];
      }
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double acc = 0;
    for (int i = 0; i < a.length; i++) {
      acc += a[i] * b[i];
    }
    return acc;
  }
}
