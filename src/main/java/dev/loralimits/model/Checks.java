package dev.loralimits.model;

import java.math.BigDecimal;

/**
 * Precondition helpers with messages that name the argument and the rule broken (the habit of
 * Guava's {@code MathPreconditions}). Comparisons on doubles are written NaN-safe
 * ({@code !(x > 0)} rejects NaN as well as non-positive values).
 */
public final class Checks {
  private Checks() {}

  /**
   * @throws IllegalArgumentException "{@code name} (value) must be > 0" when x is not positive
   *     or is NaN
   */
  public static double positive(String name, double x) {
    if (!(x > 0)) {
      throw new IllegalArgumentException(name + " (" + x + ") must be > 0");
    }
    return x;
  }

  /** @throws IllegalArgumentException when x is NaN or infinite */
  public static double finite(String name, double x) {
    if (!Double.isFinite(x)) {
      throw new IllegalArgumentException(name + " (" + x + ") must be finite");
    }
    return x;
  }

  /** @throws IllegalArgumentException when x is not positive */
  public static int positive(String name, int x) {
    if (x <= 0) {
      throw new IllegalArgumentException(name + " (" + x + ") must be > 0");
    }
    return x;
  }

  /** @throws IllegalArgumentException when x lies outside [lo, hi] */
  public static int inRange(String name, int x, int lo, int hi) {
    if (x < lo || x > hi) {
      throw new IllegalArgumentException(
          name + " (" + x + ") must be in [" + lo + ", " + hi + "]");
    }
    return x;
  }

  /** @throws IllegalArgumentException when x is not strictly positive */
  public static BigDecimal positive(String name, BigDecimal x) {
    notNull(name, x);
    if (x.signum() <= 0) {
      throw new IllegalArgumentException(name + " (" + x + ") must be > 0");
    }
    return x;
  }

  /** @throws IllegalArgumentException "{@code name} (x) must be >= 0" when x is null or negative */
  public static BigDecimal nonNegative(String name, BigDecimal x) {
    notNull(name, x);
    if (x.signum() < 0) {
      throw new IllegalArgumentException(name + " (" + x.toString() + ") must be >= 0");
    }
    return x;
  }

  /** @throws IllegalArgumentException when x is null */
  public static <T> T notNull(String name, T x) {
    if (x == null) {
      throw new IllegalArgumentException(name + " is missing");
    }
    return x;
  }

  /** @throws IllegalArgumentException "name has R rows, expected E" */
  public static void rows(String name, Shaped m, int expected, String why) {
    if (m.rows() != expected) {
      throw new IllegalArgumentException(
          name + " has " + m.rows() + " rows, expected " + expected + " (" + why + ")");
    }
  }

  /** @throws IllegalArgumentException "name has C columns, expected E" */
  public static void cols(String name, Shaped m, int expected, String why) {
    if (m.cols() != expected) {
      throw new IllegalArgumentException(
          name + " has " + m.cols() + " columns, expected " + expected + " (" + why + ")");
    }
  }

  /** @throws IllegalArgumentException when the condition is false, with the given message */
  public static void argument(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /**
   * NaN-safe closed-interval check.
   *
   * @throws IllegalArgumentException "{@code name} (x) must be in [lo, hi]" when x is NaN or
   *     outside [lo, hi]
   */
  public static double inClosedRange(String name, double x, double lo, double hi) {
    if (!(x >= lo && x <= hi)) {
      throw new IllegalArgumentException(
          name + " (" + x + ") must be in [" + bound(lo) + ", " + bound(hi) + "]");
    }
    return x;
  }

  /**
   * NaN-safe open-interval check.
   *
   * @throws IllegalArgumentException "{@code name} (x) must be in (lo, hi)" when x is NaN or
   *     outside (lo, hi)
   */
  public static double inOpenRange(String name, double x, double lo, double hi) {
    if (!(x > lo && x < hi)) {
      throw new IllegalArgumentException(
          name + " (" + x + ") must be in (" + bound(lo) + ", " + bound(hi) + ")");
    }
    return x;
  }

  /** Interval ends as a reader writes them: 64 rather than 64.0. */
  private static String bound(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
