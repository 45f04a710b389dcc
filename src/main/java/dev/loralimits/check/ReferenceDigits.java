package dev.loralimits.check;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;

/**
 * How many digits the reference needs for a check: enough that its certified error at every entry
 * is at most {@link #REFERENCE_SHARE} of the error the tolerance allows there, so that the
 * reference's own error cannot turn a verdict (spec/CHECK.md, "Digits of the reference").
 *
 * <p><b>The certified error.</b> The precision contract (spec/FORMATS.md Section 3.1, with the
 * scale taken per matrix) guarantees for N digits {@code |xh - x| <= 10^(1-N) max(|x|, 10^(-N) M)}
 * with x the exact value, xh the returned one and M the largest exact magnitude of the matrix
 * ({@code |loss|} for the loss). The exact values are unknown; the returned ones stand in for
 * them: for N >= 2, when {@code |x| >= 10^(-N) M} the contract gives
 * {@code |x| - |xh| <= 10^(1-N) |x|}, so {@code |x| <= |xh| / (1 - 10^(1-N)) <= (10/9) |xh|}; the
 * same holds for the entry where M is attained, so {@code M <= (10/9) max |xh|}; and when
 * {@code |x| < 10^(-N) M} the maximum is the floor term. Hence
 *
 * <pre>{@code |xh - x| <= B_N(i, j) := F 10^(1-N) max(|xh_ij|, 10^(-N) max |xh|),  F = STAND_IN_FACTOR >= 10/9.}</pre>
 *
 * <p><b>The condition.</b> For every compared entry, {@code B_N(i, j) <= REFERENCE_SHARE *
 * allowed(i, j)}. An entry whose allowed error is exactly 0 is met only by a returned exact 0:
 * the reference writes structural zeros as exact 0, and this is the one place where a returned
 * value is trusted beyond the contract's bound (a candidate can pass such an entry only by being
 * exactly 0 there as well).
 *
 * <p><b>Choosing N.</b> {@link #choose} computes the reference at the tolerance's starting digits,
 * checks the condition from the returned values and, when it fails, predicts from the same values
 * the smallest N that would meet it and recomputes there (at least one digit more each time), up
 * to {@link ReferenceGradient#MAX_DIGITS}.
 */
public final class ReferenceDigits {
  /** The reference's certified error may use at most this share of each entry's allowed error. */
  public static final BigDecimal REFERENCE_SHARE = new BigDecimal("0.01");

  /**
   * F, the factor covering the returned values standing in for the exact ones: 10/9 rounded up
   * (10/9 = 1.111...; see the class comment, valid for N >= 2).
   */
  public static final BigDecimal STAND_IN_FACTOR = new BigDecimal("1.12");

  /** The fewest digits {@link #choose} starts from. */
  public static final int MIN_STARTING_DIGITS = 20;

  /** The fewest digits for which the stand-in bound holds ({@code 1 - 10^(1-N) > 0}). */
  static final int MIN_DIGITS = 2;

  private static final MathContext NEEDED = new MathContext(2, RoundingMode.FLOOR);

  private ReferenceDigits() {}

  /**
   * Why a reference does not meet the condition for a tolerance.
   *
   * @param digits the digits of the reference examined
   * @param matrix the matrix that needs the most digits ("dLoss/dA_Q", ...)
   * @param row the entry of that matrix that needs the most digits
   * @param col its column
   * @param needed {@code REFERENCE_SHARE * allowed / (F * max(|xh|, 10^(-N) max |xh|))} at that
   *     entry, to 2 digits rounded down: the relative accuracy the tolerance needs; 0 when the entry
   *     allows no error and the reference is not exactly 0 there
   * @param minimumDigits the fewest digits that would meet the condition with the same returned
   *     values; empty when none up to {@link ReferenceGradient#MAX_DIGITS} would
   */
  public record Shortfall(int digits, String matrix, int row, int col, BigDecimal needed, OptionalInt minimumDigits) {
    /** {@code 10^(1-N)}: the relative accuracy the contract certifies at {@code digits}. */
    public BigDecimal certified() {
      return BigDecimal.ONE.scaleByPowerOfTen(1 - digits);
    }

    /**
     * "the reference is certified to 1e-7 relative, but the tolerance of dLoss/dA_Q needs 8.9e-12",
     * or, for an entry that allows no error, "the tolerance of dLoss/dA_Q allows no error at
     * [0][1], where the reference is not exactly 0".
     */
    public String reason() {
      if (needed.signum() == 0) {
        return "the tolerance of " + matrix + " allows no error at [" + row + "][" + col
            + "], where the reference is not exactly 0";
      }
      return "the reference is certified to " + FixedTolerance.text(certified()) + " relative, but the tolerance of "
          + matrix + " needs " + FixedTolerance.text(needed);
    }
  }

  /**
   * Whether {@code reference} meets the condition for {@code tolerance} on the matrices it is
   * compared on: the loss when {@code withLoss}, and every gradient.
   *
   * @return empty when it does, else the matrix and entry that need the most digits
   * @throws IllegalArgumentException when an argument is null
   */
  public static Optional<Shortfall> shortfall(GradientResult reference, boolean withLoss, EntryTolerance tolerance) {
    Checks.notNull("reference", reference);
    Checks.notNull("tolerance", tolerance);
    GradientCheck.requireComparable(reference);
    return shortfall(matrices(reference, withLoss), reference.digits(), tolerance);
  }

  /**
   * As {@link #shortfall(GradientResult, boolean, EntryTolerance)} for reference matrices given by
   * name (an attention layer's, with dLoss/dA_O), all certified to {@code digits}.
   *
   * @param matrices the compared reference matrices by name, none wide
   * @param digits the significant digits the reference certifies
   * @param tolerance the tolerance
   * @return empty when the reference meets the condition, else the entry that needs the most digits
   * @throws IllegalArgumentException when an argument is null
   */
  public static Optional<Shortfall> shortfall(Map<String, DecimalMatrix> matrices, int digits, EntryTolerance tolerance) {
    Checks.notNull("matrices", matrices);
    Checks.notNull("tolerance", tolerance);
    int n = digits;
    Shortfall worst = null;
    int worstDigits = 0;
    for (Map.Entry<String, DecimalMatrix> e : matrices.entrySet()) {
      DecimalMatrix r = e.getValue();
      DecimalMatrix allowed = tolerance.allowed(e.getKey(), r);
      BigDecimal max = r.maxAbs();
      for (int i = 0; i < r.rows(); i++) {
        for (int j = 0; j < r.cols(); j++) {
          BigDecimal x = r.get(i, j).abs();
          BigDecimal a = allowed.get(i, j);
          if (n >= MIN_DIGITS && meets(x, max, a, n)) {
            continue;
          }
          OptionalInt min = minimumDigits(x, max, a);
          int need = min.orElse(Integer.MAX_VALUE);
          if (worst == null || need > worstDigits) {
            worst = new Shortfall(n, e.getKey(), i, j, needed(x, max, a, n), min);
            worstDigits = need;
          }
        }
      }
    }
    return Optional.ofNullable(worst);
  }

  /**
   * The reference at the fewest digits this loop finds that meet the condition: starting at
   * {@code tolerance.startingDigits()}, each shortfall moves to its predicted minimum (at least
   * one digit more).
   *
   * @param reference the reference at N digits, for {@code 2 <= N <= MAX_DIGITS}
   * @throws IllegalArgumentException when no N up to {@link ReferenceGradient#MAX_DIGITS} meets
   *     the condition, with the reason
   */
  public static GradientResult choose(IntFunction<GradientResult> reference, boolean withLoss, EntryTolerance tolerance) {
    Checks.notNull("reference", reference);
    Checks.notNull("tolerance", tolerance);
    int n = Math.max(MIN_DIGITS, Math.min(tolerance.startingDigits(), ReferenceGradient.MAX_DIGITS));
    while (true) {
      GradientResult r = reference.apply(n);
      Optional<Shortfall> s = shortfall(r, withLoss, tolerance);
      if (s.isEmpty()) {
        return r;
      }
      Shortfall f = s.get();
      if (f.minimumDigits().isEmpty() || n >= ReferenceGradient.MAX_DIGITS) {
        throw new IllegalArgumentException(unreachable(f));
      }
      n = Math.min(ReferenceGradient.MAX_DIGITS, Math.max(n + 1, f.minimumDigits().getAsInt()));
    }
  }

  /** The message when no number of digits meets the condition. */
  static String unreachable(Shortfall f) {
    if (f.needed().signum() == 0) {
      return f.reason() + ": no number of digits of the reference certifies it";
    }
    return "the tolerance of " + f.matrix() + " needs the reference to " + FixedTolerance.text(f.needed())
        + " relative, more than " + ReferenceGradient.MAX_DIGITS + " digits certify";
  }

  /** The compared reference matrices by name: the loss (when compared), then A and B of each adapter. */
  static Map<String, DecimalMatrix> matrices(GradientResult reference, boolean withLoss) {
    Map<String, DecimalMatrix> m = new LinkedHashMap<>();
    if (withLoss) {
      m.put("loss", DecimalMatrix.of("loss", new BigDecimal[][] {{reference.loss()}}));
    }
    for (Map.Entry<Adapter, AdapterGradient> e : reference.gradients().entrySet()) {
      m.put("dLoss/dA_" + e.getKey(), e.getValue().a());
      m.put("dLoss/dB_" + e.getKey(), e.getValue().b());
    }
    return m;
  }

  /**
   * The condition at one entry: {@code B_N <= REFERENCE_SHARE * a}, with {@code x = |xh|},
   * {@code max = max |xh|} of the matrix; for {@code a = 0}, x = 0.
   */
  static boolean meets(BigDecimal x, BigDecimal max, BigDecimal a, int n) {
    if (a.signum() == 0) {
      return x.signum() == 0;
    }
    return bound(x, max, n).compareTo(REFERENCE_SHARE.multiply(a)) <= 0;
  }

  /** {@code B_N = F 10^(1-N) max(x, 10^(-N) max)}, exactly. */
  static BigDecimal bound(BigDecimal x, BigDecimal max, int n) {
    return STAND_IN_FACTOR.multiply(x.max(max.scaleByPowerOfTen(-n))).scaleByPowerOfTen(1 - n);
  }

  /**
   * The fewest N in {@code [2, MAX_DIGITS]} meeting the condition at one entry with the same
   * returned values, by bisection ({@code B_N} decreases with N); empty when MAX_DIGITS does not.
   */
  static OptionalInt minimumDigits(BigDecimal x, BigDecimal max, BigDecimal a) {
    if (!meets(x, max, a, ReferenceGradient.MAX_DIGITS)) {
      return OptionalInt.empty();
    }
    int lo = MIN_DIGITS;
    int hi = ReferenceGradient.MAX_DIGITS;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (meets(x, max, a, mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return OptionalInt.of(lo);
  }

  /** The relative accuracy the entry needs: {@code REFERENCE_SHARE a / (F max(x, 10^(-N) max))}, 2 digits, down. */
  private static BigDecimal needed(BigDecimal x, BigDecimal max, BigDecimal a, int n) {
    BigDecimal scale = x.max(max.scaleByPowerOfTen(-n));
    if (a.signum() == 0 || scale.signum() == 0) {
      return BigDecimal.ZERO;
    }
    return REFERENCE_SHARE.multiply(a).divide(STAND_IN_FACTOR.multiply(scale), NEEDED);
  }
}
