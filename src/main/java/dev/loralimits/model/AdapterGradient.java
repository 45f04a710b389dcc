package dev.loralimits.model;

/**
 * The gradient of the loss with respect to one adapter's factors, with the shapes of the factors
 * (proofs-notes/ERRATA.md E1: the paper's Problem statements transpose them; we do not).
 *
 * @param a {@code dLoss/dA}, shape of A ({@code r x cols(W)})
 * @param b {@code dLoss/dB}, shape of B ({@code rows(W) x r})
 */
public record AdapterGradient(DecimalMatrix a, DecimalMatrix b) {
  public AdapterGradient {
    Checks.notNull("dLoss/dA", a);
    Checks.notNull("dLoss/dB", b);
  }
}
