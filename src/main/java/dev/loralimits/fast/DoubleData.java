package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DoubleInstance} (each decimal input rounded once to the nearest double) with the merged
 * weights {@code W = W* + (alpha/r) B A} (computed by {@link ExactDouble#merged}, shared with the
 * exact algorithm) and the absolute majorants
 * {@code |W*| + |alpha/r| |B| |A|} that the rounding bounds use.
 */
final class DoubleData {
  final double alpha;
  final double beta;
  final Map<Adapter, double[][]> frozen = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> a = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> b = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> merged = new EnumMap<>(Adapter.class);
  final Map<Adapter, Double> maxMergedMajorant = new EnumMap<>(Adapter.class);
  final Map<Adapter, Integer> rank = new EnumMap<>(Adapter.class);
  final List<double[][][]> points = new ArrayList<>(); // {XQ, XK, XV, Y}

  DoubleData(LoraInstance inst) {
    this(DoubleInstance.of(inst));
  }

  DoubleData(DoubleInstance inst) {
    alpha = inst.alpha();
    beta = inst.beta();
    for (Adapter mu : Adapter.values()) {
      DoubleInstance.Weight p = inst.weight(mu);
      double[][] w = p.frozen();
      frozen.put(mu, w);
      double[][] m = ExactDouble.merged(inst, mu);
      double[][] maj = abs(w);
      int r = 0;
      if (p.isAdapted()) {
        double[][] aa = p.a();
        double[][] bb = p.b();
        a.put(mu, aa);
        b.put(mu, bb);
        r = aa.length;
        double s = Math.abs(alpha / r);
        for (int i = 0; i < maj.length; i++) {
          for (int j = 0; j < maj[0].length; j++) {
            double baAbs = 0;
            for (int k = 0; k < r; k++) {
              baAbs += Math.abs(bb[i][k] * aa[k][j]);
            }
            maj[i][j] += s * baAbs;
          }
        }
      }
      rank.put(mu, r);
      merged.put(mu, m);
      double mx = 0;
      for (double[] row : maj) {
        for (double x : row) {
          mx = Math.max(mx, x);
        }
      }
      maxMergedMajorant.put(mu, FastBound.up(mx * (1 + FastBound.gamma(r + 2.0))));
    }
    for (DoubleInstance.Point p : inst.points()) {
      points.add(new double[][][] {p.xq(), p.xk(), p.xv(), p.y()});
    }
  }

  static double[][] abs(double[][] m) {
    double[][] c = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        c[i][j] = Math.abs(m[i][j]);
      }
    }
    return c;
  }

  /** {@code x w} as a flat row-major array. */
  static double[] multiply(double[][] x, double[][] w) {
    int n = x.length;
    int k = w.length;
    int m = w[0].length;
    double[] out = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += x[i][t] * w[t][j];
        }
        out[i * m + j] = s;
      }
    }
    return out;
  }
}
