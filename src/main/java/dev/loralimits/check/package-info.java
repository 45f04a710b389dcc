/**
 * Checking other implementations against the reference: per-matrix errors, correct digits (LRE)
 * and a verdict under stated tolerances (spec/CHECK.md).
 */
package dev.loralimits.check;
