package dev.loralimits.reference;

/** The four independent ways the reference computes a gradient (proofs-notes/MODEL.md §3). */
public enum Form {
  /** (E1) Lemma 3.1, the tensor-trick form; the value weight by the Kronecker form. */
  LEMMA_3_1("E1", "Lemma 3.1 (tensor-trick form)"),
  /** (E2) Lemma 3.2, the p-form from {@code q = C3 c^T} and per-row softmax Jacobians. */
  LEMMA_3_2("E2", "Lemma 3.2 (p-form)"),
  /** (E3) Theorem F.1, the quadratic algorithm with {@code p = p1 - p2}. */
  THEOREM_F_1("E3", "Theorem F.1 (quadratic exact algorithm)"),
  /** Central finite difference of the loss, derivation-free. */
  FINITE_DIFFERENCE("FD", "central finite difference of the loss");

  private final String tag;
  private final String description;

  Form(String tag, String description) {
    this.tag = tag;
    this.description = description;
  }

  /** Short tag: E1, E2, E3, FD. */
  public String tag() {
    return tag;
  }

  public String description() {
    return description;
  }
}
