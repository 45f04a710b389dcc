package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * {@link LayerReference} against independent forms (proofs-notes/LAYER.md Section 3): the paper's
 * reference on one-head layers, per-head paper instances on multi-head layers without O, and
 * finite differences of the loss on every layer (masks, O, rsLoRA, batches).
 */
@Label("LayerReference")
class LayerReferenceProperties {
  /** Digits of the certified comparison with the paper's reference. */
  static final int DIGITS = 20;
  /**
   * Two answers certified to N digits are each within {@code u max(|x|, 10^{-N} M)} of the exact
   * x ({@code u = 10^{1-N}}), so within {@code 2 u max(|x|, 10^{-N} M)} of each other; |x| and M
   * exceed the written |b| and M_b by at most a factor {@code 1 + u}, which the 2.1 (instead of
   * 2) covers with room.
   */
  static final double CERTIFIED_PAIR_FACTOR = 2.1;
  /** Working precision of the unverified evaluations compared below. */
  static final int PRECISION = 100;
  /**
   * Absolute agreement of two 100-digit evaluations of the same exact quantity by different
   * algebra: entries and scores are below 10 in magnitude, so every rounded operation errs by
   * less than {@code 10^{-98}}, at most {@code 10^4} of them reach a number and the softmax
   * amplifies by at most {@code e^{20}}: below {@code 10^{-85}}; 10^-60 leaves 25 digits.
   */
  static final Apfloat AGREEMENT = new Apfloat("1e-60", PRECISION);
  /** The finite-difference step: an exact decimal, so the perturbed instance is exact. */
  static final BigDecimal STEP = new BigDecimal("1e-25");
  /**
   * |central difference - derivative| at step h = 1e-25 and 120 digits: truncation
   * {@code h^2 max|L'''| / 6 < 10^{-50} 10^4} (third derivatives of these small losses are below
   * 10^4) plus rounding {@code 10^{-118} |L| / h < 10^{-90}}: below {@code 10^{-45}}; 10^-40
   * leaves room.
   */
  static final Apfloat FD_TOLERANCE = new Apfloat("1e-40", PRECISION);

  @Provide
  Arbitrary<Instances.Spec> paperSpecs() {
    return InstanceArbitraries.specs(4, 3);
  }

  @Provide
  Arbitrary<LayerInstances.Spec> layers() {
    return LayerInstances.specs();
  }

  /** LAYER.md 3.1: one head, no mask, no O, alpha / r is the paper's model, number for number. */
  @Property(tries = 25)
  void theOneHeadUnmaskedLayerIsThePaperModel(@ForAll("paperSpecs") Instances.Spec spec, @ForAll long seed) {
    LoraInstance x = Instances.random(spec, seed);
    LayerResult layer = LayerReference.compute(LayerInstance.of(x), DIGITS);
    GradientResult paper = ReferenceGradient.compute(x, DIGITS);
    assertThat(layer.gradients().keySet()).hasSameSizeAs(paper.gradients().keySet());
    certifiedPair("the loss", col(layer.loss()), col(paper.loss()));
    for (Adapter mu : paper.gradients().keySet()) {
      LayerWeight lw = LayerWeight.valueOf(mu.name());
      certifiedPair("dA_" + mu, layer.gradients().get(lw).a(), paper.gradients().get(mu).a());
      certifiedPair("dB_" + mu, layer.gradients().get(lw).b(), paper.gradients().get(mu).b());
    }
  }

  /**
   * LAYER.md 3.2: without O the heads do not interact: the layer is the sum of H paper instances
   * (head t: columns of W_Q, W_K, A_Q, A_K in block t of width h, of W_V, A_V and Y in block t of
   * width v; every B shared), so the loss and dB are sums over heads and dA the heads' blocks side
   * by side.
   */
  @Property(tries = 25)
  void headsWithoutAnOutputProjectionArePaperInstances(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstances.Spec unmasked = new LayerInstances.Spec(s.heads(), s.h(), s.v(), s.dq(), s.dk(), s.dv(), null,
        Masking.NONE, LoraScaling.LORA, withoutO(s.ranks()), s.cross(), s.points(), s.maxL(), s.alpha(), s.beta());
    LayerInstance layer = LayerInstances.random(unmasked, seed);
    Statistics.label("heads").collect(layer.heads());
    LayerReference.ApLayer got = LayerReference.computeAt(layer, PRECISION);
    Apfloat loss = Apfloat.ZERO;
    Map<LayerWeight, Apfloat[][]> da = new EnumMap<>(LayerWeight.class);
    Map<LayerWeight, Apfloat[][]> db = new EnumMap<>(LayerWeight.class);
    for (int t = 0; t < layer.heads(); t++) {
      LoraInstance head = head(layer, t);
      ApGradients g = ReferenceGradient.computeAt(ApInstance.of(head), Form.THEOREM_F_1, PRECISION);
      loss = loss.add(g.loss());
      for (Adapter mu : g.gradA().keySet()) {
        LayerWeight lw = LayerWeight.valueOf(mu.name());
        int width = mu == Adapter.V ? layer.valueHeadWidth() : layer.headWidth();
        ApMatrix a = g.gradA().get(mu);
        Apfloat[][] ta = da.computeIfAbsent(lw, k -> new Apfloat[a.rows()][width * layer.heads()]);
        for (int i = 0; i < a.rows(); i++) {
          for (int j = 0; j < width; j++) {
            ta[i][t * width + j] = a.get(i, j);
          }
        }
        ApMatrix b = g.gradB().get(mu);
        Apfloat[][] tb = db.computeIfAbsent(lw, k -> zeros(b.rows(), b.cols()));
        for (int i = 0; i < b.rows(); i++) {
          for (int j = 0; j < b.cols(); j++) {
            tb[i][j] = tb[i][j].add(b.get(i, j));
          }
        }
      }
    }
    close("the loss", got.loss(), loss);
    assertThat(got.gradA().keySet()).isEqualTo(da.keySet());
    for (LayerWeight mu : da.keySet()) {
      close("dA_" + mu, got.gradA().get(mu), da.get(mu));
      close("dB_" + mu, got.gradB().get(mu), db.get(mu));
    }
  }

  /**
   * LAYER.md 3.3: every adapter gradient is the derivative of the loss, on every layer (masks,
   * O adapted or frozen, rsLoRA, cross-attention, batches): central differences with an exact
   * decimal step at 120 digits.
   */
  @Property(tries = 20)
  void gradientsAreDerivativesOfTheLoss(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstance layer = LayerInstances.random(s, seed);
    Statistics.label("masking").collect(layer.masking());
    Statistics.label("output projection").collect(layer.hasOutputProjection() ? (layer.adapted().contains(LayerWeight.O) ? "adapted" : "frozen") : "none");
    int p = PRECISION + 20;
    LayerReference.ApLayer got = LayerReference.computeAt(layer, p);
    Apfloat twoH = new Apfloat(STEP.multiply(BigDecimal.valueOf(2)).toString(), p);
    for (LayerWeight mu : layer.adapted()) {
      Projection pr = layer.projection(mu).orElseThrow();
      for (boolean isA : new boolean[] {true, false}) {
        DecimalMatrix m = isA ? pr.a() : pr.b();
        ApMatrix g = isA ? got.gradA().get(mu) : got.gradB().get(mu);
        for (int i = 0; i < m.rows(); i++) {
          for (int j = 0; j < m.cols(); j++) {
            Apfloat plus = LayerReference.computeAt(perturbed(layer, mu, isA, i, j, STEP), p).loss();
            Apfloat minus = LayerReference.computeAt(perturbed(layer, mu, isA, i, j, STEP.negate()), p).loss();
            Apfloat fd = plus.subtract(minus).divide(twoH);
            assertThat(ApfloatMath.abs(fd.subtract(g.get(i, j))).compareTo(FD_TOLERANCE))
                .as("d%s_%s[%d][%d]: fd %s vs %s", isA ? "A" : "B", mu, i, j, fd.precision(20), g.get(i, j).precision(20))
                .isLessThanOrEqualTo(0);
          }
        }
      }
    }
  }

  /**
   * The binary engine ({@link BinaryLayer}, tried first by {@link LayerReference#compute}) and the
   * apfloat path certify the same numbers: each within the contract, so within 2.1 u of each other.
   */
  @Property(tries = 25)
  void binaryAndApfloatEnginesCertifyTheSameNumbers(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstance layer = LayerInstances.random(s, seed);
    Statistics.label("masking").collect(layer.masking());
    LayerResult fast = LayerReference.compute(layer, DIGITS);
    LayerResult slow = LayerReference.computeApfloat(layer, DIGITS);
    certifiedPair("the loss", col(fast.loss()), col(slow.loss()));
    assertThat(fast.gradients().keySet()).isEqualTo(slow.gradients().keySet());
    for (LayerWeight mu : slow.gradients().keySet()) {
      certifiedPair("dA_" + mu, fast.gradients().get(mu).a(), slow.gradients().get(mu).a());
      certifiedPair("dB_" + mu, fast.gradients().get(mu).b(), slow.gradients().get(mu).b());
    }
  }

  /** One binary evaluation at 100 digits equals the apfloat one to 1e-60 (the same algebra, two engines). */
  @Property(tries = 25)
  void binaryEvaluationIsTheApfloatEvaluation(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstance layer = LayerInstances.random(s, seed);
    LayerReference.ApLayer b = BinaryLayer.computeAt(layer, PRECISION);
    LayerReference.ApLayer a = LayerReference.computeAt(layer, PRECISION);
    close("the loss", b.loss(), a.loss());
    for (LayerWeight mu : a.gradA().keySet()) {
      close("dA_" + mu, b.gradA().get(mu), toArray(a.gradA().get(mu)));
      close("dB_" + mu, b.gradB().get(mu), toArray(a.gradB().get(mu)));
    }
  }

  private static Apfloat[][] toArray(ApMatrix m) {
    Apfloat[][] x = new Apfloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        x[i][j] = m.get(i, j);
      }
    }
    return x;
  }

  // ---- helpers ----

  private static void certifiedPair(String what, DecimalMatrix a, DecimalMatrix b) {
    BigDecimal m = b.maxAbs().max(a.maxAbs());
    BigDecimal floor = m.scaleByPowerOfTen(-DIGITS);
    for (int i = 0; i < b.rows(); i++) {
      for (int j = 0; j < b.cols(); j++) {
        BigDecimal scale = a.get(i, j).abs().max(b.get(i, j).abs()).max(floor);
        BigDecimal allowed = scale.scaleByPowerOfTen(1 - DIGITS).multiply(BigDecimal.valueOf(CERTIFIED_PAIR_FACTOR));
        assertThat(a.get(i, j).subtract(b.get(i, j)).abs()).as("%s[%d][%d]", what, i, j).isLessThanOrEqualTo(allowed);
      }
    }
  }

  private static DecimalMatrix col(BigDecimal x) {
    return DecimalMatrix.of("x", new BigDecimal[][] {{x}});
  }

  private static void close(String what, Apfloat got, Apfloat want) {
    assertThat(ApfloatMath.abs(got.subtract(want)).compareTo(AGREEMENT)).as("%s: %s vs %s", what, got, want).isLessThanOrEqualTo(0);
  }

  private static void close(String what, ApMatrix got, Apfloat[][] want) {
    assertThat(got.rows()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      assertThat(got.cols()).isEqualTo(want[i].length);
      for (int j = 0; j < want[i].length; j++) {
        close(what + "[" + i + "][" + j + "]", got.get(i, j), want[i][j]);
      }
    }
  }

  private static Apfloat[][] zeros(int r, int c) {
    Apfloat[][] a = new Apfloat[r][c];
    for (Apfloat[] row : a) {
      java.util.Arrays.fill(row, Apfloat.ZERO);
    }
    return a;
  }

  private static Map<LayerWeight, Integer> withoutO(Map<LayerWeight, Integer> r) {
    Map<LayerWeight, Integer> m = new EnumMap<>(LayerWeight.class);
    m.putAll(r);
    m.remove(LayerWeight.O);
    if (m.isEmpty()) {
      m.put(LayerWeight.Q, 1);
    }
    return m;
  }

  /** Head t of a layer without O as a paper instance. */
  static LoraInstance head(LayerInstance layer, int t) {
    int h = layer.headWidth();
    int v = layer.valueHeadWidth();
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Projection p = layer.projection(LayerWeight.valueOf(mu.name())).orElseThrow();
      int width = mu == Adapter.V ? v : h;
      DecimalMatrix frozen = columns(p.frozen(), t * width, width);
      w.put(mu, p.isAdapted() ? Projection.adapted(frozen, columns(p.a(), t * width, width), p.b()) : Projection.frozen(frozen));
    }
    java.util.List<DataPoint> pts = new java.util.ArrayList<>();
    for (DataPoint pt : layer.data()) {
      DecimalMatrix y = columns(pt.y(), t * v, v);
      pts.add(pt.selfAttention() ? DataPoint.self(pt.xq(), y) : DataPoint.cross(pt.xq(), pt.xk(), pt.xv(), y));
    }
    return new LoraInstance(layer.alpha(), layer.beta(), w, pts);
  }

  static DecimalMatrix columns(DecimalMatrix m, int from, int width) {
    BigDecimal[][] b = new BigDecimal[m.rows()][width];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < width; j++) {
        b[i][j] = m.get(i, from + j);
      }
    }
    return DecimalMatrix.of("block", b);
  }

  /** The layer with entry (i, j) of A_mu (isA) or B_mu moved by delta. */
  static LayerInstance perturbed(LayerInstance layer, LayerWeight mu, boolean isA, int i, int j, BigDecimal delta) {
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    w.putAll(layer.weights());
    Projection p = w.get(mu);
    DecimalMatrix m = isA ? p.a() : p.b();
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int r = 0; r < m.rows(); r++) {
      for (int c = 0; c < m.cols(); c++) {
        b[r][c] = r == i && c == j ? m.get(r, c).add(delta) : m.get(r, c);
      }
    }
    DecimalMatrix moved = DecimalMatrix.of("moved", b);
    w.put(mu, isA ? Projection.adapted(p.frozen(), moved, p.b()) : Projection.adapted(p.frozen(), p.a(), moved));
    return new LayerInstance(layer.heads(), layer.masking(), layer.scaling(), layer.alpha(), layer.beta(), w, layer.data());
  }
}
