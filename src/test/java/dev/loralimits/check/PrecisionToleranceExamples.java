package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.check.ToleranceCases.Kind;
import dev.loralimits.check.ToleranceCases.Shape;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.ReferenceGradient;
import org.junit.jupiter.api.Test;

/** Examples of {@link PrecisionTolerance} whose values follow from CHECK-TOLERANCE.md by hand. */
class PrecisionToleranceExamples {
  static final Shape SHAPE = new Shape(4, 3, 3, 2, 4, new int[] {2, 1, 3}, true);

  @Test
  void anExactlyZeroGradientGetsOnlyTheUnderflowFloor() {
    // B_Q = 0: dA_Q = s B^T G_W has no term at all, so e = 0 and |value| = 0 (Section 3.10);
    // the tolerance is SAFETY times the floor n_ops eta, n_ops = sum over points of
    // 2 (Lq + Lk) + h + o + 8 (Section 5)
    LoraInstance inst = ToleranceCases.build(Kind.ZERO_MATRIX, SHAPE, 3);
    PrecisionTolerance.Result t = PrecisionTolerance.of(inst, FloatFormat.FLOAT32);
    long ops = (2L * (4 + 4) + 2 + 4 + 8) + (2L * (4 + 3) + 2 + 4 + 8);
    double floor = PrecisionTolerance.SAFETY * ops * FloatFormat.FLOAT32.smallestSubnormal();
    for (double[] row : t.a(Adapter.Q)) {
      for (double x : row) {
        assertThat(x).isEqualTo(floor);
      }
    }
    // A_V = 0: dB_V = s G_W A^T likewise
    for (double[] row : t.b(Adapter.V)) {
      for (double x : row) {
        assertThat(x).isEqualTo(floor);
      }
    }
    // and the others are far above it
    assertThat(t.a(Adapter.V)[0][0]).isGreaterThan(1e20 * floor);
  }

  @Test
  void coarserFormatsGetProportionallyLargerTolerances() {
    LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 5);
    PrecisionTolerance.Result t64 = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
    PrecisionTolerance.Result t32 = PrecisionTolerance.of(inst, FloatFormat.FLOAT32);
    // first order in u: the ratio is u32 / u64 = 2^29 up to the O(u) parts of the magnitudes
    double ratio = t32.loss() / t64.loss();
    assertThat(ratio / Math.scalb(1.0, 29)).isBetween(0.999, 1.001);
    for (Adapter mu : Adapter.values()) {
      double r = t32.a(mu)[0][0] / t64.a(mu)[0][0];
      assertThat(r / Math.scalb(1.0, 29)).as("A_" + mu).isBetween(0.99, 1.01);
    }
    assertThat(t64.firstOrderSize()).isLessThan(t32.firstOrderSize());
  }

  @Test
  void theFirstOrderSizeIsTheLongestPathTimesU() {
    LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 5);
    PrecisionTolerance.Result t = PrecisionTolerance.of(inst, FloatFormat.BFLOAT16);
    // Section 5. Projection paths + 5: Q 3 + 2 + 2 + 5 = 12, K 11, V 13 -> 13. Gradients: self
    // point (Lq = Lk = 4): 13 + (2 + 2) + (4 + 4) + 4 + 2 + 4 + (4 + 2) + 2 + (4 + 4 + 3) = 54;
    // adapters: max(3, 4) + 4 + 2 points = 10: 64. Loss: 13 + 4 + 8 + 4 + 2 = 31, then its
    // 4 x 4 + 4 x 4 = 32 terms + 1: 64. N = 64.
    assertThat(t.firstOrderSize()).isEqualTo(64 * FloatFormat.BFLOAT16.unitRoundoff());
    assertThat(t.firstOrderValid()).isFalse();
    assertThat(PrecisionTolerance.of(inst, FloatFormat.FLOAT64).firstOrderValid()).isTrue();
  }

  @Test
  void aSingleKeyMakesTheQAndKGradientsExactZerosWithinTheirTolerance() {
    // every key length 1 (the self point has L = 1, the cross point Lk = 1): softmax rows are [1]
    Shape one = new Shape(1, 1, 2, 2, 2, new int[] {1, 1, 1}, true);
    LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, one, 9);
    GradientResult ref = ReferenceGradient.compute(inst, 20);
    assertThat(ref.gradients().get(Adapter.Q).a().maxAbs().signum()).isZero();
    PrecisionTolerance.Result t = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
    EmulatedAttention.Output out = EmulatedAttention.run(inst, FloatFormat.FLOAT64, EmulatedAttention.Variant.textbook());
    PrecisionToleranceProperties.assertWithin("A_Q", out.a().get(Adapter.Q), ref.gradients().get(Adapter.Q).a(), t.a(Adapter.Q));
  }

  @Test
  void resultsAreCopies() {
    LoraInstance inst = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 5);
    PrecisionTolerance.Result t = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
    double before = t.a(Adapter.Q)[0][0];
    t.a(Adapter.Q)[0][0] = -1;
    t.a().get(Adapter.Q)[0][0] = -1;
    assertThat(t.a(Adapter.Q)[0][0]).isEqualTo(before);
  }

  @Test
  void inputsAndIntermediatesBeyondTheFormatAreRefusedByName() {
    LoraInstance base = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 2);
    DataPoint p0 = base.data().get(0);
    BigDecimal[][] y = new BigDecimal[p0.y().rows()][p0.y().cols()];
    for (BigDecimal[] row : y) {
      java.util.Arrays.fill(row, new BigDecimal("1e5"));
    }
    LoraInstance bigY = new LoraInstance(base.alpha(), base.beta(), base.weights(),
        List.of(DataPoint.self(p0.xq(), DecimalMatrix.of("Y", y)), base.data().get(1)));
    assertThatThrownBy(() -> PrecisionTolerance.of(bigY, FloatFormat.FLOAT16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("data[0].Y reaches 100000.0, beyond float16's largest finite number 65504.0: a float16"
            + " implementation overflows");
    assertThat(PrecisionTolerance.of(bigY, FloatFormat.BFLOAT16).loss()).isPositive();
    assertThatThrownBy(() -> PrecisionTolerance.of(null, FloatFormat.FLOAT64))
        .hasMessage("instance is missing");
  }

  @Test
  void everyInputBeyondTheFormatIsNamed() {
    LoraInstance base = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 2);
    BigDecimal big = new BigDecimal("1e5");
    Map<String, LoraInstance> cases = new LinkedHashMap<>();
    for (Adapter mu : Adapter.values()) {
      Projection p = base.projection(mu);
      cases.put("weights." + mu + ".W", withWeight(base, mu, Projection.adapted(filled(p.frozen(), big), p.a(), p.b())));
      cases.put("weights." + mu + ".A", withWeight(base, mu, Projection.adapted(p.frozen(), filled(p.a(), big), p.b())));
      cases.put("weights." + mu + ".B", withWeight(base, mu, Projection.adapted(p.frozen(), p.a(), filled(p.b(), big))));
    }
    DataPoint c = base.data().get(1);
    cases.put("data[1].XQ", withPoint(base, DataPoint.cross(filled(c.xq(), big), c.xk(), c.xv(), c.y())));
    cases.put("data[1].XK", withPoint(base, DataPoint.cross(c.xq(), filled(c.xk(), big), c.xv(), c.y())));
    cases.put("data[1].XV", withPoint(base, DataPoint.cross(c.xq(), c.xk(), filled(c.xv(), big), c.y())));
    cases.put("alpha", new LoraInstance(big, base.beta(), base.weights(), base.data()));
    cases.put("beta", new LoraInstance(base.alpha(), big, base.weights(), base.data()));
    for (Map.Entry<String, LoraInstance> e : cases.entrySet()) {
      assertThatThrownBy(() -> PrecisionTolerance.of(e.getValue(), FloatFormat.FLOAT16))
          .as(e.getKey())
          .hasMessageStartingWith(e.getKey() + " reaches 100000.0, beyond float16's largest finite number");
    }
  }

  @Test
  void withoutAdaptersOnlyTheLossHasATolerance() {
    LoraInstance base = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 4);
    Map<Adapter, Projection> frozen = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      frozen.put(mu, Projection.frozen(base.projection(mu).frozen()));
    }
    LoraInstance inst = new LoraInstance(base.alpha(), base.beta(), frozen, base.data());
    PrecisionTolerance.Result t = PrecisionTolerance.of(inst, FloatFormat.FLOAT64);
    assertThat(t.a()).isEmpty();
    assertThat(t.b()).isEmpty();
    GradientResult ref = ReferenceGradient.compute(inst, 20);
    double loss = ref.loss().doubleValue();
    assertThat(t.loss()).isGreaterThan(2 * FloatFormat.FLOAT64.unitRoundoff() * loss).isLessThan(1e-12 * loss);
  }

  static DecimalMatrix filled(DecimalMatrix m, BigDecimal x) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (BigDecimal[] row : b) {
      java.util.Arrays.fill(row, x);
    }
    return DecimalMatrix.of("filled", b);
  }

  static LoraInstance withWeight(LoraInstance base, Adapter mu, Projection p) {
    Map<Adapter, Projection> w = new EnumMap<>(base.weights());
    w.put(mu, p);
    return new LoraInstance(base.alpha(), base.beta(), w, base.data());
  }

  static LoraInstance withPoint(LoraInstance base, DataPoint second) {
    return new LoraInstance(base.alpha(), base.beta(), base.weights(), List.of(base.data().get(0), second));
  }

  @Test
  void intermediatesBeyondTheFormatAreNamedAndItsLargestNumberIsAllowed() {
    LoraInstance base = ToleranceCases.build(Kind.WELL_CONDITIONED, SHAPE, 2);
    DataPoint c = base.data().get(1);
    // X^Q, X^K entries 3000 with W of order 1: inputs fit float16, the projections (<= 5200) too, the
    // scores (~1e7 beta) do not
    LoraInstance scores = withPoint(base, DataPoint.cross(filled(c.xq(), new BigDecimal(3000)),
        filled(c.xk(), new BigDecimal(3000)), c.xv(), c.y()));
    assertThatThrownBy(() -> PrecisionTolerance.of(scores, FloatFormat.FLOAT16))
        .hasMessageStartingWith("data[1] scores beta (X^Q W_Q)(X^K W_K)^T reaches ");
    LoraInstance proj = withPoint(base, DataPoint.cross(filled(c.xq(), new BigDecimal(60000)), c.xk(), c.xv(), c.y()));
    assertThatThrownBy(() -> PrecisionTolerance.of(proj, FloatFormat.FLOAT16))
        .hasMessageStartingWith("data[1] X^Q W_Q reaches ");
    LoraInstance edge = withPoint(base, DataPoint.cross(c.xq(), c.xk(), c.xv(), filled(c.y(), new BigDecimal(1))));
    edge = new LoraInstance(base.alpha(), new BigDecimal(65504), zeroQ(edge), edge.data());
    assertThat(PrecisionTolerance.of(edge, FloatFormat.FLOAT16).loss()).isPositive();
  }

  /** W_Q = 0 so that the scores are 0 whatever beta: beta = 65504 is then the only large number. */
  static Map<Adapter, Projection> zeroQ(LoraInstance inst) {
    Map<Adapter, Projection> w = new EnumMap<>(inst.weights());
    Projection q = inst.projection(Adapter.Q);
    w.put(Adapter.Q, Projection.adapted(filled(q.frozen(), BigDecimal.ZERO), q.a(), filled(q.b(), BigDecimal.ZERO)));
    return w;
  }
}
