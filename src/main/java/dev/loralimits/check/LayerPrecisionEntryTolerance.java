package dev.loralimits.check;

import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;

/**
 * The default tolerance of {@code layer --candidate}: each entry may be off by the bound of
 * {@link LayerPrecisionTolerance} on what a correct implementation of the attention layer in a
 * given {@link FloatFormat} makes on this instance (proofs-notes/CHECK-TOLERANCE.md Section 7),
 * rounded up to six significant digits as {@link PrecisionEntryTolerance} does.
 *
 * @param bounds the per-entry bounds of the layer
 */
public record LayerPrecisionEntryTolerance(LayerPrecisionTolerance.Result bounds) implements PrecisionAwareTolerance {
  /** @throws IllegalArgumentException when bounds is null */
  public LayerPrecisionEntryTolerance {
    Checks.notNull("bounds", bounds);
  }

  /**
   * The tolerance of {@code inst} for {@code format}.
   *
   * @throws IllegalArgumentException when the layer or its forward pass is outside the format's
   *     range ({@link LayerPrecisionTolerance#of})
   */
  public static LayerPrecisionEntryTolerance of(LayerInstance inst, FloatFormat format) {
    return new LayerPrecisionEntryTolerance(LayerPrecisionTolerance.of(inst, format));
  }

  @Override
  public DecimalMatrix allowed(String name, DecimalMatrix reference) {
    Checks.notNull("name", name);
    Checks.notNull("reference", reference);
    double[][] t = matrix(name);
    Checks.argument(
        t.length == reference.rows() && t[0].length == reference.cols(),
        name + ": the tolerance is " + t.length + "x" + t[0].length + ", the reference " + reference.shape());
    return PrecisionEntryTolerance.shown(name, t);
  }

  private double[][] matrix(String name) {
    if (name.equals("loss")) {
      return new double[][] {{bounds.loss()}};
    }
    for (LayerWeight mu : LayerWeight.values()) {
      if (name.equals("dLoss/dA_" + mu) && bounds.a().containsKey(mu)) {
        return bounds.a(mu);
      }
      if (name.equals("dLoss/dB_" + mu) && bounds.b().containsKey(mu)) {
        return bounds.b(mu);
      }
    }
    throw new IllegalArgumentException("no precision tolerance for a matrix named " + name);
  }

  @Override
  public FloatFormat format() {
    return bounds.format();
  }

  @Override
  public double firstOrderSize() {
    return bounds.firstOrderSize();
  }

  @Override
  public String description() {
    return PrecisionEntryTolerance.description(
        bounds.format(), bounds.firstOrderSize(), "attention layer, proofs-notes/CHECK-TOLERANCE.md Section 7");
  }

  @Override
  public int startingDigits() {
    return PrecisionEntryTolerance.startingDigits(bounds.format());
  }
}
