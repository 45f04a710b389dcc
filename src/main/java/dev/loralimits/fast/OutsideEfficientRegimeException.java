package dev.loralimits.fast;

/**
 * Thrown when the almost-linear algorithm cannot certify the requested accuracy within its rank
 * budget (by default: the rank at which it would cost more than the exact quadratic algorithm).
 * It never returns an answer whose bound misses the target instead.
 */
public final class OutsideEfficientRegimeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int degree;
  private final long rank;
  private final double radius;
  private final long budget;

  public OutsideEfficientRegimeException(String message, int degree, long rank, double radius, long budget) {
    super(message);
    this.degree = degree;
    this.rank = rank;
    this.radius = radius;
    this.budget = budget;
  }

  /** The degree the certificate needs (-1 when no polynomial reaches the target). */
  public int degree() {
    return degree;
  }

  public long rank() {
    return rank;
  }

  public double radius() {
    return radius;
  }

  public long budget() {
    return budget;
  }
}
