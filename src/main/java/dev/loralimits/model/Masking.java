package dev.loralimits.model;

/**
 * Which keys a query row attends to (spec/PROBLEMS.md Section 7.2). Query j of a point with
 * {@code Lq} queries and {@code Lk} keys attends to keys {@code 0 .. lastKey(j)}; the softmax is
 * taken over those keys only, and every other entry of the row is exactly 0.
 */
public enum Masking {
  /** Every query attends to every key (the paper's model). */
  NONE("none"),
  /**
   * Causal, aligned at the first position: query j attends to keys {@code l <= j} (PyTorch's
   * {@code scaled_dot_product_attention(is_causal=True)}, a lower-triangular mask
   * {@code tril(ones(Lq, Lk))}). Every row has key 0.
   */
  TOP_LEFT("top-left"),
  /**
   * Causal, aligned at the last position: query j attends to keys {@code l <= j + Lk - Lq} (the
   * queries are the last {@code Lq} positions of the key sequence, as in decoding with a key/value
   * cache). Requires {@code Lk >= Lq}, so that query 0 has a key.
   */
  BOTTOM_RIGHT("bottom-right");

  private final String tag;

  Masking(String tag) {
    this.tag = tag;
  }

  /** The name in instance files: none, top-left, bottom-right. */
  public String tag() {
    return tag;
  }

  /** The masking whose {@link #tag} is {@code tag}, or null. */
  public static Masking ofTag(String tag) {
    for (Masking m : values()) {
      if (m.tag.equals(tag)) {
        return m;
      }
    }
    return null;
  }

  /**
   * The last key query j attends to (inclusive): {@code Lk - 1}, {@code min(j, Lk - 1)} or
   * {@code j + Lk - Lq}.
   *
   * @throws IllegalArgumentException when j is outside {@code [0, Lq)}, or a bottom-right mask has
   *     {@code Lk < Lq}
   */
  public int lastKey(int j, int lq, int lk) {
    Checks.argument(j >= 0 && j < lq, "query row " + j + " must be in [0, " + lq + ")");
    return switch (this) {
      case NONE -> lk - 1;
      case TOP_LEFT -> Math.min(j, lk - 1);
      case BOTTOM_RIGHT -> {
        Checks.argument(lk >= lq, "a bottom-right causal mask needs at least as many keys (" + lk + ") as queries (" + lq + ")");
        yield j + lk - lq;
      }
    };
  }
}
