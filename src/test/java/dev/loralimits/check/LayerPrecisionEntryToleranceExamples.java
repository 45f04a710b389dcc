package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.testing.Instances;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LayerPrecisionEntryTolerance}: the layer bounds as allowed errors, by name, and the refusals. */
class LayerPrecisionEntryToleranceExamples {
  /** Two heads, a bottom-right mask, rsLoRA, O adapted, K frozen, two cross-attention points. */
  static LayerInstance layer() {
    Map<LayerWeight, Integer> ranks = new EnumMap<>(LayerWeight.class);
    ranks.put(LayerWeight.Q, 2);
    ranks.put(LayerWeight.V, 1);
    ranks.put(LayerWeight.O, 2);
    return LayerInstances.random(new LayerInstances.Spec(2, 2, 3, 3, 2, 4, 5, Masking.BOTTOM_RIGHT, LoraScaling.RSLORA,
        ranks, true, 2, 4, new BigDecimal("2"), new BigDecimal("0.5")), 5);
  }

  @Test
  void allowedErrorsAreTheBoundsRoundedUpToSixDigitsForEveryAdaptedProjectionWithO() {
    LayerPrecisionTolerance.Result b = LayerPrecisionTolerance.of(layer(), FloatFormat.FLOAT64);
    assertThat(b.a().keySet()).containsExactly(LayerWeight.Q, LayerWeight.V, LayerWeight.O);
    LayerPrecisionEntryTolerance t = new LayerPrecisionEntryTolerance(b);
    MathContext up = new MathContext(6, RoundingMode.UP);
    assertThat(t.allowed("loss", ToleranceCases.zeros(1, 1)).get(0, 0)).isEqualByComparingTo(new BigDecimal(b.loss()).round(up));
    // dLoss/dA_O is r x o = 2 x 5, dLoss/dB_O is H v x r = 6 x 2
    DecimalMatrix ao = t.allowed("dLoss/dA_O", ToleranceCases.zeros(2, 5));
    DecimalMatrix bo = t.allowed("dLoss/dB_O", ToleranceCases.zeros(6, 2));
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 5; j++) {
        BigDecimal exact = new BigDecimal(b.a(LayerWeight.O)[i][j]);
        assertThat(exact.signum()).isPositive();
        assertThat(ao.get(i, j)).isEqualByComparingTo(exact.round(up));
        assertThat(bo.get(j + 1, i)).isEqualByComparingTo(new BigDecimal(b.b(LayerWeight.O)[j + 1][i]).round(up));
      }
    }
    assertThat(t.format()).isEqualTo(FloatFormat.FLOAT64);
    assertThat(t.firstOrderValid()).isTrue();
    assertThat(t.firstOrderSize()).isEqualTo(b.firstOrderSize()).isPositive();
  }

  @Test
  void frozenProjectionsUnknownNamesAndWrongShapesAreRefused() {
    LayerPrecisionEntryTolerance t = LayerPrecisionEntryTolerance.of(layer(), FloatFormat.FLOAT32);
    assertThatThrownBy(() -> t.allowed("dLoss/dA_K", ToleranceCases.zeros(1, 4)))
        .hasMessage("no precision tolerance for a matrix named dLoss/dA_K");
    assertThatThrownBy(() -> t.allowed("dLoss/dA_O", ToleranceCases.zeros(5, 2)))
        .hasMessage("dLoss/dA_O: the tolerance is 2x5, the reference 5x2");
    assertThatThrownBy(() -> new LayerPrecisionEntryTolerance(null)).hasMessage("bounds is missing");
  }

  @Test
  void theDescriptionNamesTheFormatTheLayerRuleAndTheFirstOrderRange() {
    assertThat(LayerPrecisionEntryTolerance.of(layer(), FloatFormat.FLOAT64).description())
        .isEqualTo("precision float64: per-entry bound on a correct float64 implementation's error, x2"
            + " (attention layer, proofs-notes/CHECK-TOLERANCE.md Section 7)");
    LayerPrecisionEntryTolerance bf = LayerPrecisionEntryTolerance.of(layer(), FloatFormat.BFLOAT16);
    assertThat(bf.firstOrderValid()).isFalse();
    assertThat(bf.description()).contains("; N u = 0.").endsWith(" > 0.1: outside the first-order model, the tolerance is an estimate");
    assertThat(LayerPrecisionEntryTolerance.of(layer(), FloatFormat.FLOAT64).startingDigits()).isEqualTo(20);
  }

  /** An input beyond float16's largest number: no float16 implementation can read it, and the message says where. */
  @Test
  void anInstanceOutsideTheFormatIsRefusedNamingTheNumber() {
    Random rnd = new Random(3);
    LayerInstance x = layer();
    DataPoint p = DataPoint.self(
        DecimalMatrix.of("X", new BigDecimal[][] {{new BigDecimal("1e5"), BigDecimal.ONE, BigDecimal.ONE}}),
        Instances.matrix(rnd, 1, 5, 1));
    LayerInstance big = new LayerInstance(x.heads(), Masking.TOP_LEFT, x.scaling(), x.alpha(), x.beta(),
        withSelfAttentionWidths(x), List.of(p));
    assertThatThrownBy(() -> LayerPrecisionTolerance.of(big, FloatFormat.FLOAT16))
        .hasMessage("data[0].X reaches 100000.0, beyond float16's largest finite number 65504.0: a float16"
            + " implementation overflows");
    assertThat(LayerPrecisionTolerance.of(big, FloatFormat.FLOAT32).loss()).isPositive();
  }

  /** The layer's weights with W_K and W_V replaced so that all three read a 3-wide X (self-attention). */
  private static Map<LayerWeight, dev.loralimits.model.Projection> withSelfAttentionWidths(LayerInstance x) {
    Random rnd = new Random(4);
    Map<LayerWeight, dev.loralimits.model.Projection> w = new EnumMap<>(x.weights());
    w.put(LayerWeight.K, dev.loralimits.model.Projection.frozen(Instances.matrix(rnd, 3, 4, 0.5)));
    w.put(LayerWeight.V, dev.loralimits.model.Projection.adapted(
        Instances.matrix(rnd, 3, 6, 0.5), Instances.matrix(rnd, 1, 6, 0.5), Instances.matrix(rnd, 3, 1, 0.5)));
    return w;
  }
}
