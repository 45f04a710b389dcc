package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.LayerReference;
import dev.loralimits.testing.Instances;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/** {@link LayerExact} against {@link LayerReference} (proofs-notes/LAYER.md Section 4). */
@Label("LayerExact")
class LayerExactProperties {
  /**
   * Allowed {@code |exact - reference|} per entry, as a multiple of {@code 1 + M} (M the
   * reference matrix's largest magnitude). These layers have entries in [-1, 1], widths up to 9,
   * at most 4 keys and scores below 20 in magnitude: each double number is a sum of at most a few
   * hundred products of factors below 10^2, so its rounding error is below
   * {@code 300 * 2^-53 * 10^4 < 4 10^-10} in absolute terms, and usually far less (measured
   * maximum below 10^-13 over these generators). A wrong formula (a missing centring, a wrong head
   * block) errs by a fraction of M itself, so 1e-9 separates the two by several orders.
   */
  static final double TOLERANCE = 1e-9;

  @Provide
  Arbitrary<LayerInstances.Spec> layers() {
    return LayerInstances.specs();
  }

  @Property(tries = 60)
  void exactIsTheReferenceInDoubles(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstance layer = LayerInstances.random(s, seed);
    Statistics.label("masking").collect(layer.masking());
    Statistics.label("heads").collect(layer.heads());
    LayerResult ref = LayerReference.compute(layer, 20);
    LayerResult got = LayerExact.compute(layer);
    assertThat(got.method()).isEqualTo("exact");
    assertThat(got.gradients().keySet()).isEqualTo(ref.gradients().keySet());
    close("the loss", DecimalMatrix.of("l", new BigDecimal[][] {{got.loss()}}), DecimalMatrix.of("l", new BigDecimal[][] {{ref.loss()}}));
    for (LayerWeight mu : ref.gradients().keySet()) {
      close("dA_" + mu, got.gradients().get(mu).a(), ref.gradients().get(mu).a());
      close("dB_" + mu, got.gradients().get(mu).b(), ref.gradients().get(mu).b());
    }
  }

  private static void close(String what, DecimalMatrix got, DecimalMatrix ref) {
    assertThat(got.rows()).isEqualTo(ref.rows());
    assertThat(got.cols()).isEqualTo(ref.cols());
    double allowed = TOLERANCE * (1 + ref.maxAbs().doubleValue());
    for (int i = 0; i < ref.rows(); i++) {
      for (int j = 0; j < ref.cols(); j++) {
        assertThat(got.get(i, j).subtract(ref.get(i, j)).abs().doubleValue())
            .as("%s[%d][%d]: %s vs %s", what, i, j, got.get(i, j), ref.get(i, j)).isLessThanOrEqualTo(allowed);
      }
    }
  }

  /**
   * Top-left causal self-attention with one query per point: every row attends to key 0 alone,
   * its softmax is exactly 1 and the Q and K gradients are exactly 0 (LAYER.md 2.4: c_l = 0 at the
   * pivot), in both the reference and exact.
   */
  @Test
  void aRowWithOneAttendedKeyHasExactlyZeroQueryAndKeyGradients() {
    Random rnd = new Random(7);
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : new LayerWeight[] {LayerWeight.Q, LayerWeight.K, LayerWeight.V}) {
      w.put(mu, Projection.adapted(Instances.matrix(rnd, 2, 4, 1), Instances.matrix(rnd, 1, 4, 1), Instances.matrix(rnd, 2, 1, 1)));
    }
    LayerInstance layer = new LayerInstance(2, Masking.TOP_LEFT, LoraScaling.RSLORA, BigDecimal.valueOf(2), BigDecimal.ONE, w,
        List.of(DataPoint.self(Instances.matrix(rnd, 1, 2, 1), Instances.matrix(rnd, 1, 4, 1))));
    for (LayerResult r : new LayerResult[] {LayerReference.compute(layer, 20), LayerExact.compute(layer)}) {
      for (LayerWeight mu : new LayerWeight[] {LayerWeight.Q, LayerWeight.K}) {
        assertThat(r.gradients().get(mu).a().maxAbs().signum()).as(r.method() + " dA_" + mu).isZero();
        assertThat(r.gradients().get(mu).b().maxAbs().signum()).as(r.method() + " dB_" + mu).isZero();
      }
      assertThat(r.gradients().get(LayerWeight.V).a().maxAbs().signum()).isPositive();
    }
  }
}
