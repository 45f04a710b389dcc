package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cost rule and the memory cap of {@link AlmostLinear}, pinned by hand (PIT left the rule's
 * arithmetic unchecked: proofs-notes/MUTATION.md, "mutation-gradients").
 */
class AlmostLinearExamples {
  static FastBound.PointNorms norms(int lq, int lk, int h, int o) {
    return new FastBound.PointNorms(lq, lk, h, o, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0);
  }

  /**
   * {@code floor(sum 4 Lq Lk (h + o) / sum 2 (Lq + Lk)(2 h o + h + o))}: for one point with
   * Lq = 1000, Lk = 3000, h = 4, o = 2: {@code 4 * 1000 * 3000 * 6 / (2 * 4000 * 22) = 409.09}.
   */
  @Test
  void theDefaultRankBudgetIsTheRankAtWhichFastCostsWhatExactCosts() {
    assertThat(AlmostLinear.defaultRankBudget(List.of(norms(1000, 3000, 4, 2)))).isEqualTo(409);
    // two points add numerator and denominator separately: (72e6 + 4 * 10 * 10 * 2) / (176000 + 2 * 20 * 4) = 408.7
    assertThat(AlmostLinear.defaultRankBudget(List.of(norms(1000, 3000, 4, 2), norms(10, 10, 1, 1))))
        .isEqualTo(408);
    // never below 1
    assertThat(AlmostLinear.defaultRankBudget(List.of(norms(1, 1, 8, 8)))).isEqualTo(1);
  }
}
