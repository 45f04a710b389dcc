/**
 * Checking other implementations against the reference (spec/CHECK.md): candidate matrices
 * (which may hold NaN and infinities) compared entry by entry in exact decimals under an
 * {@link dev.loralimits.check.EntryTolerance}, with per-matrix errors, correct digits (LRE),
 * margins and a verdict ({@link dev.loralimits.check.GradientCheck}), and the reference's digits
 * chosen so that its certified error is a small share of every allowed error
 * ({@link dev.loralimits.check.ReferenceDigits}).
 *
 * <p>Tolerances: by default precision-aware, a per-entry bound on the error of a correct
 * implementation in a floating-point format (proofs-notes/CHECK-TOLERANCE.md):
 * {@link dev.loralimits.check.PrecisionTolerance} for the paper's single-head model,
 * {@link dev.loralimits.check.LayerPrecisionTolerance} for attention layers (heads, causal masks,
 * the output projection, rsLoRA; Section 7), both built on the same softmax-row bound
 * ({@link dev.loralimits.check.SoftmaxRow}); or the fixed rule
 * {@link dev.loralimits.check.FixedTolerance}, {@code atol + rtol * M}.
 */
package dev.loralimits.check;
