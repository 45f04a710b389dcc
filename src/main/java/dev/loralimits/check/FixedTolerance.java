package dev.loralimits.check;

import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * The normwise tolerance: every entry of a matrix may be off by {@code atol + rtol * M}, with M the
 * max-entry norm {@code max |r|} of its reference matrix ({@code |loss|} for the loss). Normwise
 * because an entry that is small only by cancellation has few correct digits in any
 * floating-point implementation, however good; M is the natural scale of the matrix.
 *
 * @param rtol the relative tolerance, {@code >= 0}, exact as given
 * @param atol the absolute tolerance, {@code >= 0}, exact as given
 */
public record FixedTolerance(BigDecimal rtol, BigDecimal atol) implements EntryTolerance {
  /** Default relative tolerance (spec/CHECK.md: float64 code reaches 1e-13; float32 fails it). */
  public static final BigDecimal DEFAULT_RTOL = new BigDecimal("1e-9");
  /** Default absolute tolerance. */
  public static final BigDecimal DEFAULT_ATOL = BigDecimal.ZERO;

  /**
   * Digits added to {@code ceil(-log10 rtol)} for the first reference to try: one because the
   * contract certifies {@code 10^(1-N)}, two for {@link ReferenceDigits#REFERENCE_SHARE} = 1/100,
   * one for {@link ReferenceDigits#STAND_IN_FACTOR} (> 1), so that the first try usually passes.
   */
  static final int STARTING_GUARD = 4;

  /** @throws IllegalArgumentException when rtol or atol is null or negative */
  public FixedTolerance {
    Checks.nonNegative("rtol", rtol);
    Checks.nonNegative("atol", atol);
  }

  /** The default tolerance, {@code rtol = 1e-9}, {@code atol = 0}. */
  public static FixedTolerance defaults() {
    return new FixedTolerance(DEFAULT_RTOL, DEFAULT_ATOL);
  }

  /** {@code atol + rtol * max |reference|} for every entry. */
  @Override
  public DecimalMatrix allowed(String name, DecimalMatrix reference) {
    Checks.notNull("reference", reference);
    BigDecimal a = atol.add(rtol.multiply(reference.maxAbs()));
    BigDecimal[][] b = new BigDecimal[reference.rows()][reference.cols()];
    for (BigDecimal[] row : b) {
      Arrays.fill(row, a);
    }
    return DecimalMatrix.of(name, b);
  }

  @Override
  public String description() {
    return "|c - r| <= atol + rtol * M, M = max |r| of the matrix; rtol " + text(rtol) + ", atol " + text(atol);
  }

  /** {@code max(20, ceil(-log10 rtol) + 4)}, 20 when rtol = 0. */
  @Override
  public int startingDigits() {
    if (rtol.signum() == 0) {
      return ReferenceDigits.MIN_STARTING_DIGITS;
    }
    long n = -DecimalLog.floorLog10(rtol) + STARTING_GUARD;
    return (int) Math.max(ReferenceDigits.MIN_STARTING_DIGITS, Math.min(n, ReferenceGradient.MAX_DIGITS));
  }

  /** A tolerance as written: 1e-9, 0.5, 0. */
  static String text(BigDecimal x) {
    return x.signum() == 0 ? "0" : x.stripTrailingZeros().toString().replace("E+", "e").replace('E', 'e');
  }
}
