package dev.loralimits.vectors;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.util.ArrayList;
import java.util.List;

/**
 * The attention scores {@code S = beta (X^Q W_Q)(X^K W_K)^T} of every point in doubles, to check
 * what a golden-vector case claims about them (large, tiny, one-hot). Only a check of the
 * construction: the expected values come from the reference.
 */
final class DoubleScores {
  private DoubleScores() {}

  /** The scores of every point, in data order. */
  static List<double[][]> of(LoraInstance inst) {
    double alpha = inst.alpha().doubleValue();
    double beta = inst.beta().doubleValue();
    double[][] wq = merged(inst.projection(Adapter.Q), alpha);
    double[][] wk = merged(inst.projection(Adapter.K), alpha);
    List<double[][]> out = new ArrayList<>();
    for (DataPoint p : inst.data()) {
      double[][] qm = multiply(p.xq().toDoubles(), wq);
      double[][] km = multiply(p.xk().toDoubles(), wk);
      double[][] s = new double[qm.length][km.length];
      for (int i = 0; i < qm.length; i++) {
        for (int j = 0; j < km.length; j++) {
          double dot = 0;
          for (int h = 0; h < qm[i].length; h++) {
            dot += qm[i][h] * km[j][h];
          }
          s[i][j] = beta * dot;
        }
      }
      out.add(s);
    }
    return out;
  }

  /** {@code W* + (alpha / r) B A}. */
  private static double[][] merged(Projection p, double alpha) {
    double[][] w = p.frozen().toDoubles();
    if (!p.isAdapted()) {
      return w;
    }
    double scale = alpha / p.rank().orElseThrow();
    double[][] ba = multiply(p.b().toDoubles(), p.a().toDoubles());
    for (int i = 0; i < w.length; i++) {
      for (int j = 0; j < w[i].length; j++) {
        w[i][j] += scale * ba[i][j];
      }
    }
    return w;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    double[][] c = new double[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < b.length; k++) {
        for (int j = 0; j < b[0].length; j++) {
          c[i][j] += a[i][k] * b[k][j];
        }
      }
    }
    return c;
  }
}
