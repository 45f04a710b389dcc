package dev.loralimits.check;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.CandidateMatrix.NonFiniteCount;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Compares a candidate gradient (another implementation's output) with the reference, matrix by
 * matrix, in exact decimal arithmetic (spec/CHECK.md).
 *
 * <p>An entry passes when {@code |c - r| <= allowed(i, j)}, the allowed error given by an
 * {@link EntryTolerance} ({@link FixedTolerance}: {@code atol + rtol * M}, M the max-entry norm of
 * the reference matrix); a non-finite candidate entry never passes. Each matrix also reports
 * {@code max |c - r|}, the relative error {@code max |c - r| / M}, the log relative error
 * {@code LRE = -log10(max |c - r| / M)} (the number of correct significant digits, normwise, as
 * NIST StRD scores accuracy, capped at the reference's digits) and the margin
 * {@code max_ij |c - r| / allowed(i, j)} (the entry passes iff its ratio is {@code <= 1}; 0/0 = 0).
 * Every value is computed from the exact decimals, so an error of {@code 1e-58946} is reported as
 * such and never underflows to 0.
 */
public final class GradientCheck {
  /**
   * Precision of the quotients reported (relative error, margin): 16 significant digits, more than
   * any report prints. The verdict never depends on them: it compares exact decimals.
   */
  static final MathContext QUOTIENT = new MathContext(16, RoundingMode.HALF_EVEN);

  /** The margin rounded up, so that a failing entry never shows a margin of 1 or less. */
  static final MathContext MARGIN = new MathContext(16, RoundingMode.CEILING);

  /** The reason of a candidate gradient for a projection the instance does not adapt. */
  public static final String FROZEN = "frozen";

  private GradientCheck() {}

  /**
   * One compared matrix. Empty values are infinite or undefined, as stated for each.
   *
   * @param name "loss", "dLoss/dA_Q", ...
   * @param rows rows
   * @param cols columns
   * @param pass every entry finite and within its allowed error
   * @param maxAbsError {@code max |c - r|}, exact; empty when some candidate entry is non-finite
   * @param scale M, the max-entry norm of the reference matrix, exact
   * @param relativeError {@code maxAbsError / M} to 16 digits; 0 when both are 0, empty when it is
   *     infinite (M = 0 < maxAbsError) or maxAbsError is empty
   * @param lre {@code min(N, -log10(relativeError))}, N the reference's digits (N when the error
   *     is 0); empty when relativeError is empty (no correct digit can be claimed)
   * @param tolerance the allowed error at the entry of largest margin (of the smallest allowed
   *     error among entries of equal margin), exact
   * @param margin {@code max_ij |c - r| / allowed(i, j)} rounded up to 16 digits (0/0 = 0); empty
   *     when infinite (a non-finite entry, or an error where nothing is allowed)
   * @param nonFinite the non-finite candidate entries, by kind
   */
  public record MatrixReport(
      String name, int rows, int cols, boolean pass, Optional<BigDecimal> maxAbsError, BigDecimal scale,
      Optional<BigDecimal> relativeError, OptionalDouble lre, BigDecimal tolerance, Optional<BigDecimal> margin,
      NonFiniteCount nonFinite) {
    public MatrixReport {
      Checks.notNull("name", name);
      Checks.notNull("maxAbsError", maxAbsError);
      Checks.notNull("scale", scale);
      Checks.notNull("relativeError", relativeError);
      Checks.notNull("lre", lre);
      Checks.notNull("tolerance", tolerance);
      Checks.notNull("margin", margin);
      Checks.notNull("nonFinite", nonFinite);
    }
  }

  /**
   * A candidate matrix that is not compared.
   *
   * @param name "dLoss/dA_K", ...
   * @param rows rows as written
   * @param cols columns as written
   * @param reason {@value #FROZEN}: the instance does not adapt the projection
   */
  public record NotCompared(String name, int rows, int cols, String reason) {}

  /**
   * All matrices and the verdict.
   *
   * @param matrices the compared matrices: the loss first (when the candidate has one), then A and
   *     B of each adapted projection in Q, K, V order
   * @param notCompared the candidate's gradients of projections the instance freezes
   * @param pass every compared matrix passes
   * @param tolerance the tolerance applied
   * @param referenceDigits significant digits of the reference
   */
  public record Report(
      List<MatrixReport> matrices, List<NotCompared> notCompared, boolean pass, EntryTolerance tolerance,
      int referenceDigits) {
    public Report {
      matrices = List.copyOf(matrices);
      notCompared = List.copyOf(notCompared);
      Checks.notNull("tolerance", tolerance);
    }
  }

  /**
   * Candidate shapes that differ from the instance's: every mismatch, and whether all of them are
   * those of nn.Linear orientation.
   */
  public static final class ShapeMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final boolean linearOrientation;

    ShapeMismatchException(String message, boolean linearOrientation) {
      super(message);
      this.linearOrientation = linearOrientation;
    }

    /**
     * Whether every compared gradient has the shape it has when the weights are taken in
     * nn.Linear orientation ({@code x W^T}, as PyTorch and PEFT store them): each matrix
     * transposed, or A and B holding the gradients of PEFT's lora_A and lora_B.
     */
    public boolean linearOrientation() {
      return linearOrientation;
    }
  }

  /**
   * A reference matrix beyond the range in which a check compares and reports (spec/CHECK.md
   * Section 1: a wide matrix, entries of order {@code 10^{-7.5 10^14}} at beta = 10^15): no
   * candidate number, error or tolerance of the report can be written next to it.
   */
  public static final class OutOfComparableRangeException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    OutOfComparableRangeException(String message) {
      super(message);
    }
  }

  /**
   * Refuses a reference with a wide matrix ({@code DecimalMatrix.isWide}): its numbers are
   * outside the decimal range of every candidate and of the report's errors and tolerances.
   *
   * @param reference the reference answer, not null
   * @throws OutOfComparableRangeException naming the first wide matrix and its power of ten
   */
  public static void requireComparable(GradientResult reference) {
    Checks.notNull("reference", reference);
    for (Map.Entry<Adapter, AdapterGradient> e : reference.gradients().entrySet()) {
      refuseWide("dLoss/dA_" + e.getKey(), e.getValue().a());
      refuseWide("dLoss/dB_" + e.getKey(), e.getValue().b());
    }
  }

  private static void refuseWide(String name, DecimalMatrix m) {
    if (m.isWide()) {
      throw new OutOfComparableRangeException(
          "check cannot compare " + name + ": the reference's entries are of order 10^" + m.powerOfTen()
              + ", outside the range of candidates and of the report (10^-999999999 to 10^999999999);"
              + " gradient --method reference writes them");
    }
  }

  /**
   * Compares {@code candidate} (its loss and gradients) with {@code reference}.
   *
   * @throws IllegalArgumentException as {@link #compare(GradientResult, Optional, Map, EntryTolerance)}
   */
  public static Report compare(GradientResult reference, GradientResult candidate, EntryTolerance tolerance) {
    Checks.notNull("candidate", candidate);
    Map<Adapter, CandidateGradient> g = new EnumMap<>(Adapter.class);
    for (Map.Entry<Adapter, AdapterGradient> e : candidate.gradients().entrySet()) {
      g.put(e.getKey(), CandidateGradient.of(e.getValue()));
    }
    return compare(reference, Optional.of(CandidateMatrix.scalar(candidate.loss())), g, tolerance);
  }

  /**
   * Compares a candidate given as its loss, when it has one (else the report has no loss row), and
   * its gradients with {@code reference}. Gradients of projections the reference does not have
   * (frozen in the instance) are reported as not compared.
   *
   * @throws IllegalArgumentException naming the projection when the candidate lacks the gradient of
   *     an adapted projection; a {@link ShapeMismatchException} naming every matrix whose shape
   *     differs (and saying when it is the transpose, and when all are in nn.Linear orientation)
   * @throws OutOfComparableRangeException when a reference matrix is wide ({@link #requireComparable})
   */
  public static Report compare(
      GradientResult reference, Optional<CandidateMatrix> candidateLoss, Map<Adapter, CandidateGradient> candidate,
      EntryTolerance tolerance) {
    Checks.notNull("reference", reference);
    Checks.notNull("candidate loss", candidateLoss);
    Checks.notNull("candidate", candidate);
    Checks.notNull("tolerance", tolerance);
    requireComparable(reference);
    Set<Adapter> adapted = reference.gradients().keySet();
    StringJoiner absent = new StringJoiner(", ");
    for (Adapter mu : adapted) {
      if (!candidate.containsKey(mu)) {
        absent.add(mu.name());
      }
    }
    Checks.argument(
        absent.length() == 0,
        "candidate has no gradients for " + absent + ", which the instance adapts (it adapts "
            + names(adapted) + ")");
    checkShapes(reference.gradients(), candidate);
    List<MatrixReport> out = new ArrayList<>();
    List<NotCompared> skipped = new ArrayList<>();
    int digits = reference.digits();
    if (candidateLoss.isPresent()) {
      out.add(compare("loss", DecimalMatrix.of("loss", new BigDecimal[][] {{reference.loss()}}), candidateLoss.get(),
          tolerance, digits));
    }
    for (Adapter mu : Adapter.values()) {
      CandidateGradient c = candidate.get(mu);
      AdapterGradient r = reference.gradients().get(mu);
      if (c == null) {
        continue;
      }
      if (r == null) {
        skipped.add(new NotCompared("dLoss/dA_" + mu, c.a().rows(), c.a().cols(), FROZEN));
        skipped.add(new NotCompared("dLoss/dB_" + mu, c.b().rows(), c.b().cols(), FROZEN));
      } else {
        out.add(compare("dLoss/dA_" + mu, r.a(), c.a(), tolerance, digits));
        out.add(compare("dLoss/dB_" + mu, r.b(), c.b(), tolerance, digits));
      }
    }
    boolean pass = out.stream().allMatch(MatrixReport::pass);
    return new Report(out, skipped, pass, tolerance, digits);
  }

  /**
   * Compares candidate matrices with reference matrices of the same names (an attention layer's:
   * the loss, dLoss/dA_mu and dLoss/dB_mu for mu in Q, K, V, O), in the reference's order.
   *
   * @param reference the reference matrices by name, in report order, none wide
   * @param candidate the candidate's matrices by name: every reference name must be present
   * @param notCompared the candidate's matrices of frozen projections, reported as such
   * @param tolerance the tolerance
   * @param digits the reference's significant digits
   * @return the report
   * @throws IllegalArgumentException naming the matrices the candidate lacks; a
   *     {@link ShapeMismatchException} naming every matrix whose shape differs
   */
  public static Report compareNamed(
      Map<String, DecimalMatrix> reference, Map<String, CandidateMatrix> candidate, List<NotCompared> notCompared,
      EntryTolerance tolerance, int digits) {
    Checks.notNull("reference", reference);
    Checks.notNull("candidate", candidate);
    Checks.notNull("notCompared", notCompared);
    Checks.notNull("tolerance", tolerance);
    StringJoiner absent = new StringJoiner(", ");
    StringJoiner problems = new StringJoiner("; ");
    for (Map.Entry<String, DecimalMatrix> e : reference.entrySet()) {
      CandidateMatrix c = candidate.get(e.getKey());
      if (c == null) {
        absent.add(e.getKey());
      } else {
        mismatch(e.getKey(), e.getValue(), c, problems);
      }
    }
    Checks.argument(absent.length() == 0, "candidate has no " + absent + ", which the reference has");
    if (problems.length() > 0) {
      throw new ShapeMismatchException(problems.toString(), false);
    }
    List<MatrixReport> out = new ArrayList<>();
    for (Map.Entry<String, DecimalMatrix> e : reference.entrySet()) {
      out.add(compare(e.getKey(), e.getValue(), candidate.get(e.getKey()), tolerance, digits));
    }
    return new Report(out, notCompared, out.stream().allMatch(MatrixReport::pass), tolerance, digits);
  }

  private static String names(Set<Adapter> s) {
    StringJoiner j = new StringJoiner(", ");
    s.forEach(mu -> j.add(mu.name()));
    return s.isEmpty() ? "none" : j.toString();
  }

  /** Throws one {@link ShapeMismatchException} naming every compared matrix whose shape differs. */
  private static void checkShapes(Map<Adapter, AdapterGradient> reference, Map<Adapter, CandidateGradient> candidate) {
    StringJoiner problems = new StringJoiner("; ");
    int compared = 0;
    int mismatched = 0;
    boolean linear = true;
    for (Map.Entry<Adapter, AdapterGradient> e : reference.entrySet()) {
      Adapter mu = e.getKey();
      DecimalMatrix ra = e.getValue().a();
      DecimalMatrix rb = e.getValue().b();
      CandidateGradient c = candidate.get(mu);
      compared += 2;
      mismatched += mismatch("dLoss/dA_" + mu, ra, c.a(), problems) + mismatch("dLoss/dB_" + mu, rb, c.b(), problems);
      boolean transposed = isTranspose(c.a(), ra) && isTranspose(c.b(), rb);
      boolean loraNames = isTranspose(c.a(), rb) && isTranspose(c.b(), ra);
      linear &= transposed || loraNames;
    }
    if (mismatched == 0) {
      return;
    }
    boolean allLinear = linear && mismatched == compared;
    String message = problems.toString();
    if (allLinear) {
      message += "; every gradient has the shape of nn.Linear orientation (x W^T, weights stored out x in as"
          + " PyTorch and PEFT do): transpose to ours (X W: dLoss/dA is r x cols(W), dLoss/dB is rows(W) x r)";
    }
    throw new ShapeMismatchException(message, allLinear);
  }

  /** 1 after adding the problem when the shapes of {@code x} and {@code r} differ, else 0. */
  private static int mismatch(String name, DecimalMatrix r, CandidateMatrix x, StringJoiner problems) {
    if (r.rows() == x.rows() && r.cols() == x.cols()) {
      return 0;
    }
    problems.add(name + ": candidate is " + x.shape() + ", expected " + r.shape() + (isTranspose(x, r) ? " (the transpose)" : ""));
    return 1;
  }

  private static boolean isTranspose(CandidateMatrix c, DecimalMatrix r) {
    return c.rows() == r.cols() && c.cols() == r.rows();
  }

  /** The comparison of one matrix; shapes already agree. */
  static MatrixReport compare(String name, DecimalMatrix ref, CandidateMatrix cand, EntryTolerance tolerance, int digits) {
    Checks.argument(
        ref.rows() == cand.rows() && ref.cols() == cand.cols(),
        name + ": candidate is " + cand.shape() + ", expected " + ref.shape());
    DecimalMatrix allowed = tolerance.allowed(name, ref);
    Checks.argument(
        allowed != null && allowed.rows() == ref.rows() && allowed.cols() == ref.cols(),
        "tolerance of " + name + ": expected a " + ref.shape() + " matrix of allowed errors, got "
            + (allowed == null ? "none" : allowed.shape()));
    BigDecimal scale = ref.maxAbs();
    BigDecimal maxErr = BigDecimal.ZERO;
    boolean pass = true;
    Ratio worst = null;
    for (int i = 0; i < ref.rows(); i++) {
      for (int j = 0; j < ref.cols(); j++) {
        BigDecimal a = allowed.get(i, j);
        Checks.argument(a.signum() >= 0, "tolerance of " + name + ": allowed error at [" + i + "][" + j + "] (" + a + ") must be >= 0");
        Ratio q;
        if (cand.isFinite(i, j)) {
          // Signed difference first: an overshoot and an undershoot of the same size count alike.
          BigDecimal e = cand.get(i, j).subtract(ref.get(i, j)).abs();
          maxErr = maxErr.max(e);
          pass &= e.compareTo(a) <= 0;
          q = new Ratio(e, a, false);
        } else {
          pass = false;
          q = new Ratio(null, a, true);
        }
        if (worst == null || q.compareTo(worst) > 0 || (q.compareTo(worst) == 0 && a.compareTo(worst.allowed) < 0)) {
          worst = q;
        }
      }
    }
    NonFiniteCount nonFinite = cand.nonFiniteCount();
    boolean finite = nonFinite.total() == 0;
    Optional<BigDecimal> rel;
    if (!finite || (scale.signum() == 0 && maxErr.signum() > 0)) {
      rel = Optional.empty();
    } else if (maxErr.signum() == 0) {
      rel = Optional.of(BigDecimal.ZERO);
    } else {
      rel = Optional.of(maxErr.divide(scale, QUOTIENT));
    }
    OptionalDouble lre;
    if (rel.isEmpty()) {
      lre = OptionalDouble.empty();
    } else if (maxErr.signum() == 0) {
      lre = OptionalDouble.of(digits);
    } else {
      lre = OptionalDouble.of(Math.min(digits, lre(maxErr, scale)));
    }
    return new MatrixReport(
        name, ref.rows(), ref.cols(), pass, finite ? Optional.of(maxErr) : Optional.empty(), scale, rel, lre,
        worst.allowed, worst.value(), nonFinite);
  }

  /**
   * {@code -log10(err / M) = log10(M / err)} for {@code err, M > 0}, from the exact decimals'
   * exponents and leading digits ({@link DecimalLog#log10Ratio}), never through the quotient as a
   * double (which underflows below {@code 1e-324}).
   */
  static double lre(BigDecimal err, BigDecimal scale) {
    return DecimalLog.log10Ratio(scale, err);
  }

  /** The ratio {@code error / allowed} of one entry; infinite for a non-finite entry or x/0 with x > 0. */
  private static final class Ratio implements Comparable<Ratio> {
    final BigDecimal error;
    final BigDecimal allowed;
    final boolean infinite;

    Ratio(BigDecimal error, BigDecimal allowed, boolean nonFinite) {
      this.error = error;
      this.allowed = allowed;
      this.infinite = nonFinite || (allowed.signum() == 0 && error.signum() > 0);
    }

    boolean isZero() {
      return !infinite && error.signum() == 0;
    }

    /** The ratio rounded up to 16 digits; empty when infinite; 0/0 = 0. */
    Optional<BigDecimal> value() {
      if (infinite) {
        return Optional.empty();
      }
      return Optional.of(isZero() ? BigDecimal.ZERO : error.divide(allowed, MARGIN));
    }

    @Override
    public int compareTo(Ratio o) {
      if (infinite || o.infinite) {
        return Boolean.compare(infinite, o.infinite);
      }
      if (isZero() || o.isZero()) {
        return Boolean.compare(!isZero(), !o.isZero());
      }
      // Both finite and positive with positive allowed errors: e1/a1 vs e2/a2 as e1 a2 vs e2 a1, exactly.
      return error.multiply(o.allowed).compareTo(o.error.multiply(allowed));
    }
  }
}
