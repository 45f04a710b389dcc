package dev.loralimits.check;

import java.util.Locale;

/**
 * The binary floating-point formats a candidate implementation may compute in, as far as the
 * rounding model of {@link PrecisionTolerance} needs them: the unit roundoff {@code u = 2^-p}
 * (p the significand bits, hidden bit included: round to nearest gives {@code |fl(x) - x| <= u
 * |x|} for x in the normal range), the smallest positive subnormal {@code eta} (below the normal
 * range an operation's error is absolute, at most {@code eta/2}; we use {@code eta}) and the
 * largest finite number.
 */
public enum FloatFormat {
  /** IEEE 754 binary64 (double): p = 53. */
  FLOAT64("float64", 53, -1074, Double.MAX_VALUE),
  /** IEEE 754 binary32 (float): p = 24. */
  FLOAT32("float32", 24, -149, 0x1.fffffeP+127),
  /** bfloat16 (8 exponent bits of binary32, 7 stored significand bits): p = 8. */
  BFLOAT16("bfloat16", 8, -133, 0x1.feP+127),
  /** IEEE 754 binary16 (half): p = 11, largest finite 65504. */
  FLOAT16("float16", 11, -24, 65504.0);

  private final String optionName;
  private final int precision;
  private final int subnormalExponent;
  private final double max;

  FloatFormat(String optionName, int precision, int subnormalExponent, double max) {
    this.optionName = optionName;
    this.precision = precision;
    this.subnormalExponent = subnormalExponent;
    this.max = max;
  }

  /** The name used by {@code check --precision}. */
  public String optionName() {
    return optionName;
  }

  /** Significand bits p, the hidden bit included. */
  public int precision() {
    return precision;
  }

  /** The unit roundoff {@code u = 2^-p}. */
  public double unitRoundoff() {
    return Math.scalb(1.0, -precision);
  }

  /** The smallest positive subnormal number {@code eta}. */
  public double smallestSubnormal() {
    return Math.scalb(1.0, subnormalExponent);
  }

  /** The largest finite number. */
  public double max() {
    return max;
  }

  /**
   * The format named {@code name} (float64, float32, bfloat16, float16; also fp64, fp32, bf16,
   * fp16, double, float, half).
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static FloatFormat parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "float64": case "fp64": case "double": case "f64":
        return FLOAT64;
      case "float32": case "fp32": case "float": case "f32":
        return FLOAT32;
      case "bfloat16": case "bf16":
        return BFLOAT16;
      case "float16": case "fp16": case "half": case "f16":
        return FLOAT16;
      default:
        throw new IllegalArgumentException(
            "precision (" + name + ") must be one of float64, float32, bfloat16, float16");
    }
  }
}
