package dev.loralimits.model;

/**
 * One adapter's gradient as another implementation wrote it: {@link AdapterGradient} with
 * {@link CandidateMatrix} factors, which may hold non-finite entries and are not checked against
 * each other (the comparison checks both against the instance's shapes and names every mismatch).
 *
 * @param a {@code dLoss/dA} as written (expected shape {@code r x cols(W)})
 * @param b {@code dLoss/dB} as written (expected shape {@code rows(W) x r})
 */
public record CandidateGradient(CandidateMatrix a, CandidateMatrix b) {
  public CandidateGradient {
    Checks.notNull("dLoss/dA", a);
    Checks.notNull("dLoss/dB", b);
  }

  /** The candidate form of a finite gradient. */
  public static CandidateGradient of(AdapterGradient g) {
    Checks.notNull("gradient", g);
    return new CandidateGradient(CandidateMatrix.of(g.a()), CandidateMatrix.of(g.b()));
  }
}
