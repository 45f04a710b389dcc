package dev.loralimits.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.check.FloatFormat;
import dev.loralimits.check.GradientCheck;
import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.io.GradientExtras;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The public API (issue 11): each {@link Methods} value gives what the entry point behind it
 * gives, auto chooses as documented, the fast certificate comes with the answer and holds against
 * the reference, and {@link Check} passes a correct candidate and fails a perturbed one.
 */
class MethodsExamples {
  /** A small cross-attention instance (Lq = 3, Lk = 4, d = 2, two points, every adapter). */
  static final LoraInstance SMALL =
      Instances.random(new Instances.Spec(3, 4, 2, 1, 2, true, Instances.all(), new BigDecimal("2"), BigDecimal.ONE, 1.0), 11);

  /** A self-attention point of length 512 with entries of 0.02: tiny scores, where fast certifies 1e-6 cheaply. */
  static final LoraInstance SMALL_NORMS =
      Instances.random(new Instances.Spec(512, 512, 2, 1, 1, false, Instances.all(), BigDecimal.ONE, BigDecimal.ONE, 0.02), 5);

  /** Scores of size about 30 (entries of 4): far outside the efficient regime. */
  static final LoraInstance LARGE_NORMS =
      Instances.random(new Instances.Spec(64, 64, 2, 1, 1, false, Instances.all(), BigDecimal.ONE, BigDecimal.ONE, 4.0), 5);

  @Test
  void referenceIsReferenceGradient() {
    Answer a = Methods.reference(30).compute(SMALL);
    assertThat(a.result()).isEqualTo(ReferenceGradient.compute(SMALL, 30));
    assertThat(Methods.reference(30).name()).isEqualTo("reference");
    assertThat(a.certificate()).isEmpty();
    assertThat(a.choice()).isEmpty();
    assertThat(a.extras()).isEqualTo(GradientExtras.NONE);
  }

  @Test
  void exactIsExactDoubleWhateverTheThreads() {
    GradientResult one = Methods.exact(1).compute(SMALL_NORMS).result();
    assertThat(one).isEqualTo(Conversions.toResult("exact", ExactDouble.gradient(SMALL_NORMS, 1)));
    assertThat(Methods.exact(3).compute(SMALL_NORMS).result()).isEqualTo(one);
    assertThat(one.method()).isEqualTo("exact");
    assertThat(one.digits()).isEqualTo(Conversions.DOUBLE_DIGITS);
  }

  /** The certificate rides with the answer and bounds the error against the reference, matrix by matrix. */
  @Test
  void fastAnswersWithACertificateThatHolds() {
    Answer fast = Methods.fast(1e-6, 2).compute(SMALL_NORMS);
    assertThat(fast.result().method()).isEqualTo("fast");
    GradientExtras.Certificate c = fast.certificate().orElseThrow();
    assertThat(c.epsilon()).isEqualTo(1e-6);
    assertThat(fast.choice()).isEmpty();
    GradientResult ref = ReferenceGradient.compute(SMALL_NORMS, 25);
    for (Adapter mu : Adapter.values()) {
      GradientExtras.FactorBounds b = c.bound().get(mu);
      assertThat(b.a()).isLessThanOrEqualTo(1e-6);
      assertThat(b.b()).isLessThanOrEqualTo(1e-6);
      assertThat(maxDifference(fast.result().gradients().get(mu).a(), ref.gradients().get(mu).a()))
          .as("dLoss/dA_%s error <= its bound", mu)
          .isLessThanOrEqualTo(BigDecimal.valueOf(b.a()));
      assertThat(maxDifference(fast.result().gradients().get(mu).b(), ref.gradients().get(mu).b()))
          .as("dLoss/dB_%s error <= its bound", mu)
          .isLessThanOrEqualTo(BigDecimal.valueOf(b.b()));
    }
    Answer auto = Methods.auto(1e-6, 2).compute(SMALL_NORMS);
    assertThat(auto.choice()).contains("fast");
    assertThat(auto.result()).isEqualTo(fast.result());
    assertThat(auto.certificate()).contains(c);
  }

  @Test
  void autoFallsBackToExactWhereFastRefuses() {
    assertThatThrownBy(() -> Methods.fast(1e-6, 2).compute(LARGE_NORMS)).isInstanceOf(OutsideEfficientRegimeException.class);
    Answer auto = Methods.auto(1e-6, 2).compute(LARGE_NORMS);
    assertThat(auto.choice().orElseThrow()).startsWith("exact (fast refused: ").doesNotContain("\n");
    assertThat(auto.certificate()).isEmpty();
    assertThat(auto.result()).isEqualTo(Methods.exact(2).compute(LARGE_NORMS).result());
    assertThat(Methods.auto(1e-6).name()).isEqualTo("auto");
  }

  /** The names a gradient file's "method" field gets (mutation testing found fast's and exact's unasserted). */
  @Test
  void eachMethodHasItsName() {
    assertThat(Methods.reference(3).name()).isEqualTo("reference");
    assertThat(Methods.exact().name()).isEqualTo("exact");
    assertThat(Methods.fast(1e-6).name()).isEqualTo("fast");
    assertThat(Methods.auto(1e-6).name()).isEqualTo("auto");
  }

  @Test
  void argumentsAreCheckedByName() {
    assertThatThrownBy(() -> Methods.reference(0)).hasMessage("digits (0) must be in [1, 2000]");
    assertThatThrownBy(() -> Methods.reference(2001)).hasMessage("digits (2001) must be in [1, 2000]");
    assertThatThrownBy(() -> Methods.exact(0)).hasMessage("threads (0) must be > 0");
    assertThatThrownBy(() -> Methods.fast(Double.NaN)).hasMessage("epsilon (NaN) must be > 0");
    assertThatThrownBy(() -> Methods.fast(Double.POSITIVE_INFINITY)).hasMessage("epsilon (Infinity) must be finite");
    assertThatThrownBy(() -> Methods.auto(-1e-6)).hasMessage("epsilon (-1.0E-6) must be > 0");
    assertThatThrownBy(() -> Methods.fast(1e-6, -2)).hasMessage("threads (-2) must be > 0");
    for (GradientMethod m : new GradientMethod[] {Methods.reference(5), Methods.exact(), Methods.fast(1e-6), Methods.auto(1e-6)}) {
      assertThatThrownBy(() -> m.compute(null)).as(m.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instance");
    }
  }

  @Test
  void aNonFiniteDoubleIsNamedByItsEntry() {
    Map<Adapter, double[][]> a = new EnumMap<>(Adapter.class);
    Map<Adapter, double[][]> b = new EnumMap<>(Adapter.class);
    a.put(Adapter.Q, new double[][] {{1, Double.NaN}});
    b.put(Adapter.Q, new double[][] {{1}, {2}});
    DoubleGradients g = new DoubleGradients(0.5, a, b);
    assertThatThrownBy(() -> Conversions.toResult("exact", g))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageStartingWith("dLoss/dA_Q[0][1] is not finite (NaN)");
    // a finite one converts exactly, digits 17
    GradientResult r = Conversions.toResult("mine", new DoubleGradients(0.1, Map.of(), Map.of()));
    assertThat(r.loss()).isEqualByComparingTo(new BigDecimal(0.1));
    assertThat(r.method()).isEqualTo("mine");
  }

  /** Exact's float64 answer passes the float64 check; the same answer with one entry off by 1e-6 relative fails it. */
  @Test
  void checkPassesACorrectCandidateAndFailsAPerturbedOne() {
    GradientResult mine = Methods.exact(1).compute(SMALL).result();
    GradientCheck.Report ok = Check.run(SMALL, mine, Check.precision(SMALL, FloatFormat.FLOAT64));
    assertThat(ok.pass()).isTrue();
    assertThat(ok.matrices()).hasSize(1 + 2 * 3);
    assertThat(ok.referenceDigits()).isGreaterThanOrEqualTo(17);
    Map<Adapter, AdapterGradient> g = new EnumMap<>(mine.gradients());
    DecimalMatrix a = g.get(Adapter.K).a();
    BigDecimal[][] e = new BigDecimal[a.rows()][a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        e[i][j] = a.get(i, j);
      }
    }
    e[0][0] = e[0][0].add(a.maxAbs().scaleByPowerOfTen(-6));
    g.put(Adapter.K, new AdapterGradient(DecimalMatrix.of("dLoss/dA_K", e), g.get(Adapter.K).b()));
    GradientResult off = new GradientResult("mine", 17, mine.loss(), g);
    GradientCheck.Report bad = Check.run(SMALL, off, Check.precision(SMALL, FloatFormat.FLOAT64));
    assertThat(bad.pass()).isFalse();
    assertThat(bad.matrices().stream().filter(m -> !m.pass()).map(GradientCheck.MatrixReport::name))
        .containsExactly("dLoss/dA_K");
    assertThatThrownBy(() -> Check.fixed(new BigDecimal("-1e-9"), BigDecimal.ZERO)).hasMessage("rtol (-1E-9) must be >= 0");
    // the fixed rule: exact's float64 answer is good to ~1e-15 here, the perturbed one is not
    assertThat(Check.run(SMALL, mine, Check.fixed(new BigDecimal("1e-9"), BigDecimal.ZERO)).pass()).isTrue();
    assertThat(Check.run(SMALL, off, Check.fixed(new BigDecimal("1e-9"), BigDecimal.ZERO)).pass()).isFalse();
  }

  /**
   * The memory cap's formula, recomputed: {@code 8 (2 CHUNKS + 1) (1 + 2o + 2h + 2 o h)} bytes per
   * unit of rank within 1 GiB; and fast answers the demo instance (L = 4) where auto's cost rule
   * (budget 1) sends it to exact.
   */
  @Test
  void fastHasAMemoryCapAndAutoTheCostRule() throws Exception {
    // aggregates 8 (2 CHUNKS + 1)(1 + 2o + 2h + 2oh) and tiles 8 CHUNKS (2 TILE + 2 (1 + o + h + oh)) bytes per rank
    assertThat(dev.loralimits.fast.AlmostLinear.memoryRankCap(4, 4)).isEqualTo((1L << 30) / (8L * 17 * 49 + 8L * 8 * (64 + 50)));
    assertThat(dev.loralimits.fast.AlmostLinear.memoryRankCap(2, 3)).isEqualTo((1L << 30) / (8L * 17 * (1 + 6 + 4 + 12) + 8L * 8 * (64 + 24)));
    assertThat(dev.loralimits.fast.AlmostLinear.memoryRankCap(4096, 4096)).isEqualTo(1);
    LoraInstance demo = dev.loralimits.cli.DemoAccess.builtIn();
    Answer fast = Methods.fast(1e-6, 1).compute(demo);
    assertThat(fast.certificate()).isPresent();
    Answer auto = Methods.auto(1e-6, 1).compute(demo);
    assertThat(auto.choice().orElseThrow()).startsWith("exact (fast refused: ").contains("rank budget 1");
    assertThatThrownBy(() -> Methods.fast(1e-6, 1, 10).compute(demo))
        .isInstanceOf(OutsideEfficientRegimeException.class)
        .hasMessageContaining("rank budget 10, where the certified bound is ");
    assertThat(Methods.fast(1e-6, 1, fast.certificate().orElseThrow().rank()).compute(demo)).isEqualTo(fast);
    assertThatThrownBy(() -> Methods.fast(1e-6, 1, -1)).hasMessage("maxRank (-1) must be >= 0 (0: the memory cap)");
  }

  private static BigDecimal maxDifference(DecimalMatrix x, DecimalMatrix y) {
    BigDecimal m = BigDecimal.ZERO;
    for (int i = 0; i < x.rows(); i++) {
      for (int j = 0; j < x.cols(); j++) {
        m = m.max(x.get(i, j).subtract(y.get(i, j)).abs());
      }
    }
    return m;
  }
}
