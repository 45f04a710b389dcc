package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.fail;

import dev.loralimits.model.Adapter;
import java.math.BigDecimal;

/**
 * A stand-in for the exact gradients that shows its own digits: one form run at p and at 2p
 * digits, p doubled until the two runs agree far below the precision contract's tolerance.
 *
 * <p>Why not a fixed precision: a fixed p is enough only for condition numbers below about
 * {@code 10^{p - N - 100}}, and nearly one-hot instances go far beyond any fixed bound. At beta =
 * 1000 an off-pivot softmax weight is {@code e^{-1000 gap}}, and a Q or K gradient of
 * {@code 10^{-469}} or {@code 10^{-889}} is what remains of O(1) terms cancelling in E2 (seeds
 * 1518 and 1354 of {@link BinaryEngineProperties#rectangular} with kind ONE_HOT; a 480-digit
 * stand-in got their first digits wrong and failed a correct engine on CI).
 *
 * <p>Why agreement is evidence: a run at p digits has an error of about {@code kappa 10^{-p}}
 * relative to the entry's scale, for a condition number kappa that does not depend on p. When the
 * runs at p and 2p agree to {@code 10^{-(N + MARGIN)}} of an entry's scale, the run at p is at
 * least that good, and the run at 2p, whose error is {@code 10^{-p}} times smaller again, is far
 * better. This is the same two-precision argument as the engines' certification, applied here with
 * independent test code and a doubling in place of a fixed guard.
 */
final class StandIn {
  /** Digits below the contract's scale {@code 10^{-N} max(|x|, 10^{-N} M)} that the runs must share. */
  static final int MARGIN_DIGITS = 20;
  /** Largest precision tried before the stand-in gives up (a failure of the test, never a pass). */
  static final long MAX_PRECISION = 16_000;

  private StandIn() {}

  /** A settled stand-in and the precision (digits) of the run it is. */
  record Run(ApGradients gradients, long precision) {}

  /**
   * The run at the doubled precision once the runs at p and 2p agree for every entry of every
   * matrix, p starting at {@code start}.
   */
  static Run converged(ApInstance inst, Form form, long start, int n) {
    long p = start;
    ApGradients coarse = ReferenceGradient.computeAt(inst, form, p);
    while (true) {
      long q = 2 * p;
      if (q > MAX_PRECISION) {
        fail("the %s stand-in did not settle by %d digits", form, p);
      }
      ApGradients fine = ReferenceGradient.computeAt(inst, form, q);
      if (agree(coarse, fine, n)) {
        return new Run(fine, q);
      }
      coarse = fine;
      p = q;
    }
  }

  static boolean agree(ApGradients coarse, ApGradients fine, int n) {
    if (!agree(
        new BigDecimal[][] {{ApMatrix.toBigDecimal(coarse.loss())}},
        new BigDecimal[][] {{ApMatrix.toBigDecimal(fine.loss())}},
        n)) {
      return false;
    }
    for (Adapter mu : fine.gradA().keySet()) {
      if (!agree(Contract.entries(coarse.gradA().get(mu)), Contract.entries(fine.gradA().get(mu)), n)
          || !agree(Contract.entries(coarse.gradB().get(mu)), Contract.entries(fine.gradB().get(mu)), n)) {
        return false;
      }
    }
    return true;
  }

  /** {@code |a - b| <= 10^{-(N + MARGIN)} max(|b|, 10^{-N} M)} entrywise, M the largest |b|. */
  private static boolean agree(BigDecimal[][] a, BigDecimal[][] b, int n) {
    BigDecimal m = BigDecimal.ZERO;
    for (BigDecimal[] row : b) {
      for (BigDecimal x : row) {
        m = m.max(x.abs());
      }
    }
    BigDecimal floor = m.scaleByPowerOfTen(-n);
    for (int i = 0; i < b.length; i++) {
      for (int j = 0; j < b[i].length; j++) {
        BigDecimal allowed = b[i][j].abs().max(floor).scaleByPowerOfTen(-(n + MARGIN_DIGITS));
        if (a[i][j].subtract(b[i][j]).abs().compareTo(allowed) > 0) {
          return false;
        }
      }
    }
    return true;
  }
}
