package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.Map;

/**
 * The forward error bound of {@link ExactDouble} (proofs-notes/EXACT-DOUBLE.md): for every computed
 * number y,
 *
 * <pre>
 *   |y_computed - y| <= SAFETY x ybar + UNDERFLOW 2^-1021 ybar(1),
 *   x = u (n + 3 (L + 4) + 6 (kS + 2) Sbar),  n = 8D + 3L + N L + 31,  kS = 5D + 16,
 * </pre>
 *
 * where ybar is the same program run on absolute values (every input replaced by its magnitude,
 * every minus by a plus, the computed F kept), ybar(1) the same with every entry of F set to 1,
 * Sbar the largest entry of {@code beta |XQ| Wbar_Q (|XK| Wbar_K)^T}, D the largest width
 * (d's, h, o, r), L the largest sequence length and N the number of points. Non-streaming (it holds
 * each point's L x L matrices): for small test instances only.
 */
final class RoundingBound {
  /** Unit roundoff of binary64 round-to-nearest. */
  static final double U = 0x1p-53;
  /**
   * Covers the second-order terms (EXACT-DOUBLE.md section 3): {@code e^x - 1 <= 1.006 x}, ybar
   * computed in doubles from rounded inputs and F within {@code 1.006 x} of the exact ybar, and
   * {@code gamma_k <= 1.001 k u}; {@code 1.006 (1 + 1.006 x) 1.001 <= 1.02} for x <= 0.005.
   */
  static final double SAFETY = 1.02;
  /** Validity range of SAFETY. */
  static final double MAX_X = 0.005;
  /** Underflow: at most 3 factors of F per term, each off by at most 2^-1021 absolutely (EXACT-DOUBLE §4). */
  static final double UNDERFLOW = 3.01 * 0x1p-1021;

  final double x;
  final double sbar;
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
    // EXACT-DOUBLE.md section 2: most roundings on any term of an output (n) and of a score (kS)
    int n = 8 * dMax + 3 * lMax + inst.points().size() * lMax + 31;
    int kS = 5 * dMax + 16;
    Magnitudes real = new Magnitudes(inst, false);
    Magnitudes ones = new Magnitudes(inst, true);
    sbar = real.sbar;
    x = U * (n + 3.0 * (lMax + 4) + 6.0 * (kS + 2) * sbar);
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

  /** The absolute-value program, point by point with explicit L x L matrices. */
  private static final class Magnitudes {
    double sbar;
    double loss;
    final Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    final Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);

    Magnitudes(DoubleInstance inst, boolean onesForF) {
      double beta = inst.beta();
      Map<Adapter, double[][]> wbar = new EnumMap<>(Adapter.class);
      Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        DoubleInstance.Weight w = inst.weight(mu);
        double[][] m = abs(w.frozen());
        if (w.isAdapted()) {
          double sc = Math.abs(inst.alpha() / w.rank());
          m = add(m, scale(sc, mul(abs(w.b()), abs(w.a()))));
          gw.put(mu, new double[m.length][m[0].length]);
        }
        wbar.put(mu, m);
      }
      double[][] wq = ExactDouble.merged(inst, Adapter.Q);
      double[][] wk = ExactDouble.merged(inst, Adapter.K);
      for (DoubleInstance.Point p : inst.points()) {
        double[][] qb = mul(abs(p.xq()), wbar.get(Adapter.Q));
        double[][] kb = mul(abs(p.xk()), wbar.get(Adapter.K));
        double[][] vb = mul(abs(p.xv()), wbar.get(Adapter.V));
        double[][] sb = scale(beta, mul(qb, transpose(kb)));
        for (double[] row : sb) {
          for (double v : row) {
            sbar = Math.max(sbar, v);
          }
        }
        double[][] f = onesForF ? fill(sb.length, sb[0].length) : softmax(scale(beta, mul(mul(p.xq(), wq), transpose(mul(p.xk(), wk)))));
        double[][] z = mul(f, vb);
        double[][] c = add(z, abs(p.y()));
        double[][] t = mul(c, transpose(vb));
        double[][] pb = new double[f.length][f[0].length];
        for (int j = 0; j < f.length; j++) {
          double s = dot(c[j], z[j]);
          loss += 0.5 * dot(c[j], c[j]);
          for (int l = 0; l < f[0].length; l++) {
            pb[j][l] = f[j][l] * (t[j][l] + s);
          }
        }
        if (gw.containsKey(Adapter.Q)) {
          addTo(gw.get(Adapter.Q), mul(transpose(abs(p.xq())), mul(pb, kb)));
        }
        if (gw.containsKey(Adapter.K)) {
          addTo(gw.get(Adapter.K), mul(transpose(abs(p.xk())), mul(transpose(pb), qb)));
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
