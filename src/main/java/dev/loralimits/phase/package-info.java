/**
 * The phase transition of Remark 4.1 / 5.2, measured: where the almost-linear algorithm
 * ({@link dev.loralimits.fast.AlmostLinear}, Theorem 3.1) stops being cheaper than the exact
 * quadratic one (Theorem 4.1 says: once Gamma passes about {@code sqrt(log L)}, under SETH).
 *
 * <p>{@link dev.loralimits.phase.PhaseSweep} builds seeded self-attention instances whose query
 * and key norms are exactly Gamma, asks {@link dev.loralimits.fast.AlmostLinear#plan} for the
 * certified degree, rank and radius at {@code epsilon = 1/L} (with a large rank budget, so that the
 * degree is visible beyond the efficient regime, and with the default budget, which decides "fast"
 * against "exact cheaper"), and records one {@link dev.loralimits.phase.PhasePoint} per
 * {@code (L, d, Gamma / sqrt(ln L))}. {@link dev.loralimits.phase.PhaseTiming} holds indicative
 * wall times of both algorithms; {@link dev.loralimits.phase.PhaseReport} writes the table and the
 * CSV, {@link dev.loralimits.phase.PhaseCharts} the plots. The command is
 * {@code lora-limits phase}; the discussion is proofs-notes/PHASE.md.
 */
package dev.loralimits.phase;
