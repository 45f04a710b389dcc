package dev.loralimits.vectors;

import dev.loralimits.fast.Dense;
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
      double[][] qm = Dense.multiply(p.xq().toDoubles(), wq);
      double[][] km = Dense.multiply(p.xk().toDoubles(), wk);
      double[][] s = new double[qm.length][km.length];
      for (int i = 0; i < qm.length; i++) {
        for (int j = 0; j < km.length; j++) {
          s[i][j] = beta * Dense.dot(qm[i], km[j]);
        }
      }
      out.add(s);
    }
    return out;
  }

  /** {@code W* + (alpha / r) B A} ({@link Dense#loraMerge}). */
  private static double[][] merged(Projection p, double alpha) {
    double[][] w = p.frozen().toDoubles();
    return p.isAdapted() ? Dense.loraMerge(w, p.a().toDoubles(), p.b().toDoubles(), alpha) : w;
  }
}
