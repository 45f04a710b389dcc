package dev.loralimits.model;

/**
 * The four projections of an attention layer (spec/PROBLEMS.md Section 7): query, key, value and
 * the output projection O. Q, K and V are the paper's three ({@link Adapter}); O exists only in a
 * layer instance and may be absent (no output projection).
 */
public enum LayerWeight {
  Q,
  K,
  V,
  O;

  /** The paper's adapter of the same name; O has none. */
  public java.util.Optional<Adapter> adapter() {
    return this == O ? java.util.Optional.empty() : java.util.Optional.of(Adapter.valueOf(name()));
  }
}
