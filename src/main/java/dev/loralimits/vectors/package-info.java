/**
 * Golden vectors: a fixed, versioned set of LoRA attention instances with their reference loss
 * and adapter gradients, for checking other implementations without running this one
 * ({@code spec/vectors/README.md}).
 *
 * <p>{@link dev.loralimits.vectors.VectorCases} draws the cases from fixed seeds (random
 * well-conditioned ones for every square shape, then the edge cases named by
 * {@link dev.loralimits.vectors.VectorFlag}, then rectangular ones with every width and rank drawn
 * separately, appended so that the earlier tcIds keep their tests); {@link dev.loralimits.vectors.GoldenVectors}
 * computes each with the reference at 40 digits and writes one JSON file in the shape of Project
 * Wycheproof's test vectors. Everything is deterministic, so {@code lora-limits vectors} rewrites
 * the committed file byte for byte ({@code VectorsExamples} checks it).
 */
package dev.loralimits.vectors;
