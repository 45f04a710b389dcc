package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LayerFast} on constructed layers: the paper's head, long causal layers, refusals. */
class LayerFastExamples {
  /**
   * Allowed {@code |fast - LayerExact|} beyond fast's bound, as a multiple of {@code 1 + M}:
   * LayerExact's own rounding, which LayerExactProperties measured below {@code 1e-13 (1 + M)} on
   * layers of up to 4 keys; at 256 keys each of its sums has at most 256 more terms of size
   * {@code <= M}, so {@code 256 * 2^-53 * 10 < 3e-13} more. 1e-11 covers both with a factor 30 and
   * is still four orders below the epsilon 1e-6 the examples ask of fast.
   */
  static final double EXACT_SLACK = 1e-11;

  /** A layer of one or more heads, every projection adapted (O when asked), entries of size scale. */
  static LayerInstance layer(long seed, int heads, int h, int v, int d, Masking mask, boolean withO, LoraScaling sc,
      int lq, int lk, double scale) {
    Random rnd = new Random(seed);
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    w.put(LayerWeight.Q, proj(rnd, d, heads * h, scale));
    w.put(LayerWeight.K, proj(rnd, d, heads * h, scale));
    w.put(LayerWeight.V, proj(rnd, d, heads * v, scale));
    if (withO) {
      w.put(LayerWeight.O, proj(rnd, heads * v, 3, scale));
    }
    int out = withO ? 3 : heads * v;
    List<DataPoint> pts = new ArrayList<>();
    pts.add(lq == lk
        ? DataPoint.self(Instances.matrix(rnd, lq, d, 1), Instances.matrix(rnd, lq, out, 1))
        : DataPoint.cross(Instances.matrix(rnd, lq, d, 1), Instances.matrix(rnd, lk, d, 1),
            Instances.matrix(rnd, lk, d, 1), Instances.matrix(rnd, lq, out, 1)));
    return new LayerInstance(heads, mask, sc, BigDecimal.ONE, new BigDecimal("0.5"), w, pts);
  }

  private static Projection proj(Random rnd, int rows, int cols, double scale) {
    return Projection.adapted(Instances.matrix(rnd, rows, cols, scale), Instances.matrix(rnd, 2, cols, scale),
        Instances.matrix(rnd, rows, 2, scale));
  }

  /**
   * H = 1, no mask, no O, alpha / r: the layer is the paper's instance (PROBLEMS 7.4), so fast on
   * the layer and {@link AlmostLinear} on {@code toPaperInstance} are each within their own bound
   * of the same exact gradient, hence within the sum of the two bounds of each other.
   */
  @Test
  void oneUnmaskedHeadAgreesWithAlmostLinearOnThePaperInstance() {
    LayerInstance layer = layer(3, 1, 2, 2, 3, Masking.NONE, false, LoraScaling.LORA, 40, 40, 0.4);
    LoraInstance paper = layer.toPaperInstance().orElseThrow();
    double eps = 1e-6;
    LayerFastResult mine = LayerFast.compute(layer, eps);
    // AlmostLinear's default budget is its cost rule (rank 13 at L = 40); the memory rule's is larger
    FastResult theirs = AlmostLinear.gradient(paper, new AlmostLinear.Options(eps, 1, AlmostLinear.memoryRankCap(2, 2)));
    assertThat(mine.maxGradientBound()).isLessThanOrEqualTo(eps);
    double lossTol = mine.lossBound() + theirs.lossBound();
    assertThat(Math.abs(mine.result().loss().doubleValue() - theirs.gradients().loss())).isLessThanOrEqualTo(lossTol);
    for (Adapter mu : Adapter.values()) {
      LayerWeight lw = LayerWeight.valueOf(mu.name());
      close("dA_" + mu, mine.result().gradients().get(lw).a(), theirs.gradients().gradA().get(mu),
          mine.boundA().get(lw) + theirs.boundA().get(mu));
      close("dB_" + mu, mine.result().gradients().get(lw).b(), theirs.gradients().gradB().get(mu),
          mine.boundB().get(lw) + theirs.boundB().get(mu));
    }
  }

  /**
   * Long causal layers (256 queries; top-left self-attention with O and rsLoRA, bottom-right
   * cross-attention with more keys than queries and no O, two and three heads): fast within its
   * bound plus {@link #EXACT_SLACK} of {@link LayerExact}, every bound {@code <= epsilon}.
   */
  @Test
  void longCausalLayersAreWithinTheirBoundOfExact() {
    double eps = 1e-6;
    LayerInstance[] layers = {
      layer(11, 2, 2, 2, 4, Masking.TOP_LEFT, true, LoraScaling.RSLORA, 256, 256, 0.25),
      layer(12, 3, 2, 1, 3, Masking.BOTTOM_RIGHT, false, LoraScaling.LORA, 200, 256, 0.25),
      layer(13, 2, 3, 2, 3, Masking.TOP_LEFT, true, LoraScaling.LORA, 100, 256, 0.25),
    };
    for (LayerInstance l : layers) {
      LayerFastResult r = LayerFast.compute(l, eps);
      LayerResult exact = LayerExact.compute(l);
      assertThat(r.maxGradientBound()).isLessThanOrEqualTo(eps);
      for (LayerWeight mu : exact.gradients().keySet()) {
        closeDecimal(mu + " A", r.result().gradients().get(mu).a(), exact.gradients().get(mu).a(), r.boundA().get(mu));
        closeDecimal(mu + " B", r.result().gradients().get(mu).b(), exact.gradients().get(mu).b(), r.boundB().get(mu));
      }
    }
  }

  /** Scores of size ~ 400 are beyond every polynomial certificate: a named refusal, not an answer. */
  @Test
  void largeScoresAreRefusedWithTheRadius() {
    LayerInstance l = layer(5, 2, 2, 2, 3, Masking.TOP_LEFT, true, LoraScaling.LORA, 8, 8, 20);
    assertThatThrownBy(() -> LayerFast.compute(l, 1e-6))
        .isInstanceOf(OutsideEfficientRegimeException.class)
        .hasMessageStartingWith("outside the efficient regime: score radius R = ");
  }

  /** A rank budget below the degree's rank is refused naming the budget. */
  @Test
  void aSmallRankBudgetIsRefusedByName() {
    LayerInstance l = layer(6, 2, 2, 2, 3, Masking.TOP_LEFT, false, LoraScaling.LORA, 30, 30, 0.5);
    assertThatThrownBy(() -> LayerFast.compute(l, new LayerFast.Options(1e-9, 3)))
        .isInstanceOf(OutsideEfficientRegimeException.class)
        .hasMessageContaining("(rank budget 3");
  }

  @Test
  void optionsNameTheirRule() {
    assertThatThrownBy(() -> new LayerFast.Options(0, 0)).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> new LayerFast.Options(1e-6, -1)).hasMessage("rankBudget (-1) must be >= 0");
  }

  private static void close(String what, DecimalMatrix got, double[][] want, double tol) {
    for (int i = 0; i < want.length; i++) {
      for (int j = 0; j < want[0].length; j++) {
        assertThat(Math.abs(got.get(i, j).doubleValue() - want[i][j])).as("%s[%d][%d]", what, i, j).isLessThanOrEqualTo(tol);
      }
    }
  }

  private static void closeDecimal(String what, DecimalMatrix got, DecimalMatrix want, double bound) {
    double allowed = bound + EXACT_SLACK * (1 + want.maxAbs().doubleValue());
    for (int i = 0; i < want.rows(); i++) {
      for (int j = 0; j < want.cols(); j++) {
        assertThat(got.get(i, j).subtract(want.get(i, j)).abs().doubleValue()).as("%s[%d][%d]", what, i, j)
            .isLessThanOrEqualTo(allowed);
      }
    }
  }
}
