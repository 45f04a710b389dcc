package dev.loralimits.model;

import java.util.Optional;

/**
 * Definition 1.1 (LoRA weight): one projection {@code W = W* + (alpha/r) B A} with frozen
 * {@code W*} ({@code a x b}, used as {@code X W}) and, when adapted, trainable
 * {@code B} ({@code a x r}) and {@code A} ({@code r x b}). Without A and B the projection is frozen.
 *
 * @param frozen the frozen weight {@code W*}
 * @param a the adapter factor A ({@code r x cols(W*)}), or null when frozen
 * @param b the adapter factor B ({@code rows(W*) x r}), or null when frozen
 */
public record Projection(DecimalMatrix frozen, DecimalMatrix a, DecimalMatrix b) {

  /**
   * @throws IllegalArgumentException when W is missing, only one of A and B is given, or the
   *     shapes of A and B do not fit W and each other (r mismatch)
   */
  public Projection {
    Checks.notNull("W", frozen);
    Checks.argument(
        (a == null) == (b == null), "A and B must be given together (got only " + (a == null ? "B" : "A") + ")");
    if (a != null) {
      Checks.cols("A", a, frozen.cols(), "A is r x cols(W)");
      Checks.rows("B", b, frozen.rows(), "B is rows(W) x r");
      Checks.cols("B", b, a.rows(), "r mismatch: B has r columns where A has r rows");
    }
  }

  /** A frozen projection (no adapter). */
  public static Projection frozen(DecimalMatrix w) {
    return new Projection(w, null, null);
  }

  /** An adapted projection. */
  public static Projection adapted(DecimalMatrix w, DecimalMatrix a, DecimalMatrix b) {
    return new Projection(w, Checks.notNull("A", a), Checks.notNull("B", b));
  }

  public boolean isAdapted() {
    return a != null;
  }

  /** The LoRA rank r, when adapted. */
  public Optional<Integer> rank() {
    return isAdapted() ? Optional.of(a.rows()) : Optional.empty();
  }

  /** Input width: rows of W (the width of the X this projection multiplies). */
  public int inputWidth() {
    return frozen.rows();
  }

  /** Output width: columns of W. */
  public int outputWidth() {
    return frozen.cols();
  }
}
