package dev.loralimits.fast;

import dev.loralimits.model.LayerWeight;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The certifier of {@link LayerFast}: every inequality of proofs-notes/FAST-BOUND.md Section 12
 * (the attention layer with heads, causal masks and an output projection), numbered as there,
 * (L1) the weights to (L8) the adapters. Each formula is a composition of fewer than 64 monotone
 * operations on non-negative doubles, rounded up by {@link FastBound#up} (FAST-BOUND.md §7); the
 * static helpers of {@link FastBound} ({@code gamma}, {@code up}, {@code compose},
 * {@code maxRowAbsSum}, {@code maxColAbsSum}, {@code adapter}) are reused unchanged.
 */
final class LayerFastBound {
  private LayerFastBound() {}

  /**
   * (L1) One projection: the upper bound {@code wMaj >= max (|W*| + |s| |B| |A|)}, the bound
   * {@code eW = gamma_{r+8} wMaj} of {@code |W^ - W|}, and what (L8) needs.
   *
   * @param rank the adapter rank, 0 when frozen
   * @param wMaj the weight majorant
   * @param eW the merged weight's entrywise error
   * @param colSum {@code max_c sum_a |W^_ac|} (used for O)
   * @param rowSum {@code max_a sum_c |W^_ac|} (used for O)
   * @param scale {@code >= |s|}, the adapter's scale (0 when frozen)
   * @param bColSum {@code >= max_k sum_a |B_ak|}
   * @param aRowSum {@code >= max_k sum_b |A_kb|}
   * @param rows rows of W
   * @param cols columns of W
   * @param extraScaleRoundings 1 for rsLoRA (the square root), else 0
   */
  record Weight(
      int rank, double wMaj, double eW, double colSum, double rowSum, double scale, double bColSum,
      double aRowSum, int rows, int cols, int extraScaleRoundings) {}

  /**
   * (L1) The weight data of one projection from its doubles: {@code frozen} {@code W*^},
   * {@code a}, {@code b} (null when frozen), {@code s} the computed scale, {@code merged} the
   * computed {@code W^}.
   */
  static Weight weight(double[][] frozen, double[][] a, double[][] b, double s, double[][] merged, boolean rsLora) {
    int r = a == null ? 0 : a.length;
    double m = 0;
    for (int i = 0; i < frozen.length; i++) {
      for (int j = 0; j < frozen[0].length; j++) {
        double x = Math.abs(frozen[i][j]);
        if (a != null) {
          double ba = 0;
          for (int k = 0; k < r; k++) {
            ba += Math.abs(b[i][k] * a[k][j]);
          }
          x += Math.abs(s) * ba;
        }
        m = Math.max(m, x);
      }
    }
    double wMaj = FastBound.up(m * (1 + FastBound.gamma(r + 8.0)));
    double eW = FastBound.up(FastBound.gamma(r + 8.0) * wMaj);
    double scale = a == null ? 0 : FastBound.up(Math.abs(s) * (1 + FastBound.gamma(3)));
    return new Weight(r, wMaj, eW, FastBound.maxColAbsSum(merged), FastBound.maxRowAbsSum(merged), scale,
        a == null ? 0 : FastBound.maxColAbsSum(b), a == null ? 0 : FastBound.maxRowAbsSum(a),
        merged.length, merged[0].length, rsLora ? 1 : 0);
  }

  /**
   * One head of one point as computed: {@code qMax = max |Qh^|}, {@code kMax = max |Kc^|} (attended
   * keys), {@code vMax = max |V^|} (the head's value block, attended keys), and the largest
   * computed row norms.
   */
  record Head(double qMax, double kMax, double vMax, double maxQNorm, double maxKNorm) {}

  /**
   * One point: {@code lq} queries, {@code n} attended keys ({@code last(Lq - 1) + 1}), output
   * width {@code out}, the row sums (L2), column sum of {@code X^Q}, maxima of {@code X^K},
   * {@code X^V} (attended keys), {@code Y}, and of the uncentred keys and the centre, per head.
   */
  record Point(
      int lq, int n, int out, double xqRowSum, double xkRowSum, double xvRowSum, double xqColSum, double xkMax,
      double xvMax, double yMax, double kmMax, double kbarMax, List<Head> heads) {}

  /** The layer's shape and weights. */
  record Layer(int heads, int h, int v, int dq, int dk, int dv, double beta, Map<LayerWeight, Weight> weights) {
    boolean hasO() {
      return weights.containsKey(LayerWeight.O);
    }
  }

  /**
   * Every term of (L2)-(L7) for one head of one point.
   */
  record HeadTerms(
      double sigma, double deltaS, double tau, double deltaTot, double deltaF, double nu, double ez, double zMaj,
      double dt, double tMaj, double ds, double sMaj, double eDQ, double mDQ, double eDK, double mDK, double eDV) {}

  /** The bounds of one point: errors and majorants of the computed {@code G_W} and of the loss. */
  record PointBound(
      Map<LayerWeight, Double> err, Map<LayerWeight, Double> maj, double lossErr, double lossMaj, double eR,
      double gR, double eG, double gG, List<HeadTerms> heads) {}

  /** The certified bounds: per adapted projection, for A and B, and the loss. */
  record Certificate(Map<LayerWeight, Double> boundA, Map<LayerWeight, Double> boundB, double lossBound, List<PointBound> points) {
    /** The largest gradient bound; 0 without adapters when the loss bound is finite. */
    double certifiedBound() {
      double m = 0;
      for (double x : boundA.values()) {
        m = Math.max(m, x);
      }
      for (double x : boundB.values()) {
        m = Math.max(m, x);
      }
      if (boundA.isEmpty()) {
        return Double.isFinite(lossBound) ? 0 : Double.POSITIVE_INFINITY;
      }
      return m;
    }
  }

  /** (L2) {@code eQ = gamma_{dq + r_Q + 12} |beta^| max_j sum_a |X^Q_ja| wMaj_Q}. */
  static double queryError(Layer ly, Point p) {
    Weight w = ly.weights().get(LayerWeight.Q);
    return FastBound.up(FastBound.gamma(ly.dq() + w.rank() + 12.0) * Math.abs(ly.beta()) * p.xqRowSum() * w.wMaj());
  }

  /** (L2) {@code eK = gamma_{dk + r_K + 9} max_l sum_a |X^K_la| wMaj_K + u (max|Km^| + max|kbar|)}. */
  static double keyError(Layer ly, Point p) {
    Weight w = ly.weights().get(LayerWeight.K);
    return FastBound.up(FastBound.gamma(ly.dk() + w.rank() + 9.0) * p.xkRowSum() * w.wMaj()
        + FastBound.U * (p.kmMax() + p.kbarMax()));
  }

  /** (L2) {@code eV = gamma_{dv + r_V + 9} max_l sum_a |X^V_la| wMaj_V}. */
  static double valueError(Layer ly, Point p) {
    Weight w = ly.weights().get(LayerWeight.V);
    return FastBound.up(FastBound.gamma(ly.dv() + w.rank() + 9.0) * p.xvRowSum() * w.wMaj());
  }

  /** (L3) {@code n_agg = max(Lq, n) + k1 max(h, v) + 2g + 32}: roundings of one aggregate term. */
  static double aggregateDepth(Point p, int h, int v, long rank, int degree) {
    return Math.max(p.lq(), p.n()) + (double) rank * Math.max(h, v) + 2.0 * degree + 32;
  }

  /**
   * The bound of one point (L2)-(L7) for a polynomial with relative error {@code delta} on
   * {@code [-radius, radius]} and {@code A(R) = absSum}.
   */
  static PointBound point(Layer ly, Point p, double delta, double absSum, double radius, long rank, int degree) {
    double up1 = FastBound.gamma(1);
    double eQ = queryError(ly, p);
    double eK = keyError(ly, p);
    double eV = valueError(ly, p);
    double yMax = FastBound.up(p.yMax() * (1 + up1));
    double tau = FastBound.up(FastBound.gamma(aggregateDepth(p, ly.h(), ly.v(), rank, degree)) * absSum * Math.exp(radius));
    int v = ly.v();
    int h = ly.h();
    int zw = ly.heads() * v;
    // (L3)-(L5) per head: the kernel, the row lemma and z
    double[] deltaF = new double[ly.heads()];
    double nuP = 0;
    double ezP = 0;
    double zMajP = 0;
    double[] sigma = new double[ly.heads()];
    double[] deltaS = new double[ly.heads()];
    double[] deltaTot = new double[ly.heads()];
    double[] nu = new double[ly.heads()];
    double[] ez = new double[ly.heads()];
    double[] zMaj = new double[ly.heads()];
    for (int t = 0; t < ly.heads(); t++) {
      Head hd = p.heads().get(t);
      sigma[t] = FastBound.up(h * (eQ * hd.kMax() + hd.qMax() * eK + eQ * eK));
      deltaS[t] = FastBound.up(Math.expm1(sigma[t]));
      deltaTot[t] = FastBound.up(FastBound.compose(FastBound.compose(FastBound.compose(delta, deltaS[t]), tau), 3 * FastBound.U));
      deltaF[t] = deltaTot[t] < 0.5 ? FastBound.up(2 * deltaTot[t] / (1 - deltaTot[t])) : Double.POSITIVE_INFINITY;
      nu[t] = FastBound.up(hd.vMax() + eV);
      ez[t] = FastBound.up(deltaF[t] * nu[t] + eV);
      zMaj[t] = FastBound.up((1 + deltaF[t]) * nu[t]);
      nuP = Math.max(nuP, nu[t]);
      ezP = Math.max(ezP, ez[t]);
      zMajP = Math.max(zMajP, zMaj[t]);
    }
    // (L6) the residual R = Z W_O - Y and the upstream gradient G = R W_O^T
    double eR;
    double gR;
    double eG;
    double gG;
    Weight o = ly.weights().get(LayerWeight.O);
    if (o == null) {
      eR = FastBound.up(ezP + FastBound.gamma(2) * (zMajP + yMax));
      gR = FastBound.up(nuP + yMax);
      eG = eR;
      gG = gR;
    } else {
      eR = FastBound.up(ezP * o.colSum() + nuP * zw * o.eW() + FastBound.gamma(zw + 2.0) * (zMajP * o.colSum() + yMax));
      gR = FastBound.up(nuP * (o.colSum() + zw * o.eW()) + yMax);
      int out = p.out();
      eG = FastBound.up(eR * o.rowSum() + gR * out * o.eW() + FastBound.gamma(out) * (gR + eR) * o.rowSum());
      gG = FastBound.up(gR * (o.rowSum() + out * o.eW()));
    }
    // (L7) per head: t, s, dQ, dK, dV and the point's G_W
    double bMax = FastBound.up(Math.abs(ly.beta()) * (1 + up1));
    double gq = 0;
    double gqm = 0;
    double gk = 0;
    double gkm = 0;
    double gv = 0;
    double gvm = 0;
    List<HeadTerms> terms = new java.util.ArrayList<>();
    for (int t = 0; t < ly.heads(); t++) {
      Head hd = p.heads().get(t);
      double dF = deltaF[t];
      double dt = FastBound.up(v * (eV * (gG + eG) + nu[t] * eG));
      double tMaj = FastBound.up(v * nu[t] * (gG + eG));
      double ds = FastBound.up(v * (eG * zMaj[t] + gG * ez[t]) + FastBound.gamma(v) * v * (gG + eG) * zMaj[t]);
      double sMaj = FastBound.up(v * (gG + eG) * zMaj[t] * (1 + FastBound.gamma(v)));
      double ts = FastBound.up(tMaj + sMaj);
      double kE = FastBound.up(hd.kMax() + eK);
      double qE = FastBound.up(hd.qMax() + eQ);
      double eDQ = FastBound.up(bMax * (dF * hd.kMax() * ts + eK * ts + kE * (dt + ds) + up1 * kE * ts));
      double mDQ = FastBound.up(bMax * kE * ts);
      double eDK = FastBound.up(dF * hd.qMax() * ts + eQ * ts + qE * (dt + ds));
      double mDK = FastBound.up(qE * ts);
      double eDV = FastBound.up(dF * (gG + eG) + eG);
      double mDV = gG;
      terms.add(new HeadTerms(sigma[t], deltaS[t], tau, deltaTot[t], dF, nu[t], ez[t], zMaj[t], dt, tMaj, ds, sMaj,
          eDQ, mDQ, eDK, mDK, eDV));
      gq = Math.max(gq, FastBound.up(p.xqColSum() * (eDQ + FastBound.gamma(p.lq() + 1.0) * (mDQ + eDQ))));
      gqm = Math.max(gqm, FastBound.up(p.xqColSum() * (mDQ + eDQ) * (1 + FastBound.gamma(p.lq()))));
      double xk = FastBound.up(p.xkMax() * (1 + up1));
      double xv = FastBound.up(p.xvMax() * (1 + up1));
      gk = Math.max(gk, FastBound.up(xk * p.lq() * (eDK + FastBound.gamma(p.n() + 1.0) * (mDK + eDK))));
      gkm = Math.max(gkm, FastBound.up(xk * p.lq() * (mDK + eDK) * (1 + FastBound.gamma(p.n()))));
      gv = Math.max(gv, FastBound.up(xv * p.lq() * (eDV + FastBound.gamma(p.n() + 1.0) * (mDV + eDV))));
      gvm = Math.max(gvm, FastBound.up(xv * p.lq() * (mDV + eDV) * (1 + FastBound.gamma(p.n()))));
    }
    Map<LayerWeight, Double> err = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Double> maj = new EnumMap<>(LayerWeight.class);
    err.put(LayerWeight.Q, gq);
    maj.put(LayerWeight.Q, gqm);
    err.put(LayerWeight.K, gk);
    maj.put(LayerWeight.K, gkm);
    err.put(LayerWeight.V, gv);
    maj.put(LayerWeight.V, gvm);
    if (o != null) {
      double rr = FastBound.up(gR + eR);
      err.put(LayerWeight.O, FastBound.up(p.lq() * (ezP * rr + nuP * eR + FastBound.gamma(p.lq()) * zMajP * rr)));
      maj.put(LayerWeight.O, FastBound.up(p.lq() * zMajP * rr * (1 + FastBound.gamma(p.lq()))));
    }
    // (L7) the loss 1/2 sum R^2 of the point
    double cells = (double) p.lq() * p.out();
    double rr = FastBound.up(gR + eR);
    double lossErr = FastBound.up(cells * (gR * eR + 0.5 * eR * eR) + FastBound.gamma(cells + 2) * 0.5 * cells * rr * rr);
    double lossMaj = FastBound.up(0.5 * cells * rr * rr * (1 + FastBound.gamma(cells + 2)));
    return new PointBound(err, maj, lossErr, lossMaj, eR, gR, eG, gG, terms);
  }

  /**
   * (L8) The sum over the N points ({@code gamma_{N+1}} times the summed majorants) and the
   * adapters ({@link FastBound#adapter}, with one more rounding of the scale for rsLoRA).
   */
  static Certificate certify(Layer ly, List<Point> pts, double delta, double absSum, double radius, long rank, int degree) {
    Map<LayerWeight, Double> err = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Double> maj = new EnumMap<>(LayerWeight.class);
    double lossErr = 0;
    double lossMaj = 0;
    List<PointBound> bounds = new java.util.ArrayList<>();
    for (Point p : pts) {
      PointBound b = point(ly, p, delta, absSum, radius, rank, degree);
      bounds.add(b);
      for (LayerWeight mu : b.err().keySet()) {
        err.merge(mu, b.err().get(mu), Double::sum);
        maj.merge(mu, b.maj().get(mu), Double::sum);
      }
      lossErr += b.lossErr();
      lossMaj += b.lossMaj();
    }
    double sum = FastBound.gamma(pts.size() + 1.0);
    Map<LayerWeight, Double> boundA = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Double> boundB = new EnumMap<>(LayerWeight.class);
    for (Map.Entry<LayerWeight, Weight> e : ly.weights().entrySet()) {
      Weight w = e.getValue();
      if (w.rank() == 0) {
        continue;
      }
      LayerWeight mu = e.getKey();
      double eW = FastBound.up(err.get(mu) + sum * maj.get(mu));
      double mW = FastBound.up(maj.get(mu) * (1 + sum));
      double[] ab = FastBound.adapter(eW, mW, w.scale(), w.bColSum(), w.aRowSum(),
          w.rows() + w.extraScaleRoundings(), w.cols() + w.extraScaleRoundings());
      boundA.put(mu, ab[0]);
      boundB.put(mu, ab[1]);
    }
    return new Certificate(boundA, boundB, FastBound.up(lossErr + sum * lossMaj), bounds);
  }
}
