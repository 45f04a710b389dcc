package dev.loralimits.check;

import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The textbook forward and backward pass of LoRA attention, written as a user would write it by
 * hand, with every operation rounded to a {@link FloatFormat} ({@link Rounder}), in several
 * correct variants (the algorithms the precision-aware tolerance covers) and with seeded formula
 * bugs (what {@code check} must catch). Independent of the main code: it shares nothing with
 * ExactDouble or PrecisionTolerance but {@link DoubleInstance} (the inputs as doubles).
 */
final class EmulatedAttention {
  /** How the LoRA projection is evaluated. */
  enum LoraPath {
    /** {@code X (W* + s B A)}. */
    MERGED,
    /** {@code X W* + s ((X B) A)}, as PEFT does. */
    UNMERGED
  }

  /** How the softmax row is computed. */
  enum Softmax {
    /** {@code exp(S - max) / sum}. */
    MAX_SHIFT,
    /** {@code exp(S) / sum}. */
    NO_SHIFT,
    /** {@code exp(S - lse)}, {@code lse = max + log sum exp(S - max)}. */
    LOG_SUM_EXP
  }

  /** How {@code P = dLoss/dS} is formed from {@code G = c V^T}. */
  enum Backward {
    /** {@code F (G - sum_m F G)} (autograd's softmax backward). */
    UNCENTRED,
    /** {@code F ((G - g0) - sum_m F (G - g0))}, g0 the entry at the row maximum. */
    PIVOTED,
    /** {@code F (.) G - diag(sum F (.) G) F} (Definition 3.6's p1 - p2). */
    P1_MINUS_P2
  }

  /** A seeded formula bug. */
  enum Bug {
    NONE,
    MISSING_SCALE,
    AB_SWAPPED,
    W_TRANSPOSED,
    BETA_DROPPED,
    SOFTMAX_AXIS,
    MEAN_LOSS,
    QK_SWAPPED,
    OFF_BY_ONE_ROW,
    V_GRADIENT_TRANSPOSED,
    RANK_CONFUSED
  }

  /**
   * One implementation.
   *
   * @param path LoRA evaluation
   * @param softmax softmax form
   * @param backward softmax backward form
   * @param reverse every sum runs from the last index down (else from the first up)
   * @param bug the seeded bug, or NONE
   */
  record Variant(LoraPath path, Softmax softmax, Backward backward, boolean reverse, Bug bug) {
    static Variant textbook() {
      return new Variant(LoraPath.MERGED, Softmax.MAX_SHIFT, Backward.UNCENTRED, false, Bug.NONE);
    }

    Variant withBug(Bug b) {
      return new Variant(path, softmax, backward, reverse, b);
    }
  }

  /** Loss and adapter gradients as computed. */
  record Output(double loss, Map<Adapter, double[][]> a, Map<Adapter, double[][]> b) {}

  private final Rounder rd;
  private final Variant v;
  private final DoubleInstance inst;

  private EmulatedAttention(DoubleInstance inst, Rounder rd, Variant v) {
    this.inst = inst;
    this.rd = rd;
    this.v = v;
  }

  static Output run(LoraInstance inst, FloatFormat format, Variant v) {
    return new EmulatedAttention(DoubleInstance.of(inst), new Rounder(format), v).run();
  }

  /** The outputs {@code Z = F V} of the textbook pass, one per data point. */
  static List<double[][]> outputs(LoraInstance inst, FloatFormat format) {
    EmulatedAttention e = new EmulatedAttention(DoubleInstance.of(inst), new Rounder(format), Variant.textbook());
    e.run();
    return e.outputs;
  }

  private final List<double[][]> outputs = new ArrayList<>();

  private double scale(Adapter mu) {
    if (v.bug() == Bug.MISSING_SCALE) {
      return 1;
    }
    int rank = v.bug() == Bug.RANK_CONFUSED ? firstRank() : inst.weight(mu).rank();
    return rd.div(rd.r(inst.alpha()), rank);
  }

  private int firstRank() {
    for (Adapter mu : Adapter.values()) {
      if (inst.weight(mu).isAdapted()) {
        return inst.weight(mu).rank();
      }
    }
    throw new IllegalStateException("no adapter");
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

  private Output run() {
    double beta = v.bug() == Bug.BETA_DROPPED ? 1 : rd.r(inst.beta());
    Map<Adapter, double[][]> wStar = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> wm = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gw = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> gb = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      DoubleInstance.Weight w = inst.weight(mu);
      double[][] f = in(w.frozen());
      if (v.bug() == Bug.W_TRANSPOSED) {
        f = transpose(f);
      }
      wStar.put(mu, f);
      if (w.isAdapted()) {
        double[][] ba = v.bug() == Bug.AB_SWAPPED ? mm(transpose(in(w.a())), transpose(in(w.b()))) : mm(in(w.b()), in(w.a()));
        double s = scale(mu);
        double[][] m = new double[f.length][f[0].length];
        for (int i = 0; i < f.length; i++) {
          for (int j = 0; j < f[0].length; j++) {
            m[i][j] = rd.add(f[i][j], rd.mul(s, ba[i][j]));
          }
        }
        wm.put(mu, m);
        gw.put(mu, new double[f.length][f[0].length]);
        ga.put(mu, new double[w.rank()][f[0].length]);
        gb.put(mu, new double[f.length][w.rank()]);
      } else {
        wm.put(mu, f);
      }
    }
    double loss = 0;
    for (DoubleInstance.Point p : inst.points()) {
      double[][] xq = in(p.xq());
      double[][] xk = in(p.xk());
      double[][] xv = in(p.xv());
      double[][] y = in(p.y());
      if (v.bug() == Bug.OFF_BY_ONE_ROW) {
        double[][] rolled = new double[y.length][];
        for (int j = 0; j < y.length; j++) {
          rolled[j] = y[(j + 1) % y.length];
        }
        y = rolled;
      }
      double[][] q = project(xq, Adapter.Q, wStar, wm);
      double[][] k = project(xk, Adapter.K, wStar, wm);
      double[][] vm = project(xv, Adapter.V, wStar, wm);
      if (v.bug() == Bug.QK_SWAPPED) {
        double[][] t = q;
        q = k;
        k = t;
      }
      double[][] s = mm(q, transpose(k));
      for (double[] row : s) {
        for (int l = 0; l < row.length; l++) {
          row[l] = rd.mul(beta, row[l]);
        }
      }
      double[][] f = v.bug() == Bug.SOFTMAX_AXIS ? transpose(softmaxRows(transpose(s))) : softmaxRows(s);
      double[][] z = mm(f, vm);
      outputs.add(z);
      double[][] c = new double[z.length][z[0].length];
      double part = 0;
      for (int j : order(z.length)) {
        for (int i : order(z[0].length)) {
          c[j][i] = rd.sub(z[j][i], y[j][i]);
          part = rd.add(part, rd.mul(0.5, rd.mul(c[j][i], c[j][i])));
        }
      }
      if (v.bug() == Bug.MEAN_LOSS) {
        double n = z.length * (double) z[0].length;
        part = rd.div(part, n);
        for (double[] row : c) {
          for (int i = 0; i < row.length; i++) {
            row[i] = rd.div(row[i], n);
          }
        }
      }
      loss = rd.add(loss, part);
      // backward: dZ = c, G = c V^T, P = dLoss/dS
      double[][] g = mm(c, transpose(vm));
      double[][] pm = v.bug() == Bug.SOFTMAX_AXIS
          ? transpose(softmaxBackward(transpose(f), transpose(g), transpose(s)))
          : softmaxBackward(f, g, s);
      for (double[] row : pm) {
        for (int l = 0; l < row.length; l++) {
          row[l] = rd.mul(beta, row[l]);
        }
      }
      double[][] dq = mm(pm, k);
      double[][] dk = mm(transpose(pm), q);
      if (v.bug() == Bug.QK_SWAPPED) {
        double[][] t = dq;
        dq = dk;
        dk = t;
      }
      double[][] dv = mm(transpose(f), c);
      accumulate(Adapter.Q, xq, dq, gw, ga, gb);
      accumulate(Adapter.K, xk, dk, gw, ga, gb);
      accumulate(Adapter.V, xv, dv, gw, ga, gb);
    }
    if (v.path() == LoraPath.MERGED) {
      for (Adapter mu : gw.keySet()) {
        double[][] g = gw.get(mu);
        if (mu == Adapter.V && v.bug() == Bug.V_GRADIENT_TRANSPOSED) {
          g = transpose(g);
        }
        double s = scale(mu);
        DoubleInstance.Weight w = inst.weight(mu);
        if (v.bug() == Bug.AB_SWAPPED) {
          // W = W* + s (B A)^T: dA = s B^T G^T, dB = s G^T A^T
          ga.put(mu, scaled(mm(transpose(in(w.b())), transpose(g)), s));
          gb.put(mu, scaled(mm(transpose(g), transpose(in(w.a()))), s));
        } else {
          ga.put(mu, scaled(mm(transpose(in(w.b())), g), s));
          gb.put(mu, scaled(mm(g, transpose(in(w.a()))), s));
        }
      }
    }
    return new Output(loss, ga, gb);
  }

  /** {@code dLoss/dW += X^T dProj} (merged), or the adapter gradients directly (unmerged). */
  private void accumulate(
      Adapter mu, double[][] x, double[][] dproj, Map<Adapter, double[][]> gw, Map<Adapter, double[][]> ga,
      Map<Adapter, double[][]> gb) {
    if (!gw.containsKey(mu)) {
      return;
    }
    if (v.path() == LoraPath.MERGED) {
      add(gw.get(mu), mm(transpose(x), dproj));
      return;
    }
    DoubleInstance.Weight w = inst.weight(mu);
    double s = scale(mu);
    // h = s (X B) A: dA = s (X B)^T dproj, dB = s X^T (dproj A^T)
    double[][] xb = mm(x, in(w.b()));
    add(ga.get(mu), scaled(mm(transpose(xb), dproj), s));
    add(gb.get(mu), scaled(mm(transpose(x), mm(dproj, transpose(in(w.a())))), s));
  }

  private double[][] project(double[][] x, Adapter mu, Map<Adapter, double[][]> wStar, Map<Adapter, double[][]> wm) {
    DoubleInstance.Weight w = inst.weight(mu);
    if (v.path() == LoraPath.MERGED || !w.isAdapted()) {
      return mm(x, wm.get(mu));
    }
    double[][] base = mm(x, wStar.get(mu));
    double[][] lora = mm(mm(x, in(w.b())), in(w.a()));
    double s = scale(mu);
    for (int j = 0; j < base.length; j++) {
      for (int i = 0; i < base[0].length; i++) {
        base[j][i] = rd.add(base[j][i], rd.mul(s, lora[j][i]));
      }
    }
    return base;
  }

  private double[][] softmaxRows(double[][] s) {
    double[][] f = new double[s.length][s[0].length];
    for (int j = 0; j < s.length; j++) {
      double m = Double.NEGATIVE_INFINITY;
      for (double x : s[j]) {
        m = Math.max(m, x);
      }
      double shift = v.softmax() == Softmax.NO_SHIFT ? 0 : m;
      double[] e = new double[s[j].length];
      double sum = 0;
      for (int l : order(e.length)) {
        e[l] = rd.exp(rd.sub(s[j][l], shift));
        sum = rd.add(sum, e[l]);
      }
      if (v.softmax() == Softmax.LOG_SUM_EXP) {
        double lse = rd.add(m, rd.log(sum));
        for (int l = 0; l < e.length; l++) {
          f[j][l] = rd.exp(rd.sub(s[j][l], lse));
        }
      } else {
        for (int l = 0; l < e.length; l++) {
          f[j][l] = rd.div(e[l], sum);
        }
      }
    }
    return f;
  }

  private double[][] softmaxBackward(double[][] f, double[][] g, double[][] s) {
    double[][] p = new double[f.length][f[0].length];
    for (int j = 0; j < f.length; j++) {
      int n = f[j].length;
      switch (v.backward()) {
        case UNCENTRED: {
          double acc = 0;
          for (int l : order(n)) {
            acc = rd.add(acc, rd.mul(f[j][l], g[j][l]));
          }
          for (int l = 0; l < n; l++) {
            p[j][l] = rd.mul(f[j][l], rd.sub(g[j][l], acc));
          }
          break;
        }
        case PIVOTED: {
          int star = 0;
          for (int l = 1; l < n; l++) {
            if (s[j][l] > s[j][star]) {
              star = l;
            }
          }
          double g0 = g[j][star];
          double acc = 0;
          for (int l : order(n)) {
            acc = rd.add(acc, rd.mul(f[j][l], rd.sub(g[j][l], g0)));
          }
          for (int l = 0; l < n; l++) {
            p[j][l] = rd.mul(f[j][l], rd.sub(rd.sub(g[j][l], g0), acc));
          }
          break;
        }
        case P1_MINUS_P2: {
          double acc = 0;
          double[] p1 = new double[n];
          for (int l = 0; l < n; l++) {
            p1[l] = rd.mul(f[j][l], g[j][l]);
          }
          for (int l : order(n)) {
            acc = rd.add(acc, p1[l]);
          }
          for (int l = 0; l < n; l++) {
            p[j][l] = rd.sub(p1[l], rd.mul(acc, f[j][l]));
          }
          break;
        }
        default:
          throw new IllegalStateException();
      }
    }
    return p;
  }

  private int[] order(int n) {
    int[] o = new int[n];
    for (int i = 0; i < n; i++) {
      o[i] = v.reverse() ? n - 1 - i : i;
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

  private double[][] scaled(double[][] m, double s) {
    double[][] o = new double[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        o[i][j] = rd.mul(s, m[i][j]);
      }
    }
    return o;
  }

  private void add(double[][] acc, double[][] m) {
    for (int i = 0; i < acc.length; i++) {
      for (int j = 0; j < acc[0].length; j++) {
        acc[i][j] = rd.add(acc[i][j], m[i][j]);
      }
    }
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
}
