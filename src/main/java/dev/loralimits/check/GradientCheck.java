package dev.loralimits.check;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares a candidate gradient (another implementation's output) with the reference, matrix by
 * matrix, in exact decimal arithmetic (spec/CHECK.md).
 *
 * <p>An entry passes when {@code |candidate - reference| <= atol + rtol * M}, with M the max-entry
 * norm of the reference matrix it belongs to ({@code |loss|} for the loss): normwise relative
 * accuracy, so entries that are small only by cancellation do not fail a correct implementation.
 * Accuracy is also reported as the log relative error {@code LRE = -log10(max|c - r| / M)} (the
 * number of correct significant digits, normwise, as NIST StRD scores accuracy), capped at the
 * reference's digits.
 */
public final class GradientCheck {
  /** Default relative tolerance (spec/CHECK.md: float64 code reaches 1e-13; float32 fails it). */
  public static final double DEFAULT_RTOL = 1e-9;
  /** Default absolute tolerance. */
  public static final double DEFAULT_ATOL = 0;

  private GradientCheck() {}

  /**
   * One compared matrix.
   *
   * @param name "loss", "dLoss/dA_Q", ...
   * @param rows rows
   * @param cols columns
   * @param maxAbsError {@code max |c - r|}
   * @param scale M, the max-entry norm of the reference matrix
   * @param relativeError {@code maxAbsError / M} (or maxAbsError when M = 0)
   * @param lre correct significant digits, normwise
   * @param pass every entry within {@code atol + rtol M}
   */
  public record MatrixReport(
      String name, int rows, int cols, double maxAbsError, double scale, double relativeError,
      double lre, boolean pass) {}

  /**
   * All matrices and the verdict.
   *
   * @param matrices loss first, then A and B of each adapter in Q, K, V order
   * @param pass every matrix passes
   * @param rtol the relative tolerance used
   * @param atol the absolute tolerance used
   * @param referenceDigits significant digits of the reference
   */
  public record Report(List<MatrixReport> matrices, boolean pass, double rtol, double atol, int referenceDigits) {
    public Report {
      matrices = List.copyOf(matrices);
    }
  }

  /**
   * Compares {@code candidate} with {@code reference}.
   *
   * @throws IllegalArgumentException naming the matrix when the adapters or shapes differ, or the
   *     tolerances are negative or not finite
   */
  public static Report compare(GradientResult reference, GradientResult candidate, double rtol, double atol) {
    Checks.notNull("candidate", candidate);
    return compare(reference, Optional.of(candidate.loss()), candidate.gradients(), rtol, atol);
  }

  /**
   * Compares a candidate given as its loss, when it has one, and its gradients with
   * {@code reference}; without a loss the report has no loss row (a tensor file may omit the loss,
   * spec/FORMATS.md Section 4.2).
   *
   * @throws IllegalArgumentException naming the matrix when the adapters or shapes differ, or the
   *     tolerances are negative or not finite
   */
  public static Report compare(
      GradientResult reference, Optional<BigDecimal> candidateLoss, Map<Adapter, AdapterGradient> candidate,
      double rtol, double atol) {
    Checks.notNull("reference", reference);
    Checks.notNull("candidate loss", candidateLoss);
    Checks.notNull("candidate", candidate);
    Checks.argument(rtol >= 0 && Double.isFinite(rtol), "--rtol (" + rtol + ") must be finite and >= 0");
    Checks.argument(atol >= 0 && Double.isFinite(atol), "--atol (" + atol + ") must be finite and >= 0");
    Checks.argument(
        candidate.keySet().equals(reference.gradients().keySet()),
        "candidate has gradients for " + candidate.keySet() + ", the instance adapts "
            + reference.gradients().keySet());
    List<MatrixReport> out = new ArrayList<>();
    int digits = reference.digits();
    if (candidateLoss.isPresent()) {
      out.add(compare("loss", single(reference.loss()), single(candidateLoss.get()), rtol, atol, digits));
    }
    for (Adapter mu : reference.gradients().keySet()) {
      AdapterGradient r = reference.gradients().get(mu);
      AdapterGradient c = candidate.get(mu);
      out.add(compare("dLoss/dA_" + mu, r.a(), c.a(), rtol, atol, digits));
      out.add(compare("dLoss/dB_" + mu, r.b(), c.b(), rtol, atol, digits));
    }
    boolean pass = out.stream().allMatch(MatrixReport::pass);
    return new Report(out, pass, rtol, atol, digits);
  }

  private static DecimalMatrix single(BigDecimal x) {
    return DecimalMatrix.of("loss", new BigDecimal[][] {{x}});
  }

  static MatrixReport compare(String name, DecimalMatrix ref, DecimalMatrix cand, double rtol, double atol, int digits) {
    Checks.argument(
        ref.rows() == cand.rows() && ref.cols() == cand.cols(),
        name + ": candidate is " + cand.shape() + ", expected " + ref.shape());
    BigDecimal scale = ref.maxAbs();
    BigDecimal allowed = new BigDecimal(atol).add(new BigDecimal(rtol).multiply(scale));
    BigDecimal maxErr = BigDecimal.ZERO;
    for (int i = 0; i < ref.rows(); i++) {
      for (int j = 0; j < ref.cols(); j++) {
        maxErr = maxErr.max(cand.get(i, j).subtract(ref.get(i, j)).abs());
      }
    }
    double rel = scale.signum() == 0
        ? maxErr.doubleValue()
        : maxErr.divide(scale, MathContext.DECIMAL64).doubleValue();
    double lre = maxErr.signum() == 0 ? digits : Math.min(digits, -Math.log10(rel));
    return new MatrixReport(
        name, ref.rows(), ref.cols(), maxErr.doubleValue(), scale.doubleValue(), rel, lre,
        maxErr.compareTo(allowed) <= 0);
  }
}
