package dev.loralimits.fast;

/**
 * An instance number whose magnitude exceeds the largest double (about 1.8e308): the double
 * methods cannot represent the instance; the apfloat reference reads any decimal (whether it can
 * answer depends on the instance: exponentials of scores beyond apfloat's exponent range cannot
 * be formed). A computation that cannot be done, not a malformed input (the CLI exits 1 and
 * suggests {@code --method reference}).
 */
public final class OutOfDoubleRangeException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  /** @param message names the number (field, entry, value) and the range */
  public OutOfDoubleRangeException(String message) {
    super(message);
  }
}
