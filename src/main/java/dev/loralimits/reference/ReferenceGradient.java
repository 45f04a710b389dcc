package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * The reference entry point and its precision contract (spec/FORMATS.md, "Precision contract").
 *
 * <p><b>Contract.</b> For {@code digits = N}, every returned number {@code xh} with exact value x
 * satisfies {@code |xh - x| <= 10^{1-N} max(|x|, 10^{-N} M)}, where M is the largest exact
 * magnitude in the matrix that holds x ({@link #magnitude(ApMatrix)}): the loss counts as a 1 x 1
 * matrix, and each {@code dLoss/dA_mu} and {@code dLoss/dB_mu} is a matrix of its own. So every
 * number has N correct significant digits (the last one within one unit), except entries more
 * than N orders of magnitude below the largest entry of their own matrix, which are correct to
 * {@code 10^{1-2N} M} absolutely. A huge loss does not loosen the gradients, and a matrix whose
 * exact entries are all zero (M = 0: Q and K gradients when every key length is 1, dA when B = 0,
 * everything at an exact fit) must be returned as exact zeros.
 *
 * <p><b>How it is met.</b> Inputs are exact decimals; each operation rounds to a working precision
 * of {@code p = N + GUARD_DIGITS} digits ({@link Arithmetic}). The whole computation is repeated at
 * {@code p' = p + GUARD_DIGITS}; the result is accepted only if every number of the two runs agrees
 * to {@code |x_p - x_p'| <= 10^{-(N+1)} max(|x_p'|, 10^{-N} M_p')}, with {@code M_p'} the largest
 * magnitude of that number's matrix in the p' run, and otherwise the precision grows (doubling the
 * step) up to {@link #maxPrecision}. Error of a fixed sequence of roundings scales as
 * {@code K 10^{-p}} with K independent of p (a condition number), so the observed difference
 * bounds the error at p, and the error at p' is {@code 10^{-20}} times smaller still; the accepted
 * p' result is rounded half-even to N digits, which adds at most half a unit of the last digit.
 * This is verification by recomputation (as in Ziv's rounding test), not interval arithmetic (E3
 * on the binary engine first tries a rigorous midpoint-radius run, {@link BinaryReference}); the
 * three exact forms and the finite difference agreeing to 30+ digits (ExactGradientsProperties)
 * are the independent check.
 */
public final class ReferenceGradient {
  /** Guard digits added to the requested digits; also the step between the two checking runs. */
  public static final int GUARD_DIGITS = 20;
  /** Default number of significant digits. */
  public static final int DEFAULT_DIGITS = 50;
  /** Largest number of digits an entry point accepts. */
  public static final int MAX_DIGITS = 2000;
  /** The method name written in gradient files. */
  public static final String METHOD = "reference";

  private ReferenceGradient() {}

  /** The working-precision cap for N digits: {@code 8 N + 100}. */
  public static long maxPrecision(int digits) {
    return 8L * digits + 100;
  }

  /** Theorem F.1 (E3) at N digits under the precision contract. */
  public static GradientResult compute(LoraInstance inst, int digits) {
    return compute(inst, digits, Form.THEOREM_F_1);
  }

  /** Theorem F.1 (E3) at N digits under the precision contract, reporting rows done to {@code progress}. */
  public static GradientResult compute(LoraInstance inst, int digits, Progress progress) {
    return compute(inst, digits, Form.THEOREM_F_1, progress);
  }

  /**
   * The loss and every adapter gradient by {@code form}, each number correct to {@code digits}
   * significant digits under the contract above.
   *
   * @throws IllegalArgumentException when digits is outside [1, MAX_DIGITS]
   * @throws ArithmeticException when the contract cannot be verified below {@link #maxPrecision}
   * @throws OutOfRangeException when a result is outside the range the reference can write or
   *     certify ({@link RangeGuard}, spec/FORMATS.md Section 3.4)
   */
  public static GradientResult compute(LoraInstance inst, int digits, Form form) {
    return compute(inst, digits, form, Progress.NONE);
  }

  /**
   * As {@link #compute(LoraInstance, int, Form)}; E3 runs on the binary engine
   * ({@link BinaryReference}: one run with rigorous radii, accepted when every radius meets the
   * contract, else the same two-level protocol at P bits per level, P >= p log2 10) and
   * reports its rows to {@code progress}; where that engine cannot answer (a number outside its
   * range, or no agreeing pair, e.g. an exact fit whose decimal zeros binary rounding blurs), and
   * for the other forms, the apfloat path {@link #computeApfloat} answers.
   *
   * @throws IllegalArgumentException when digits is outside [1, MAX_DIGITS]
   * @throws ArithmeticException when the contract cannot be verified below {@link #maxPrecision}
   */
  public static GradientResult compute(LoraInstance inst, int digits, Form form, Progress progress) {
    Checks.notNull("instance", inst);
    Checks.notNull("form", form);
    Checks.notNull("progress", progress);
    Checks.inRange("digits", digits, 1, MAX_DIGITS);
    if (form == Form.THEOREM_F_1) {
      GradientResult r = BinaryReference.certify(inst, digits, progress, BinaryReference.defaultThreads());
      if (r != null) {
        return r;
      }
    }
    return computeApfloat(inst, digits, form);
  }

  /**
   * The apfloat path: {@code form} at decimal working precisions under the protocol above (for
   * E3, the previous engine, kept for comparison and as the fallback of {@link #compute}).
   *
   * @throws IllegalArgumentException when digits is outside [1, MAX_DIGITS]
   * @throws ArithmeticException when the contract cannot be verified below {@link #maxPrecision}
   */
  public static GradientResult computeApfloat(LoraInstance inst, int digits, Form form) {
    Checks.notNull("instance", inst);
    Checks.notNull("form", form);
    Checks.inRange("digits", digits, 1, MAX_DIGITS);
    ApInstance ap = ApInstance.of(inst);
    long p = digits + GUARD_DIGITS;
    long step = GUARD_DIGITS;
    RangeGuard range = RangeGuard.scan(ap, p);
    ApGradients coarse = range.admit(computeAt(ap, form, p));
    while (true) {
      long fine = p + step;
      ApGradients accurate = range.admit(computeAt(ap, form, fine));
      String disagreement = disagreement(coarse, accurate, digits);
      if (disagreement == null) {
        return round(accurate, digits, form);
      }
      if (fine >= maxPrecision(digits)) {
        throw new ArithmeticException(
            "could not certify " + digits + " digits of " + disagreement + " at precision " + fine);
      }
      coarse = accurate;
      p = fine;
      step *= 2;
    }
  }

  /** One unverified run of {@code form} at working precision p (for tests and timing). */
  public static ApGradients computeAt(ApInstance inst, Form form, long p) {
    return form == Form.FINITE_DIFFERENCE
        ? FiniteDifference.compute(inst, p)
        : AdapterGradients.compute(inst, form, new Arithmetic(p));
  }

  /**
   * Null when every number agrees under the acceptance test, else the name of the first that does
   * not. Each matrix (the loss as a 1 x 1 matrix, each {@code dLoss/dA_mu}, {@code dLoss/dB_mu})
   * is tested against its own M, the largest magnitude of that matrix in the fine result.
   */
  static String disagreement(ApGradients coarse, ApGradients fine, int digits) {
    if (!agrees(coarse.loss(), fine.loss(), magnitude(fine.loss()), digits)) {
      return "the loss";
    }
    for (Adapter mu : fine.gradA().keySet()) {
      if (!agrees(coarse.gradA().get(mu), fine.gradA().get(mu), digits)) {
        return "dLoss/dA_" + mu;
      }
      if (!agrees(coarse.gradB().get(mu), fine.gradB().get(mu), digits)) {
        return "dLoss/dB_" + mu;
      }
    }
    return null;
  }

  /** M of one returned matrix: the largest magnitude among its entries (0 for an all-zero matrix). */
  public static Apfloat magnitude(ApMatrix m) {
    return m.maxAbs();
  }

  /** M of the loss, a 1 x 1 matrix: {@code |loss|}. */
  public static Apfloat magnitude(Apfloat loss) {
    return ApfloatMath.abs(loss);
  }

  /**
   * Every entry agrees against {@code M = magnitude(fine)}, the fine matrix's own scale. A wide
   * matrix ({@link RangeGuard#powerOfTen} k != 0) is compared as {@code 10^{-k}} times itself:
   * the test is homogeneous, and scaling by a power of ten is exact in radix 10.
   */
  static boolean agrees(ApMatrix coarse, ApMatrix fine, int digits) {
    Apfloat m = magnitude(fine);
    long k = RangeGuard.powerOfTen(m);
    for (int i = 0; i < fine.rows(); i++) {
      for (int j = 0; j < fine.cols(); j++) {
        if (!agrees(scale(coarse.get(i, j), -k), scale(fine.get(i, j), -k), scale(m, -k), digits)) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@code x 10^k}, exact (radix 10). */
  private static Apfloat scale(Apfloat x, long k) {
    return k == 0 || x.signum() == 0 ? x : ApfloatMath.scale(x, k);
  }

  /**
   * {@code |a - b| <= 10^{-(N+1)} max(|b|, 10^{-N} M)}, decided in exact decimal arithmetic. With
   * {@code M = 0} (an all-zero fine matrix) only {@code a = b = 0} agrees.
   */
  static boolean agrees(Apfloat a, Apfloat b, Apfloat m, int digits) {
    if (a.signum() != 0 && Math.abs(RangeGuard.exponent(a)) > RangeGuard.MAX_RESULT_EXPONENT) {
      // b and m are inside the decimal range (admitted or scaled); an a this far from them cannot
      // agree, and no BigDecimal holds it.
      return false;
    }
    BigDecimal diff = ApMatrix.toBigDecimal(a).subtract(ApMatrix.toBigDecimal(b)).abs();
    BigDecimal floor = ApMatrix.toBigDecimal(m).scaleByPowerOfTen(-digits);
    BigDecimal scale = ApMatrix.toBigDecimal(b).abs().max(floor);
    return diff.compareTo(scale.scaleByPowerOfTen(-(digits + 1))) <= 0;
  }

  /** Rounds every number half-even to N significant digits. */
  static GradientResult round(ApGradients g, int digits, Form form) {
    MathContext mc = new MathContext(digits, RoundingMode.HALF_EVEN);
    Map<Adapter, AdapterGradient> out = new EnumMap<>(Adapter.class);
    for (Adapter mu : g.gradA().keySet()) {
      out.put(
          mu,
          new AdapterGradient(
              round(g.gradA().get(mu), "dLoss/dA_" + mu, mc), round(g.gradB().get(mu), "dLoss/dB_" + mu, mc)));
    }
    String method = form == Form.THEOREM_F_1 ? METHOD : METHOD + "-" + form.tag();
    return new GradientResult(method, digits, ApMatrix.toBigDecimal(g.loss()).round(mc), out);
  }

  /**
   * Each entry rounded to {@code mc}; a matrix beyond the decimal range
   * ({@link RangeGuard#powerOfTen} k != 0) as the wide matrix of mantissas {@code x 10^{-k}}
   * rounded to {@code mc} (rounding commutes with the exact scaling by {@code 10^{-k}}).
   */
  static DecimalMatrix round(ApMatrix m, String name, MathContext mc) {
    long k = RangeGuard.powerOfTen(m.maxAbs());
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = ApMatrix.toBigDecimal(scale(m.get(i, j), -k)).round(mc);
      }
    }
    return k == 0 ? DecimalMatrix.of(name, b) : DecimalMatrix.wide(name, b, k);
  }
}
