package dev.loralimits.reference;

import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The precision contract's protocol (spec/FORMATS.md §3.2, {@link ReferenceGradient}) run on the
 * binary engine {@link BinaryTheoremF1}: levels {@code p_0 = N + 20}, {@code p_1 = N + 40}, then
 * doubling steps, each level at {@code P = ceil(p log2 10) + 4} bits, accepted by the same
 * {@link ReferenceGradient#disagreement} test and rounded by the same {@link ReferenceGradient#round}.
 *
 * <p>Returns null (the caller then takes the apfloat path, whose behaviour is unchanged) when the
 * engine cannot represent the instance ({@link OutOfBinaryRangeException}) or when no pair of
 * levels up to the cap agrees: the binary rounding of decimal inputs turns an exact zero that the
 * decimal path keeps (an exact fit, {@code Y = Z}) into rounding noise, which never agrees between
 * levels; apfloat computes such instances in radix 10 (proofs-notes/REFERENCE-ENGINE.md §6).
 */
final class BinaryReference {
  private BinaryReference() {}

  /** Worker threads: the available processors, at most {@link BinaryTheoremF1#ROW_BLOCKS}. */
  static int defaultThreads() {
    return Math.max(1, Math.min(BinaryTheoremF1.ROW_BLOCKS, Runtime.getRuntime().availableProcessors()));
  }

  /** The certified result, or null when the apfloat path must answer. */
  static GradientResult certify(LoraInstance inst, int digits, Progress progress, int threads) {
    long rows = BinaryTheoremF1.rows(inst);
    AtomicLong total = new AtomicLong(2 * rows);
    BinaryTheoremF1.RowCounter counter = new BinaryTheoremF1.RowCounter(progress, total::get);
    try {
      long p = digits + ReferenceGradient.GUARD_DIGITS;
      long step = ReferenceGradient.GUARD_DIGITS;
      ApGradients coarse = run(inst, p, threads, counter);
      while (true) {
        long fine = p + step;
        ApGradients accurate = run(inst, fine, threads, counter);
        if (ReferenceGradient.disagreement(coarse, accurate, digits) == null) {
          return ReferenceGradient.round(accurate, digits, Form.THEOREM_F_1);
        }
        if (fine >= ReferenceGradient.maxPrecision(digits)) {
          return null;
        }
        total.addAndGet(rows);
        coarse = accurate;
        p = fine;
        step *= 2;
      }
    } catch (OutOfBinaryRangeException e) {
      return null;
    }
  }

  /** One unverified run at p decimal digits (P bits). */
  static ApGradients run(LoraInstance inst, long p, int threads, BinaryTheoremF1.RowCounter counter) {
    return BinaryTheoremF1.compute(inst, BinaryArithmetic.forDigits(p), threads, counter);
  }
}
