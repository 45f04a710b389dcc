package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The binary engine ({@link BinaryTheoremF1}, {@link BinaryReference}) against the apfloat forms
 * E1, E2, E3 on rectangular instances ({@code dq, dk, dv, h, o} all free, one rank per adapter,
 * cross-attention with {@code Lq != Lk}), nearly one-hot rows, entries of {@code 10^-300} and
 * {@code 10^300}, and matrices that are zero by structure.
 */
@Label("binary engine: the precision contract against the apfloat forms")
class BinaryEngineProperties {
  /** Digits asked of the certified engine. */
  static final int DIGITS = 30;
  /**
   * Digits of the apfloat stand-ins (one unverified run): their rounding error, about
   * {@code kappa 10^{-(DIGITS + 150)}} with a condition number kappa far below 10^50 for these
   * sizes, is far below the contract's floor {@code 10^{1 - 2 DIGITS} M}. Extreme instances
   * (entries 10^+-300) and one-hot rows take more ({@link #EXTREME_STAND_IN_DIGITS}): at beta = 1000
   * an off-pivot weight is about e^-430, so a Q or K gradient near 10^-188 is what is left of
   * O(1) terms cancelling in E2 (kappa near 10^188; kind ONE_HOT, seed 3 found this, pinned in
   * {@code BinaryEngineExamples.aOneHotGradientNearTenToTheMinus188IsCertified}).
   */
  static final int STAND_IN_DIGITS = DIGITS + 150;
  /** Stand-in digits for entries of 10^+-300: 300 more, for cancellations through Y = 10^300. */
  static final int EXTREME_STAND_IN_DIGITS = DIGITS + 450;

  /** Which kind of instance. */
  enum Kind {
    /** Entries below 1, beta in {0.25, 1, 3}. */
    ORDINARY,
    /** beta in {50, 200, 1000}: most softmax rows nearly one-hot. */
    ONE_HOT,
    /** Y scaled by 10^300 (a loss near 10^600). */
    HUGE_TARGET,
    /** X^V and Y scaled by 10^-300. */
    TINY_VALUES,
    /** W_V scaled by 10^300 and A_V by 10^-300. */
    MIXED_WEIGHTS
  }

  @Provide
  Arbitrary<Kind> kinds() {
    return Arbitraries.of(Kind.class);
  }

  /** A random instance with every width, rank and length drawn separately. */
  static LoraInstance rectangular(Random rnd, Kind kind) {
    int dq = 1 + rnd.nextInt(3);
    int dk = 1 + rnd.nextInt(3);
    int dv = 1 + rnd.nextInt(3);
    int h = 1 + rnd.nextInt(3);
    int o = 1 + rnd.nextInt(3);
    boolean[] adapted = {rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean()};
    if (!adapted[0] && !adapted[1] && !adapted[2]) {
      adapted[rnd.nextInt(3)] = true;
    }
    int[][] shapes = {{dq, h}, {dk, h}, {dv, o}};
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      int[] s = shapes[mu.ordinal()];
      DecimalMatrix frozen = matrix(rnd, s[0], s[1], 0);
      if (kind == Kind.MIXED_WEIGHTS && mu == Adapter.V) {
        frozen = matrix(rnd, s[0], s[1], 300);
      }
      if (adapted[mu.ordinal()]) {
        int r = 1 + rnd.nextInt(3);
        int aScale = kind == Kind.MIXED_WEIGHTS && mu == Adapter.V ? -300 : 0;
        w.put(mu, Projection.adapted(frozen, matrix(rnd, r, s[1], aScale), matrix(rnd, s[0], r, 0)));
      } else {
        w.put(mu, Projection.frozen(frozen));
      }
    }
    List<DataPoint> pts = new ArrayList<>();
    int points = 1 + rnd.nextInt(2);
    for (int i = 0; i < points; i++) {
      int lq = 1 + rnd.nextInt(4);
      int lk = 1 + rnd.nextInt(4);
      int vScale = kind == Kind.TINY_VALUES ? -300 : 0;
      int yScale = kind == Kind.HUGE_TARGET ? 300 : kind == Kind.TINY_VALUES ? -300 : 0;
      pts.add(
          DataPoint.cross(
              matrix(rnd, lq, dq, 0), matrix(rnd, lk, dk, 0), matrix(rnd, lk, dv, vScale), matrix(rnd, lq, o, yScale)));
    }
    String[] betas = kind == Kind.ONE_HOT ? new String[] {"50", "200", "1000"} : new String[] {"0.25", "1", "3"};
    return new LoraInstance(
        new BigDecimal(rnd.nextBoolean() ? "2" : "-0.5"), new BigDecimal(betas[rnd.nextInt(3)]), w, pts);
  }

  /** Entries k/1000 10^exp10 with k uniform in [-1000, 1000]. */
  static DecimalMatrix matrix(Random rnd, int rows, int cols, int exp10) {
    BigDecimal[][] b = new BigDecimal[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        b[i][j] = BigDecimal.valueOf(rnd.nextInt(2001) - 1000, 3 - exp10);
      }
    }
    return DecimalMatrix.of("random", b);
  }

  /**
   * The certified engine answers (no fallback) and meets the contract against E2 at high
   * precision; the engine's single runs at high precision meet it against E1 and E3 too. The
   * kinds are counted, not demanded: over 400 runs of this generator the rarest kinds came in
   * about 16% of tries, so a demand that all five appear in 60 tries failed in about
   * {@code 3 * 0.84^60 = 1e-4} of runs; {@link #everyKindMeetsTheContract} runs each on every build.
   */
  @Property(tries = 60)
  void certifiedEngineMeetsTheContract(@ForAll("kinds") Kind kind, @ForAll long seed) {
    Statistics.label("kind").collect(kind);
    meetsTheContract(kind, seed);
  }

  /** Each kind once (seed 11, not one of the examples' pinned seeds). */
  @Example
  void everyKindMeetsTheContract() {
    for (Kind kind : Kind.values()) {
      meetsTheContract(kind, 11);
    }
  }

  /**
   * The body of {@link #certifiedEngineMeetsTheContract}: the instance {@code rectangular(new
   * Random(seed), kind)} certified at {@link #DIGITS} against a converged E2 stand-in ({@link
   * StandIn}), and the raw engine at the stand-in's start precision against E3 and E1.
   */
  static void meetsTheContract(Kind kind, long seed) {
    LoraInstance inst = rectangular(new Random(seed), kind);
    int standIn = kind == Kind.ORDINARY ? STAND_IN_DIGITS : EXTREME_STAND_IN_DIGITS;
    ApInstance ap = ApInstance.of(inst);
    StandIn.Run e2 = StandIn.converged(ap, Form.LEMMA_3_2, standIn, DIGITS);
    GradientResult got = BinaryReference.certify(inst, DIGITS, Progress.NONE, 2);
    assertThat(got).as("the engine certified without falling back").isNotNull();
    Contract.check(got, e2.gradients(), DIGITS);
    // the raw engine against the other two forms, at the precision where E3 settled to DIGITS + 40
    StandIn.Run e3 = StandIn.converged(ap, Form.THEOREM_F_1, standIn, DIGITS + 40);
    GradientResult raw =
        ReferenceGradient.round(
            BinaryTheoremF1.compute(inst, BinaryArithmetic.forDigits(e3.precision()), 2),
            DIGITS + 40,
            Form.THEOREM_F_1);
    Contract.check(raw, e3.gradients(), DIGITS + 40);
    if (inst.data().stream().allMatch(p -> p.queryLength() * p.keyLength() <= 9)) {
      Contract.check(raw, StandIn.converged(ap, Form.LEMMA_3_1, standIn, DIGITS + 40).gradients(), DIGITS + 40);
    }
  }

  /** Structure that makes a matrix exactly zero. */
  enum Zero {
    /** B = 0 in every adapter: dLoss/dA = 0. */
    B_ZERO,
    /** A = 0 in every adapter: dLoss/dB = 0. */
    A_ZERO,
    /** Every point's key rows equal: the Q and K gradients vanish. */
    EQUAL_KEYS,
    /** Key length 1. */
    KEY_LENGTH_ONE
  }

  /**
   * The engine itself (no fallback) writes exact zeros for these structural zeros (FORMATS §3.1).
   * The structures are counted, not demanded: over 400 runs of this generator A_ZERO and
   * EQUAL_KEYS came in about 20% of tries each, so a demand that all four appear in 40 tries
   * failed in about {@code 3e-4} of runs; {@link #everyStructuralZeroIsExact} runs each on every
   * build.
   */
  @Property(tries = 40)
  void structuralZerosAreExact(@ForAll Zero zero, @ForAll long seed) {
    Statistics.label("zero").collect(zero);
    assertStructuralZeroIsExact(zero, seed);
  }

  /** Each structure on two seeds. */
  @Example
  void everyStructuralZeroIsExact() {
    for (Zero zero : Zero.values()) {
      for (long seed = 1; seed <= 2; seed++) {
        assertStructuralZeroIsExact(zero, seed);
      }
    }
  }

  private static void assertStructuralZeroIsExact(Zero zero, long seed) {
    Random rnd = new Random(seed);
    LoraInstance inst = withZero(rectangular(rnd, Kind.ORDINARY), zero);
    GradientResult got = BinaryReference.certify(inst, 20, Progress.NONE, 2);
    assertThat(got).as("certified without fallback").isNotNull();
    for (Map.Entry<Adapter, AdapterGradient> e : got.gradients().entrySet()) {
      boolean qk = e.getKey() != Adapter.V;
      boolean keys = zero == Zero.EQUAL_KEYS || zero == Zero.KEY_LENGTH_ONE;
      if (zero == Zero.B_ZERO || (keys && qk)) {
        assertThat(e.getValue().a().maxAbs().signum()).as("dLoss/dA_%s", e.getKey()).isZero();
      }
      if (zero == Zero.A_ZERO || (keys && qk)) {
        assertThat(e.getValue().b().maxAbs().signum()).as("dLoss/dB_%s", e.getKey()).isZero();
      }
    }
    Contract.check(got, ReferenceGradient.computeAt(ApInstance.of(inst), Form.LEMMA_3_2, STAND_IN_DIGITS), 20);
  }

  static LoraInstance withZero(LoraInstance inst, Zero zero) {
    Map<Adapter, Projection> w = new EnumMap<>(inst.weights());
    List<DataPoint> pts = new ArrayList<>();
    for (Adapter mu : Adapter.values()) {
      Projection p = w.get(mu);
      if (p.isAdapted() && zero == Zero.B_ZERO) {
        w.put(mu, Projection.adapted(p.frozen(), p.a(), DecimalMatrix.zeros(p.b().rows(), p.b().cols())));
      }
      if (p.isAdapted() && zero == Zero.A_ZERO) {
        w.put(mu, Projection.adapted(p.frozen(), DecimalMatrix.zeros(p.a().rows(), p.a().cols()), p.b()));
      }
    }
    for (DataPoint p : inst.data()) {
      if (zero == Zero.EQUAL_KEYS || zero == Zero.KEY_LENGTH_ONE) {
        int lk = zero == Zero.KEY_LENGTH_ONE ? 1 : Math.max(2, p.keyLength());
        BigDecimal[][] k = new BigDecimal[lk][];
        BigDecimal[][] v = new BigDecimal[lk][];
        for (int l = 0; l < lk; l++) {
          k[l] = row(p.xk(), 0);
          v[l] = row(p.xv(), l % p.xv().rows());
        }
        pts.add(DataPoint.cross(p.xq(), DecimalMatrix.of("XK", k), DecimalMatrix.of("XV", v), p.y()));
      } else {
        pts.add(p);
      }
    }
    return new LoraInstance(inst.alpha(), inst.beta(), w, pts);
  }

  private static BigDecimal[] row(DecimalMatrix m, int i) {
    BigDecimal[] r = new BigDecimal[m.cols()];
    for (int j = 0; j < r.length; j++) {
      r[j] = m.get(i, j);
    }
    return r;
  }
}
