package dev.loralimits.fast;

import java.util.Arrays;

/**
 * The lemma kernels of the almost-linear algorithm: one method per lemma per row, each opening with
 * the lemma it computes (proofs-notes/MODEL.md §4, LEMMAS.md §10, FAST-BOUND.md §4-5).
 *
 * <ul>
 *   <li>key side: {@link #lemma34KeyAggregates} ({@code V1^T 1}, {@code V1^T Vm}, {@code V1^T Kc},
 *       and Lemma 3.6's Kronecker aggregate T);
 *   <li>query side, row j: {@link #lemma34to37QueryRow} calls {@link #lemma34Row} (3.4),
 *       {@link #lemma37Diagonal}, {@link #lemma36Row}, {@link #lemma37Row} (3.6, 3.7; Lemma 3.5's
 *       factorisation {@link #lemma35Entry} is folded into T) and {@link #theorem31Accumulate}
 *       (Theorem 3.1), and {@link #theoremA1QuerySide} for the K and V gradients;
 *   <li>key side again: {@link #theoremA1KeyRow} (Theorem A.1 and the V gradient).
 * </ul>
 * Each works on a range of rows and sums in increasing row order; {@link AlmostLinear} splits the
 * rows ({@link RowScheduler}) and adds the partial results in a fixed order.
 */
final class LemmaKernels {
  private LemmaKernels() {}

  /** Lemma 3.4 (key side): {@code V1^T 1}, {@code V1^T Vm}, {@code V1^T Kc} and {@code sum_l psi_l (x) Vm_l (x) Kc_l}. */
  static final class KeyAggregates {
    final double[] a1;
    final double[] av;
    final double[] ak;
    final double[] t;

    KeyAggregates(int k1, int o, int h) {
      a1 = new double[k1];
      av = new double[k1 * o];
      ak = new double[k1 * h];
      t = new double[k1 * o * h];
    }

    void add(KeyAggregates x) {
      Dense.addInto(a1, x.a1);
      Dense.addInto(av, x.av);
      Dense.addInto(ak, x.ak);
      Dense.addInto(t, x.t);
    }
  }

  /** Lemma 3.4 and 3.6, key side, for keys {@code from .. to-1}. */
  static KeyAggregates lemma34KeyAggregates(PreparedPoint p, FeatureMap fm, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    KeyAggregates a = new KeyAggregates(k1, o, h);
    double[] psi = new double[k1];
    for (int l = from; l < to; l++) {
      fm.keyFeatures(p.kf, l * h, psi);
      for (int m = 0; m < k1; m++) {
        double v = psi[m];
        a.a1[m] += v;
        for (int b = 0; b < h; b++) {
          a.ak[m * h + b] += v * p.kc[l * h + b];
        }
        for (int i = 0; i < o; i++) {
          double vv = v * p.vm[l * o + i];
          a.av[m * o + i] += vv;
          int base = (m * o + i) * h;
          for (int b = 0; b < h; b++) {
            a.t[base + b] += vv * p.kc[l * h + b];
          }
        }
      }
    }
    return a;
  }

  /** Query-side aggregates for Theorem A.1 and the V gradient, and partial sums of one range. */
  static final class QueryPartial {
    final double[] gq; // dq x h: X^Q^T (p Kc), before beta
    final double[] t2; // k1 x o x h: sum_j (phi_jm / D_j) c_ji Qh_jb
    final double[] t3; // k1 x h: sum_j (phi_jm / D_j) s_j Qh_jb
    final double[] t4; // k1 x o: sum_j (phi_jm / D_j) c_ji
    double loss;

    QueryPartial(int dq, int k1, int o, int h, boolean kv) {
      gq = new double[dq * h];
      t2 = kv ? new double[k1 * o * h] : new double[0];
      t3 = kv ? new double[k1 * h] : new double[0];
      t4 = kv ? new double[k1 * o] : new double[0];
    }

    void add(QueryPartial x) {
      Dense.addInto(gq, x.gq);
      Dense.addInto(t2, x.t2);
      Dense.addInto(t3, x.t3);
      Dense.addInto(t4, x.t4);
      loss += x.loss;
    }
  }

  /**
   * Lemmas 3.4-3.7 for query rows {@code from .. to-1}: {@code D_j = phi_j . (V1^T 1)},
   * {@code ztilde_j = phi_j (V1^T Vm) / D_j}, {@code ctilde_j = ztilde_j - Y_j} (3.4);
   * {@code s_j = <ctilde_j, ztilde_j>} (3.7); row j of {@code p Kc} is
   * {@code (sum_{m,i} phi_jm ctilde_ji T[m,i,:] - s_j phi_j (V1^T Kc)) / D_j} (3.5, 3.6, 3.7), and
   * Theorem 3.1 accumulates {@code X^Q_j^T} times it.
   */
  static QueryPartial lemma34to37QueryRow(
      PreparedPoint p, FeatureMap fm, KeyAggregates ka, boolean kv, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    int dq = p.xq[0].length;
    QueryPartial r = new QueryPartial(dq, k1, o, h, kv);
    double[] phi = new double[k1];
    double[] z = new double[o];
    double[] c = new double[o];
    double[] w = new double[h];
    for (int j = from; j < to; j++) {
      fm.queryFeatures(p.qf, j * h, phi);
      double dj = lemma34Row(phi, ka, p.y, j * o, z, c);
      if (!Double.isFinite(dj)) {
        // a non-finite D_j would hide non-finite features: x / infinity = 0 (FAST-BOUND.md §1)
        throw new NonFiniteException("D_j of query row " + j);
      }
      double s = lemma37Diagonal(c, z);
      double loss = 0;
      for (int i = 0; i < o; i++) {
        loss += c[i] * c[i];
      }
      r.loss += 0.5 * loss;
      Arrays.fill(w, 0);
      lemma36Row(phi, c, ka, w);
      lemma37Row(phi, s, ka, w);
      for (int b = 0; b < h; b++) {
        w[b] /= dj;
      }
      theorem31Accumulate(p.xq[j], w, r.gq);
      if (kv) {
        theoremA1QuerySide(phi, dj, c, s, p.qh, j * h, r);
      }
    }
    return r;
  }

  /**
   * Lemma 3.4 (approximate c), one query row: {@code Dtilde_j = phi_j . (V1^T 1)},
   * {@code ztilde_j = phi_j (V1^T Vm) / Dtilde_j}, {@code ctilde_j = ztilde_j - Y_j}; fills z and c
   * and returns {@code Dtilde_j}.
   */
  static double lemma34Row(double[] phi, KeyAggregates ka, double[] y, int yOffset, double[] z, double[] c) {
    int k1 = phi.length;
    int o = z.length;
    double dj = 0;
    for (int m = 0; m < k1; m++) {
      dj += phi[m] * ka.a1[m];
    }
    Arrays.fill(z, 0);
    for (int m = 0; m < k1; m++) {
      for (int i = 0; i < o; i++) {
        z[i] += phi[m] * ka.av[m * o + i];
      }
    }
    for (int i = 0; i < o; i++) {
      z[i] /= dj;
      c[i] = z[i] - y[yOffset + i];
    }
    return dj;
  }

  /**
   * Lemma 3.5 (approximate q), one entry: {@code qtilde = Vm ctilde^T = U2 V2^T} has rank o, with
   * {@code U2 = Vm} (row l, key side) and {@code V2 = ctilde} (row j, query side), so
   * {@code qtilde[l][j] = <Vm_l, ctilde_j>} (proofs-notes/MODEL.md §4.3). The algorithm never
   * evaluates q entrywise: {@link #lemma34KeyAggregates} folds the rows of U2 into the Kronecker
   * aggregate T and {@link #lemma36Row} multiplies V2's row j into it; this method is the
   * factorisation itself, checked entry by entry against the exact {@code q = Vm c^T}
   * ({@code LemmaKernelProperties}, proofs-notes/LEMMAS.md §10).
   *
   * @param vm the computed values {@code Vm}, row-major {@code Lk x o}
   * @param l the key row
   * @param c {@code ctilde_j} (length o), as filled by {@link #lemma34Row}
   * @return {@code <Vm_l, ctilde_j>}, summed in index order
   */
  static double lemma35Entry(double[] vm, int l, double[] c) {
    int o = c.length;
    double q = 0;
    for (int i = 0; i < o; i++) {
      q += vm[l * o + i] * c[i];
    }
    return q;
  }

  /** Lemma 3.7 (the diagonal of p2): {@code s_j = <ctilde_j, ztilde_j>}, row j of {@code p1 1}. */
  static double lemma37Diagonal(double[] c, double[] z) {
    double s = 0;
    for (int i = 0; i < c.length; i++) {
      s += c[i] * z[i];
    }
    return s;
  }

  /**
   * Lemma 3.6 (approximate p1), row j of {@code p1 Kc} times {@code Dtilde_j}: with Lemma 3.5's
   * factors of {@code q = Vm ctilde^T} (rank o: {@code U2 = Vm}, {@code V2 = ctilde}), the Hadamard
   * product {@code Ftilde (.) (ctilde Vm^T)} has the row-wise Kronecker factors
   * {@code phi_j (x) ctilde_j} and {@code psi_l (x) Vm_l}, so row j of {@code p1 Kc} is
   * {@code sum_{m,i} phi_jm ctilde_ji T[m,i,:]} with {@code T = sum_l psi_l (x) Vm_l (x) Kc_l}.
   * Adds into w.
   */
  static void lemma36Row(double[] phi, double[] c, KeyAggregates ka, double[] w) {
    int o = c.length;
    int h = w.length;
    for (int m = 0; m < phi.length; m++) {
      double pm = phi[m];
      for (int i = 0; i < o; i++) {
        double pc = pm * c[i];
        int base = (m * o + i) * h;
        for (int b = 0; b < h; b++) {
          w[b] += pc * ka.t[base + b];
        }
      }
    }
  }

  /**
   * Lemma 3.7 (approximate p2 = diag(s) Ftilde), row j of {@code p2 Kc} times {@code Dtilde_j}:
   * {@code s_j phi_j (V1^T Kc)}; subtracts it from w.
   */
  static void lemma37Row(double[] phi, double s, KeyAggregates ka, double[] w) {
    int h = w.length;
    for (int m = 0; m < phi.length; m++) {
      double ps = phi[m] * s;
      for (int b = 0; b < h; b++) {
        w[b] -= ps * ka.ak[m * h + b];
      }
    }
  }

  /** Theorem 3.1, one row: {@code X^Q_j^T} times row j of {@code p Kc}, added into {@code G_Q} (before beta). */
  static void theorem31Accumulate(double[] xqRow, double[] w, double[] gq) {
    int h = w.length;
    for (int a = 0; a < xqRow.length; a++) {
      double x = xqRow[a];
      for (int b = 0; b < h; b++) {
        gq[a * h + b] += x * w[b];
      }
    }
  }

  /**
   * Theorem A.1 (and the V gradient), query side of row j: adds {@code (phi_jm / D_j) ctilde_ji Qh_j}
   * to T2, {@code (phi_jm / D_j) s_j Qh_j} to T3 and {@code (phi_jm / D_j) ctilde_ji} to T4.
   */
  static void theoremA1QuerySide(
      double[] phi, double dj, double[] c, double s, double[] qh, int qOffset, QueryPartial r) {
    int o = c.length;
    int h = r.t3.length / phi.length;
    for (int m = 0; m < phi.length; m++) {
      double e = phi[m] / dj;
      for (int i = 0; i < o; i++) {
        double ec = e * c[i];
        r.t4[m * o + i] += ec;
        int base = (m * o + i) * h;
        for (int b = 0; b < h; b++) {
          r.t2[base + b] += ec * qh[qOffset + b];
        }
      }
      double es = e * s;
      for (int b = 0; b < h; b++) {
        r.t3[m * h + b] += es * qh[qOffset + b];
      }
    }
  }

  /**
   * Theorem A.1 (and the V gradient) for keys {@code from .. to-1}: row l of {@code p^T Qh} is
   * {@code sum_m psi_lm (sum_i Vm_li T2[m,i,:] - T3[m,:])} and row l of {@code Ftilde^T ctilde} is
   * {@code sum_m psi_lm T4[m,:]}; accumulates {@code X^K_l^T} and {@code X^V_l^T} times them.
   *
   * @return {@code {gk (dk x h), gv (dv x o)}}
   */
  static double[][] theoremA1KeyRow(PreparedPoint p, FeatureMap fm, QueryPartial qa, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    int dk = p.xk[0].length;
    int dv = p.xv[0].length;
    double[] gk = new double[dk * h];
    double[] gv = new double[dv * o];
    double[] psi = new double[k1];
    double[] row = new double[h];
    double[] f = new double[o];
    for (int l = from; l < to; l++) {
      fm.keyFeatures(p.kf, l * h, psi);
      Arrays.fill(row, 0);
      Arrays.fill(f, 0);
      for (int m = 0; m < k1; m++) {
        double v = psi[m];
        for (int i = 0; i < o; i++) {
          double vv = v * p.vm[l * o + i];
          int base = (m * o + i) * h;
          for (int b = 0; b < h; b++) {
            row[b] += vv * qa.t2[base + b];
          }
          f[i] += v * qa.t4[m * o + i];
        }
        for (int b = 0; b < h; b++) {
          row[b] -= v * qa.t3[m * h + b];
        }
      }
      for (int a = 0; a < dk; a++) {
        double x = p.xk[l][a];
        for (int b = 0; b < h; b++) {
          gk[a * h + b] += x * row[b];
        }
      }
      for (int a = 0; a < dv; a++) {
        double x = p.xv[l][a];
        for (int i = 0; i < o; i++) {
          gv[a * o + i] += x * f[i];
        }
      }
    }
    return new double[][] {gk, gv};
  }
}
