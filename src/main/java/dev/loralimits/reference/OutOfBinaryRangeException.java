package dev.loralimits.reference;

/**
 * The binary engine ({@link BinaryTheoremF1}) cannot represent a number of this instance: an
 * exponent beyond the engine's range (a decimal input beyond {@code 10^{+-}}
 * {@link BinaryArithmetic#MAX_DECIMAL_EXPONENT}, an exponential of an argument beyond
 * {@code 2^}{@link BinaryExp#MAX_ARGUMENT_BITS}, or a binary exponent outside a {@code long}).
 * {@link ReferenceGradient} then computes the instance on the apfloat path instead.
 */
final class OutOfBinaryRangeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  OutOfBinaryRangeException(String message) {
    super(message);
  }
}
