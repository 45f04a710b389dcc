package dev.loralimits.vectors;

/**
 * The flags a golden vector may carry (Wycheproof style): each names a property of its test case
 * that an implementation may get wrong, and {@link #note()} is the description written into the
 * file's {@code notes}. The structural flags ({@link #SEQUENCE_LENGTH_ONE}, {@link #FULL_RANK},
 * {@link #ZERO_ADAPTER}, {@link #CROSS_DISTINCT_LENGTHS}) are read off the instance, so a random
 * case that happens to have the property carries the flag too; the others are given by the
 * construction of the case and checked on its scores ({@link VectorCases}).
 */
public enum VectorFlag {
  SEQUENCE_LENGTH_ONE(
      "SequenceLengthOne",
      "Every data point has key length Lk = 1 (for self-attention L = 1): every softmax row is"
          + " exactly [1], so the gradients of the Q and K adapters are exactly zero (written"
          + " \"0\"). Implementations that form F * (G - rowsum) in floating point also get an"
          + " exact zero."),
  FULL_RANK(
      "FullRank",
      "Every adapter has full rank r = min(rows, cols) of its weight (square groups: r = d, A and"
          + " B are d x d): the LoRA update B A can be any matrix of W's shape; checks the alpha / r"
          + " scaling at its smallest value."),
  ZERO_ADAPTER(
      "ZeroAdapter",
      "Some adapter has A or B (or both) all zero, as at LoRA initialisation (B = 0). With B = 0"
          + " dLoss/dA is exactly zero and dLoss/dB is not; with A = 0 the reverse; with both"
          + " zero both are exactly zero."),
  TARGET_EQUALS_OUTPUT(
      "TargetEqualsOutput",
      "The target Y is the exact output Z of the head rounded to 40 significant digits, so the"
          + " loss is about 1e-80 and every gradient is about 1e-40 times its usual size. A"
          + " float64 implementation cannot resolve the residual Z - Y (its rounding error,"
          + " about 1e-16 max|Y|, dominates), so a normwise relative comparison is meaningless"
          + " here: compare absolutely, |c - r| <= rtol * max(1, max|Y|) (check_vectors.py does)."),
  LARGE_SCORES(
      "LargeScores",
      "Every attention score S = beta XQ WQ (XK WK)^T has magnitude 650 to 800, with a spread"
          + " of a few units per row: either near +712 with the largest above 709.78 (exp"
          + " overflows in float64) or near -765 with all below -746 (exp underflows to 0). A"
          + " softmax without the row-maximum shift returns inf or 0/0 = NaN; with the shift a"
          + " float64 implementation is accurate to about 1e-13 normwise (the scores' own"
          + " rounding, 700 * 1.1e-16, becomes a relative error of the attention weights)."),
  CROSS_DISTINCT_LENGTHS(
      "CrossDistinctLengths",
      "Cross-attention with a query length different from the key length (Lq != Lk) in some data"
          + " point: catches transposed or square-only shape assumptions."),
  NEAR_UNIFORM(
      "NearUniform",
      "Tiny scores (|S| <= 1e-4, beta between 1e-8 and 1e-6): every softmax row is uniform to"
          + " first order and the Q and K gradients are proportional to beta."),
  ONE_HOT(
      "OneHot",
      "In every row of S (key length >= 2) one score exceeds all others by at least 50"
          + " (about +60), so attention is one-hot up to exp(-60) ~ 1e-26 and the Q and K"
          + " gradients are of that order. The softmax backward pass F * (G - rowsum(F * G))"
          + " loses them to cancellation in float64 (errors of about 1e-16 |G|); the centred"
          + " form F_ij * sum_k F_ik (G_ij - G_ik) keeps them to full relative accuracy.");

  private final String id;
  private final String note;

  VectorFlag(String id, String note) {
    this.id = id;
    this.note = note;
  }

  /** The name written in the file ({@code "SequenceLengthOne"}, ...). */
  public String id() {
    return id;
  }

  /** The description written in the file's {@code notes}. */
  public String note() {
    return note;
  }
}
