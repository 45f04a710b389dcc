package dev.loralimits.check;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.util.EnumMap;
import java.util.Map;

/**
 * An attention layer written the way transformer code writes it, every operation rounded to a
 * {@link FloatFormat} ({@link Rounder}): projections (merged {@code X (W* + s B A)} or PEFT's
 * unmerged {@code X W* + s (X B) A}), H heads as column blocks, scores over the full key row with
 * the masked entries set to {@code -inf} (so that their softmax is an exact 0, as
 * {@code masked_fill(~mask, -inf)} gives), softmax with the row maximum subtracted, without a shift
 * or by log-sum-exp, the heads side by side, {@code Z W_O}, the residual and loss, then the
 * backward by hand (autograd's uncentred softmax backward, or centred at the pivot), and seeded
 * formula bugs. Independent of the main code: it reads the instance's decimals and nothing else.
 */
final class EmulatedLayer {
  /** How an adapted projection is evaluated. */
  enum LoraPath {
    MERGED,
    UNMERGED
  }

  /** The softmax row. */
  enum Softmax {
    MAX_SHIFT,
    NO_SHIFT,
    LOG_SUM_EXP
  }

  /** {@code dLoss/dS} from {@code dF = G V^T}. */
  enum Backward {
    /** {@code F (dF - sum F dF)}: autograd. */
    UNCENTRED,
    /** {@code F ((dF - g0) - sum F (dF - g0))}, g0 at the row's largest score. */
    PIVOTED
  }

  /** A seeded formula bug; each matters on the instances {@code LayerPrecisionToleranceProperties} gives it. */
  enum Bug {
    NONE,
    /** The causal mask one key too far: query j attends to {@code last(j) + 1} as well. */
    MASK_OFFSET,
    /** The softmax backward without its centring: {@code dS = F dF}. */
    NO_CENTRING,
    /** Heads split as {@code view(n, h, H)}: column c is in head {@code c mod H}. */
    HEAD_SPLIT,
    /** The output projection applied transposed: {@code Z W_O^T} (square W_O). */
    O_TRANSPOSED,
    /** The other scaling: alpha / r for rsLoRA, alpha / sqrt(r) for LoRA. */
    WRONG_SCALING
  }

  /**
   * One implementation.
   *
   * @param reverse every sum runs from its last index down (else from the first up)
   */
  record Variant(LoraPath path, Softmax softmax, Backward backward, boolean reverse, Bug bug) {
    static Variant textbook() {
      return new Variant(LoraPath.MERGED, Softmax.MAX_SHIFT, Backward.UNCENTRED, false, Bug.NONE);
    }

    Variant withBug(Bug b) {
      return new Variant(path, softmax, backward, reverse, b);
    }
  }

  /** Loss and adapter gradients as computed, per adapted projection. */
  record Output(double loss, Map<LayerWeight, double[][]> a, Map<LayerWeight, double[][]> b) {}

  private final LayerInstance inst;
  private final Rounder rd;
  private final Variant v;
  private final int heads;
  private final int hw;
  private final int vw;
  private final double beta;
  private final Map<LayerWeight, double[][]> wStar = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> wa = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> wb = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> merged = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, Double> scale = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> gw = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> ga = new EnumMap<>(LayerWeight.class);
  private final Map<LayerWeight, double[][]> gb = new EnumMap<>(LayerWeight.class);

  private EmulatedLayer(LayerInstance inst, FloatFormat format, Variant v) {
    this.inst = inst;
    this.rd = new Rounder(format);
    this.v = v;
    this.heads = inst.heads();
    this.hw = inst.headWidth();
    this.vw = inst.valueHeadWidth();
    this.beta = rd.r(inst.beta().doubleValue());
    double alpha = rd.r(inst.alpha().doubleValue());
    for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
      LayerWeight mu = e.getKey();
      Projection p = e.getValue();
      double[][] w = in(p.frozen().toDoubles());
      wStar.put(mu, w);
      if (!p.isAdapted()) {
        merged.put(mu, w);
        continue;
      }
      double[][] a = in(p.a().toDoubles());
      double[][] b = in(p.b().toDoubles());
      int r = a.length;
      boolean lora = (inst.scaling() == LoraScaling.LORA) != (v.bug() == Bug.WRONG_SCALING);
      double s = lora ? rd.div(alpha, r) : rd.div(alpha, rd.r(Math.sqrt(r)));
      wa.put(mu, a);
      wb.put(mu, b);
      scale.put(mu, s);
      double[][] ba = mm(b, a);
      double[][] m = new double[w.length][w[0].length];
      for (int i = 0; i < w.length; i++) {
        for (int j = 0; j < w[0].length; j++) {
          m[i][j] = rd.add(w[i][j], rd.mul(s, ba[i][j]));
        }
      }
      merged.put(mu, m);
      gw.put(mu, new double[w.length][w[0].length]);
      ga.put(mu, new double[r][w[0].length]);
      gb.put(mu, new double[w.length][r]);
    }
  }

  static Output run(LayerInstance inst, FloatFormat format, Variant v) {
    return new EmulatedLayer(inst, format, v).run();
  }

  private Output run() {
    double loss = 0;
    for (DataPoint p : inst.data()) {
      loss = rd.add(loss, point(p));
    }
    Map<LayerWeight, double[][]> outA = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, double[][]> outB = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : ga.keySet()) {
      if (v.path() == LoraPath.MERGED) {
        double s = scale.get(mu);
        outA.put(mu, scaled(mm(transpose(wb.get(mu)), gw.get(mu)), s));
        outB.put(mu, scaled(mm(gw.get(mu), transpose(wa.get(mu))), s));
      } else {
        outA.put(mu, ga.get(mu));
        outB.put(mu, gb.get(mu));
      }
    }
    return new Output(loss, outA, outB);
  }

  /** Column of entry c of head t in a projection whose heads are {@code width} wide. */
  private int col(int t, int c, int width) {
    return v.bug() == Bug.HEAD_SPLIT ? c * heads + t : t * width + c;
  }

  private int lastKey(int j, int lq, int lk) {
    int last = inst.masking().lastKey(j, lq, lk);
    return v.bug() == Bug.MASK_OFFSET && inst.masking() != Masking.NONE ? Math.min(last + 1, lk - 1) : last;
  }

  private double point(DataPoint p) {
    double[][] xq = in(p.xq().toDoubles());
    double[][] xk = p.selfAttention() ? xq : in(p.xk().toDoubles());
    double[][] xv = p.selfAttention() ? xq : in(p.xv().toDoubles());
    double[][] y = in(p.y().toDoubles());
    double[][] q = project(xq, LayerWeight.Q);
    double[][] k = project(xk, LayerWeight.K);
    double[][] vv = project(xv, LayerWeight.V);
    int lq = xq.length;
    int lk = xk.length;
    double[][][] f = new double[heads][lq][lk];
    double[][][] sc = new double[heads][lq][lk];
    double[][] z = new double[lq][heads * vw];
    for (int t = 0; t < heads; t++) {
      for (int j = 0; j < lq; j++) {
        int last = lastKey(j, lq, lk);
        for (int l = 0; l < lk; l++) {
          if (l > last) {
            sc[t][j][l] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double acc = 0;
          for (int c : order(hw)) {
            acc = rd.add(acc, rd.mul(q[j][col(t, c, hw)], k[l][col(t, c, hw)]));
          }
          sc[t][j][l] = rd.mul(beta, acc);
        }
        f[t][j] = softmax(sc[t][j]);
        for (int c = 0; c < vw; c++) {
          double acc = 0;
          for (int l : order(lk)) {
            acc = rd.add(acc, rd.mul(f[t][j][l], vv[l][col(t, c, vw)]));
          }
          z[j][col(t, c, vw)] = acc;
        }
      }
    }
    boolean hasO = inst.hasOutputProjection();
    double[][] out = !hasO ? z : v.bug() == Bug.O_TRANSPOSED ? mm(z, transpose(merged.get(LayerWeight.O))) : project(z, LayerWeight.O);
    double[][] r = new double[lq][out[0].length];
    double loss = 0;
    for (int j = 0; j < lq; j++) {
      for (int c = 0; c < r[0].length; c++) {
        r[j][c] = rd.sub(out[j][c], y[j][c]);
      }
    }
    for (int j : order(lq)) {
      for (int c : order(r[0].length)) {
        loss = rd.add(loss, rd.mul(rd.mul(0.5, r[j][c]), r[j][c]));
      }
    }
    // the backward: G = dLoss/dZ
    double[][] g = r;
    if (hasO) {
      if (v.bug() == Bug.O_TRANSPOSED) {
        g = mm(r, merged.get(LayerWeight.O));
        accumulateWeight(LayerWeight.O, null, transpose(mm(transpose(z), r)), z, r);
      } else {
        g = backProject(r, LayerWeight.O);
        accumulateWeight(LayerWeight.O, mm(transpose(z), r), null, z, r);
      }
    }
    double[][] dq = new double[lq][heads * hw];
    double[][] dk = new double[lk][heads * hw];
    double[][] dv = new double[lk][heads * vw];
    for (int t = 0; t < heads; t++) {
      double[][] ds = new double[lq][lk];
      for (int j = 0; j < lq; j++) {
        double[] df = new double[lk];
        int star = 0;
        for (int l = 0; l < lk; l++) {
          double acc = 0;
          for (int c : order(vw)) {
            acc = rd.add(acc, rd.mul(g[j][col(t, c, vw)], vv[l][col(t, c, vw)]));
          }
          df[l] = acc;
          if (sc[t][j][l] > sc[t][j][star]) {
            star = l;
          }
        }
        double[] fr = f[t][j];
        double[] pr = new double[lk];
        if (v.bug() == Bug.NO_CENTRING) {
          for (int l = 0; l < lk; l++) {
            pr[l] = rd.mul(fr[l], df[l]);
          }
        } else if (v.backward() == Backward.UNCENTRED) {
          double acc = 0;
          for (int l : order(lk)) {
            acc = rd.add(acc, rd.mul(fr[l], df[l]));
          }
          for (int l = 0; l < lk; l++) {
            pr[l] = rd.mul(fr[l], rd.sub(df[l], acc));
          }
        } else {
          double g0 = df[star];
          double acc = 0;
          for (int l : order(lk)) {
            acc = rd.add(acc, rd.mul(fr[l], rd.sub(df[l], g0)));
          }
          for (int l = 0; l < lk; l++) {
            pr[l] = rd.mul(fr[l], rd.sub(rd.sub(df[l], g0), acc));
          }
        }
        for (int l = 0; l < lk; l++) {
          ds[j][l] = rd.mul(beta, pr[l]);
        }
      }
      // dQ^t = dS K^t, dK^t = dS^T Q^t, dV^t = F^T G^t
      for (int c = 0; c < hw; c++) {
        int cc = col(t, c, hw);
        for (int j = 0; j < lq; j++) {
          double acc = 0;
          for (int l : order(lk)) {
            acc = rd.add(acc, rd.mul(ds[j][l], k[l][cc]));
          }
          dq[j][cc] = acc;
        }
        for (int l = 0; l < lk; l++) {
          double acc = 0;
          for (int j : order(lq)) {
            acc = rd.add(acc, rd.mul(ds[j][l], q[j][cc]));
          }
          dk[l][cc] = acc;
        }
      }
      for (int c = 0; c < vw; c++) {
        int cc = col(t, c, vw);
        for (int l = 0; l < lk; l++) {
          double acc = 0;
          for (int j : order(lq)) {
            acc = rd.add(acc, rd.mul(f[t][j][l], g[j][cc]));
          }
          dv[l][cc] = acc;
        }
      }
    }
    accumulateWeight(LayerWeight.Q, null, null, xq, dq);
    accumulateWeight(LayerWeight.K, null, null, xk, dk);
    accumulateWeight(LayerWeight.V, null, null, xv, dv);
    return loss;
  }

  /**
   * Adds this point's gradient of an adapted projection {@code x W}: merged, {@code dW += x^T d}
   * (or the given {@code dw}); unmerged, {@code dA += s (x B)^T d}, {@code dB += s x^T (d A^T)}.
   * The O_TRANSPOSED bug gives its own {@code dwGiven} in both paths.
   */
  private void accumulateWeight(LayerWeight mu, double[][] dw, double[][] dwGiven, double[][] x, double[][] d) {
    if (!gw.containsKey(mu)) {
      return;
    }
    double s = scale.get(mu);
    if (dwGiven != null) {
      add(gw.get(mu), dwGiven);
      if (v.path() == LoraPath.UNMERGED) {
        add(ga.get(mu), scaled(mm(transpose(wb.get(mu)), dwGiven), s));
        add(gb.get(mu), scaled(mm(dwGiven, transpose(wa.get(mu))), s));
      }
      return;
    }
    if (v.path() == LoraPath.MERGED) {
      add(gw.get(mu), dw != null ? dw : mm(transpose(x), d));
      return;
    }
    double[][] xb = mm(x, wb.get(mu));
    add(ga.get(mu), scaled(mm(transpose(xb), d), s));
    add(gb.get(mu), scaled(mm(transpose(x), mm(d, transpose(wa.get(mu)))), s));
  }

  private double[][] project(double[][] x, LayerWeight mu) {
    if (v.path() == LoraPath.MERGED || !wa.containsKey(mu)) {
      return mm(x, merged.get(mu));
    }
    double[][] base = mm(x, wStar.get(mu));
    double[][] lora = mm(mm(x, wb.get(mu)), wa.get(mu));
    double s = scale.get(mu);
    for (int j = 0; j < base.length; j++) {
      for (int i = 0; i < base[0].length; i++) {
        base[j][i] = rd.add(base[j][i], rd.mul(s, lora[j][i]));
      }
    }
    return base;
  }

  /** {@code r W^T}: merged, or unmerged {@code r W*^T + s (r A^T) B^T}. */
  private double[][] backProject(double[][] r, LayerWeight mu) {
    if (v.path() == LoraPath.MERGED || !wa.containsKey(mu)) {
      return mm(r, transpose(merged.get(mu)));
    }
    double[][] base = mm(r, transpose(wStar.get(mu)));
    double[][] lora = mm(mm(r, transpose(wa.get(mu))), transpose(wb.get(mu)));
    double s = scale.get(mu);
    for (int j = 0; j < base.length; j++) {
      for (int i = 0; i < base[0].length; i++) {
        base[j][i] = rd.add(base[j][i], rd.mul(s, lora[j][i]));
      }
    }
    return base;
  }

  private double[] softmax(double[] s) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : s) {
      m = Math.max(m, x);
    }
    double shift = v.softmax() == Softmax.NO_SHIFT ? 0 : m;
    double[] e = new double[s.length];
    double sum = 0;
    for (int l : order(s.length)) {
      e[l] = rd.exp(rd.sub(s[l], shift));
      sum = rd.add(sum, e[l]);
    }
    double[] f = new double[s.length];
    if (v.softmax() == Softmax.LOG_SUM_EXP) {
      double lse = rd.add(m, rd.log(sum));
      for (int l = 0; l < s.length; l++) {
        f[l] = rd.exp(rd.sub(s[l], lse));
      }
    } else {
      for (int l = 0; l < s.length; l++) {
        f[l] = rd.div(e[l], sum);
      }
    }
    return f;
  }

  private int[] order(int n) {
    int[] o = new int[n];
    for (int i = 0; i < n; i++) {
      o[i] = v.reverse() ? n - 1 - i : i;
    }
    return o;
  }

  private double[][] in(double[][] m) {
    double[][] o = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        o[i][j] = rd.r(m[i][j]);
      }
    }
    return o;
  }

  private double[][] mm(double[][] a, double[][] b) {
    double[][] c = new double[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        double acc = 0;
        for (int t : order(b.length)) {
          acc = rd.add(acc, rd.mul(a[i][t], b[t][j]));
        }
        c[i][j] = acc;
      }
    }
    return c;
  }

  private static double[][] transpose(double[][] m) {
    double[][] t = new double[m[0].length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        t[j][i] = m[i][j];
      }
    }
    return t;
  }

  private double[][] scaled(double[][] m, double s) {
    double[][] o = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        o[i][j] = rd.mul(s, m[i][j]);
      }
    }
    return o;
  }

  private void add(double[][] acc, double[][] x) {
    for (int i = 0; i < acc.length; i++) {
      for (int j = 0; j < acc[0].length; j++) {
        acc[i][j] = rd.add(acc[i][j], x[i][j]);
      }
    }
  }
}
