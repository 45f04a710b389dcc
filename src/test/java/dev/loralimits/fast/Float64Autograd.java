package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.Map;

/**
 * What float64 reverse-mode autodiff computes (the PyTorch float64 reference of the paper's
 * experiments, written out): inputs rounded to doubles, plain-double scores
 * {@code S = beta (X^Q W_Q)(X^K W_K)^T}, max-subtracted softmax, and the softmax backward in its
 * uncentred form {@code dS = F (.) (dF - rowsum(dF (.) F))} with {@code dF = c V^T}. Dense (L x L
 * matrices), for the examples that show what {@link ExactDouble} improves on.
 */
final class Float64Autograd {
  private Float64Autograd() {}

  static DoubleGradients gradient(DoubleInstance inst) {
    double beta = inst.beta();
    Map<Adapter, double[][]> w = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, ExactDouble.merged(inst, mu));
      if (inst.weight(mu).isAdapted()) {
        gw.put(mu, new double[w.get(mu).length][w.get(mu)[0].length]);
      }
    }
    double loss = 0;
    for (DoubleInstance.Point p : inst.points()) {
      double[][] q = RoundingBound.mul(p.xq(), w.get(Adapter.Q));
      double[][] k = RoundingBound.mul(p.xk(), w.get(Adapter.K));
      double[][] v = RoundingBound.mul(p.xv(), w.get(Adapter.V));
      double[][] s = RoundingBound.mul(q, RoundingBound.transpose(k));
      for (double[] row : s) {
        for (int l = 0; l < row.length; l++) {
          row[l] *= beta;
        }
      }
      double[][] f = RoundingBound.softmax(s);
      double[][] c = RoundingBound.mul(f, v);
      for (int j = 0; j < c.length; j++) {
        for (int i = 0; i < c[0].length; i++) {
          c[j][i] -= p.y()[j][i];
          loss += 0.5 * c[j][i] * c[j][i];
        }
      }
      double[][] df = RoundingBound.mul(c, RoundingBound.transpose(v));
      double[][] ds = new double[f.length][f[0].length];
      for (int j = 0; j < f.length; j++) {
        double sum = 0;
        for (int l = 0; l < f[0].length; l++) {
          sum += df[j][l] * f[j][l];
        }
        for (int l = 0; l < f[0].length; l++) {
          ds[j][l] = f[j][l] * (df[j][l] - sum);
        }
      }
      add(gw.get(Adapter.Q), beta, RoundingBound.mul(RoundingBound.transpose(p.xq()), RoundingBound.mul(ds, k)));
      add(gw.get(Adapter.K), beta, RoundingBound.mul(RoundingBound.transpose(p.xk()), RoundingBound.mul(RoundingBound.transpose(ds), q)));
      add(gw.get(Adapter.V), 1, RoundingBound.mul(RoundingBound.transpose(p.xv()), RoundingBound.mul(RoundingBound.transpose(f), c)));
    }
    Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
    for (Map.Entry<Adapter, double[][]> e : gw.entrySet()) {
      DoubleInstance.Weight wt = inst.weight(e.getKey());
      double sc = inst.alpha() / wt.rank();
      ga.put(e.getKey(), scaled(sc, RoundingBound.mul(RoundingBound.transpose(wt.b()), e.getValue())));
      gb.put(e.getKey(), scaled(sc, RoundingBound.mul(e.getValue(), RoundingBound.transpose(wt.a()))));
    }
    return new DoubleGradients(loss, ga, gb);
  }

  private static void add(double[][] acc, double s, double[][] m) {
    if (acc == null) {
      return;
    }
    for (int i = 0; i < acc.length; i++) {
      for (int j = 0; j < acc[0].length; j++) {
        acc[i][j] += s * m[i][j];
      }
    }
  }

  private static double[][] scaled(double s, double[][] m) {
    double[][] out = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i][j] = s * m[i][j];
      }
    }
    return out;
  }
}
