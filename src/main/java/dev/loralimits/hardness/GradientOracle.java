package dev.loralimits.hardness;

/**
 * An AAttLGC gradient oracle: for a given lambda, an m x m matrix approximating
 * {@code dl/dX (lambda I_m)} entry by entry (the H4 embedding turns any LoRA-gradient oracle into
 * one: the first m columns of {@code dLoss/dA_Q}, divided by m).
 */
@FunctionalInterface
public interface GradientOracle {
  /** The m x m gradient at {@code X = lambda I_m}. */
  double[][] gradient(double lambda);
}
