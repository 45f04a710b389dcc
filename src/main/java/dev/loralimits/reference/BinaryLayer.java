package dev.loralimits.reference;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * {@link LayerReference}'s evaluation (proofs-notes/LAYER.md (1.1)-(2.7), the same order of
 * operations) on the binary engine ({@link BinaryArithmetic}: P-bit mantissas, exact products
 * accumulated and rounded once per sum), for speed: apfloat's per-operation overhead dominates
 * the decimal path. Certification is the same two-level protocol (FORMATS 3.2) applied to these
 * runs ({@link LayerReference#compute}); the results are converted to apfloat exactly.
 *
 * @throws OutOfBinaryRangeException (from every method) when an input, an intermediate or a
 *     result is outside the range the engine converts exactly; the caller then takes the apfloat
 *     path
 */
final class BinaryLayer {
  /**
   * Softmax arguments below {@code -2^20} after the row's maximum is subtracted are left to the
   * apfloat path: their exponentials are below {@code 2^{-1.5 10^6}}, beyond the exact decimal
   * conversion of {@link BinaryFloat#toBigDecimal}.
   */
  private static final BinaryFloat MIN_ARGUMENT = new BinaryFloat(BigInteger.ONE.negate(), 20);

  private BinaryLayer() {}

  /** One evaluation at p decimal digits ({@code P = bitsFor(p)} bits). */
  static LayerReference.ApLayer computeAt(LayerInstance inst, long p) {
    return computeAt(inst, p, () -> {});
  }

  /** As {@link #computeAt(LayerInstance, long)}, calling {@code rowDone} after each query row of each head. */
  static LayerReference.ApLayer computeAt(LayerInstance inst, long p, Runnable rowDone) {
    BinaryArithmetic ar = BinaryArithmetic.forDigits(p);
    BinaryFloat alpha = ar.fromDecimal(inst.alpha());
    BinaryFloat beta = ar.fromDecimal(inst.beta());
    Map<LayerWeight, BinaryFloat[][]> w = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, BinaryFloat> s = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, BinaryFloat[][]> fa = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, BinaryFloat[][]> fb = new EnumMap<>(LayerWeight.class);
    for (Map.Entry<LayerWeight, Projection> e : inst.weights().entrySet()) {
      Projection pr = e.getValue();
      BinaryFloat[][] frozen = matrix(pr.frozen(), ar);
      if (pr.isAdapted()) {
        int r = pr.rank().orElseThrow();
        BinaryFloat sc = scale(inst.scaling(), alpha, r, ar);
        BinaryFloat[][] a = matrix(pr.a(), ar);
        BinaryFloat[][] b = matrix(pr.b(), ar);
        BinaryFloat[][] ba = multiply(b, a, ar);
        for (int i = 0; i < frozen.length; i++) {
          for (int j = 0; j < frozen[i].length; j++) {
            frozen[i][j] = ar.add(frozen[i][j], ar.multiply(sc, ba[i][j]));
          }
        }
        s.put(e.getKey(), sc);
        fa.put(e.getKey(), a);
        fb.put(e.getKey(), b);
      }
      w.put(e.getKey(), frozen);
    }
    Map<LayerWeight, BinaryFloat[][]> dw = new EnumMap<>(LayerWeight.class);
    BinaryFloat loss = BinaryFloat.ZERO;
    for (DataPoint pt : inst.data()) {
      loss = ar.add(loss, point(inst, pt, w, beta, ar, dw, rowDone));
    }
    Map<LayerWeight, ApMatrix> ga = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, ApMatrix> gb = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : inst.adapted()) {
      BinaryFloat sc = s.get(mu);
      BinaryFloat[][] g = dw.get(mu);
      ga.put(mu, ap(scale(sc, multiply(transpose(fb.get(mu)), g, ar), ar)));
      gb.put(mu, ap(scale(sc, multiply(g, transpose(fa.get(mu)), ar), ar)));
    }
    return new LayerReference.ApLayer(ApMatrix.exact(loss.toBigDecimal()), ga, gb);
  }

  /** {@code alpha / r} or {@code alpha / sqrt(r)}, the root correctly rounded by integer square root. */
  static BinaryFloat scale(LoraScaling scaling, BinaryFloat alpha, int r, BinaryArithmetic ar) {
    BinaryFloat root;
    if (scaling == LoraScaling.LORA) {
      root = new BinaryFloat(BigInteger.valueOf(r), 0);
    } else {
      // floor(sqrt(r 2^{2k})) 2^{-k} with 2k = 2 (P + 4): within 2^{-P-4} relative of sqrt(r), then
      // rounded to P bits; the two-level protocol certifies the result as for every rounding
      int k = ar.bits() + 4;
      root = ar.round(new BinaryFloat(BigInteger.valueOf(r).shiftLeft(2 * k).sqrt(), -k));
    }
    return ar.divide(alpha, root);
  }

  /**
   * Point pt's loss; adds its gradients with respect to each merged weight to {@code dw}. One
   * pass over the query rows (as {@code fast.LayerExact}): row j's scores, softmax, {@code Z_j},
   * {@code R_j} and {@code G_j} need no other row, so its backward (2.3)-(2.6) runs at once and
   * only O(L d) numbers are kept (not every softmax row: O(L^2 H)).
   */
  private static BinaryFloat point(LayerInstance inst, DataPoint pt, Map<LayerWeight, BinaryFloat[][]> w, BinaryFloat beta,
      BinaryArithmetic ar, Map<LayerWeight, BinaryFloat[][]> dw, Runnable rowDone) {
    BinaryFloat[][] xq = matrix(pt.xq(), ar);
    BinaryFloat[][] xk = matrix(pt.xk(), ar);
    BinaryFloat[][] xv = matrix(pt.xv(), ar);
    BinaryFloat[][] q = multiply(xq, w.get(LayerWeight.Q), ar);
    BinaryFloat[][] k = multiply(xk, w.get(LayerWeight.K), ar);
    BinaryFloat[][] v = multiply(xv, w.get(LayerWeight.V), ar);
    BinaryFloat[][] wo = w.get(LayerWeight.O);
    BinaryFloat[][] woT = wo == null ? null : transpose(wo);
    BinaryFloat[][] y = matrix(pt.y(), ar);
    int lq = q.length;
    int lk = k.length;
    int heads = inst.heads();
    int hw = inst.headWidth();
    int vw = inst.valueHeadWidth();
    BinaryFloat[][] z = new BinaryFloat[lq][];
    BinaryFloat[][] r = new BinaryFloat[lq][];
    BinaryFloat[][] dq = new BinaryFloat[lq][heads * hw];
    BinaryAccumulator[][] dk = accumulators(lk, heads * hw, ar);
    BinaryAccumulator[][] dv = accumulators(lk, heads * vw, ar);
    BinaryAccumulator half = ar.accumulator();
    BinaryFloat[][] f = new BinaryFloat[heads][];
    int[] star = new int[heads];
    for (int j = 0; j < lq; j++) {
      int n = inst.masking().lastKey(j, lq, lk) + 1;
      BinaryFloat[] zj = new BinaryFloat[heads * vw];
      for (int t = 0; t < heads; t++) {
        BinaryFloat[] sc = new BinaryFloat[n];
        int m = 0;
        for (int l = 0; l < n; l++) {
          sc[l] = ar.multiply(beta, dot(q[j], k[l], t * hw, hw, ar));  // (1.2)
          if (sc[l].compareTo(sc[m]) > 0) {
            m = l;
          }
        }
        star[t] = m;
        BinaryFloat[] e = new BinaryFloat[n];
        BinaryAccumulator d = ar.accumulator();
        for (int l = 0; l < n; l++) {
          BinaryFloat arg = ar.subtract(sc[l], sc[m]);
          if (arg.compareTo(MIN_ARGUMENT) < 0) {
            throw new OutOfBinaryRangeException("a softmax argument below -2^20");
          }
          e[l] = ar.exp(arg);
          d.add(e[l]);
        }
        BinaryFloat sum = ar.result(d);
        f[t] = new BinaryFloat[n];
        for (int l = 0; l < n; l++) {
          f[t][l] = ar.divide(e[l], sum);
        }
        for (int c = 0; c < vw; c++) {  // (1.3)
          BinaryAccumulator acc = ar.accumulator();
          for (int l = 0; l < n; l++) {
            acc.addProduct(f[t][l], v[l][t * vw + c]);
          }
          zj[t * vw + c] = ar.result(acc);
        }
      }
      z[j] = zj;
      BinaryFloat[] out = wo == null ? zj : rowTimes(zj, wo, ar);  // (1.4)
      BinaryFloat[] rj = new BinaryFloat[out.length];
      for (int c = 0; c < out.length; c++) {
        rj[c] = ar.subtract(out[c], y[j][c]);
        half.addProduct(rj[c], rj[c]);
      }
      r[j] = rj;
      BinaryFloat[] gj = wo == null ? rj : rowTimes(rj, woT, ar);  // (2.1)
      for (int t = 0; t < heads; t++) {
        BinaryFloat[] fj = f[t];
        BinaryFloat[] c = new BinaryFloat[n];
        BinaryFloat[] df = new BinaryFloat[n];
        for (int l = 0; l < n; l++) {
          df[l] = dot(gj, v[l], t * vw, vw, ar);  // (2.3)
        }
        BinaryAccumulator shift = ar.accumulator();
        for (int l = 0; l < n; l++) {
          c[l] = ar.subtract(df[l], df[star[t]]);  // (2.4), centred at the pivot
          shift.addProduct(fj[l], c[l]);
        }
        BinaryFloat sh = ar.result(shift);
        BinaryAccumulator[] qacc = new BinaryAccumulator[hw];
        for (int a = 0; a < hw; a++) {
          qacc[a] = ar.accumulator();
        }
        for (int l = 0; l < n; l++) {
          BinaryFloat ds = ar.multiply(beta, ar.multiply(fj[l], ar.subtract(c[l], sh)));
          for (int a = 0; a < hw; a++) {  // (2.5)
            qacc[a].addProduct(ds, k[l][t * hw + a]);
            dk[l][t * hw + a].addProduct(ds, q[j][t * hw + a]);
          }
          for (int a = 0; a < vw; a++) {  // (2.6)
            dv[l][t * vw + a].addProduct(fj[l], gj[t * vw + a]);
          }
        }
        for (int a = 0; a < hw; a++) {
          dq[j][t * hw + a] = ar.result(qacc[a]);
        }
        rowDone.run();
      }
    }
    BinaryFloat loss = ar.result(half);
    loss = new BinaryFloat(loss.m, loss.e - 1);  // halving is exact
    if (wo != null) {
      add(dw, LayerWeight.O, multiply(transpose(z), r, ar), ar);  // (2.2)
    }
    add(dw, LayerWeight.Q, multiply(transpose(xq), dq, ar), ar);  // (2.7)
    add(dw, LayerWeight.K, multiply(transpose(xk), results(dk, ar), ar), ar);
    add(dw, LayerWeight.V, multiply(transpose(xv), results(dv, ar), ar), ar);
    return loss;
  }

  /** The row vector {@code x m}, each entry one accumulated sum. */
  private static BinaryFloat[] rowTimes(BinaryFloat[] x, BinaryFloat[][] m, BinaryArithmetic ar) {
    BinaryFloat[] out = new BinaryFloat[m[0].length];
    for (int c = 0; c < out.length; c++) {
      BinaryAccumulator acc = ar.accumulator();
      for (int a = 0; a < x.length; a++) {
        acc.addProduct(x[a], m[a][c]);
      }
      out[c] = ar.result(acc);
    }
    return out;
  }

  private static BinaryFloat dot(BinaryFloat[] a, BinaryFloat[] b, int from, int width, BinaryArithmetic ar) {
    BinaryAccumulator acc = ar.accumulator();
    for (int c = 0; c < width; c++) {
      acc.addProduct(a[from + c], b[from + c]);
    }
    return ar.result(acc);
  }

  private static BinaryFloat[][] matrix(DecimalMatrix m, BinaryArithmetic ar) {
    BinaryFloat[][] b = new BinaryFloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        BigDecimal x = m.get(i, j);
        b[i][j] = ar.fromDecimal(x);
      }
    }
    return b;
  }

  private static BinaryFloat[][] multiply(BinaryFloat[][] a, BinaryFloat[][] b, BinaryArithmetic ar) {
    BinaryFloat[][] c = new BinaryFloat[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b[0].length; j++) {
        BinaryAccumulator acc = ar.accumulator();
        for (int x = 0; x < b.length; x++) {
          acc.addProduct(a[i][x], b[x][j]);
        }
        c[i][j] = ar.result(acc);
      }
    }
    return c;
  }

  private static BinaryFloat[][] transpose(BinaryFloat[][] a) {
    BinaryFloat[][] t = new BinaryFloat[a[0].length][a.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        t[j][i] = a[i][j];
      }
    }
    return t;
  }

  private static BinaryFloat[][] scale(BinaryFloat s, BinaryFloat[][] a, BinaryArithmetic ar) {
    BinaryFloat[][] c = new BinaryFloat[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        c[i][j] = ar.multiply(s, a[i][j]);
      }
    }
    return c;
  }

  private static void add(Map<LayerWeight, BinaryFloat[][]> dw, LayerWeight mu, BinaryFloat[][] g, BinaryArithmetic ar) {
    BinaryFloat[][] acc = dw.get(mu);
    if (acc == null) {
      dw.put(mu, g);
      return;
    }
    for (int i = 0; i < g.length; i++) {
      for (int j = 0; j < g[i].length; j++) {
        acc[i][j] = ar.add(acc[i][j], g[i][j]);
      }
    }
  }

  private static BinaryAccumulator[][] accumulators(int rows, int cols, BinaryArithmetic ar) {
    BinaryAccumulator[][] a = new BinaryAccumulator[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        a[i][j] = ar.accumulator();
      }
    }
    return a;
  }

  private static BinaryFloat[][] results(BinaryAccumulator[][] a, BinaryArithmetic ar) {
    BinaryFloat[][] r = new BinaryFloat[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        r[i][j] = ar.result(a[i][j]);
      }
    }
    return r;
  }

  /** The exact apfloat image of a binary matrix. */
  private static ApMatrix ap(BinaryFloat[][] m) {
    Apfloat[][] a = new Apfloat[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        a[i][j] = ApMatrix.exact(m[i][j].toBigDecimal());
      }
    }
    return ApMatrix.of(a);
  }
}
