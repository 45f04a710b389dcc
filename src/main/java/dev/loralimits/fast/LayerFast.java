package dev.loralimits.fast;

import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Theorem 3.1 / A.1 for an attention layer (spec/PROBLEMS.md Section 7): the loss and adapter
 * gradients of a multi-head layer with a causal mask or none and an optional output projection,
 * through the polynomial features of Lemma 3.3 ({@link FeatureMap}), with the certified bound of
 * proofs-notes/FAST-BOUND.md Section 12 ({@link LayerFastBound}).
 *
 * <p>Per point and head t, with {@code Qh = beta Q^t}, centred keys {@code Kc = K^t - kbar} and
 * {@code A(j) = {0 .. last(j)}}:
 *
 * <ul>
 *   <li><b>Forward and Q side</b> (one pass over the queries in order, all heads together): the
 *       key-side aggregates {@code sum_{l <= last(j)} psi_l}, {@code psi_l (x) V_l},
 *       {@code psi_l (x) Kc_l}, {@code psi_l (x) Kc_l (x) V_l} are PREFIX sums, extended key by key
 *       as {@code last(j)} grows (the linear-attention recurrence; {@code last} is non-decreasing in
 *       j for every mask). Row j then gives {@code D_j = phi_j . sum psi}, {@code Z_j^t}, the
 *       residual {@code R_j = Z_j W_O - Y_j}, {@code G_j = R_j W_O^T} (LAYER.md (2.1)),
 *       {@code s_j = <G_j^t, Z_j^t>} and row j of {@code dQ = beta sum_l F_jl (<G_j, V_l> - s_j) Kc_l}
 *       (Lemmas 3.4-3.7 with the paper's c replaced by G).
 *   <li><b>K and V sides</b> (per head, one pass over the keys in decreasing order): the query-side
 *       aggregates {@code sum_{j : last(j) >= l} (phi_j / D_j) (x) G_j (x) Qh_j}, {@code (phi_j / D_j) s_j (x) Qh_j}
 *       and {@code (phi_j / D_j) (x) G_j} are SUFFIX sums over the queries that see key l (Theorem
 *       A.1), giving {@code dK_l = sum_j F_jl (<G_j, V_l> - s_j) Qh_j} and {@code dV_l = sum_j F_jl G_j}.
 *   <li>Without a mask {@code last(j) = Lk - 1}: the prefix is complete before query 0 and the
 *       suffix holds every query, i.e. the full sums of the paper.
 * </ul>
 * Then {@code dW = X^T d(QKV)}, {@code dW_O = Z^T R} and the adapters as in {@link LayerExact}.
 * Keys no query attends ({@code l > last(Lq - 1)}) are dropped before anything is computed, so
 * their data never influence the answer or its bound.
 *
 * <p>Cost per point and head {@code O((Lq + Lk) k1 h v)}, memory {@code O(H k1 h v + L d)}; one
 * thread, every sum in a fixed order: reproducible bit for bit.
 */
public final class LayerFast {
  /** The method name written in gradient files. */
  public static final String METHOD = "fast";
  /** Digits written for a double. */
  public static final int DIGITS = 17;
  /** Most bytes the aggregates of one point may take when no rank budget is given: 1 GiB. */
  public static final long AGGREGATE_BYTES_CAP = 1L << 30;

  private LayerFast() {}

  /**
   * Options.
   *
   * @param epsilon requested max-entry accuracy of every adapter gradient, finite and {@code > 0}
   * @param rankBudget largest feature rank allowed, {@code >= 0}; 0 means {@link #memoryRankCap}
   */
  public record Options(double epsilon, long rankBudget) {
    /** @throws IllegalArgumentException naming the option when it breaks its rule */
    public Options {
      Checks.positive("epsilon", epsilon);
      Checks.finite("epsilon", epsilon);
      Checks.argument(rankBudget >= 0, "rankBudget (" + rankBudget + ") must be >= 0");
    }
  }

  /**
   * The largest rank whose aggregates fit {@link #AGGREGATE_BYTES_CAP}: the forward pass holds
   * {@code k1 (1 + h + v + h v)} doubles per head, the backward pass {@code k1 (h + v + h v)} for one
   * head, and two feature vectors; at most {@code 8 H k1 (2 + 2h + 2v + 2 h v)} bytes.
   *
   * @throws IllegalArgumentException when a width is not positive
   */
  public static long memoryRankCap(int heads, int h, int v) {
    Checks.positive("heads", heads);
    Checks.positive("h", h);
    Checks.positive("v", v);
    long perRank = 8L * heads * (2L + 2L * h + 2L * v + 2L * h * v);
    return Math.max(1, AGGREGATE_BYTES_CAP / perRank);
  }

  /** {@link #compute(LayerInstance, Options)} with the default rank budget. */
  public static LayerFastResult compute(LayerInstance inst, double epsilon) {
    return compute(inst, new Options(epsilon, 0));
  }

  /**
   * The loss and adapter gradients of {@code inst} with every gradient's certified max-entry error
   * {@code <= epsilon} (FAST-BOUND.md Section 12), or the refusal.
   *
   * @throws IllegalArgumentException when an argument is null
   * @throws OutOfDoubleRangeException naming the number when an input is beyond the double range
   * @throws OutsideEfficientRegimeException when no certified degree within the rank budget meets
   *     epsilon, or a number overflows at the chosen degree
   */
  public static LayerFastResult compute(LayerInstance inst, Options opt) {
    Checks.notNull("instance", inst);
    Checks.notNull("options", opt);
    Prepared pr = new Prepared(inst);
    long budget = opt.rankBudget() > 0 ? opt.rankBudget() : memoryRankCap(inst.heads(), pr.h, pr.v);
    Choice c = search(pr, opt.epsilon(), budget);
    FeatureMap fm = new FeatureMap(pr.h, c.poly.coefficients());
    LayerResult r;
    try {
      r = run(pr, fm);
    } catch (NonFiniteException e) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: %s is not finite in double at degree %d, rank %d, R = %.4g (overflow in the features or aggregates; epsilon %.3g)",
              e.getMessage(), c.poly.degree(), fm.rank(), pr.radius, opt.epsilon()),
          c.poly.degree(), fm.rank(), pr.radius, budget);
    }
    return new LayerFastResult(r, c.cert.lossBound(), c.cert.boundA(), c.cert.boundB(), opt.epsilon(),
        c.poly.degree(), fm.rank(), pr.radius, c.poly.kind(), c.poly.relativeErrorBound());
  }

  /** The certificate of {@code inst} for one polynomial (tests: the bound at a given degree). */
  static LayerFastBound.Certificate certificate(LayerInstance inst, ExpPolynomial poly) {
    Prepared pr = new Prepared(inst);
    return LayerFastBound.certify(pr.bound, pr.pointBounds, poly.relativeErrorBound(), poly.absoluteCoefficientSum(),
        pr.radius, FeatureMap.rank(pr.h, poly.degree()), poly.degree());
  }

  // ---------------------------------------------------------------- degree search (FAST-BOUND §8, §12)

  private record Choice(ExpPolynomial poly, LayerFastBound.Certificate cert) {}

  /**
   * Lemma 3.3, the degree: the least g (both kinds of {@link ExpPolynomial}) whose certified bounds
   * are all {@code <= epsilon}; refused when its rank exceeds the budget, when the rounding part
   * alone (delta = 0, {@code A(R) = e^R / 2}) exceeds epsilon, or when no degree qualifies.
   */
  private static Choice search(Prepared pr, double epsilon, long budget) {
    double r = pr.radius;
    if (!(r <= ExpPolynomial.MAX_RADIUS)) {
      throw new OutsideEfficientRegimeException(
          String.format(
              "outside the efficient regime: score radius R = %.4g exceeds %.0f, where no polynomial certificate exists (epsilon %.3g)",
              r, ExpPolynomial.MAX_RADIUS, epsilon),
          -1, Long.MAX_VALUE, r, budget);
    }
    double last = Double.NaN;
    for (int g = 0; g <= ExpPolynomial.MAX_DEGREE; g++) {
      long rank = FeatureMap.rank(pr.h, g);
      if (rank > budget) {
        String closest = Double.isNaN(last) ? "" : String.format(", where the certified bound is %.3g", last);
        throw new OutsideEfficientRegimeException(
            String.format(
                "outside the efficient regime: needs degree > %d, rank > %d at R = %.4g (rank budget %d%s; epsilon %.3g)",
                g - 1, FeatureMap.rank(pr.h, Math.max(g - 1, 0)), r, budget, closest, epsilon),
            g, rank, r, budget);
      }
      Choice best = null;
      last = Double.POSITIVE_INFINITY;
      for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
        ExpPolynomial poly = ExpPolynomial.of(kind, g, r);
        LayerFastBound.Certificate c = LayerFastBound.certify(pr.bound, pr.pointBounds, poly.relativeErrorBound(),
            poly.absoluteCoefficientSum(), r, rank, g);
        last = Math.min(last, c.certifiedBound());
        if (c.certifiedBound() <= epsilon && (best == null || c.certifiedBound() < best.cert.certifiedBound())) {
          best = new Choice(poly, c);
        }
      }
      if (best != null) {
        return best;
      }
      // FAST-BOUND §8: every polynomial with relative error <= 1/2 has A(R) >= e^R / 2, and n_agg
      // grows with g, so if the rounding part alone exceeds epsilon no higher degree can succeed.
      double roundingAlone = LayerFastBound.certify(pr.bound, pr.pointBounds, 0, Math.exp(r) / 2, r, rank, g)
          .certifiedBound();
      if (g >= 1 && roundingAlone > epsilon) {
        throw new OutsideEfficientRegimeException(
            String.format("outside the efficient regime: rounding alone exceeds epsilon %.3g at degree %d, rank %d, R = %.4g",
                epsilon, g, rank, r),
            g, rank, r, budget);
      }
    }
    throw new OutsideEfficientRegimeException(
        String.format("outside the efficient regime: no degree <= %d certifies epsilon %.3g at R = %.4g",
            ExpPolynomial.MAX_DEGREE, epsilon, r),
        -1, Long.MAX_VALUE, r, budget);
  }

  // ---------------------------------------------------------------- preparation

  /** The layer in doubles: merged weights, scales, and every point prepared. */
  private static final class Prepared {
    final LayerInstance inst;
    final int heads;
    final int h;
    final int v;
    final double beta;
    final Map<LayerWeight, double[][]> w = new EnumMap<>(LayerWeight.class);
    final Map<LayerWeight, double[][]> a = new EnumMap<>(LayerWeight.class);
    final Map<LayerWeight, double[][]> b = new EnumMap<>(LayerWeight.class);
    final Map<LayerWeight, Double> scale = new EnumMap<>(LayerWeight.class);
    final List<Pt> points = new ArrayList<>();
    final List<LayerFastBound.Point> pointBounds = new ArrayList<>();
    final LayerFastBound.Layer bound;
    final double radius;

    Prepared(LayerInstance inst) {
      this.inst = inst;
      heads = inst.heads();
      h = inst.headWidth();
      v = inst.valueHeadWidth();
      double alpha = DoubleInstance.double1("alpha", inst.alpha());
      beta = DoubleInstance.double1("beta", inst.beta());
      boolean rs = inst.scaling() == LoraScaling.RSLORA;
      Map<LayerWeight, LayerFastBound.Weight> wb = new EnumMap<>(LayerWeight.class);
      for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
        LayerWeight mu = e.getKey();
        Projection p = e.getValue();
        double[][] frozen = DoubleInstance.doubles("weights." + mu + ".W", p.frozen());
        double[][] merged = frozen;
        double s = 0;
        double[][] fa = null;
        double[][] fb = null;
        if (p.isAdapted()) {
          int r = p.rank().orElseThrow();
          s = rs ? alpha / Math.sqrt(r) : alpha / r;
          fa = DoubleInstance.doubles("weights." + mu + ".A", p.a());
          fb = DoubleInstance.doubles("weights." + mu + ".B", p.b());
          merged = Dense.loraMergeScaled(frozen, fa, fb, s);
          a.put(mu, fa);
          b.put(mu, fb);
          scale.put(mu, s);
        }
        w.put(mu, merged);
        wb.put(mu, LayerFastBound.weight(frozen, fa, fb, s, merged, rs));
      }
      bound = new LayerFastBound.Layer(heads, h, v, w.get(LayerWeight.Q).length, w.get(LayerWeight.K).length,
          w.get(LayerWeight.V).length, beta, wb);
      double rad = 0;
      for (int i = 0; i < inst.data().size(); i++) {
        Pt pt = new Pt(this, i);
        points.add(pt);
        pointBounds.add(pt.bound);
        rad = Math.max(rad, pt.radius);
      }
      radius = rad;
    }
  }

  /** One point: doubles restricted to the attended keys, the heads' Qh, Kc, V and their scaling. */
  private static final class Pt {
    final int lq;
    final int lkAll;
    final int n;
    final int[] last;
    final double[][] xq;
    final double[][] xk;
    final double[][] xv;
    final double[][] y;
    final double[][] qh;
    final double[][] kc;
    final double[][] vm;
    final double[][] qf;
    final double[][] kf;
    final LayerFastBound.Point bound;
    final double radius;

    Pt(Prepared pr, int i) {
      DataPoint p = pr.inst.data().get(i);
      String at = "data[" + i + "].";
      lq = p.queryLength();
      lkAll = p.keyLength();
      Masking mask = pr.inst.masking();
      last = new int[lq];
      for (int j = 0; j < lq; j++) {
        last[j] = mask.lastKey(j, lq, lkAll);
      }
      n = last[lq - 1] + 1;
      xq = DoubleInstance.doubles(at + (p.selfAttention() ? "X" : "XQ"), p.xq());
      double[][] xkAll = p.selfAttention() ? xq : DoubleInstance.doubles(at + "XK", p.xk());
      double[][] xvAll = p.selfAttention() ? xq : DoubleInstance.doubles(at + "XV", p.xv());
      xk = java.util.Arrays.copyOf(xkAll, n);
      xv = java.util.Arrays.copyOf(xvAll, n);
      y = DoubleInstance.doubles(at + "Y", p.y());
      double[][] q = Dense.multiply(xq, pr.w.get(LayerWeight.Q));
      double[][] km = Dense.multiply(xk, pr.w.get(LayerWeight.K));
      double[][] vAll = Dense.multiply(xv, pr.w.get(LayerWeight.V));
      int hh = pr.h;
      int vv = pr.v;
      qh = new double[pr.heads][lq * hh];
      kc = new double[pr.heads][n * hh];
      vm = new double[pr.heads][n * vv];
      qf = new double[pr.heads][];
      kf = new double[pr.heads][];
      double kmMax = Dense.maxAbs(km);
      double kbarMax = 0;
      double rad = 0;
      List<LayerFastBound.Head> hb = new ArrayList<>();
      for (int t = 0; t < pr.heads; t++) {
        for (int j = 0; j < lq; j++) {
          for (int c = 0; c < hh; c++) {
            qh[t][j * hh + c] = pr.beta * q[j][t * hh + c];
          }
        }
        for (int c = 0; c < hh; c++) {
          double mx = Double.NEGATIVE_INFINITY;
          double mn = Double.POSITIVE_INFINITY;
          for (int l = 0; l < n; l++) {
            mx = Math.max(mx, km[l][t * hh + c]);
            mn = Math.min(mn, km[l][t * hh + c]);
          }
          double kbar = mx / 2 + mn / 2; // any fixed double: the softmax of every row is invariant
          kbarMax = Math.max(kbarMax, Math.abs(kbar));
          for (int l = 0; l < n; l++) {
            kc[t][l * hh + c] = km[l][t * hh + c] - kbar;
          }
        }
        for (int l = 0; l < n; l++) {
          for (int c = 0; c < vv; c++) {
            vm[t][l * vv + c] = vAll[l][t * vv + c];
          }
        }
        double qMax = Dense.maxAbs(qh[t]);
        double kMax = Dense.maxAbs(kc[t]);
        // FAST-BOUND.md §2, the scaling: q' = Qh 2^-e, k' = Kc 2^e leave every q'.k' and monomial product unchanged
        int e = PreparedPoint.balancingExponent(qMax, kMax);
        double[] sq = PreparedPoint.scaledExactly(qh[t], -e);
        double[] sk = PreparedPoint.scaledExactly(kc[t], e);
        boolean scaled = sq != null && sk != null;
        qf[t] = scaled ? sq : qh[t];
        kf[t] = scaled ? sk : kc[t];
        double qn = Dense.maxRowNorm(qh[t], lq, hh);
        double kn = Dense.maxRowNorm(kc[t], n, hh);
        rad = Math.max(rad, FastBound.scoreRadius(qn, kn, hh));
        hb.add(new LayerFastBound.Head(qMax, kMax, Dense.maxAbs(vm[t]), qn, kn));
      }
      radius = rad;
      bound = new LayerFastBound.Point(lq, n, y[0].length, FastBound.maxRowAbsSum(xq), FastBound.maxRowAbsSum(xk),
          FastBound.maxRowAbsSum(xv), FastBound.maxColAbsSum(xq), Dense.maxAbs(xk), Dense.maxAbs(xv),
          Dense.maxAbs(y), kmMax, kbarMax, hb);
    }
  }

  // ---------------------------------------------------------------- the passes

  private static LayerResult run(Prepared pr, FeatureMap fm) {
    Map<LayerWeight, double[][]> dw = new EnumMap<>(LayerWeight.class);
    double loss = 0;
    for (Pt p : pr.points) {
      loss += point(pr, p, fm, dw);
    }
    requireFinite("the loss", loss);
    Map<LayerWeight, AdapterGradient> out = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : pr.inst.adapted()) {
      double s = pr.scale.get(mu);
      double[][] g = dw.get(mu);
      double[][] da = Dense.multiply(Dense.transpose(pr.b.get(mu)), g);
      double[][] db = Dense.multiply(g, Dense.transpose(pr.a.get(mu)));
      Dense.scaleInPlace(da, s);
      Dense.scaleInPlace(db, s);
      requireFinite("dLoss/dA_" + mu, da);
      requireFinite("dLoss/dB_" + mu, db);
      out.put(mu, new AdapterGradient(DecimalMatrix.ofDoubles("dLoss/dA_" + mu, da), DecimalMatrix.ofDoubles("dLoss/dB_" + mu, db)));
    }
    return new LayerResult(METHOD, DIGITS, new BigDecimal(loss), out);
  }

  /** Point p's loss; adds its gradients with respect to each merged weight to {@code dw}. */
  private static double point(Prepared pr, Pt p, FeatureMap fm, Map<LayerWeight, double[][]> dw) {
    int heads = pr.heads;
    int hh = pr.h;
    int vv = pr.v;
    int zw = heads * vv;
    int k1 = fm.rank();
    double[][] wo = pr.w.get(LayerWeight.O);
    int lq = p.lq;
    int n = p.n;
    // prefix aggregates per head: sum psi, psi (x) V, psi (x) Kc, psi (x) Kc (x) V
    double[][] ks = new double[heads][k1];
    double[][] kv = new double[heads][k1 * vv];
    double[][] kk = new double[heads][k1 * hh];
    double[][] kkv = new double[heads][k1 * hh * vv];
    double[] psi = new double[k1];
    double[] phi = new double[k1];
    double[][] z = new double[lq][zw];
    double[][] g = new double[lq][zw];
    double[][] inv = new double[heads][lq];
    double[][] s = new double[heads][lq];
    double[][] dq = new double[lq][heads * hh];
    double[][] dwo = wo == null ? null : new double[zw][wo[0].length];
    double[] a1 = new double[hh];
    double[] a2 = new double[hh];
    double[] gc = new double[vv];
    double loss = 0;
    int next = 0;
    for (int j = 0; j < lq; j++) {
      for (; next <= p.last[j]; next++) {
        for (int t = 0; t < heads; t++) {
          addKey(fm, p, t, next, hh, vv, psi, ks[t], kv[t], kk[t], kkv[t]);
        }
      }
      for (int t = 0; t < heads; t++) {
        fm.queryFeatures(p.qf[t], j * hh, phi);
        double d = 0;
        for (int m = 0; m < k1; m++) {
          d += phi[m] * ks[t][m];
        }
        requireFinite("the softmax denominator D_" + j, d);
        double iv = 1 / d;
        inv[t][j] = iv;
        for (int c = 0; c < vv; c++) {
          double acc = 0;
          for (int m = 0; m < k1; m++) {
            acc += phi[m] * kv[t][m * vv + c];
          }
          z[j][t * vv + c] = acc * iv;
        }
      }
      // LAYER.md (1.4), (2.1), (2.2): R_j, the loss, G_j, dW_O
      double[] r = wo == null ? z[j].clone() : Dense.rowTimes(z[j], wo);
      for (int c = 0; c < r.length; c++) {
        r[c] -= p.y[j][c];
        loss += 0.5 * r[c] * r[c];
      }
      double[] gj = wo == null ? r : Dense.rowTimesTransposed(r, wo);
      System.arraycopy(gj, 0, g[j], 0, zw);
      if (wo != null) {
        for (int a = 0; a < zw; a++) {
          for (int c = 0; c < r.length; c++) {
            dwo[a][c] += z[j][a] * r[c];
          }
        }
      }
      // Lemmas 3.4-3.7 with G: s_j and row j of dQ from the prefix aggregates
      for (int t = 0; t < heads; t++) {
        double sj = 0;
        for (int c = 0; c < vv; c++) {
          gc[c] = g[j][t * vv + c];
          sj += gc[c] * z[j][t * vv + c];
        }
        s[t][j] = sj;
        fm.queryFeatures(p.qf[t], j * hh, phi);
        java.util.Arrays.fill(a1, 0);
        java.util.Arrays.fill(a2, 0);
        for (int m = 0; m < k1; m++) {
          double f = phi[m];
          for (int a = 0; a < hh; a++) {
            int base = (m * hh + a) * vv;
            double acc = 0;
            for (int c = 0; c < vv; c++) {
              acc += kkv[t][base + c] * gc[c];
            }
            a1[a] += f * acc;
            a2[a] += f * kk[t][m * hh + a];
          }
        }
        for (int a = 0; a < hh; a++) {
          dq[j][t * hh + a] = pr.beta * (inv[t][j] * (a1[a] - sj * a2[a]));
        }
      }
    }
    // Theorem A.1 with G: per head, the keys in decreasing order with suffix sums over the queries
    double[][] dk = new double[n][heads * hh];
    double[][] dv = new double[n][zw];
    double[] qg = new double[k1 * vv * hh];
    double[] qs = new double[k1 * hh];
    double[] qgv = new double[k1 * vv];
    double[] w = new double[k1];
    for (int t = 0; t < heads; t++) {
      java.util.Arrays.fill(qg, 0);
      java.util.Arrays.fill(qs, 0);
      java.util.Arrays.fill(qgv, 0);
      int jn = lq - 1;
      for (int l = n - 1; l >= 0; l--) {
        for (; jn >= 0 && p.last[jn] >= l; jn--) {
          fm.queryFeatures(p.qf[t], jn * hh, phi);
          double iv = inv[t][jn];
          double sj = s[t][jn];
          for (int m = 0; m < k1; m++) {
            w[m] = phi[m] * iv;
          }
          for (int m = 0; m < k1; m++) {
            for (int c = 0; c < vv; c++) {
              double wg = w[m] * g[jn][t * vv + c];
              qgv[m * vv + c] += wg;
              int base = (m * vv + c) * hh;
              for (int b = 0; b < hh; b++) {
                qg[base + b] += wg * p.qh[t][jn * hh + b];
              }
            }
            double ws = w[m] * sj;
            for (int b = 0; b < hh; b++) {
              qs[m * hh + b] += ws * p.qh[t][jn * hh + b];
            }
          }
        }
        fm.keyFeatures(p.kf[t], l * hh, psi);
        for (int b = 0; b < hh; b++) {
          double acc = 0;
          for (int m = 0; m < k1; m++) {
            double inner = 0;
            for (int c = 0; c < vv; c++) {
              inner += p.vm[t][l * vv + c] * qg[(m * vv + c) * hh + b];
            }
            acc += psi[m] * (inner - qs[m * hh + b]);
          }
          dk[l][t * hh + b] = acc;
        }
        for (int c = 0; c < vv; c++) {
          double acc = 0;
          for (int m = 0; m < k1; m++) {
            acc += psi[m] * qgv[m * vv + c];
          }
          dv[l][t * vv + c] = acc;
        }
      }
    }
    add(dw, LayerWeight.Q, Dense.multiply(Dense.transpose(p.xq), dq));
    add(dw, LayerWeight.K, Dense.multiply(Dense.transpose(p.xk), dk));
    add(dw, LayerWeight.V, Dense.multiply(Dense.transpose(p.xv), dv));
    if (wo != null) {
      add(dw, LayerWeight.O, dwo);
    }
    return loss;
  }

  /** Extends head t's prefix aggregates by key l (the linear-attention recurrence). */
  private static void addKey(FeatureMap fm, Pt p, int t, int l, int hh, int vv, double[] psi, double[] ks, double[] kv,
      double[] kk, double[] kkv) {
    fm.keyFeatures(p.kf[t], l * hh, psi);
    int k1 = fm.rank();
    for (int m = 0; m < k1; m++) {
      double f = psi[m];
      ks[m] += f;
      for (int c = 0; c < vv; c++) {
        kv[m * vv + c] += f * p.vm[t][l * vv + c];
      }
      for (int a = 0; a < hh; a++) {
        double fk = f * p.kc[t][l * hh + a];
        kk[m * hh + a] += fk;
        int base = (m * hh + a) * vv;
        for (int c = 0; c < vv; c++) {
          kkv[base + c] += fk * p.vm[t][l * vv + c];
        }
      }
    }
  }

  private static void add(Map<LayerWeight, double[][]> dw, LayerWeight mu, double[][] g) {
    double[][] acc = dw.get(mu);
    if (acc == null) {
      dw.put(mu, g);
    } else {
      Dense.addInto(acc, g);
    }
  }


  private static void requireFinite(String what, double x) {
    if (!Double.isFinite(x)) {
      throw new NonFiniteException(what);
    }
  }

  private static void requireFinite(String what, double[][] m) {
    for (double[] row : m) {
      for (double x : row) {
        requireFinite(what, x);
      }
    }
  }
}
