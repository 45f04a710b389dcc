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
 * <p>{@link dev.loralimits.fast.LayerExact}: the exact gradient of an attention layer (heads,
 * causal masks, output projection; proofs-notes/LAYER.md §4) in doubles, one pass over the query
 * rows. The almost-linear method does not cover layers yet.
 */
package dev.loralimits.fast;
