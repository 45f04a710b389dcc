package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The precision contract (spec/FORMATS.md §3) met by the binary engine {@link BinaryTheoremF1}.
 *
 * <p><b>One run with radii first.</b> The engine runs once at {@code p_0 = N + GUARD_DIGITS}
 * ({@code P = ceil(p log2 10) + 4} bits), every number with a rigorous radius
 * ({@link BinaryTheoremF1#computeBalls}, proofs-notes/REFERENCE-ENGINE.md §8). The result rounded
 * to N digits ({@link ReferenceGradient#round}) is returned when, for every number of every
 * matrix, {@link #withinContract}: {@code |xh - mid| + r <= 10^{1-N} max(|mid| - r, 10^{-N} M_low)}
 * with {@code M_low = max_k (|mid_k| - r_k)} over the matrix. Since {@code |x| >= |mid| - r} and the
 * matrix's exact M is at least {@code M_low}, this implies the contract for the exact x.
 *
 * <p><b>Otherwise the two-level protocol</b> (FORMATS §3.2): the run above is its level
 * {@code p_0} (its midpoints are those of an unverified run at {@code p_0}, bit for bit), then
 * {@code p_1 = N + 40} and doubling steps, accepted by {@link ReferenceGradient#disagreement}.
 *
 * <p>Returns null (the caller then takes the apfloat path, whose behaviour is unchanged) when the
 * engine cannot represent the instance ({@link OutOfBinaryRangeException}) or when no pair of
 * levels up to the cap agrees: the binary rounding of decimal inputs turns an exact zero that the
 * decimal path keeps (an exact fit, {@code Y = Z}) into rounding noise, which never agrees between
 * levels; apfloat computes such instances in radix 10 (proofs-notes/REFERENCE-ENGINE.md §6).
 */
final class BinaryReference {
  /**
   * Guard digits of the one-run level: the same as the protocol's first level, so that a run whose
   * radii are too wide is not wasted (it is the protocol's {@code p_0}). Radii on ordinary
   * instances are a few hundred to 10^6 times 10^{-p} of their scale (§8.9); 20 digits leave
   * room for condition numbers up to about 10^17.
   */
  static final int GUARD_DIGITS = ReferenceGradient.GUARD_DIGITS;

  private BinaryReference() {}

  /** How a certified result was reached. */
  enum Path {
    /** One run, radii within the contract. */
    ONE_RUN,
    /** The two-level protocol after radii that were too wide. */
    TWO_LEVELS
  }

  /** A certified result and how it was reached. */
  record Certified(GradientResult result, Path path) {}

  /** Worker threads: the available processors, at most {@link BinaryTheoremF1#ROW_BLOCKS}. */
  static int defaultThreads() {
    return Math.max(1, Math.min(BinaryTheoremF1.ROW_BLOCKS, Runtime.getRuntime().availableProcessors()));
  }

  /** The certified result, or null when the apfloat path must answer. */
  static GradientResult certify(LoraInstance inst, int digits, Progress progress, int threads) {
    Certified c = certifyWithPath(inst, digits, progress, threads);
    return c == null ? null : c.result();
  }

  /** {@link #certify} saying which path answered; null when the apfloat path must answer. */
  static Certified certifyWithPath(LoraInstance inst, int digits, Progress progress, int threads) {
    long rows = BinaryTheoremF1.rows(inst);
    AtomicLong total = new AtomicLong(rows);
    BinaryTheoremF1.RowCounter counter = new BinaryTheoremF1.RowCounter(progress, total::get);
    try {
      long p = digits + GUARD_DIGITS;
      BallGradients first = BinaryTheoremF1.computeBalls(inst, BinaryArithmetic.forDigits(p), threads, counter);
      GradientResult rounded = ReferenceGradient.round(first.mid(), digits, Form.THEOREM_F_1);
      if (withinContract(first, rounded, digits)) {
        return new Certified(rounded, Path.ONE_RUN);
      }
      long step = ReferenceGradient.GUARD_DIGITS;
      ApGradients coarse = first.mid();
      while (true) {
        long fine = p + step;
        total.addAndGet(rows);
        ApGradients accurate = run(inst, fine, threads, counter);
        if (ReferenceGradient.disagreement(coarse, accurate, digits) == null) {
          return new Certified(ReferenceGradient.round(accurate, digits, Form.THEOREM_F_1), Path.TWO_LEVELS);
        }
        if (fine >= ReferenceGradient.maxPrecision(digits)) {
          return null;
        }
        coarse = accurate;
        p = fine;
        step *= 2;
      }
    } catch (OutOfBinaryRangeException e) {
      return null;
    }
  }

  /** One unverified run at p decimal digits (P bits). */
  static ApGradients run(LoraInstance inst, long p, int threads, BinaryTheoremF1.RowCounter counter) {
    return BinaryTheoremF1.compute(inst, BinaryArithmetic.forDigits(p), threads, counter);
  }

  /**
   * The one-run acceptance test (§8.8): every matrix of {@code rounded} (the loss as 1 x 1, each
   * {@code dLoss/dA_mu}, {@code dLoss/dB_mu}) meets the contract for every exact value the balls
   * of {@code g} allow. Decided in exact decimal arithmetic; false when a radius is vacuous or
   * too wide to expand.
   */
  static boolean withinContract(BallGradients g, GradientResult rounded, int digits) {
    if (!withinContract(
        new BigDecimal[][] {{ApMatrix.toBigDecimal(g.mid().loss())}},
        new Bound[][] {{g.lossRadius()}},
        new BigDecimal[][] {{rounded.loss()}},
        digits)) {
      return false;
    }
    for (Adapter mu : g.mid().gradA().keySet()) {
      if (!withinContract(
              entries(g.mid().gradA().get(mu)), g.radiusA().get(mu), entries(rounded.gradients().get(mu).a()), digits)
          || !withinContract(
              entries(g.mid().gradB().get(mu)), g.radiusB().get(mu), entries(rounded.gradients().get(mu).b()), digits)) {
        return false;
      }
    }
    return true;
  }

  /**
   * One matrix: {@code |xh - mid| + r <= 10^{1-N} max(|mid| - r, 10^{-N} M_low)} for every entry,
   * {@code M_low = max(0, max_k (|mid_k| - r_k))}.
   */
  static boolean withinContract(BigDecimal[][] mid, Bound[][] radius, BigDecimal[][] written, int digits) {
    int rows = mid.length;
    int cols = mid[0].length;
    BigDecimal[][] r = new BigDecimal[rows][cols];
    BigDecimal low = BigDecimal.ZERO;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        r[i][j] = radius[i][j].toBigDecimal();
        if (r[i][j] == null) {
          return false;
        }
        low = low.max(mid[i][j].abs().subtract(r[i][j]));
      }
    }
    BigDecimal floor = low.scaleByPowerOfTen(-digits);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        BigDecimal error = written[i][j].subtract(mid[i][j]).abs().add(r[i][j]);
        BigDecimal scale = mid[i][j].abs().subtract(r[i][j]).max(floor);
        if (error.compareTo(scale.scaleByPowerOfTen(1 - digits)) > 0) {
          return false;
        }
      }
    }
    return true;
  }

  private static BigDecimal[][] entries(ApMatrix m) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = ApMatrix.toBigDecimal(m.get(i, j));
      }
    }
    return b;
  }

  private static BigDecimal[][] entries(DecimalMatrix m) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = m.get(i, j);
      }
    }
    return b;
  }
}
