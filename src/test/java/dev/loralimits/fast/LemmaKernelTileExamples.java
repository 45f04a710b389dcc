package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tiled passes of {@link LemmaKernels} equal the per-row loops they replaced bit for bit
 * (FAST-BOUND.md (3.2): each accumulator sees the same terms in the same order). The reference
 * loops below are the per-row code (one row at a time, sums over m then i, rows increasing); the
 * shapes are rectangular ({@code Lq != Lk}, {@code h != o}) and the row ranges start and end off
 * the tile boundaries, with tiles of one row and with a last partial tile.
 */
class LemmaKernelTileExamples {
  /** (Lq, Lk, d, h, o, degree, from, to): ranges of rows not aligned to {@link LemmaKernels#TILE}. */
  private static final int[][] CASES = {
    {70, 45, 3, 2, 5, 3, 3, 68},
    {33, 100, 4, 4, 4, 2, 0, 33},
    {1, 31, 2, 3, 1, 4, 0, 1},
    {130, 97, 5, 3, 2, 3, 31, 97},
    {65, 65, 2, 1, 3, 5, 1, 64},
    {75, 58, 3, 9, 6, 2, 5, 71}, // h = 9, o = 6: LemmaKernels.chainColumns' groups of four and the rest
  };

  private static final long SEED = 20261201L;

  @Test
  void tiledPassesEqualThePerRowLoopsBitForBit() {
    int checked = 0;
    for (int[] c : CASES) {
      PreparedPoint p = point(c[0], c[1], c[2], c[3], c[4], SEED + checked);
      double radius = DegreeSearch.lemma33Radius(p);
      FeatureMap fm = new FeatureMap(p.h, ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, c[5], radius).coefficients());
      int kFrom = Math.min(c[6], p.lk - 1);
      int kTo = Math.min(c[7], p.lk);
      int qFrom = Math.min(c[6], p.lq - 1);
      int qTo = Math.min(c[7], p.lq);
      String at = Arrays.toString(c);

      LemmaKernels.KeyAggregates ka = LemmaKernels.lemma34KeyAggregates(p, fm, kFrom, kTo);
      LemmaKernels.KeyAggregates kaRef = keyAggregatesPerRow(p, fm, kFrom, kTo);
      assertThat(bits(ka.a1)).as("a1 %s", at).isEqualTo(bits(kaRef.a1));
      assertThat(bits(ka.ak)).as("ak %s", at).isEqualTo(bits(kaRef.ak));
      assertThat(bits(ka.av)).as("av %s", at).isEqualTo(bits(kaRef.av));
      assertThat(bits(ka.t)).as("T %s", at).isEqualTo(bits(kaRef.t));

      LemmaKernels.QueryPartial qa = LemmaKernels.lemma34to37QueryRow(p, fm, kaRef, true, qFrom, qTo);
      LemmaKernels.QueryPartial qaRef = queryRowsPerRow(p, fm, kaRef, qFrom, qTo);
      assertThat(Double.doubleToRawLongBits(qa.loss)).as("loss %s", at).isEqualTo(Double.doubleToRawLongBits(qaRef.loss));
      assertThat(bits(qa.gq)).as("gq %s", at).isEqualTo(bits(qaRef.gq));
      assertThat(bits(qa.t2)).as("T2 %s", at).isEqualTo(bits(qaRef.t2));
      assertThat(bits(qa.t3)).as("T3 %s", at).isEqualTo(bits(qaRef.t3));
      assertThat(bits(qa.t4)).as("T4 %s", at).isEqualTo(bits(qaRef.t4));
      LemmaKernels.QueryPartial qOnly = LemmaKernels.lemma34to37QueryRow(p, fm, kaRef, false, qFrom, qTo);
      assertThat(bits(qOnly.gq)).as("gq without K, V %s", at).isEqualTo(bits(qaRef.gq));

      double[][] g = LemmaKernels.theoremA1KeyRow(p, fm, qaRef, kFrom, kTo);
      double[][] gRef = keyRowsPerRow(p, fm, qaRef, kFrom, kTo);
      assertThat(bits(g[0])).as("gk %s", at).isEqualTo(bits(gRef[0]));
      assertThat(bits(g[1])).as("gv %s", at).isEqualTo(bits(gRef[1]));
      assertThat(Arrays.stream(ka.t).anyMatch(x -> x != 0)).as("a case that computes something %s", at).isTrue();
      checked++;
    }
    assertThat(checked).isEqualTo(CASES.length);
  }

  /** The per-key loop of Lemmas 3.4 and 3.6 (key side). */
  private static LemmaKernels.KeyAggregates keyAggregatesPerRow(PreparedPoint p, FeatureMap fm, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    LemmaKernels.KeyAggregates a = new LemmaKernels.KeyAggregates(k1, o, h);
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
          for (int b = 0; b < h; b++) {
            a.t[(m * o + i) * h + b] += vv * p.kc[l * h + b];
          }
        }
      }
    }
    return a;
  }

  /** The per-row loop of Lemmas 3.4-3.7 and Theorem A.1's query side, through the per-row methods. */
  private static LemmaKernels.QueryPartial queryRowsPerRow(
      PreparedPoint p, FeatureMap fm, LemmaKernels.KeyAggregates ka, int from, int to) {
    int k1 = fm.rank();
    int o = p.o;
    int h = p.h;
    LemmaKernels.QueryPartial r = new LemmaKernels.QueryPartial(p.xq[0].length, k1, o, h, true);
    double[] phi = new double[k1];
    double[] z = new double[o];
    double[] c = new double[o];
    double[] w = new double[h];
    for (int j = from; j < to; j++) {
      fm.queryFeatures(p.qf, j * h, phi);
      double dj = LemmaKernels.lemma34Row(phi, ka, p.y, j * o, z, c);
      double s = LemmaKernels.lemma37Diagonal(c, z);
      double loss = 0;
      for (int i = 0; i < o; i++) {
        loss += c[i] * c[i];
      }
      r.loss += 0.5 * loss;
      Arrays.fill(w, 0);
      LemmaKernels.lemma36Row(phi, c, ka, w);
      LemmaKernels.lemma37Row(phi, s, ka, w);
      for (int b = 0; b < h; b++) {
        w[b] /= dj;
      }
      LemmaKernels.theorem31Accumulate(p.xq[j], w, r.gq);
      LemmaKernels.theoremA1QuerySide(phi, dj, c, s, p.qh, j * h, r);
    }
    return r;
  }

  /** The per-key loop of Theorem A.1 and the V gradient. */
  private static double[][] keyRowsPerRow(PreparedPoint p, FeatureMap fm, LemmaKernels.QueryPartial qa, int from, int to) {
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
          for (int b = 0; b < h; b++) {
            row[b] += vv * qa.t2[(m * o + i) * h + b];
          }
          f[i] += v * qa.t4[m * o + i];
        }
        for (int b = 0; b < h; b++) {
          row[b] -= v * qa.t3[m * h + b];
        }
      }
      for (int a = 0; a < dk; a++) {
        for (int b = 0; b < h; b++) {
          gk[a * h + b] += p.xk[l][a] * row[b];
        }
      }
      for (int a = 0; a < dv; a++) {
        for (int i = 0; i < o; i++) {
          gv[a * o + i] += p.xv[l][a] * f[i];
        }
      }
    }
    return new double[][] {gk, gv};
  }

  /** One cross-attention point with Q, K, V adapted (rank 2), entries of X in [-1, 1]. */
  private static PreparedPoint point(int lq, int lk, int d, int h, int o, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<Adapter, DoubleInstance.Weight> w = new EnumMap<>(Adapter.class);
    int[] cols = {h, h, o};
    for (Adapter mu : Adapter.values()) {
      int cc = cols[mu.ordinal()];
      w.put(mu, new DoubleInstance.Weight(uniform(rnd, d, cc, 0.4), uniform(rnd, 2, cc, 0.1), uniform(rnd, d, 2, 0.1)));
    }
    DoubleInstance.Point pt = new DoubleInstance.Point(
        uniform(rnd, lq, d, 1), uniform(rnd, lk, d, 1), uniform(rnd, lk, d, 1), uniform(rnd, lq, o, 1));
    return PreparedPoint.of(new DoubleData(new DoubleInstance(1.5, 0.8, w, List.of(pt))), 0);
  }

  private static double[][] uniform(SplittableRandom rnd, int rows, int cols, double half) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextDouble(-half, half);
      }
    }
    return m;
  }

  private static long[] bits(double[] x) {
    long[] b = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      b[i] = Double.doubleToRawLongBits(x[i]);
    }
    return b;
  }
}
