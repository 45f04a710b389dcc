package dev.loralimits.model;

/**
 * The three projections of an attention head that may carry a LoRA adapter (proofs-notes/MODEL.md §1.2):
 * query, key and value. Case C1 of the paper adapts {Q, V}; case C2 adapts {Q, K, V}.
 */
public enum Adapter {
  Q,
  K,
  V
}
