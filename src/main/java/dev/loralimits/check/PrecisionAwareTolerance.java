package dev.loralimits.check;

/**
 * A tolerance derived from the rounding model of a {@link FloatFormat}: the bound on a correct
 * implementation's error ({@link PrecisionEntryTolerance} for the paper's model,
 * {@link LayerPrecisionEntryTolerance} for an attention layer). A report states its format and
 * whether the first-order model holds (spec/CHECK.md, the JSON report).
 */
public interface PrecisionAwareTolerance extends EntryTolerance {
  /** The format the tolerance is for. */
  FloatFormat format();

  /** {@code N u}, N the longest rounding path (proofs-notes/CHECK-TOLERANCE.md Section 5). */
  double firstOrderSize();

  /** Whether the first-order model is within its stated range, {@code N u <= 0.1}. */
  default boolean firstOrderValid() {
    return firstOrderSize() <= PrecisionTolerance.FIRST_ORDER_LIMIT;
  }
}
