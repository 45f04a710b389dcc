/**
 * The hardness side as executable reductions (spec HARDNESS.md). This package holds H3: the
 * AAttLGC loss read off gradient answers.
 *
 * <p>{@link dev.loralimits.hardness.LossFromGradients} computes
 * {@code phi(1) = phi(0) + integral_0^1 trace(dl/dX (lambda I_m)) d lambda} from a
 * {@link dev.loralimits.hardness.TraceGradientOracle} (any {@link
 * dev.loralimits.hardness.GradientOracle}, e.g. a LoRA-gradient oracle through the H4 embedding,
 * via {@code TraceGradientOracle.ofGradient}) with a composite
 * {@link dev.loralimits.hardness.GaussLegendre} rule chosen from a proved error bound: phi' extends
 * analytically to the strip {@code |Im lambda| < pi / R} (R the largest score-row range) and is
 * bounded there, which bounds the Gauss error on every panel (proofs-notes/HARDNESS-H3.md).
 * {@link dev.loralimits.hardness.AttentionLossGradient} is the direct double-precision loss and
 * gradient, used as the reference oracle in tests.
 */
package dev.loralimits.hardness;
