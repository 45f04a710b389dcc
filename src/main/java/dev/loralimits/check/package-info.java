/**
 * Checking other implementations against the reference (spec/CHECK.md): candidate matrices
 * (which may hold NaN and infinities) compared entry by entry in exact decimals under an
 * {@link dev.loralimits.check.EntryTolerance} ({@link dev.loralimits.check.FixedTolerance},
 * {@code atol + rtol * M}, by default), with per-matrix errors, correct digits (LRE), margins
 * and a verdict ({@link dev.loralimits.check.GradientCheck}), and the reference's digits chosen so
 * that its certified error is a small share of every allowed error
 * ({@link dev.loralimits.check.ReferenceDigits}).
 */
package dev.loralimits.check;
