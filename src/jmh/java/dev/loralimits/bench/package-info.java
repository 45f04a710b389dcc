/**
 * JMH benchmarks of the double gradient algorithms (kept apart from the main build, STYLE.md 10):
 * compiled only under the Maven profile {@code bench}, which builds {@code target/benchmarks.jar}.
 *
 * <p>{@link dev.loralimits.bench.GradientBenchmark} times the exact quadratic algorithm
 * ({@code ExactDouble}, Theorem F.1) against the almost-linear one ({@code AlmostLinear},
 * Theorems 3.1 and A.1) on seeded self-attention instances built by
 * {@link dev.loralimits.bench.BenchInstances}; proofs-notes/BENCHMARKS.md holds the settings, the
 * commands and the measured results.
 */
package dev.loralimits.bench;
