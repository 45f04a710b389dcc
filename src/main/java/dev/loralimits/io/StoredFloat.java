package dev.loralimits.io;

import java.nio.ByteBuffer;

/**
 * The binary floating-point formats a tensor file may store (spec/FORMATS.md Section 4.1), each
 * read as the double it is exactly: every float64, float32, float16 and bfloat16 value is a
 * double (their precisions 53, 24, 11 and 8 bits and exponent ranges all fit binary64's), so no
 * value is ever rounded on the way in.
 *
 * <p>{@link #F16} and {@link #BF16} are decoded from their bits here, not through a library
 * ({@code Float.float16ToFloat} is Java 20+):
 *
 * <ul>
 *   <li>float16 (IEEE 754 binary16): sign bit 15, exponent {@code e} bits 14-10 (bias 15),
 *       fraction {@code f} bits 9-0. {@code e = 0}: {@code f * 2^-24} (zero and the subnormals);
 *       {@code 1 <= e <= 30}: {@code (1024 + f) * 2^(e - 25)}; {@code e = 31}: infinity when
 *       {@code f = 0}, else NaN.
 *   <li>bfloat16: the upper 16 bits of a float32 (sign, 8 exponent bits, 7 fraction bits), so its
 *       value is that of the float32 with those bits and 16 zero bits below:
 *       {@code e = 0}: {@code f * 2^-133}; {@code 1 <= e <= 254}: {@code (128 + f) * 2^(e - 134)};
 *       {@code e = 255}: infinity or NaN.
 * </ul>
 *
 * The sign applies to every case ({@code -0} stays {@code -0.0}); every NaN becomes
 * {@link Double#NaN} (its payload is not kept: only "is NaN" matters to the readers, which refuse
 * it in an instance and count it in a candidate).
 */
enum StoredFloat {
  F64(8),
  F32(4),
  F16(2),
  BF16(2);

  private final int bytes;

  StoredFloat(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per value. */
  int itemSize() {
    return bytes;
  }

  /** The value at byte {@code at} of {@code b}, in the byte order of {@code b}. */
  double get(ByteBuffer b, int at) {
    return switch (this) {
      case F64 -> b.getDouble(at);
      case F32 -> b.getFloat(at);
      case F16 -> float16(b.getShort(at) & 0xffff);
      case BF16 -> bfloat16(b.getShort(at) & 0xffff);
    };
  }

  /** Bits of the binary16 exponent and fraction fields. */
  private static final int F16_FRACTION_BITS = 10;
  private static final int F16_EXPONENT_MASK = 0x1f;
  /** 15 (the bias) + 10 (the fraction bits): a normal value is {@code (1024 + f) * 2^(e - 25)}. */
  private static final int F16_SHIFT = 25;
  /** The smallest subnormal binary16 is {@code 2^-24}. */
  private static final int F16_SUBNORMAL_EXPONENT = -24;

  /**
   * The binary16 value of the low 16 bits of {@code bits}, exactly.
   *
   * @param bits a bit pattern in {@code [0, 65535]}
   */
  static double float16(int bits) {
    int e = (bits >>> F16_FRACTION_BITS) & F16_EXPONENT_MASK;
    int f = bits & ((1 << F16_FRACTION_BITS) - 1);
    double magnitude;
    if (e == F16_EXPONENT_MASK) {
      magnitude = f == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (e == 0) {
      magnitude = Math.scalb((double) f, F16_SUBNORMAL_EXPONENT);
    } else {
      magnitude = Math.scalb((double) ((1 << F16_FRACTION_BITS) + f), e - F16_SHIFT);
    }
    return (bits & 0x8000) != 0 ? -magnitude : magnitude;
  }

  /**
   * The bfloat16 value of the low 16 bits of {@code bits}, exactly: the float32 whose upper half
   * they are, widened to double (both steps exact).
   *
   * @param bits a bit pattern in {@code [0, 65535]}
   */
  static double bfloat16(int bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }
}
