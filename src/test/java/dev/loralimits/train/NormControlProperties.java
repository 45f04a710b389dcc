package dev.loralimits.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.fast.Dense;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link NormControl.MaxEntry}: after the control the norms are at most tau, the factor is the
 * largest that keeps them there, and an instance already inside is left as it is
 * (proofs-notes/TRAIN.md §3).
 */
class NormControlProperties {
  /**
   * An increase of c* by this relative amount must break the constraint: the binding entry then
   * grows by {@code 1e-6 c* |d| >= 1e-6 tau / 2} (the generator keeps {@code ||X W*||_inf <= tau / 2},
   * so {@code c* |d| >= tau / 2} on a binding entry), far above the few roundings (~1e-15 tau) of
   * computing the norm.
   */
  static final double OVERSHOOT = 1e-6;

  /** A task's student with its B replaced by random entries of size up to {@code scale}. */
  static DoubleInstance pushed(int length, int width, int rank, long seed, double scale) {
    Task t = Task.teacher(length, width, rank, 1, seed);
    Random rnd = new Random(seed);
    Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Weight s = t.student().weight(mu);
      double[][] b = new double[s.b().length][s.b()[0].length];
      for (double[] row : b) {
        for (int j = 0; j < row.length; j++) {
          row[j] = scale * (2 * rnd.nextDouble() - 1);
        }
      }
      w.put(mu, new Weight(s.frozen(), s.a(), b));
    }
    return Training.withWeights(t.student(), w);
  }

  @Property(tries = 300)
  void theControlledNormsAreAtMostTauAndTheFactorIsTheLargest(
      @ForAll @IntRange(min = 2, max = 40) int length, @ForAll @IntRange(min = 1, max = 4) int width,
      @ForAll @IntRange(min = 1, max = 3) int rank, @ForAll long seed,
      @ForAll @DoubleRange(min = 0.01, max = 30) double scale, @ForAll @DoubleRange(min = 2, max = 20) double tauOverFrozen) {
    Statistics.label("moved").coverage(c -> {
      c.check(true).percentage(p -> p > 20);
      c.check(false).percentage(p -> p > 5);
    });
    DoubleInstance inst = pushed(length, width, rank, seed, scale);
    double frozen = Math.max(frozenNorm(inst, Adapter.Q), frozenNorm(inst, Adapter.K));
    double tau = tauOverFrozen * frozen;
    NormControl.Applied ap = NormControl.maxEntry(tau).apply(inst);
    double gq = Training.gamma(ap.instance(), Adapter.Q);
    double gk = Training.gamma(ap.instance(), Adapter.K);
    assertThat(gq).isLessThanOrEqualTo(tau);
    assertThat(gk).isLessThanOrEqualTo(tau);
    boolean moved = false;
    for (Adapter mu : new Adapter[] {Adapter.Q, Adapter.K}) {
      double c = ap.factors().get(mu);
      assertThat(c).isBetween(0.0, 1.0);
      if (c < 1) {
        moved = true;
        // the factor is the largest: a little more breaks the constraint
        Weight w = inst.weight(mu);
        Map<Adapter, Weight> more = new EnumMap<>(inst.weights());
        more.put(mu, new Weight(w.frozen(), w.a(), Dense.scale(c * (1 + OVERSHOOT), w.b())));
        assertThat(Training.gamma(Training.withWeights(inst, more), mu)).as(mu + " at c* (1 + 1e-6)").isGreaterThan(tau);
      } else {
        // nothing moved: the projection is the input's, bit for bit
        assertThat(ap.instance().weight(mu).b()).isDeepEqualTo(inst.weight(mu).b());
        assertThat(Training.gamma(inst, mu)).isLessThanOrEqualTo(tau);
      }
    }
    // V is never touched
    assertThat(ap.instance().weight(Adapter.V).b()).isDeepEqualTo(inst.weight(Adapter.V).b());
    Statistics.label("moved").collect(moved);
  }

  @Example
  void frozenWeightsAboveTauAreRefused() {
    DoubleInstance inst = pushed(16, 2, 1, 3, 1);
    double frozen = frozenNorm(inst, Adapter.Q);
    assertThatThrownBy(() -> NormControl.maxEntry(frozen / 2).apply(inst))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("||X^Q W*_Q||_inf")
        .hasMessageContaining("already exceeds tau");
    assertThatThrownBy(() -> NormControl.maxEntry(0)).hasMessageContaining("tau");
  }

  @Example
  void noControlChangesNothing() {
    DoubleInstance inst = pushed(16, 2, 1, 3, 1);
    assertThat(NormControl.none().apply(inst).instance()).isSameAs(inst);
  }

  static double frozenNorm(DoubleInstance inst, Adapter mu) {
    double g = 0;
    for (DoubleInstance.Point p : inst.points()) {
      g = Math.max(g, Dense.maxAbs(Dense.multiply(Training.input(p, mu), inst.weight(mu).frozen())));
    }
    return g;
  }
}
