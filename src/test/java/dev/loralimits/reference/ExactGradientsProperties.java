package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.testing.Agreement;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Lemma 3.1 (E1), Lemma 3.2 (E2), Theorem F.1 (E3) and the central finite difference (FD) agree,
 * on random instances of every shape the model allows (issue: "E1 = E2 = E3 = finite difference,
 * to at least 30 significant digits at 50-digit precision").
 */
@Label("Lemma 3.1 = Lemma 3.2 = Theorem F.1 = finite difference")
class ExactGradientsProperties {
  /** Working precision of the comparison, in digits. */
  static final long PRECISION = 50;
  /**
   * Required agreement: 30 of the 50 digits. The forms differ only by rounding (each ~1e-50 times a
   * condition number below 1e5 for these sizes) and FD by its truncation ~1e-54 (FiniteDifference).
   */
  static final double REQUIRED_DIGITS = 30;
  /**
   * A matrix that vanishes, or nearly, is measured absolutely against 1e-20 M (M = largest number
   * in the result), so 30 digits still means an error below 1e-50 M: rounding noise of a gradient
   * that is zero in exact arithmetic is about 1e-50 M. (Key length 1 no longer gives such noise:
   * every form returns its Q and K gradients as exact zeros, AdapterGradients.keysAllEqual.)
   */
  static final double ZERO_FLOOR = 1e-20;

  @Provide
  Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(5, 3);
  }

  /**
   * E1, E2 and FD agree with E3 to REQUIRED_DIGITS. L = 1 is counted, not demanded: over 400 runs
   * of this generator it came in 21.6% of tries, so a demand to see it in 40 tries failed in about
   * {@code 0.784^40 = 6e-5} of runs; {@link #allFourFormsAgreeAtLengthOne} runs it on every build.
   * Cross-attention (73% of tries, missed with probability 1e-23) keeps its demand.
   */
  @Property(tries = 40)
  void allFourFormsAgree(@ForAll("specs") Instances.Spec spec, @ForAll long seed) {
    Statistics.label("L").collect(spec.lq() == 1 ? "L = 1" : "L > 1");
    Statistics.label("attention").collect(spec.cross() ? "cross" : "self");
    Statistics.label("K adapted").collect(spec.adapters().contains(Adapter.K));
    Statistics.label("attention").coverage(c -> c.check("cross").count(n -> n > 0));
    assertFourFormsAgree(spec, seed);
  }

  /** Lq = 1: self-attention (L = 1) and cross-attention with Lk = 1 and Lk = 3, every adapter. */
  @Example
  void allFourFormsAgreeAtLengthOne() {
    for (int lk : new int[] {1, 3}) {
      for (boolean cross : new boolean[] {false, true}) {
        if (!cross && lk != 1) {
          continue;
        }
        Instances.Spec spec = new Instances.Spec(
            1, lk, 3, 2, 2, cross, Instances.all(), new BigDecimal("4"), new BigDecimal("1.5"), 1.0);
        assertFourFormsAgree(spec, 5);
      }
    }
  }

  private static void assertFourFormsAgree(Instances.Spec spec, long seed) {
    ApInstance inst = ApInstance.of(Instances.random(spec, seed));
    ApGradients e3 = ReferenceGradient.computeAt(inst, Form.THEOREM_F_1, PRECISION);
    ApGradients e1 = ReferenceGradient.computeAt(inst, Form.LEMMA_3_1, PRECISION);
    ApGradients e2 = ReferenceGradient.computeAt(inst, Form.LEMMA_3_2, PRECISION);
    ApGradients fd = ReferenceGradient.computeAt(inst, Form.FINITE_DIFFERENCE, PRECISION);
    assertThat(Agreement.digits(e1, e3, ZERO_FLOOR)).as("E1 vs E3").isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    assertThat(Agreement.digits(e2, e3, ZERO_FLOOR)).as("E2 vs E3").isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    assertThat(Agreement.digits(fd, e3, ZERO_FLOOR)).as("FD vs E3").isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    assertThat(e3.gradA().keySet()).isEqualTo(spec.adapters());
  }
}
