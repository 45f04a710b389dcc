/**
 * The hardness side of Theorem 4.1 as executable reductions (proofs-notes/MODEL.md §5):
 *
 * <pre>
 *   k-SAT --H1--&gt; Orthogonal Vectors --H2--&gt; attention detection --H3--&gt; AAttLGC --H4--&gt; ALoRAGC
 * </pre>
 *
 * <p>Each arrow is a final class with {@code forward} (build the instance), {@code decode} (map
 * the answer back) and {@code normMap} (max-entry norms in and out, {@link
 * dev.loralimits.hardness.NormMap}): {@link dev.loralimits.hardness.SatToOv} (H1, Williams 2005),
 * {@link dev.loralimits.hardness.OvToAttention} (H2, after Alman-Song 2023 with our constants),
 * {@link dev.loralimits.hardness.AttentionToLora} (H4, the paper's Appendix E). Their instances
 * are records: {@link dev.loralimits.hardness.Cnf}, {@link dev.loralimits.hardness.OvInstance},
 * {@link dev.loralimits.hardness.AttentionDetection}, {@link dev.loralimits.hardness.AAttLGC}
 * (with its direct gradient) and {@link dev.loralimits.hardness.LoraEmbedding}. H3 (loss from
 * gradients) maps H2 to AAttLGC by {@link dev.loralimits.hardness.AAttLGC#ofDetection}.
 * Constructions, proofs and constants: proofs-notes/HARDNESS-H1-H2-H4.md.
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
