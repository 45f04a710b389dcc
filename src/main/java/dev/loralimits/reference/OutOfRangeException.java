package dev.loralimits.reference;

/**
 * The reference cannot answer an instance the spec accepts because a number it would have to
 * compute or write lies outside a range it can represent: a loss of magnitude beyond
 * {@code 10^{+-}}{@link RangeGuard#MAX_RESULT_EXPONENT}, a gradient beyond
 * {@code 10^{+-}}{@link RangeGuard#MAX_WIDE_EXPONENT}, or a matrix whose exact value is
 * carried only by softmax entries below {@code exp(-}{@link AttentionHead#DROP_ARGUMENT}{@code )}
 * (spec/FORMATS.md Section 3.4). A refusal, not a malformed input: the CLI prints the message on
 * one line and exits 1.
 */
public final class OutOfRangeException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  /** @param message names the number (matrix, data point, row) and the range it is outside */
  public OutOfRangeException(String message) {
    super(message);
  }
}
