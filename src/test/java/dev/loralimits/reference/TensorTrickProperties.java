package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.testing.Instances;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apfloat.Apfloat;

/**
 * Definitions 2.1-2.4 and Lemma 2.1, checked exactly: inputs are three-decimal numbers and the
 * working precision (200 digits) exceeds the digits of any product or sum formed, so both sides
 * of every identity are exact and must be equal value for value.
 */
@Label("Lemma 2.1 (tensor trick), exactly")
class TensorTrickProperties {
  /** 200 digits: products of two 3-decimal numbers below 10 in magnitude and their sums are exact. */
  static final Arithmetic EXACT = new Arithmetic(200);

  private static ApMatrix random(Random rnd, int rows, int cols) {
    return ApMatrix.exact(Instances.matrix(rnd, rows, cols, 5.0));
  }

  @Property(tries = 200)
  @Label("Lemma 2.1: vec(A X B^T) = (A (x) B) vec(X)")
  void lemma21(
      @ForAll @IntRange(min = 1, max = 4) int la,
      @ForAll @IntRange(min = 1, max = 4) int da,
      @ForAll @IntRange(min = 1, max = 4) int lb,
      @ForAll @IntRange(min = 1, max = 4) int db,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    ApMatrix a = random(rnd, la, da);
    ApMatrix x = random(rnd, da, db);
    ApMatrix b = random(rnd, lb, db);
    Apfloat[] left = TensorTrick.lemma21Left(a, x, b, EXACT);
    Apfloat[] right = TensorTrick.lemma21Right(a, x, b, EXACT);
    assertThat(left).hasSize(la * lb);
    for (int k = 0; k < left.length; k++) {
      assertThat(left[k].compareTo(right[k])).as("entry %d", k).isZero();
    }
  }

  @Property(tries = 100)
  @Label("Definitions 2.1-2.2: mat(vec(X)) = X and vec is row-major")
  void vecMatRoundTrip(
      @ForAll @IntRange(min = 1, max = 5) int rows,
      @ForAll @IntRange(min = 1, max = 5) int cols,
      @ForAll long seed) {
    ApMatrix x = random(new Random(seed), rows, cols);
    Apfloat[] v = TensorTrick.vec(x);
    assertThat(TensorTrick.mat(v, rows, cols).sameValues(x)).isTrue();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        assertThat(v[i * cols + j]).isSameAs(x.get(i, j));
      }
    }
  }

  @Property(tries = 100)
  @Label("Definitions 2.3-2.4: block j of C1 (x) C2 has rows C1[j,:] (x) C2[l,:], and C_j w = row j of C1 W C2^T")
  void blocksGiveScoreRows(
      @ForAll @IntRange(min = 1, max = 4) int l,
      @ForAll @IntRange(min = 1, max = 4) int lk,
      @ForAll @IntRange(min = 1, max = 3) int d,
      @ForAll @IntRange(min = 1, max = 3) int d2,
      @ForAll long seed) {
    // widths d of C1 and d2 of C2 independent (W is d x d2, as W_Q W_K^T is dq x dk)
    Random rnd = new Random(seed);
    ApMatrix c1 = random(rnd, l, d);
    ApMatrix c2 = random(rnd, lk, d2);
    ApMatrix w = random(rnd, d, d2);
    ApMatrix kron = TensorTrick.kronecker(c1, c2, EXACT);
    assertThat(kron.rows()).isEqualTo(l * lk);
    assertThat(kron.cols()).isEqualTo(d * d2);
    ApMatrix scores = EXACT.multiply(EXACT.multiply(c1, w), c2.transpose());
    for (int j = 0; j < l; j++) {
      ApMatrix cj = TensorTrick.block(kron, j, lk);
      for (int row = 0; row < lk; row++) {
        for (int a = 0; a < d; a++) {
          for (int b = 0; b < d2; b++) {
            Apfloat expected = EXACT.multiply(c1.get(j, a), c2.get(row, b));
            assertThat(cj.get(row, a * d2 + b).compareTo(expected)).isZero();
          }
        }
      }
      Apfloat[] cjw = TensorTrick.matVec(cj, TensorTrick.vec(w), EXACT);
      for (int row = 0; row < lk; row++) {
        assertThat(cjw[row].compareTo(scores.get(j, row))).as("(C_%d w)[%d]", j, row).isZero();
      }
    }
  }
}
