package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * H2 (proofs-notes/MODEL.md §5.3): OV -> attention detection. The loss is {@code >= 1/8} with an orthogonal pair
 * and {@code <= 1/(128 N)} without, on every instance (measured in doubles; the notes show the
 * double computation keeps both bounds), so {@code decide()} equals brute-force OV.
 */
@Label("H2: OV -> attention detection, gap 1/8 vs 1/(128 N)")
class OvToAttentionProperties {
  /**
   * Agreement of {@code o_a} with the closed form {@code Sigma_a / (1 + Sigma_a)}: both are
   * O(N + m) roundings of numbers in [0, 1] plus exp of scores up to {@code B m} (relative error
   * about {@code B m u}); 1e-12 is over 1000 times that for N <= 40, m <= 10.
   */
  static final double CLOSED_FORM_TOLERANCE = 1e-12;

  enum Kind { PLANTED, NO_PAIR_FORCED, RANDOM }

  /**
   * Random OV instances: sides of 1..40 vectors, dimension 0..10, density of ones 0.2..0.8; a
   * planted orthogonal pair, a forced "no pair" (a coordinate that is 1 in every vector), or
   * neither.
   */
  @Provide
  Arbitrary<OvInstance> instances() {
    return Combinators.combine(sides(), sides(),
            Arbitraries.integers().between(0, 10),
            Arbitraries.doubles().between(0.2, 0.8),
            Arbitraries.of(Kind.class),
            Arbitraries.longs())
        .as((n1, n2, m, density, kind, seed) -> random(n1, n2, m, density, kind, new Random(seed)));
  }

  /** Side sizes 1..40, with 1 often enough that N = 1 (both sides of size 1) occurs. */
  static Arbitrary<Integer> sides() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(1)), Tuple.of(3, Arbitraries.integers().between(1, 40)));
  }

  static OvInstance random(int n1, int n2, int m, double density, Kind kind, Random r) {
    int dim = kind == Kind.NO_PAIR_FORCED ? Math.max(m, 1) : m;
    int[][] u = new int[n1][dim];
    int[][] w = new int[n2][dim];
    for (int[][] side : new int[][][] {u, w}) {
      for (int[] x : side) {
        for (int c = 0; c < dim; c++) {
          x[c] = r.nextDouble() < density ? 1 : 0;
        }
        if (kind == Kind.NO_PAIR_FORCED) {
          x[dim - 1] = 1;
        }
      }
    }
    if (kind == Kind.PLANTED) {
      int a = r.nextInt(n1);
      int b = r.nextInt(n2);
      for (int c = 0; c < dim; c++) {
        if (u[a][c] == 1) {
          w[b][c] = 0;
        }
      }
    }
    return OvInstance.plain(u, w);
  }

  @Property(tries = 300)
  @Label("decide() = brute-force OV; loss >= 1/8 with a pair, <= 1/(128 N) without")
  void decisionAndGaps(@ForAll("instances") OvInstance ov) {
    demandBothAnswers(RANDOM_OV_SHARE);
    check(ov);
    Statistics.label("N").coverage(c -> c.check("N = 1").count(k -> k > 0));
  }

  /**
   * Least share (per cent) of {@link #decisionAndGaps}'s 300 tries with each answer. Over 500 runs
   * (150000 tries) of {@link #instances} the rarer answer, "no pair", came in 31.7% of tries
   * (99.9% lower confidence bound 31.3%). At 31.3% the binomial tail P(X < 45 of 300) is 2.5e-11;
   * the former 20% (X < 60) failed 2.3e-6 of runs. 15% still fails a generator that lost either answer.
   */
  static final double RANDOM_OV_SHARE = 15;

  /**
   * Least share (per cent) of {@link #decidesRandom3Sat}'s 120 tries with each answer. Over 500
   * runs (60000 tries) "no pair" (unsatisfiable) came in 32.7% of tries (99.9% lower confidence
   * bound 32.1%). At 32.1% the binomial tail P(X < 12 of 120) is 2.7e-9; the former 20% (X < 24),
   * shared with decisionAndGaps, failed 7e-4 of runs.
   */
  static final double RANDOM_3SAT_SHARE = 10;

  /** Registered up front, before anything can fail a try. */
  private static void demandBothAnswers(double percent) {
    Statistics.label("OV").coverage(c -> {
      c.check("orthogonal pair").percentage(p -> p >= percent);
      c.check("no pair").percentage(p -> p >= percent);
    });
  }

  /** The conclusion of H2 on one instance; returns whether a pair exists. */
  static boolean check(OvInstance ov) {
    AttentionDetection det = OvToAttention.forward(ov);
    boolean pair = ov.bruteForcePair().isPresent();
    double loss = det.loss();
    Statistics.label("OV").collect(pair ? "orthogonal pair" : "no pair");
    Statistics.label("N").collect(det.n() == 1 ? "N = 1" : "N > 1");
    if (pair) {
      assertThat(loss).as("loss with an orthogonal pair").isGreaterThanOrEqualTo(AttentionDetection.LOSS_WITH_PAIR);
    } else {
      assertThat(loss).as("loss without a pair (N = %d)", det.n()).isLessThanOrEqualTo(det.lossBoundWithoutPair());
    }
    assertThat(det.decide()).isEqualTo(pair);
    assertThat(OvToAttention.decode(det)).isEqualTo(pair);
    return pair;
  }

  @Property(tries = 100)
  @Label("o_a = Sigma_a / (1 + Sigma_a), o_0 = N/(N+1), full loss = loss + 1/2 (N/(N+1))^2")
  void outputsHaveTheClosedForm(@ForAll("instances") OvInstance ov) {
    AttentionDetection det = OvToAttention.forward(ov);
    int n = det.n();
    assertThat(det.b()).isEqualTo(2 * Math.log(n) + Math.log(8));
    assertThat(n * Math.exp(-det.b())).isCloseTo(1.0 / (8 * n), org.assertj.core.data.Percentage.withPercentage(1e-10));
    double[] o = det.outputs();
    assertThat(o).hasSize(n + 1);
    assertThat(o[0]).isCloseTo((double) n / (n + 1), org.assertj.core.data.Offset.offset(CLOSED_FORM_TOLERANCE));
    for (int a = 1; a <= n; a++) {
      double sigma = 0;
      for (int b = 1; b <= n; b++) {
        sigma += Math.exp(-det.b() * paddedInner(ov, a - 1, b - 1));
      }
      assertThat(o[a]).as("o_%d", a).isCloseTo(sigma / (1 + sigma), org.assertj.core.data.Offset.offset(CLOSED_FORM_TOLERANCE));
    }
    assertThat(det.fullLoss() - det.loss())
        .isCloseTo(det.rowZeroLoss(), org.assertj.core.data.Offset.offset(CLOSED_FORM_TOLERANCE));
    NormMap norms = OvToAttention.normMap(ov, det);
    double root = Math.sqrt(det.b());
    assertThat(norms.output("Q")).isIn(0.0, root);
    assertThat(norms.output("K")).isIn(0.0, root);
    assertThat(norms.output("V")).isEqualTo(1.0);
  }

  /** {@code <u_a, w_b>} with all-ones padding of the shorter side. */
  static int paddedInner(OvInstance ov, int a, int b) {
    int s = 0;
    for (int c = 0; c < ov.dimension(); c++) {
      int x = a < ov.u().length ? ov.u()[a][c] : 1;
      int y = b < ov.w().length ? ov.w()[b][c] : 1;
      s += x * y;
    }
    return s;
  }

  @Property(tries = 120)
  @Label("SAT -> OV -> attention: decide() = brute-force satisfiability (n <= 12)")
  void decidesRandom3Sat(
      @ForAll @IntRange(min = 1, max = 12) int n, @ForAll @IntRange(min = 0, max = 60) int m, @ForAll long seed) {
    Cnf f = Cnf.random3Cnf(n, m, new Random(seed));
    OvInstance ov = SatToOv.forward(f);
    Optional<boolean[]> model = f.bruteForceSatisfiable();
    demandBothAnswers(RANDOM_3SAT_SHARE);
    assertThat(check(ov)).isEqualTo(model.isPresent());
  }

  @Example
  @Label("N = 1: B = ln 8; {1} vs {1} gives 1/2 (1/9)^2 <= 1/128; {0} vs {1} gives 1/8")
  void nEqualsOne() {
    AttentionDetection none = OvToAttention.forward(OvInstance.plain(new int[][] {{1}}, new int[][] {{1}}));
    assertThat(none.b()).isEqualTo(Math.log(8));
    assertThat(none.loss()).isCloseTo(0.5 / 81, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(none.loss()).isLessThanOrEqualTo(1.0 / 128);
    assertThat(none.decide()).isFalse();
    AttentionDetection pair = OvToAttention.forward(OvInstance.plain(new int[][] {{0}}, new int[][] {{1}}));
    assertThat(pair.loss()).isEqualTo(0.125);
    assertThat(pair.decide()).isTrue();
  }

  @Example
  @Label("dimension 0 (no clauses) gets a zero column; every pair is orthogonal")
  void dimensionZero() {
    AttentionDetection det = OvToAttention.forward(OvInstance.plain(new int[][] {{}, {}}, new int[][] {{}}));
    assertThat(det.m()).isEqualTo(1);
    assertThat(det.n()).isEqualTo(2);
    assertThat(det.decide()).isTrue();
  }
}
