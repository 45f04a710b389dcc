package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.reference.ApInstance.ApProjection;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * The reference at the limits of its number range (spec/FORMATS.md Section 3.4,
 * proofs-notes/LEMMAS.md Section 9): which results it writes, which it refuses, and the
 * entries it writes as 0.
 *
 * <ul>
 *   <li><b>Result range.</b> The loss is refused when it is non-zero with a decimal exponent outside
 *       {@code [-MAX_RESULT_EXPONENT, MAX_RESULT_EXPONENT]} (a {@code BigDecimal} holds exponents
 *       below about {@code 2.1 10^9}). A gradient matrix whose largest magnitude M is non-zero is
 *       refused when the exponent of M is outside {@code [-MAX_WIDE_EXPONENT, MAX_WIDE_EXPONENT]};
 *       between the two ranges it is returned {@linkplain #powerOfTen wide}, every entry a
 *       mantissa times one power of ten ({@code DecimalMatrix.wide}; LEMMAS.md 9.3).
 *   <li><b>Far-below entries.</b> In a matrix with {@code M != 0}, an entry more than
 *       {@link #FLUSH_GAP} orders of magnitude below M is replaced by 0: the contract allows an
 *       absolute error of {@code 10^{1-2N} M} there, and {@code 10^{-FLUSH_GAP} M} is far below
 *       it for every {@code N <= 2000}.
 *   <li><b>Dropped softmax entries.</b> When some softmax row of the instance has an argument below
 *       {@code -DROP_ARGUMENT / 2} ({@link #scan}; {@link AttentionHead#softmaxRow} drops those below
 *       {@code -DROP_ARGUMENT}), a matrix that computes as exactly 0 and is not zero by
 *       structure is refused: its exact value may be carried by the dropped entries alone (the Q
 *       and K gradients of a one-hot row are proportional to them), and no representable number
 *       certifies it. A non-zero matrix keeps the contract: the dropped entries move it by less
 *       than {@code 10^{-10^17}} relative to its own M (LEMMAS.md 9.2).
 * </ul>
 */
final class RangeGuard {
  /**
   * Largest decimal exponent magnitude of a number returned as an ordinary decimal (the loss, and
   * a gradient matrix's largest entry unless the matrix is wide).
   */
  static final long MAX_RESULT_EXPONENT = 999_999_999L;
  /**
   * Largest decimal exponent magnitude of a gradient matrix's largest entry ({@code 10^17}): far
   * inside apfloat's exponent range ({@code 9.2 10^18}), and far above the largest effect of a
   * dropped softmax entry ({@code 10^{-4 10^17}}, LEMMAS.md 9.2), so that effect stays below
   * {@code 10^{-2N-5} M} for every matrix that is returned.
   */
  static final long MAX_WIDE_EXPONENT = 100_000_000_000_000_000L;
  /** Entries more than this many orders of magnitude below their matrix's M are written as 0. */
  static final long FLUSH_GAP = 1_000_000L;

  private static final Apfloat SCAN_THRESHOLD = AttentionHead.DROP_ARGUMENT.divide(new Apfloat(2)).negate();

  private final ApInstance inst;
  /** Where the first possibly dropped softmax entry is, for the refusal message; null if none. */
  private final String dropped;

  private RangeGuard(ApInstance inst, String dropped) {
    this.inst = inst;
    this.dropped = dropped;
  }

  /**
   * Looks, at working precision p, for a softmax row of some data point whose smallest shifted
   * argument {@code S[j,l] - max_m S[j,m]} is below {@code -DROP_ARGUMENT / 2}. The threshold is
   * half the dropping threshold so that every row in which any form drops an entry (their
   * scores differ from these by rounding only) is found.
   */
  static RangeGuard scan(ApInstance inst, long p) {
    Arithmetic ar = new Arithmetic(p);
    ApMatrix wq = LoraWeight.merged(inst.projection(Adapter.Q), inst.alpha(), ar);
    ApMatrix wk = LoraWeight.merged(inst.projection(Adapter.K), inst.alpha(), ar);
    for (int i = 0; i < inst.points().size(); i++) {
      ApPoint pt = inst.points().get(i);
      ApMatrix s = ar.scale(inst.beta(), ar.multiply(ar.multiply(pt.xq(), wq), ar.multiply(pt.xk(), wk).transpose()));
      for (int j = 0; j < s.rows(); j++) {
        Apfloat[] row = s.row(j);
        Apfloat m = AttentionHead.rowMax(row);
        for (Apfloat x : row) {
          Apfloat t = ar.subtract(x, m);
          if (t.compareTo(SCAN_THRESHOLD) < 0) {
            return new RangeGuard(
                inst,
                "the softmax of data point " + i + ", row " + j + " has an entry of about exp("
                    + t.precision(3).toString(false) + "), below 10^-(8.6e17), taken as 0");
          }
        }
      }
    }
    return new RangeGuard(inst, null);
  }

  /**
   * {@code g} with far-below entries replaced by 0, after checking every matrix's range.
   *
   * @throws OutOfRangeException naming the matrix, when its M is outside the result range or it
   *     is computed as 0 while dropped softmax entries may carry its value
   */
  ApGradients admit(ApGradients g) {
    Apfloat loss = admit("the loss", ApMatrix.column(new Apfloat[] {g.loss()}), false, MAX_RESULT_EXPONENT).get(0, 0);
    Map<Adapter, ApMatrix> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, ApMatrix> gb = new EnumMap<>(Adapter.class);
    for (Adapter mu : g.gradA().keySet()) {
      ApProjection proj = inst.projection(mu);
      boolean keysEqual = (mu == Adapter.Q || mu == Adapter.K) && everyPointHasEqualKeys();
      ga.put(mu, admit("dLoss/dA_" + mu, g.gradA().get(mu), keysEqual || proj.b().maxAbs().signum() == 0, MAX_WIDE_EXPONENT));
      gb.put(mu, admit("dLoss/dB_" + mu, g.gradB().get(mu), keysEqual || proj.a().maxAbs().signum() == 0, MAX_WIDE_EXPONENT));
    }
    return new ApGradients(loss, ga, gb);
  }

  private ApMatrix admit(String name, ApMatrix m, boolean structuralZero, long maxExponent) {
    Apfloat big = m.maxAbs();
    if (big.signum() == 0) {
      if (dropped != null && !structuralZero) {
        throw new OutOfRangeException(
            "the reference cannot answer: " + dropped + "; " + name + " computes as exactly 0 but its"
                + " exact value may be carried by such entries alone, so it cannot be certified");
      }
      return m;
    }
    return inRange(name, m, maxExponent, dropped == null ? "" : " (" + dropped + ")");
  }

  /**
   * A non-zero matrix checked against the result range {@code maxExponent} and with far-below
   * entries replaced by 0 (the class comment's first two rules); {@code note} is appended to a
   * refusal.
   *
   * @throws OutOfRangeException naming the matrix when its M is outside the range
   */
  static ApMatrix inRange(String name, ApMatrix m, long maxExponent, String note) {
    Apfloat big = m.maxAbs();
    if (big.signum() == 0) {
      return m;
    }
    long e = exponent(big);
    if (Math.abs(e) > maxExponent) {
      throw new OutOfRangeException(
          "the reference cannot answer: " + name + " has entries of order 10^" + e
              + ", outside the range of " + (maxExponent == MAX_RESULT_EXPONENT ? "the loss" : "gradients")
              + " (10^-" + maxExponent + " to 10^" + maxExponent + ")" + note);
    }
    Apfloat[][] c = new Apfloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        Apfloat x = m.get(i, j);
        c[i][j] = x.signum() != 0 && exponent(x) < e - FLUSH_GAP ? Apfloat.ZERO : x;
      }
    }
    return ApMatrix.wrap(c);
  }

  /**
   * The power of ten a matrix with largest magnitude {@code big} is written with: 0 when big is 0
   * or its exponent is within {@link #MAX_RESULT_EXPONENT} (an ordinary matrix), else the
   * exponent of big itself, so that every mantissa {@code x 10^{-k}} of an entry kept by
   * {@link #admit} lies in {@code [10^{-FLUSH_GAP - 1}, 10)}, inside the decimal range.
   */
  static long powerOfTen(Apfloat big) {
    if (big.signum() == 0) {
      return 0;
    }
    long e = exponent(big);
    return Math.abs(e) <= MAX_RESULT_EXPONENT ? 0 : e;
  }

  /** The decimal exponent of the leading digit of a non-zero x ({@code 1.5e-7 -> -7}). */
  static long exponent(Apfloat x) {
    return ApfloatMath.abs(x).scale() - 1;
  }

  private boolean everyPointHasEqualKeys() {
    for (ApPoint p : inst.points()) {
      if (!AdapterGradients.keysAllEqual(p)) {
        return false;
      }
    }
    return true;
  }
}
