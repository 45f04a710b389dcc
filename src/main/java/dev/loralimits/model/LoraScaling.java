package dev.loralimits.model;

/**
 * The scale s of an adapter of rank r (spec/PROBLEMS.md Section 7.1): {@code W = W* + s B A}.
 * PEFT's {@code use_rslora=False} is {@link #LORA}, {@code use_rslora=True} is {@link #RSLORA}.
 * (PEFT's {@code lora_dropout} acts only in training mode; gradients in evaluation mode, or with
 * dropout 0, are those of this model.)
 */
public enum LoraScaling {
  /** {@code s = alpha / r} (Definition 1.1). */
  LORA("lora"),
  /** {@code s = alpha / sqrt(r)} (rank-stabilised LoRA). */
  RSLORA("rslora");

  private final String tag;

  LoraScaling(String tag) {
    this.tag = tag;
  }

  /** The name in instance files: lora, rslora. */
  public String tag() {
    return tag;
  }

  /** The scaling whose {@link #tag} is {@code tag}, or null. */
  public static LoraScaling ofTag(String tag) {
    for (LoraScaling m : values()) {
      if (m.tag.equals(tag)) {
        return m;
      }
    }
    return null;
  }
}
