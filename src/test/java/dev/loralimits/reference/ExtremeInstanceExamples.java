package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The two stand-ins of {@link ExtremeInstanceProperties}, each on a fixed extreme instance, so
 * that both branches run on every build (the property's random tries reach the one-hot branch
 * only sometimes).
 */
class ExtremeInstanceExamples {
  private static ExtremeInstanceProperties.Extreme extreme(int ex, int ey, String alpha, String beta) {
    Instances.Spec spec = new Instances.Spec(
        3, 2, 2, 1, 1, true, EnumSet.of(Adapter.Q, Adapter.K, Adapter.V), BigDecimal.ONE, BigDecimal.ONE, 1.0);
    return new ExtremeInstanceProperties.Extreme(spec, 20261201L, ex, ey, new BigDecimal(alpha), new BigDecimal(beta));
  }

  /** Entries of 1e-300 and Y of 1e300: ordinary softmax rows, E2 stands in. */
  @Test
  void tinyInputsHugeTargetsAgainstE2() {
    var x = extreme(-300, 300, "4e-200", "2");
    assertThat(ExtremeInstanceProperties.maxScoreSpread(x.instance())).isLessThanOrEqualTo(ExtremeInstanceProperties.E2_SPREAD);
    assertThat(ExtremeInstanceProperties.answerWithinContract(x.instance())).isEqualTo(Form.LEMMA_3_2);
  }

  /** beta 1e4 on entries of order 1: nearly one-hot rows (spread > 500), E3 stands in. */
  @Test
  void oneHotRowsAgainstE3() {
    var x = extreme(0, -200, "1", "1e4");
    assertThat(ExtremeInstanceProperties.maxScoreSpread(x.instance())).isGreaterThan(ExtremeInstanceProperties.E2_SPREAD);
    assertThat(ExtremeInstanceProperties.answerWithinContract(x.instance())).isEqualTo(Form.THEOREM_F_1);
  }

  /**
   * beta 1e13 on entries of order 1: Q and K gradients far below 10^-999999999, returned wide
   * (spec/FORMATS.md 3.4) and within the contract against the 600-digit stand-in.
   */
  @Test
  void gradientsBeyondTheDecimalRangeAreWideAndWithinTheContract() {
    var x = extreme(0, 0, "1", "1e13");
    dev.loralimits.model.GradientResult g = ReferenceGradient.compute(x.instance(), ExtremeInstanceProperties.DIGITS);
    assertThat(g.gradients().get(Adapter.Q).a().isWide()).isTrue();
    assertThat(g.gradients().get(Adapter.Q).a().powerOfTen()).isLessThan(-RangeGuard.MAX_RESULT_EXPONENT);
    assertThat(g.gradients().get(Adapter.V).a().isWide()).isFalse();
    assertThat(ExtremeInstanceProperties.answerWithinContract(x.instance())).isEqualTo(Form.THEOREM_F_1);
  }
}
