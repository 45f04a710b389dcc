package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one-run acceptance test {@link BinaryReference#withinContract} on hand-made balls
 * (proofs-notes/REFERENCE-ENGINE.md §8.8): {@code |xh - mid| + r <= 10^{1-N} max(|mid| - r, 10^{-N} M_low)},
 * with the boundaries worked out by hand at N = 3.
 */
class OneRunAcceptanceExamples {
  private static final int N = 3;

  private static boolean accepts(String mid, Bound r, String written) {
    return BinaryReference.withinContract(
        new BigDecimal[][] {{new BigDecimal(mid)}}, new Bound[][] {{r}}, new BigDecimal[][] {{new BigDecimal(written)}}, N);
  }

  @Test
  void exactZerosAreAcceptedOnlyWithZeroRadii() {
    assertThat(accepts("0", Bound.ZERO, "0")).isTrue();
    // a computed 0 that may be 2^-200: M_low = 0, so nothing but r = 0 is allowed
    assertThat(accepts("0", Bound.powerOfTwo(-200), "0")).isFalse();
  }

  @Test
  void theRoundingToNDigitsCountsAgainstTheRadius() {
    // mid = 1.0005 written as 1.00 (half-even): |xh - mid| = 5e-4; allowed 10^-2 (1.0005 - r)
    // r = 2^-7 = 0.0078125: 5e-4 + 0.0078125 = 0.0083125 <= 0.01 (1.0005 - 0.0078125) = 0.00992687..
    assertThat(accepts("1.0005", Bound.powerOfTwo(-7), "1.00")).isTrue();
    // r = 2^-6 = 0.015625 > 0.01: refused
    assertThat(accepts("1.0005", Bound.powerOfTwo(-6), "1.00")).isFalse();
    // r = 0.009 ~ 1.152 2^-7: 5e-4 + 0.009 = 0.0095 <= 0.01 (1.0005 - 0.009) = 0.009915: accepted;
    // with the written value 1.01 (a wrong rounding, 0.0095 away) it is refused
    Bound r = Bound.of(0.009 * 128, -7);
    assertThat(accepts("1.0005", r, "1.00")).isTrue();
    assertThat(accepts("1.0005", r, "1.01")).isFalse();
  }

  @Test
  void smallEntriesAreJudgedAgainstTheMatrixFloor() {
    // M_low = 1000 - 1 = 999; floor 10^-3 999 = 0.999; allowed for the small entry 10^-2 0.999
    BigDecimal[][] mid = {{new BigDecimal("1000"), new BigDecimal("0.00001")}};
    BigDecimal[][] written = {{new BigDecimal("1000"), new BigDecimal("0.00001")}};
    assertThat(BinaryReference.withinContract(mid, new Bound[][] {{Bound.powerOfTwo(0), Bound.powerOfTwo(-7)}}, written, N))
        .isTrue(); // 2^-7 = 0.0078 <= 0.00999
    assertThat(BinaryReference.withinContract(mid, new Bound[][] {{Bound.powerOfTwo(0), Bound.powerOfTwo(-6)}}, written, N))
        .isFalse(); // 0.0156 > 0.00999
  }

  @Test
  void aVacuousRadiusIsRefused() {
    assertThat(accepts("1", Bound.INFINITE, "1")).isFalse();
  }

  /**
   * FORMATS §3.3's cancellation ({@code PrecisionContractProperties.hugeLossInstance}: Y of
   * 10^300, Q and K gradients of size 1 reached through c = F Vm - Y): at N = 20 the two-level
   * protocol is fooled (both levels compute c = -Y), but the one run's balls at p = 40 are honest:
   * the Q and K gradients' radii are at least 1, so the ball contains their exact value and the
   * one run refuses. At N = 280 the one run refuses too and the two-level protocol (whose levels
   * straddle the cancellation) answers, with the gradients of size 1.
   */
  @Test
  void aCancellationBeyondTheGuardDigitsWidensTheRadiiAndFallsBack() {
    LoraInstance inst = PrecisionContractProperties.hugeLossInstance();
    BallGradients g = BinaryTheoremF1.computeBalls(inst, BinaryArithmetic.forDigits(40), 2);
    for (Adapter mu : List.of(Adapter.Q, Adapter.K)) {
      BigDecimal widest = BigDecimal.ZERO;
      for (Bound[] row : g.radiusA().get(mu)) {
        for (Bound r : row) {
          widest = widest.max(r.toBigDecimal());
        }
      }
      assertThat(widest).as("radius of dLoss/dA_%s at 40 digits", mu).isGreaterThan(BigDecimal.ONE);
    }
    BinaryReference.Certified c = BinaryReference.certifyWithPath(inst, 280, Progress.NONE, 2);
    assertThat(c).isNotNull();
    assertThat(c.path()).isEqualTo(BinaryReference.Path.TWO_LEVELS);
    for (Adapter mu : List.of(Adapter.Q, Adapter.K)) {
      AdapterGradient a = c.result().gradients().get(mu);
      assertThat(a.a().maxAbs().max(a.b().maxAbs())).as("dLoss/d%s", mu)
          .isGreaterThan(new BigDecimal("1e-3")).isLessThan(BigDecimal.TEN);
    }
  }
}
