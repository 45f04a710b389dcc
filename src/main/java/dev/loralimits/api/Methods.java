package dev.loralimits.api;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.FastResult;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.io.GradientExtras;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.Progress;
import dev.loralimits.reference.ReferenceGradient;

/**
 * The four gradient methods of the command line ({@code gradient --method ...}) as {@link
 * GradientMethod} values:
 *
 * <ul>
 *   <li>{@link #reference(int)}: arbitrary precision, every number correct to the digits asked
 *       (the precision contract, spec/FORMATS.md §3; certified by recomputation at two
 *       precisions);
 *   <li>{@link #exact()}: Theorem F.1 in doubles, quadratic time, no per-answer bound (its
 *       rounding analysis is proofs-notes/EXACT-DOUBLE.md);
 *   <li>{@link #fast(double)}: the almost-linear algorithm (Theorems 3.1 / A.1) with a certified
 *       bound on every gradient entry, refusing outside its efficient regime;
 *   <li>{@link #auto(double)}: fast when it answers, else exact, saying which.
 * </ul>
 *
 * Every factory checks its arguments and names the one that breaks its rule.
 */
public final class Methods {
  /** The name of {@link #exact()}. */
  public static final String EXACT = "exact";
  /** The name of {@link #fast(double)}. */
  public static final String FAST = "fast";
  /** The name of {@link #auto(double)}. */
  public static final String AUTO = "auto";

  private Methods() {}

  /**
   * The reference at {@code digits} significant digits, form E3 (Theorem F.1).
   *
   * @param digits significant digits, 1 to {@value ReferenceGradient#MAX_DIGITS}
   * @return the method
   * @throws IllegalArgumentException when digits is out of range
   */
  public static GradientMethod reference(int digits) {
    return reference(digits, Form.THEOREM_F_1, Progress.NONE);
  }

  /**
   * The reference at {@code digits} significant digits in the given form, reporting progress.
   *
   * @param digits significant digits, 1 to {@value ReferenceGradient#MAX_DIGITS}
   * @param form which exact form to evaluate (all obey the same contract; E3 is the fastest)
   * @param progress listener of the rows done, {@link Progress#NONE} for none
   * @return the method
   * @throws IllegalArgumentException when digits is out of range or form or progress is null
   */
  public static GradientMethod reference(int digits, Form form, Progress progress) {
    return new Reference(digits, form, progress);
  }

  /**
   * Theorem F.1 in doubles on every available processor.
   *
   * @return the method
   */
  public static GradientMethod exact() {
    return exact(processors());
  }

  /**
   * Theorem F.1 in doubles on {@code threads} worker threads (the numbers do not depend on it).
   *
   * @param threads worker threads, at least 1
   * @return the method
   * @throws IllegalArgumentException when threads is not positive
   */
  public static GradientMethod exact(int threads) {
    return new Exact(threads);
  }

  /**
   * The almost-linear algorithm certifying {@code epsilon} on every gradient entry, on every
   * available processor.
   *
   * @param epsilon requested max-entry accuracy, finite and positive
   * @return the method
   * @throws IllegalArgumentException when epsilon is not finite and positive
   */
  public static GradientMethod fast(double epsilon) {
    return fast(epsilon, processors());
  }

  /**
   * As {@link #fast(double)} on {@code threads} worker threads.
   *
   * @param epsilon requested max-entry accuracy, finite and positive
   * @param threads worker threads, at least 1
   * @return the method
   * @throws IllegalArgumentException when epsilon or threads breaks its rule
   */
  public static GradientMethod fast(double epsilon, int threads) {
    return fast(epsilon, threads, 0);
  }

  /**
   * As {@link #fast(double, int)} with the rank capped at {@code maxRank}. The default cap (0) is
   * the largest rank whose aggregates fit {@link AlmostLinear#AGGREGATE_BYTES_CAP} (1 GiB): fast
   * answers whenever a certified degree exists within it, whatever exact would cost (that
   * comparison is {@link #auto}'s).
   *
   * @param epsilon requested max-entry accuracy, finite and positive
   * @param threads worker threads, at least 1
   * @param maxRank the largest feature rank allowed, or 0 for the memory cap
   * @return the method
   * @throws IllegalArgumentException when an argument breaks its rule
   */
  public static GradientMethod fast(double epsilon, int threads, long maxRank) {
    return new Fast(epsilon, threads, maxRank);
  }

  /**
   * Fast when it certifies {@code epsilon} within its default rank budget, else exact; the
   * answer's {@link Answer#choice()} says which and why.
   *
   * @param epsilon requested max-entry accuracy of the fast method, finite and positive
   * @return the method
   * @throws IllegalArgumentException when epsilon is not finite and positive
   */
  public static GradientMethod auto(double epsilon) {
    return auto(epsilon, processors());
  }

  /**
   * As {@link #auto(double)} on {@code threads} worker threads.
   *
   * @param epsilon requested max-entry accuracy of the fast method, finite and positive
   * @param threads worker threads, at least 1
   * @return the method
   * @throws IllegalArgumentException when epsilon or threads breaks its rule
   */
  public static GradientMethod auto(double epsilon, int threads) {
    return new Auto(new Fast(epsilon, threads, 0), new Exact(threads));
  }

  private static int processors() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static LoraInstance checked(LoraInstance instance) {
    return Checks.notNull("instance", instance);
  }

  private record Reference(int digits, Form form, Progress progress) implements GradientMethod {
    Reference {
      Checks.inRange("digits", digits, 1, ReferenceGradient.MAX_DIGITS);
      Checks.notNull("form", form);
      Checks.notNull("progress", progress);
    }

    @Override
    public String name() {
      return ReferenceGradient.METHOD;
    }

    @Override
    public Answer compute(LoraInstance instance) {
      return new Answer(ReferenceGradient.compute(checked(instance), digits, form, progress), GradientExtras.NONE);
    }
  }

  private record Exact(int threads) implements GradientMethod {
    Exact {
      Checks.positive("threads", threads);
    }

    @Override
    public String name() {
      return EXACT;
    }

    @Override
    public Answer compute(LoraInstance instance) {
      return new Answer(
          Conversions.toResult(EXACT, ExactDouble.gradient(checked(instance), threads)), GradientExtras.NONE);
    }
  }

  private record Fast(double epsilon, int threads, long maxRank) implements GradientMethod {
    Fast {
      Checks.finite("epsilon", Checks.positive("epsilon", epsilon));
      Checks.positive("threads", threads);
      Checks.argument(maxRank >= 0, "maxRank (" + maxRank + ") must be >= 0 (0: the memory cap)");
    }

    @Override
    public String name() {
      return FAST;
    }

    @Override
    public Answer compute(LoraInstance instance) {
      checked(instance);
      long cap = maxRank > 0
          ? maxRank
          : AlmostLinear.memoryRankCap(
              instance.projection(dev.loralimits.model.Adapter.Q).frozen().cols(),
              instance.projection(dev.loralimits.model.Adapter.V).frozen().cols());
      return answer(instance, null, cap);
    }

    /** The answer with rank budget {@code budget} (0: the cost rule of {@link AlmostLinear#defaultRankBudget}). */
    Answer answer(LoraInstance instance, String choice, long budget) {
      FastResult r = AlmostLinear.gradient(checked(instance), new AlmostLinear.Options(epsilon, threads, budget));
      return new Answer(
          Conversions.toResult(FAST, r.gradients()), new GradientExtras(choice, Conversions.certificate(r)));
    }
  }

  /**
   * Fast when it answers; else exact, with the refusal in the choice. The default rank budget is
   * the rank at which fast would cost more than exact ({@link AlmostLinear#defaultRankBudget}), so
   * fast answers exactly when it is the cheaper method that certifies epsilon.
   */
  private record Auto(Fast fast, Exact exact) implements GradientMethod {
    @Override
    public String name() {
      return AUTO;
    }

    @Override
    public Answer compute(LoraInstance instance) {
      checked(instance);
      try {
        return fast.answer(instance, FAST, 0);
      } catch (OutsideEfficientRegimeException e) {
        String reason = e.getMessage() == null ? "(no message)" : e.getMessage().strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return new Answer(
            exact.compute(instance).result(), new GradientExtras(EXACT + " (fast refused: " + reason + ")", null));
      }
    }
  }
}
