package dev.loralimits.train;

import dev.loralimits.fast.Dense;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.EnumMap;
import java.util.Map;

/**
 * Norm control: after each optimiser step, each adapted query and key projection is pulled back
 * along the segment to its frozen weight until {@code ||X^mu W_mu||_inf <= tau} holds on every
 * data point (proofs-notes/TRAIN.md §3):
 *
 * <pre>
 *   c* = max { c in [0, 1] : ||X^mu (W*_mu + c (W_mu - W*_mu))||_inf <= tau for every point },
 *   W_mu <- W*_mu + c* (W_mu - W*_mu)      (B_mu <- c* B_mu, since W_mu - W*_mu = (alpha/r) B_mu A_mu).
 * </pre>
 *
 * With {@code a = X^mu W*_mu} and {@code d = X^mu (W_mu - W*_mu)} the constraint is, entry by
 * entry, {@code |a_ij + c d_ij| <= tau}; when {@code |a_ij| <= tau} it holds for every c in
 * {@code [0, c_ij]}, {@code c_ij = (tau - sgn(d_ij) a_ij) / |d_ij|} (the segment leaves the slab
 * through the side d points to), so {@code c* = min(1, min_ij c_ij)}. The frozen weights must
 * satisfy the constraint ({@code ||X^mu W*_mu||_inf <= tau}); otherwise no c works and the control
 * is refused. The value projections do not enter the scores and are left alone.
 */
public sealed interface NormControl permits NormControl.None, NormControl.MaxEntry {

  /**
   * The instance after the control, and the factor c* applied to each controlled adapter (1 when
   * nothing moved).
   */
  record Applied(DoubleInstance instance, Map<Adapter, Double> factors) {}

  /** The controlled instance. */
  Applied apply(DoubleInstance inst);

  /** No control. */
  static NormControl none() {
    return new None();
  }

  /** The max-entry ball of radius tau on {@code X^Q W_Q} and {@code X^K W_K}. */
  static NormControl maxEntry(double tau) {
    return new MaxEntry(tau);
  }

  /** No control. */
  record None() implements NormControl {
    @Override
    public Applied apply(DoubleInstance inst) {
      return new Applied(inst, Map.of());
    }
  }

  /**
   * The control with radius tau. The computed c* is taken for {@code tau (1 - 2^-40)}, so that the
   * rounding of the products (relative error far below {@code 2^-40} at these sizes) cannot carry
   * the computed norm above tau.
   *
   * @param tau the radius, finite and positive
   */
  record MaxEntry(double tau) implements NormControl {
    /** Relative margin of the computed c* (see the record comment). */
    static final double MARGIN = 0x1p-40;

    public MaxEntry {
      Checks.finite("tau", Checks.positive("tau", tau));
    }

    @Override
    public Applied apply(DoubleInstance inst) {
      Checks.notNull("instance", inst);
      Map<Adapter, Weight> w = new EnumMap<>(inst.weights());
      Map<Adapter, Double> factors = new EnumMap<>(Adapter.class);
      for (Adapter mu : new Adapter[] {Adapter.Q, Adapter.K}) {
        Weight old = inst.weight(mu);
        if (!old.isAdapted()) {
          continue;
        }
        double c = factor(inst, mu, tau * (1 - MARGIN));
        factors.put(mu, c);
        if (c < 1) {
          w.put(mu, new Weight(old.frozen(), old.a(), Dense.scale(c, old.b())));
        }
      }
      return new Applied(Training.withWeights(inst, w), factors);
    }

    /**
     * {@code c* = min(1, min_ij (t - sgn(d_ij) a_ij) / |d_ij|)} over every point.
     *
     * @throws IllegalArgumentException when the frozen weight alone exceeds t
     */
    static double factor(DoubleInstance inst, Adapter mu, double t) {
      Weight wt = inst.weight(mu);
      double[][] delta = Dense.loraMergeScaled(new double[wt.frozen().length][wt.frozen()[0].length], wt.a(), wt.b(), inst.alpha() / wt.rank());
      double c = 1;
      for (int i = 0; i < inst.points().size(); i++) {
        Point p = inst.points().get(i);
        double[][] x = Training.input(p, mu);
        double[][] a = Dense.multiply(x, wt.frozen());
        double[][] d = Dense.multiply(x, delta);
        double frozenNorm = Dense.maxAbs(a);
        Checks.argument(
            frozenNorm <= t,
            "norm control: ||X^" + mu + " W*_" + mu + "||_inf = " + frozenNorm + " on point " + i
                + " already exceeds tau = " + t + " with the adapter removed; choose tau above it");
        for (int r = 0; r < a.length; r++) {
          for (int s = 0; s < a[r].length; s++) {
            double dd = d[r][s];
            if (dd != 0) {
              c = Math.min(c, (t - Math.signum(dd) * a[r][s]) / Math.abs(dd));
            }
          }
        }
      }
      return Math.max(0, c);
    }
  }
}
