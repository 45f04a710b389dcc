package dev.loralimits.fast;

import dev.loralimits.model.Adapter;

/**
 * One data point in doubles, as the almost-linear passes read it (proofs-notes/FAST-BOUND.md §1-2):
 * the queries {@code Qh = beta X^Q W_Q}, the centred keys {@code Kc = X^K W_K - 1 kbar^T}, the
 * values {@code Vm = X^V W_V}, the targets (all row-major), the feature map's scaled inputs and the
 * norms the bound reads ({@link FastBound#inputNorms}).
 */
final class PreparedPoint {
  final int lq;
  final int lk;
  final int h;
  final int o;
  final double[] qh; // lq x h
  final double[] kc; // lk x h
  final double[] kbar; // h: the shift of the keys, Kc = X^K W_K - 1 kbar^T
  final double[] qf; // qh 2^-e: the feature map's input (FAST-BOUND.md §2, scaling)
  final double[] kf; // kc 2^e
  final double[] vm; // lk x o
  final double[] y; // lq x o
  final double[][] xq;
  final double[][] xk;
  final double[][] xv;
  final FastBound.PointNorms norms;
  final double maxQNorm;
  final double maxKNorm;
  final FastBound.KeyRows keyRows; // FAST-BOUND.md §11: per-row norm bounds and key moments

  private PreparedPoint(DoubleData dd, int index) {
    double[][][] pt = dd.points.get(index);
    xq = pt[0];
    xk = pt[1];
    xv = pt[2];
    double[][] yy = pt[3];
    lq = xq.length;
    lk = xk.length;
    h = dd.merged.get(Adapter.Q)[0].length;
    o = dd.merged.get(Adapter.V)[0].length;
    double[] qm = Dense.multiplyFlat(xq, dd.merged.get(Adapter.Q));
    qh = new double[qm.length];
    for (int i = 0; i < qm.length; i++) {
      qh[i] = dd.beta * qm[i];
    }
    double[] km = Dense.multiplyFlat(xk, dd.merged.get(Adapter.K));
    // centre each key column at its mid-range: any shift is exact for softmax; this one minimises max|Kc|
    kbar = new double[h];
    double kbarMax = 0;
    double kmMax = 0;
    for (int b = 0; b < h; b++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < lk; l++) {
        lo = Math.min(lo, km[l * h + b]);
        hi = Math.max(hi, km[l * h + b]);
      }
      kbar[b] = lo + (hi - lo) / 2;
      kbarMax = Math.max(kbarMax, Math.abs(kbar[b]));
      kmMax = Math.max(kmMax, Math.max(Math.abs(lo), Math.abs(hi)));
    }
    kc = new double[km.length];
    for (int l = 0; l < lk; l++) {
      for (int b = 0; b < h; b++) {
        kc[l * h + b] = km[l * h + b] - kbar[b];
      }
    }
    vm = Dense.multiplyFlat(xv, dd.merged.get(Adapter.V));
    y = new double[lq * o];
    for (int j = 0; j < lq; j++) {
      for (int i = 0; i < o; i++) {
        y[j * o + i] = yy[j][i];
      }
    }
    norms = FastBound.inputNorms(dd, xq, xk, xv, qh, kc, vm, y, h, o, kmMax, kbarMax);
    int e = balancingExponent(norms.qMax(), norms.kMax());
    double[] sq = scaledExactly(qh, -e);
    double[] sk = scaledExactly(kc, e);
    boolean scaled = sq != null && sk != null;
    qf = scaled ? sq : qh;
    kf = scaled ? sk : kc;
    maxQNorm = Dense.maxRowNorm(qh, lq, h);
    maxKNorm = Dense.maxRowNorm(kc, lk, h);
    keyRows = new FastBound.KeyRows(qh, lq, kc, lk, h, xq, y, o, qf, kf, vm);
  }

  /** Point {@code index} of {@code dd}, prepared: the products, the centring, the norms, the scaling. */
  static PreparedPoint of(DoubleData dd, int index) {
    return new PreparedPoint(dd, index);
  }

  /**
   * FAST-BOUND.md §2 (scaling): the e with {@code qMax 2^-e} and {@code kMax 2^e} of about the same
   * binary exponent, 0 when either is 0. Since {@code phi_m(q 2^-e) psi_m(k 2^e) = phi_m(q) psi_m(k)}
   * (degree |m| in each), the features of the scaled vectors give the same kernel while neither
   * side's monomials overflow or underflow because the other side's are small or large.
   */
  static int balancingExponent(double qMax, double kMax) {
    if (!(qMax > 0 && kMax > 0)) {
      return 0;
    }
    return (Math.getExponent(qMax) - Math.getExponent(kMax)) / 2;
  }

  /** {@code x 2^e} entrywise, or null when some entry would not be exact (a subnormal result). */
  static double[] scaledExactly(double[] x, int e) {
    if (e == 0) {
      return x;
    }
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.scalb(x[i], e);
      if (Math.scalb(y[i], -e) != x[i]) {
        return null;
      }
    }
    return y;
  }
}
