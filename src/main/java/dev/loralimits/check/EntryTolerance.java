package dev.loralimits.check;

import dev.loralimits.model.DecimalMatrix;

/**
 * The allowed error of each entry of a compared matrix: an entry passes when
 * {@code |candidate - reference| <= allowed(i, j)} (spec/CHECK.md). {@link FixedTolerance} is the
 * normwise rule {@code atol + rtol * M}; other rules (one that follows the precision a candidate
 * can reach) implement the same interface.
 */
public interface EntryTolerance {
  /**
   * The allowed error of every entry of the matrix {@code name} ("loss", "dLoss/dA_Q", ...) whose
   * reference values are {@code reference}: a matrix of the same shape with entries {@code >= 0}.
   */
  DecimalMatrix allowed(String name, DecimalMatrix reference);

  /** One line for the verdict, stating the rule and its parameters. */
  String description();

  /**
   * The digits of the reference to try first when they are chosen for this tolerance
   * ({@link ReferenceDigits#choose}); a hint, the choice verifies and raises it.
   */
  default int startingDigits() {
    return ReferenceDigits.MIN_STARTING_DIGITS;
  }
}
