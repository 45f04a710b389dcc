package dev.loralimits.api;

import dev.loralimits.check.EntryTolerance;
import dev.loralimits.check.FixedTolerance;
import dev.loralimits.check.FloatFormat;
import dev.loralimits.check.GradientCheck;
import dev.loralimits.check.PrecisionEntryTolerance;
import dev.loralimits.check.ReferenceDigits;
import dev.loralimits.io.GradientFile;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.Progress;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.util.function.Supplier;

/**
 * {@code lora-limits check} as a library call (spec/CHECK.md): another implementation's loss and
 * gradients against the reference, matrix by matrix, with a report object instead of a table.
 *
 * <p>The reference is computed at the digits {@link ReferenceDigits#choose} picks for the
 * tolerance (its certified error at every entry at most 1/100 of the error the tolerance allows
 * there), so a verdict is never decided by the reference's own rounding. Tolerances: {@link
 * #precision} (the default of the command: the bound on a correct implementation's error in its
 * floating-point format, proofs-notes/CHECK-TOLERANCE.md) or {@link #fixed} (atol + rtol M).
 */
public final class Check {
  private Check() {}

  /**
   * The precision-aware tolerance of {@code instance} for a candidate computed in {@code format}.
   *
   * @param instance the instance
   * @param format the candidate's floating-point format
   * @return the tolerance
   * @throws IllegalArgumentException when an argument is null or the bound cannot be formed for
   *     this instance (then use {@link #fixed})
   */
  public static EntryTolerance precision(LoraInstance instance, FloatFormat format) {
    Checks.notNull("instance", instance);
    Checks.notNull("format", format);
    return PrecisionEntryTolerance.of(instance, format);
  }

  /**
   * The fixed tolerance {@code atol + rtol M}, M the largest |entry| of the reference matrix.
   *
   * @param rtol relative part, {@code >= 0}
   * @param atol absolute part, {@code >= 0}
   * @return the tolerance
   * @throws IllegalArgumentException when an argument is null or negative
   */
  public static EntryTolerance fixed(BigDecimal rtol, BigDecimal atol) {
    Checks.nonNegative("rtol", rtol);
    Checks.nonNegative("atol", atol);
    return new FixedTolerance(rtol, atol);
  }

  /**
   * Checks a candidate read from a file ({@link dev.loralimits.io.TensorFiles#readGradient}).
   *
   * @param instance the instance the candidate computed
   * @param candidate its loss (optional) and gradients; NaN and infinities fail their matrix
   * @param tolerance from {@link #precision} or {@link #fixed}
   * @return the report: per matrix errors, LRE, tolerance, margin and verdict, and the verdict
   * @throws IllegalArgumentException when an argument is null, a gradient of an adapted
   *     projection is missing, or a shape differs ({@link GradientCheck.ShapeMismatchException})
   * @throws dev.loralimits.reference.OutOfRangeException when the reference cannot answer
   * @throws GradientCheck.OutOfComparableRangeException when a reference gradient is beyond the
   *     decimal range (wide, spec/CHECK.md "Comparison")
   */
  public static GradientCheck.Report run(LoraInstance instance, GradientFile candidate, EntryTolerance tolerance) {
    return run(instance, candidate, tolerance, () -> Progress.NONE);
  }

  /**
   * As {@link #run(LoraInstance, GradientFile, EntryTolerance)}, reporting the progress of each
   * reference run (one per digit count tried) to a fresh listener from {@code runs}.
   *
   * @param runs gives the listener of each reference run
   * @return the report
   * @throws IllegalArgumentException as {@link #run(LoraInstance, GradientFile, EntryTolerance)}
   */
  public static GradientCheck.Report run(
      LoraInstance instance, GradientFile candidate, EntryTolerance tolerance, Supplier<Progress> runs) {
    Checks.notNull("candidate", candidate);
    GradientResult ref = reference(instance, candidate.loss().isPresent(), tolerance, runs);
    return GradientCheck.compare(ref, candidate.loss(), candidate.gradients(), tolerance);
  }

  /**
   * Checks a candidate held in memory, such as a JVM implementation's result converted with
   * {@link Conversions#toResult}.
   *
   * @param instance the instance the candidate computed
   * @param candidate its loss and gradients
   * @param tolerance from {@link #precision} or {@link #fixed}
   * @return the report
   * @throws IllegalArgumentException as {@link #run(LoraInstance, GradientFile, EntryTolerance)}
   */
  public static GradientCheck.Report run(LoraInstance instance, GradientResult candidate, EntryTolerance tolerance) {
    Checks.notNull("candidate", candidate);
    return run(instance, GradientFile.of(candidate), tolerance);
  }

  /**
   * The reference at the digits chosen for {@code tolerance} (E3).
   *
   * @param instance the instance
   * @param withLoss whether the loss is compared (its digits are then chosen too)
   * @param tolerance the tolerance the reference must resolve
   * @param runs gives the progress listener of each reference run
   * @return the reference result
   * @throws IllegalArgumentException when an argument is null or no number of digits certifies
   *     the tolerance
   * @throws dev.loralimits.reference.OutOfRangeException when the reference cannot answer
   * @throws GradientCheck.OutOfComparableRangeException when a reference gradient is beyond the
   *     decimal range (wide, spec/CHECK.md "Comparison")
   */
  public static GradientResult reference(
      LoraInstance instance, boolean withLoss, EntryTolerance tolerance, Supplier<Progress> runs) {
    Checks.notNull("instance", instance);
    Checks.notNull("tolerance", tolerance);
    Checks.notNull("runs", runs);
    return ReferenceDigits.choose(
        n -> ReferenceGradient.compute(instance, n, Form.THEOREM_F_1, runs.get()), withLoss, tolerance);
  }
}
