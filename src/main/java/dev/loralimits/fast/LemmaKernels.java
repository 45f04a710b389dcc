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

  /**
   * Lemma 3.4 and 3.6, key side, for keys {@code from .. to-1}: every aggregate is a sum over the
   * keys in increasing order, {@code a1[m] = sum_l psi_lm}, {@code ak[m,b] = sum_l psi_lm Kc_lb},
   * {@code av[m,i] = sum_l (psi_lm Vm_li)}, {@code t[m,i,b] = sum_l (psi_lm Vm_li) Kc_lb}.
   *
   * <p>Tiled ({@link #chain}): the features of {@link #TILE} keys are computed once into a tile,
   * the products {@code psi_lm Vm_li} once per value column, and each aggregate, held
   * feature-contiguous, takes the tile's keys one after the other over a block of
   * {@link #FEATURE_BLOCK} features at a time. Each accumulator sees the terms, and the roundings,
   * of the per-key loop in the same order, so the result is bit for bit that loop's.
   */
  static KeyAggregates lemma34KeyAggregates(PreparedPoint p, FeatureMap fm, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    // feature-contiguous accumulators: a1[m], ak[b][m], av[i][m], t[i*h+b][m]
    double[] a1 = new double[k1];
    double[][] ak = new double[h][k1];
    double[][] av = new double[o][k1];
    double[][] tt = new double[o * h][k1];
    int tr = tileRows(from, to);
    double[][] psi = new double[tr][k1]; // psi[r][m], the tile's keys
    double[][] pv = new double[tr][k1]; // psi[r][m] Vm[r][i] for one i, over one feature block
    double[][] coef = new double[h][tr]; // coef[b][r] = Kc[l0 + r][b], the tile's keys
    for (int l0 = from; l0 < to; l0 += TILE) {
      int n = Math.min(TILE, to - l0);
      for (int r = 0; r < n; r++) {
        fm.keyFeatures(p.kf, (l0 + r) * h, psi[r]);
        for (int b = 0; b < h; b++) {
          coef[b][r] = p.kc[(l0 + r) * h + b];
        }
      }
      for (int m0 = 0; m0 < k1; m0 += FEATURE_BLOCK) {
        int m1 = Math.min(k1, m0 + FEATURE_BLOCK);
        chainSum(a1, psi, n, m0, m1);
        chainColumns(ak, 0, coef, h, psi, 0, n, m0, m1);
        for (int i = 0; i < o; i++) {
          for (int r = 0; r < n; r++) {
            scale(psi[r], p.vm[(l0 + r) * o + i], pv[r], m0, m1);
          }
          chainSum(av[i], pv, n, m0, m1);
          chainColumns(tt, i * h, coef, h, pv, 0, n, m0, m1);
        }
      }
    }
    KeyAggregates a = new KeyAggregates(k1, o, h);
    System.arraycopy(a1, 0, a.a1, 0, k1);
    for (int m = 0; m < k1; m++) {
      for (int b = 0; b < h; b++) {
        a.ak[m * h + b] = ak[b][m];
      }
      for (int i = 0; i < o; i++) {
        a.av[m * o + i] = av[i][m];
        for (int b = 0; b < h; b++) {
          a.t[(m * o + i) * h + b] = tt[i * h + b][m];
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
   *
   * <p>Tiled ({@link #chain}): the features of {@link #TILE} query rows are computed once, row-major
   * and feature-major. The per-row sums over the feature index ({@code D_j}, {@code ztilde_j}, the
   * row of {@code p Kc}) run over the tile's rows at once, one accumulator per row taking its terms
   * in the order m, or (m, i), of {@link #lemma34Row}, {@link #lemma36Row} and {@link #lemma37Row};
   * the sums over rows (the aggregates of {@link #theoremA1QuerySide}) take the tile's rows in
   * increasing order, feature-contiguous. Each accumulator sees the same terms in the same order as
   * in the per-row methods, so the result is bit for bit theirs.
   */
  static QueryPartial lemma34to37QueryRow(
      PreparedPoint p, FeatureMap fm, KeyAggregates ka, boolean kv, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    int dq = p.xq[0].length;
    QueryPartial r = new QueryPartial(dq, k1, o, h, kv);
    int tr = tileRows(from, to);
    double[][] in = new double[h][tr];
    double[][] phiRows = kv ? new double[tr][k1] : null; // phi[q][m], then phi[q][m] / D_j (Theorem A.1)
    double[][] phi = new double[k1][tr]; // phi[m][q]
    double[] dj = new double[tr];
    double[][] z = new double[o][tr];
    double[][] c = new double[o][tr];
    double[] s = new double[tr];
    double[][] w = new double[h][tr];
    int groupTerms = FEATURE_GROUP * o; // (m, i) terms per group: whole m, a multiple of 4
    double[][] pc = new double[groupTerms][tr];
    // the coefficients of the sums over features, in term order (they do not depend on the row)
    double[][] zCoef = new double[o][k1]; // (V1^T Vm)[m,i]
    double[][] tCoef = new double[h][k1 * o]; // T[m,i,b] at m o + i
    double[][] kCoef = new double[h][k1]; // -(V1^T Kc)[m,b]
    for (int m = 0; m < k1; m++) {
      for (int i = 0; i < o; i++) {
        zCoef[i][m] = ka.av[m * o + i];
        for (int b = 0; b < h; b++) {
          tCoef[b][m * o + i] = ka.t[(m * o + i) * h + b];
        }
      }
      for (int b = 0; b < h; b++) {
        kCoef[b][m] = -ka.ak[m * h + b]; // w - x y = w + x (-y), exactly
      }
    }
    double[] wRow = new double[h];
    // Theorem A.1, query side: feature-contiguous t2[i*h+b][m], t3[b][m], t4[i][m]
    double[][] t2 = kv ? new double[o * h][k1] : null;
    double[][] t3 = kv ? new double[h][k1] : null;
    double[][] t4 = kv ? new double[o][k1] : null;
    double[][] ec = kv ? new double[tr][k1] : null;
    double[][] rCoef = kv ? new double[h][tr] : null; // rCoef[b][q] = Qh[j0 + q][b]
    for (int j0 = from; j0 < to; j0 += TILE) {
      int n = Math.min(TILE, to - j0);
      for (int q = 0; q < n; q++) {
        for (int b = 0; b < h; b++) {
          in[b][q] = p.qf[(j0 + q) * h + b];
          if (kv) {
            rCoef[b][q] = p.qh[(j0 + q) * h + b];
          }
        }
        if (kv) {
          fm.queryFeatures(p.qf, (j0 + q) * h, phiRows[q]);
        }
      }
      fm.queryFeaturesTile(in, n, phi);
      // Lemma 3.4: D_j and the numerators of ztilde_j, sums over m
      Arrays.fill(dj, 0);
      chain(dj, phi, ka.a1, k1, 0, n);
      for (int i = 0; i < o; i++) {
        Arrays.fill(z[i], 0);
      }
      chainColumns(z, 0, zCoef, o, phi, 0, k1, 0, n);
      for (int q = 0; q < n; q++) {
        int j = j0 + q;
        double d = dj[q];
        if (!Double.isFinite(d)) {
          // a non-finite D_j would hide non-finite features: x / infinity = 0 (FAST-BOUND.md §1)
          throw new NonFiniteException("D_j of query row " + j);
        }
        double sj = 0;
        for (int i = 0; i < o; i++) {
          double zi = z[i][q] / d;
          double ci = zi - p.y[j * o + i];
          z[i][q] = zi;
          c[i][q] = ci;
          sj += ci * zi; // Lemma 3.7's s_j, as lemma37Diagonal
        }
        double loss = 0;
        for (int i = 0; i < o; i++) {
          loss += c[i][q] * c[i][q];
        }
        s[q] = sj;
        r.loss += 0.5 * loss;
      }
      // Lemma 3.6: sum over (m, i) of (phi_jm ctilde_ji) T[m,i,b], in groups of whole m
      for (double[] wb : w) {
        Arrays.fill(wb, 0);
      }
      for (int m0 = 0; m0 < k1; m0 += FEATURE_GROUP) {
        int terms = Math.min(FEATURE_GROUP, k1 - m0) * o;
        for (int mm = 0; mm < terms / o; mm++) {
          for (int i = 0; i < o; i++) {
            multiply(phi[m0 + mm], c[i], pc[mm * o + i], 0, n);
          }
        }
        chainColumns(w, 0, tCoef, h, pc, m0 * o, terms, 0, n);
      }
      // Lemma 3.7: minus (phi_jm s_j) (V1^T Kc)[m,b], over m, after all of Lemma 3.6's terms
      for (int m0 = 0; m0 < k1; m0 += groupTerms) {
        int terms = Math.min(groupTerms, k1 - m0);
        for (int u = 0; u < terms; u++) {
          multiply(phi[m0 + u], s, pc[u], 0, n);
        }
        chainColumns(w, 0, kCoef, h, pc, m0, terms, 0, n);
      }
      for (int q = 0; q < n; q++) {
        for (int b = 0; b < h; b++) {
          wRow[b] = w[b][q] / dj[q];
        }
        theorem31Accumulate(p.xq[j0 + q], wRow, r.gq);
      }
      if (kv) {
        // Theorem A.1, query side: sums over the rows j of e = phi_jm / D_j times ctilde_ji Qh_jb etc.
        for (int m0 = 0; m0 < k1; m0 += FEATURE_BLOCK) {
          int m1 = Math.min(k1, m0 + FEATURE_BLOCK);
          for (int q = 0; q < n; q++) {
            divide(phiRows[q], dj[q], phiRows[q], m0, m1);
          }
          for (int i = 0; i < o; i++) {
            for (int q = 0; q < n; q++) {
              scale(phiRows[q], c[i][q], ec[q], m0, m1);
            }
            chainSum(t4[i], ec, n, m0, m1);
            chainColumns(t2, i * h, rCoef, h, ec, 0, n, m0, m1);
          }
          for (int q = 0; q < n; q++) {
            scale(phiRows[q], s[q], ec[q], m0, m1);
          }
          chainColumns(t3, 0, rCoef, h, ec, 0, n, m0, m1);
        }
      }
    }
    if (kv) {
      for (int m = 0; m < k1; m++) {
        for (int b = 0; b < h; b++) {
          r.t3[m * h + b] = t3[b][m];
        }
        for (int i = 0; i < o; i++) {
          r.t4[m * o + i] = t4[i][m];
          for (int b = 0; b < h; b++) {
            r.t2[(m * o + i) * h + b] = t2[i * h + b][m];
          }
        }
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
   * <p>Tiled ({@link #chain}): the features of {@link #TILE} keys are computed once, feature-major,
   * and the per-row sums over m run over the tile's rows at once, each row's accumulator taking,
   * for each m in increasing order, the terms {@code (psi_lm Vm_li) T2[m,i,b]} for i in increasing
   * order and then {@code -psi_lm T3[m,b]}: the order of the per-key loop, so the result is bit for
   * bit its.
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
    int tr = tileRows(from, to);
    double[][] in = new double[h][tr];
    double[][] psi = new double[k1][tr]; // psi[m][r]
    double[][] vm = new double[o][tr]; // Vm[i][r]
    double[][] acc = new double[h][tr]; // rows of p^T Qh, for the tile's keys
    double[][] f = new double[o][tr]; // rows of Ftilde^T ctilde
    int mPerGroup = FEATURE_GROUP;
    int groupTerms = mPerGroup * (o + 1); // a multiple of 4
    double[][] vv = new double[mPerGroup * o][tr]; // psi_m Vm_i of the group's m
    double[][] x = new double[groupTerms][]; // per m of the group: psi_m Vm_i (i < o), then psi_m
    // the coefficients of the sums over features, in term order (they do not depend on the row)
    double[][] xCoef = new double[h][k1 * (o + 1)]; // T2[m,i,b] at m (o + 1) + i, -T3[m,b] at m (o + 1) + o
    double[][] fCoef = new double[o][k1]; // T4[m,i]
    for (int m = 0; m < k1; m++) {
      for (int b = 0; b < h; b++) {
        for (int i = 0; i < o; i++) {
          xCoef[b][m * (o + 1) + i] = qa.t2[(m * o + i) * h + b];
        }
        xCoef[b][m * (o + 1) + o] = -qa.t3[m * h + b]; // row - v T3 = row + v (-T3), exactly
      }
      for (int i = 0; i < o; i++) {
        fCoef[i][m] = qa.t4[m * o + i];
      }
    }
    double[] gRow = new double[h];
    double[] fRow = new double[o];
    for (int l0 = from; l0 < to; l0 += TILE) {
      int n = Math.min(TILE, to - l0);
      for (int q = 0; q < n; q++) {
        for (int b = 0; b < h; b++) {
          in[b][q] = p.kf[(l0 + q) * h + b];
        }
        for (int i = 0; i < o; i++) {
          vm[i][q] = p.vm[(l0 + q) * o + i];
        }
      }
      fm.keyFeaturesTile(in, n, psi);
      for (double[] ab : acc) {
        Arrays.fill(ab, 0);
      }
      for (int m0 = 0; m0 < k1; m0 += mPerGroup) {
        int ms = Math.min(mPerGroup, k1 - m0);
        int terms = ms * (o + 1);
        for (int mm = 0; mm < ms; mm++) {
          int m = m0 + mm;
          for (int i = 0; i < o; i++) {
            multiply(psi[m], vm[i], vv[mm * o + i], 0, n);
            x[mm * (o + 1) + i] = vv[mm * o + i];
          }
          x[mm * (o + 1) + o] = psi[m];
        }
        chainColumns(acc, 0, xCoef, h, x, m0 * (o + 1), terms, 0, n);
      }
      for (int i = 0; i < o; i++) {
        Arrays.fill(f[i], 0);
      }
      chainColumns(f, 0, fCoef, o, psi, 0, k1, 0, n);
      for (int q = 0; q < n; q++) {
        int l = l0 + q;
        for (int b = 0; b < h; b++) {
          gRow[b] = acc[b][q];
        }
        for (int i = 0; i < o; i++) {
          fRow[i] = f[i][q];
        }
        for (int a = 0; a < dk; a++) {
          double xa = p.xk[l][a];
          for (int b = 0; b < h; b++) {
            gk[a * h + b] += xa * gRow[b];
          }
        }
        for (int a = 0; a < dv; a++) {
          double xa = p.xv[l][a];
          for (int i = 0; i < o; i++) {
            gv[a * o + i] += xa * fRow[i];
          }
        }
      }
    }
    return new double[][] {gk, gv};
  }

  // ---------------------------------------------------------------- tiled dense primitives

  /**
   * Rows per tile: the features of this many consecutive rows are computed once and held (a few
   * {@code TILE x k1} buffers per pass and thread, never O(L k1)).
   */
  static final int TILE = 32;
  /** Features per block of the sums over rows (the accumulators of a block stay in cache). */
  static final int FEATURE_BLOCK = 256;
  /**
   * Features per group of the sums over features whose operands are formed first (a product
   * buffer of {@code FEATURE_GROUP o} or {@code FEATURE_GROUP (o + 1)} tile rows): a multiple of 4,
   * so the groups fill {@link #chain}'s passes of four terms.
   */
  static final int FEATURE_GROUP = 8;

  private static int tileRows(int from, int to) {
    return Math.min(TILE, Math.max(1, to - from));
  }

  /**
   * The accumulation kernel: {@code acc[t] += x[u][t] * coef[u]} for {@code u = 0 .. n-1} in this
   * order, for every t in {@code [lo, hi)}; each accumulator takes its n terms in order, one
   * rounding for each product and each addition, exactly as a scalar loop over u would. The inner
   * loop runs over t with one index for every array (so that C2 vectorises it); four terms are
   * taken per pass over the accumulators.
   */
  static void chain(double[] acc, double[][] x, double[] coef, int n, int lo, int hi) {
    chain(acc, x, coef, 0, n, lo, hi);
  }

  /** {@link #chain} with the coefficients {@code coef[c + u]}. */
  static void chain(double[] acc, double[][] x, double[] coef, int c, int n, int lo, int hi) {
    int u = 0;
    for (; u + 4 <= n; u += 4) {
      double[] x0 = x[u];
      double[] x1 = x[u + 1];
      double[] x2 = x[u + 2];
      double[] x3 = x[u + 3];
      double c0 = coef[c + u];
      double c1 = coef[c + u + 1];
      double c2 = coef[c + u + 2];
      double c3 = coef[c + u + 3];
      for (int t = lo; t < hi; t++) {
        double v = acc[t];
        v += x0[t] * c0;
        v += x1[t] * c1;
        v += x2[t] * c2;
        v += x3[t] * c3;
        acc[t] = v;
      }
    }
    for (; u < n; u++) {
      double[] x0 = x[u];
      double c0 = coef[c + u];
      for (int t = lo; t < hi; t++) {
        acc[t] += x0[t] * c0;
      }
    }
  }

  /**
   * {@link #chain} for several columns that share the terms' first factors: {@code acc[a + j][t] +=
   * x[u][t] * coef[j][c + u]} for {@code j < cols}, u in order, t in {@code [lo, hi)}. Every
   * accumulator takes its terms, and roundings, exactly as {@link #chain} on its own column would;
   * four columns at a time go through {@link #chain4}, which loads each {@code x[u][t]} once for
   * the four.
   */
  static void chainColumns(
      double[][] acc, int a, double[][] coef, int cols, double[][] x, int c, int n, int lo, int hi) {
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      chain4(acc[a + j], acc[a + j + 1], acc[a + j + 2], acc[a + j + 3],
          coef[j], coef[j + 1], coef[j + 2], coef[j + 3], x, c, n, lo, hi);
    }
    for (; j < cols; j++) {
      chain(acc[a + j], x, coef[j], c, n, lo, hi);
    }
  }

  /**
   * Four columns of {@link #chain} in one pass: {@code aj[t] += x[u][t] * kj[c + u]} for
   * {@code j = 0..3}, u in order (two terms per pass over t), each term one rounded product and
   * one rounded addition, so each accumulator is bit for bit {@link #chain}'s. One load of
   * {@code x[u][t]} feeds four products; the inner loop, one index for every array, is what C2
   * vectorises.
   */
  static void chain4(
      double[] a0, double[] a1, double[] a2, double[] a3,
      double[] k0, double[] k1, double[] k2, double[] k3,
      double[][] x, int c, int n, int lo, int hi) {
    int u = 0;
    for (; u + 2 <= n; u += 2) {
      double[] x0 = x[u];
      double[] x1 = x[u + 1];
      double p0 = k0[c + u];
      double p1 = k1[c + u];
      double p2 = k2[c + u];
      double p3 = k3[c + u];
      double q0 = k0[c + u + 1];
      double q1 = k1[c + u + 1];
      double q2 = k2[c + u + 1];
      double q3 = k3[c + u + 1];
      for (int t = lo; t < hi; t++) {
        double y0 = x0[t];
        double y1 = x1[t];
        double v = a0[t];
        v += y0 * p0;
        v += y1 * q0;
        a0[t] = v;
        v = a1[t];
        v += y0 * p1;
        v += y1 * q1;
        a1[t] = v;
        v = a2[t];
        v += y0 * p2;
        v += y1 * q2;
        a2[t] = v;
        v = a3[t];
        v += y0 * p3;
        v += y1 * q3;
        a3[t] = v;
      }
    }
    for (; u < n; u++) {
      double[] x0 = x[u];
      double p0 = k0[c + u];
      double p1 = k1[c + u];
      double p2 = k2[c + u];
      double p3 = k3[c + u];
      for (int t = lo; t < hi; t++) {
        double y0 = x0[t];
        a0[t] += y0 * p0;
        a1[t] += y0 * p1;
        a2[t] += y0 * p2;
        a3[t] += y0 * p3;
      }
    }
  }

  /** {@link #chain} with every coefficient 1: {@code acc[t] += x[u][t]}, u in order. */
  static void chainSum(double[] acc, double[][] x, int n, int lo, int hi) {
    int u = 0;
    for (; u + 4 <= n; u += 4) {
      double[] x0 = x[u];
      double[] x1 = x[u + 1];
      double[] x2 = x[u + 2];
      double[] x3 = x[u + 3];
      for (int t = lo; t < hi; t++) {
        double v = acc[t];
        v += x0[t];
        v += x1[t];
        v += x2[t];
        v += x3[t];
        acc[t] = v;
      }
    }
    for (; u < n; u++) {
      double[] x0 = x[u];
      for (int t = lo; t < hi; t++) {
        acc[t] += x0[t];
      }
    }
  }

  /** {@code out[t] = x[t] * s} for t in {@code [lo, hi)}. */
  static void scale(double[] x, double s, double[] out, int lo, int hi) {
    for (int t = lo; t < hi; t++) {
      out[t] = x[t] * s;
    }
  }

  /** {@code out[t] = x[t] / s} for t in {@code [lo, hi)}. */
  static void divide(double[] x, double s, double[] out, int lo, int hi) {
    for (int t = lo; t < hi; t++) {
      out[t] = x[t] / s;
    }
  }

  /** {@code out[t] = x[t] * y[t]} for t in {@code [lo, hi)}. */
  static void multiply(double[] x, double[] y, double[] out, int lo, int hi) {
    for (int t = lo; t < hi; t++) {
      out[t] = x[t] * y[t];
    }
  }
}
