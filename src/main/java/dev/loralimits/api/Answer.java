package dev.loralimits.api;

import dev.loralimits.io.GradientExtras;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import java.util.Optional;

/**
 * What a {@link GradientMethod} returns: the loss and gradients as decimals (the reference's
 * rounded to its digits, a double method's as the exact values of its doubles), with the
 * extra fields a gradient file carries (spec/FORMATS.md 2.2): the fast method's certificate and
 * the choice {@code auto} made.
 *
 * @param result loss and adapter gradients; {@code result.method()} names the method that
 *     computed them ({@code fast} or {@code exact} for an {@code auto} answer)
 * @param extras the certificate and the choice, {@link GradientExtras#NONE} for reference and exact
 */
public record Answer(GradientResult result, GradientExtras extras) {
  /** @throws IllegalArgumentException when result or extras is null */
  public Answer {
    Checks.notNull("result", result);
    Checks.notNull("extras", extras);
  }

  /**
   * The certificate of a fast answer: per-matrix bounds on {@code max |computed - exact|}, the loss
   * bound, degree, rank and score radius (FAST-BOUND.md).
   *
   * @return the certificate, empty unless the fast method answered
   */
  public Optional<GradientExtras.Certificate> certificate() {
    return Optional.ofNullable(extras.certificate());
  }

  /**
   * The choice of {@code auto}: {@code "fast"}, or {@code "exact (fast refused: <reason>)"}.
   *
   * @return the choice, empty for the other methods
   */
  public Optional<String> choice() {
    return Optional.ofNullable(extras.auto());
  }
}
