package dev.loralimits.fast;

/**
 * A non-finite value in a pass of {@link AlmostLinear}: outside FAST-BOUND's floating-point model
 * (no overflow), so the answer is refused ({@link OutsideEfficientRegimeException}) rather than
 * returned. Never leaves the package.
 */
final class NonFiniteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param what names the quantity that is not finite */
  NonFiniteException(String what) {
    super(what);
  }
}
