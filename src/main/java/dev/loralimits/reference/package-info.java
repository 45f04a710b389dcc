/**
 * The arbitrary-precision reference: the paper's definitions, line by line, in apfloat.
 *
 * <p><b>Design.</b> Values ({@link dev.loralimits.reference.ApMatrix}) are separate from arithmetic
 * ({@link dev.loralimits.reference.Arithmetic}): every rounding happens at a precision that was
 * asked for, never at a default. Inputs are exact decimals (apfloat works in radix 10). Each
 * numbered statement of the paper is one class or method whose Javadoc opens with its number:
 * Definition 1.1 {@code LoraWeight}, Eq. 1.1 {@code AttentionHead}, Definition 1.2
 * {@code LoraLoss}, Definitions 2.1-2.4 and Lemma 2.1 {@code TensorTrick}, Definition 3.1
 * {@code ReducedForm}, Definitions 3.2-3.5 {@code TensorTrickObjects}, Lemma 3.1, Lemma 3.2,
 * Definition 3.6 and Theorem F.1 {@code ExactGradients}.
 *
 * <p><b>Independence.</b> The three exact forms share only the forward definitions: E1 builds the
 * Kronecker blocks and per-row softmax Jacobians, E2 the matrix q and the same Jacobians, E3 the
 * quadratic p1 - p2 split; the finite difference uses the loss alone. Their agreement to 30+
 * digits is the evidence (ExactGradientsProperties).
 *
 * <p><b>Precision contract.</b> {@link dev.loralimits.reference.ReferenceGradient}: N digits asked,
 * N digits delivered, verified by recomputation at a higher precision (spec/FORMATS.md §3). E3,
 * the default, runs on the binary engine ({@code BinaryTheoremF1}), which first certifies in one
 * run with a rigorous radius for every number ({@code Ball}, {@code BallArithmetic};
 * proofs-notes/REFERENCE-ENGINE.md §8) and falls back to the recomputation when a radius is too wide.
 *
 * <p><b>Beyond the paper.</b> {@link dev.loralimits.reference.LayerReference}: attention layers
 * (heads, causal masks, an output projection, batches; spec/PROBLEMS.md §7,
 * proofs-notes/LAYER.md) under the same contract, by the two-level recomputation on apfloat (not
 * the binary engine). Results beyond the decimal range are wide matrices
 * ({@code DecimalMatrix.wide}; {@code RangeGuard}).
 */
package dev.loralimits.reference;
