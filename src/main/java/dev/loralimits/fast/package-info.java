/**
 * Double-precision algorithms: the exact quadratic gradient and the almost-linear one.
 *
 * <p>{@link dev.loralimits.fast.ExactDouble} is Theorem F.1 in doubles: stable (row maxima
 * subtracted), streamed over query rows (no L x L matrix), multi-threaded with results independent
 * of the thread count; a pivoted centred softmax backward and double-double scores
 * ({@link dev.loralimits.fast.DoubleDouble}) where the scores are large keep it accurate on
 * one-hot rows and large scores; its rounding error is bounded in proofs-notes/EXACT-DOUBLE.md.
 *
 * <p>{@link dev.loralimits.fast.AlmostLinear} is Lemmas 3.3-3.7 with Theorems 3.1 and A.1 (and
 * the V adapters): a certified polynomial ({@link dev.loralimits.fast.ExpPolynomial}) turns the
 * attention matrix into low-rank factors ({@link dev.loralimits.fast.FeatureMap}), and every
 * gradient is assembled from factor aggregates in {@code O(L k1 d^2)} time. Each answer carries a
 * certified max-entry error bound ({@link dev.loralimits.fast.FastBound},
 * proofs-notes/FAST-BOUND.md) that covers the polynomial and every rounding; when the bound cannot
 * meet epsilon within the rank budget, it refuses
 * ({@link dev.loralimits.fast.OutsideEfficientRegimeException}).
 *
 * <p>Classes by job. {@code AlmostLinear} is the entry point only (options, plan, the passes per
 * point); {@code PreparedPoint} turns a data point into the passes' inputs; {@code FastBound} is
 * the certifier (every inequality of FAST-BOUND.md, from the input norms (1.1)-(1.3) to the
 * adapters' bounds); {@code DegreeSearch} is Lemma 3.3 (radius and degree); {@code LemmaKernels}
 * holds one method per lemma per row (3.4-3.7, Theorems 3.1 and A.1). {@code RowScheduler}
 * splits row ranges over threads with a summation order fixed by the row count alone, for both
 * algorithms; {@link dev.loralimits.fast.Dense} holds the dense kernels (dot, axpy, maxima,
 * products, the LoRA merge, each in a stated summation order), public because the other
 * double-precision packages (hardness, check, vectors) use it too. Inputs come in through
 * {@link dev.loralimits.fast.DoubleInstance} (and {@code DoubleData}, its merged weights); this
 * package depends on {@code model} (and apfloat for {@code ChebyshevInterpolant}'s certified
 * coefficients).
 *
 * <p>{@link dev.loralimits.fast.LayerExact}: the exact gradient of an attention layer (heads,
 * causal masks, output projection; proofs-notes/LAYER.md §4) in doubles, one pass over the query
 * rows. {@link dev.loralimits.fast.LayerFast}: the almost-linear method for layers (per head,
 * causal masks by prefix sums of the key aggregates and suffix sums of the query aggregates, the
 * upstream gradient through O in place of the paper's c), with its certifier
 * {@code LayerFastBound} (proofs-notes/FAST-BOUND.md §12) and result
 * {@link dev.loralimits.fast.LayerFastResult}; single-threaded.
 */
package dev.loralimits.fast;
