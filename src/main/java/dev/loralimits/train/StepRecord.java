package dev.loralimits.train;

/**
 * One training step as logged (proofs-notes/TRAIN.md §5). The norms are those of the parameters the
 * gradient was taken at (before the step).
 *
 * @param step the step number, from 0
 * @param loss the loss at the parameters of this step (the method's value: fast's is within
 *     {@code lossBound} of the exact one)
 * @param gammaQ {@code max over points ||X^Q W_Q||_inf}
 * @param gammaK {@code max over points ||X^K W_K||_inf}
 * @param ratio {@code max(gammaQ, gammaK) / sqrt(ln L)}
 * @param scoreRadius {@code beta max_j ||q_j||_2 max_l ||k_l||_2}, an upper bound of every |score|
 *     (Cauchy-Schwarz; the fast method's own certified radius R, for centred keys, is at most this
 *     up to rounding)
 * @param method the method that answered ({@code fast} or {@code exact})
 * @param refusal why fast was not used (empty when it was, or when exact was forced)
 * @param degree the fast method's degree, or -1
 * @param rank its feature rank, or -1
 * @param bound its certified max-entry gradient bound, or NaN
 * @param lossBound its certified loss bound, or NaN
 * @param controlFactor the norm control's factor c* after this step (1 when nothing moved or no control)
 * @param wallNanos wall time of the gradient (the step's arithmetic beyond it is not counted)
 * @param cpuNanos process CPU time of the gradient, all threads
 */
public record StepRecord(
    int step, double loss, double gammaQ, double gammaK, double ratio, double scoreRadius, String method,
    String refusal, int degree, long rank, double bound, double lossBound, double controlFactor, long wallNanos,
    long cpuNanos) {

  /** The CSV header, in the order of {@link #csv()}. */
  public static final String CSV_HEADER =
      "step,loss,gamma_q,gamma_k,ratio,score_radius,method,degree,rank,bound,loss_bound,control_factor,wall_ms,cpu_ms,refusal";

  /** One CSV line (numbers with 17 significant digits; the refusal quoted). */
  public String csv() {
    return step + "," + num(loss) + "," + num(gammaQ) + "," + num(gammaK) + "," + num(ratio) + "," + num(scoreRadius)
        + "," + method + "," + degree + "," + rank + "," + num(bound) + "," + num(lossBound) + "," + num(controlFactor)
        + "," + num(wallNanos / 1e6) + "," + num(cpuNanos / 1e6) + ",\"" + refusal.replace("\"", "\"\"") + "\"";
  }

  private static String num(double x) {
    return Double.isNaN(x) ? "" : Double.toString(x);
  }
}
