package dev.loralimits.phase;

/**
 * One point of the sweep: what {@link dev.loralimits.fast.AlmostLinear#plan} certifies for a
 * self-attention instance of length L, width d and norm bound {@code Gamma = ratio * sqrt(ln L)}
 * at {@code epsilon = 1/L}.
 *
 * @param length L
 * @param width d (head width; {@code W_Q = W_K = W_V = I_d} before the adapters)
 * @param ratio {@code Gamma / sqrt(ln L)}
 * @param gamma Gamma, the bound on {@code ||X^Q W_Q||_inf} and {@code ||X^K W_K||_inf} (attained)
 * @param epsilon the requested max-entry accuracy, {@code 1/L}
 * @param radius the certified score radius R (Lemma 3.3; about {@code d Gamma^2} here)
 * @param status what the plan with the large budget {@code sweepBudget} returned
 * @param degree the certified degree g, or for a refusal the degree it stopped at (-1: none)
 * @param rank the certified rank {@code k1 = binom(g + d, d)}, or -1 without a certificate
 * @param sweepBudget the large rank budget of the sweep
 * @param defaultBudget the default budget: the rank at which the fast algorithm's own operation
 *     count reaches the exact algorithm's ({@code AlmostLinear.Options}, rankBudget 0)
 * @param fastAnswers whether the plan with the default budget answers (the "fast" regime)
 * @param kernelDegree the kernel-only degree {@link PhaseSweep#kernelDegree}: the least g whose
 *     exact-arithmetic truncation bound is {@code <= 1/L} on {@code [-R, R]} (no gradient
 *     amplification, no rounding), or -1 above {@link PhaseSweep#KERNEL_DEGREE_CAP}
 * @param kernelRank {@code binom(kernelDegree + d, d)} as a double (it can pass {@code 2^63}), NaN
 *     without a kernel degree
 */
public record PhasePoint(
    int length, int width, double ratio, double gamma, double epsilon, double radius, Status status,
    int degree, long rank, long sweepBudget, long defaultBudget, boolean fastAnswers,
    int kernelDegree, double kernelRank) {

  /** The outcome of the plan with the sweep's large budget. */
  public enum Status {
    /** A degree and rank were certified within the budget. */
    CERTIFIED("certified"),
    /** The certified degree needs a rank above the sweep budget. */
    RANK_ABOVE_BUDGET("rank > budget"),
    /** Double rounding alone exceeds epsilon at this degree (FAST-BOUND.md §8): no degree works. */
    ROUNDING("rounding > eps"),
    /** {@code R > ExpPolynomial.MAX_RADIUS}, or no degree up to the maximum meets epsilon. */
    NO_POLYNOMIAL("no polynomial");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    /** A short label for tables. */
    public String label() {
      return label;
    }
  }

  /** Whether a degree and rank were certified (within the sweep budget). */
  public boolean certified() {
    return status == Status.CERTIFIED;
  }

  /**
   * The predicted cost ratio fast/exact in the paper's asymptotic operation counts:
   * {@code (L k1 d^2) / (L^2 d) = k1 d / L} (Theorem 3.1 against Theorem F.1, constants dropped);
   * NaN without a certificate.
   */
  public double costRatio() {
    return certified() ? (double) rank * width / length : Double.NaN;
  }

  /** {@link #costRatio} for the kernel-only rank: {@code kernelRank d / L}. */
  public double kernelCostRatio() {
    return kernelRank * width / length;
  }

  /**
   * The same ratio in the implementation's own operation counts, {@code k1 / defaultBudget}: it is
   * {@code <= 1} exactly when the default-budget plan answers (up to the floor in the budget).
   * For one self-attention point with {@code h = o = d} the budget is {@code floor(L / (d + 1))}
   * (exact: {@code 8 L^2 d}; fast: {@code 8 L d (d + 1)} per unit of rank), so this is about
   * {@code k1 (d + 1) / L}, i.e. {@link #costRatio} times {@code (d + 1) / d}.
   */
  public double operationRatio() {
    return certified() ? (double) rank / defaultBudget : Double.NaN;
  }
}
