package dev.loralimits.train;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.model.Checks;
import dev.loralimits.phase.PhaseSweep;

/**
 * The regime boundary drawn in the training plots: the largest {@code Gamma / sqrt(ln L)} on a
 * grid at which the fast method answers within its default (cost-rule) rank budget on the phase
 * sweep's instance ({@link PhaseSweep#instance}) of the run's L and d, at the run's epsilon. It is
 * the boundary of that instance, not of the training instance (whose own certificate decides each
 * step); the two agree to about a grid step when the instances' norms are spread alike
 * (proofs-notes/TRAIN.md §5).
 */
public final class Boundary {
  /** Grid step of the ratio. */
  public static final double STEP = 0.025;
  /** Largest ratio tried. */
  public static final double MAX = 1.0;

  private Boundary() {}

  /**
   * The boundary ratio, or NaN when fast answers at none of the grid's ratios.
   *
   * @throws IllegalArgumentException when L < 2, d < 1 or epsilon is not finite and positive
   */
  public static double ratio(int length, int width, double epsilon) {
    Checks.argument(length >= 2, "L (" + length + ") must be >= 2");
    Checks.positive("d", width);
    Checks.finite("epsilon", Checks.positive("epsilon", epsilon));
    double last = Double.NaN;
    for (int i = 1; i * STEP <= MAX + 1e-12; i++) {
      double r = i * STEP;
      try {
        AlmostLinear.plan(PhaseSweep.instance(length, width, PhaseSweep.gamma(length, r)), epsilon, 0);
        last = r;
      } catch (OutsideEfficientRegimeException e) {
        return last;
      }
    }
    return last;
  }
}
