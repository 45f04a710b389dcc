package dev.loralimits.check;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The default tolerance of {@code check}: each entry may be off by the bound of
 * {@link PrecisionTolerance} on what a correct implementation in a given {@link FloatFormat}
 * makes on this instance (proofs-notes/CHECK-TOLERANCE.md), rounded up to {@link #SHOWN}.
 *
 * @param bounds the per-entry bounds of the instance
 */
public record PrecisionEntryTolerance(PrecisionTolerance.Result bounds) implements PrecisionAwareTolerance {
  /**
   * Digits of the reference to try first: its certified relative error {@code 10^(1-N)} must be
   * 1/100 of the smallest relative tolerance {@code 2u} (the result's own rounding, doubled), plus
   * one digit for the stand-in factor: {@code N = ceil(-log10 2u) + 4}.
   */
  static final int STARTING_GUARD = 4;

  /**
   * Each bound rounded up to six significant digits: a bound still (larger by at most 1e-5
   * relative), and short decimals instead of the hundreds of digits of a subnormal's exact value.
   */
  static final MathContext SHOWN = new MathContext(6, RoundingMode.UP);

  /** @throws IllegalArgumentException when bounds is null */
  public PrecisionEntryTolerance {
    Checks.notNull("bounds", bounds);
  }

  /**
   * The tolerance of {@code inst} for {@code format}.
   *
   * @throws IllegalArgumentException when the instance or its forward pass is outside the
   *     format's range ({@link PrecisionTolerance#of})
   */
  public static PrecisionEntryTolerance of(LoraInstance inst, FloatFormat format) {
    return new PrecisionEntryTolerance(PrecisionTolerance.of(inst, format));
  }

  @Override
  public DecimalMatrix allowed(String name, DecimalMatrix reference) {
    Checks.notNull("name", name);
    Checks.notNull("reference", reference);
    double[][] t = matrix(name);
    Checks.argument(
        t.length == reference.rows() && t[0].length == reference.cols(),
        name + ": the tolerance is " + t.length + "x" + t[0].length + ", the reference " + reference.shape());
    return shown(name, t);
  }

  private double[][] matrix(String name) {
    if (name.equals("loss")) {
      return new double[][] {{bounds.loss()}};
    }
    for (Adapter mu : Adapter.values()) {
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
    return description(bounds.format(), bounds.firstOrderSize(), "proofs-notes/CHECK-TOLERANCE.md");
  }

  @Override
  public int startingDigits() {
    return startingDigits(bounds.format());
  }

  /** The verdict line's rule: the format, the factor, where it is derived, and a warning outside the first-order model. */
  static String description(FloatFormat f, double firstOrderSize, String derivation) {
    String s = "precision " + f.optionName() + ": per-entry bound on a correct " + f.optionName()
        + " implementation's error, x" + fmt(PrecisionTolerance.SAFETY) + " (" + derivation + ")";
    if (!(firstOrderSize <= PrecisionTolerance.FIRST_ORDER_LIMIT)) {
      s += String.format(Locale.ROOT,
          "; N u = %.2g > %.1f: outside the first-order model, the tolerance is an estimate",
          firstOrderSize, PrecisionTolerance.FIRST_ORDER_LIMIT);
    }
    return s;
  }

  /** {@code max(20, ceil(-log10 2u) + STARTING_GUARD)}. */
  static int startingDigits(FloatFormat f) {
    BigDecimal twoU = new BigDecimal(2 * f.unitRoundoff());
    long n = -DecimalLog.floorLog10(twoU) + STARTING_GUARD;
    return (int) Math.max(ReferenceDigits.MIN_STARTING_DIGITS, n);
  }

  /** Each bound rounded up to {@link #SHOWN}, as a decimal matrix named {@code name}. */
  static DecimalMatrix shown(String name, double[][] t) {
    BigDecimal[][] b = new BigDecimal[t.length][t[0].length];
    for (int i = 0; i < t.length; i++) {
      for (int j = 0; j < t[0].length; j++) {
        b[i][j] = new BigDecimal(t[i][j]).round(SHOWN);
      }
    }
    return DecimalMatrix.of(name, b);
  }

  private static String fmt(double x) {
    return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
  }
}
