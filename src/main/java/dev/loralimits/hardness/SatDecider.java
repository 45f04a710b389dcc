package dev.loralimits.hardness;

import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.FastResult;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.reference.ReferenceGradient;

/**
 * H1-H4 composed around a LoRA-gradient oracle (proofs-notes/MODEL.md §5.3, "End to end"): decides
 * satisfiability of a CNF formula by asking only for LoRA adapter gradients.
 *
 * <pre>
 *   formula --H1--&gt; OV --H2--&gt; attention detection --(A1 = mQ, A2 = K, A3 = V)--&gt; AAttLGC at lambda I
 *           --H4--&gt; LoRA instance --oracle--&gt; dLoss/dA_Q --decode--&gt; dl/dX(lambda I)
 *           --H3--&gt; phi(1) = phi(0) + integral trace dl/dX  --&gt;  loss without row 0 &gt;= 1/16 ?
 * </pre>
 *
 * <p>Correctness: H2 puts the loss without row 0 at {@code >= 1/8} when the formula is satisfiable
 * and {@code <= 1/(128 N)} otherwise (proofs-notes/HARDNESS-H1-H2-H4.md §2); H3 computes
 * {@code phi(1)} within {@code errorBound} = proved quadrature bound plus {@code m} times the
 * oracle's error on {@code dl/dX} (which is the LoRA error divided by m, H4) plus rounding
 * (HARDNESS-H3.md). The decision is returned only when {@code errorBound} is below the margin
 * {@code 1/16 - 1/(128 N)} to both sides of the threshold 1/16; otherwise it throws.
 */
public final class SatDecider {
  /** Quadrature target: a quarter of the smallest margin 1/16 - 1/128. */
  public static final double TAU = 1.0 / 64;

  private SatDecider() {}

  /** A LoRA-gradient oracle for the Q adapter, with the max-entry error it guarantees. */
  public interface LoraOracle {
    /** {@code dLoss/dA_Q} (m x (m+1)) for the embedded instance. */
    double[][] gradientAQ(LoraEmbedding e);

    /** A bound on the max-entry error of {@link #gradientAQ}. */
    double entryErrorBound();

    /** A short name for reports. */
    String name();
  }

  /**
   * The arbitrary-precision reference at {@code digits} digits. Its error bound
   * {@code 10^{1-digits} * 10^6} assumes gradient entries below {@code 10^6}, true for every
   * instance H1-H4 build (entries are sums of at most L m products of numbers below B m).
   */
  public static LoraOracle reference(int digits) {
    Checks.inRange("digits", digits, 10, ReferenceGradient.MAX_DIGITS);
    return new LoraOracle() {
      @Override
      public double[][] gradientAQ(LoraEmbedding e) {
        GradientResult g = ReferenceGradient.compute(e.exact(), digits);
        return g.gradients().get(Adapter.Q).a().toDoubles();
      }

      @Override
      public double entryErrorBound() {
        return Math.pow(10, 7 - digits);
      }

      @Override
      public String name() {
        return "reference (" + digits + " digits)";
      }
    };
  }

  /**
   * The exact quadratic algorithm in doubles. Its error is rounding only (proofs-notes/
   * EXACT-DOUBLE.md: about {@code n u} times the entries' magnitude, far below 1e-9 for these
   * sizes); we state the allowance {@link #EXACT_DOUBLE_ALLOWANCE}, which the decision margin
   * 7/128 dwarfs.
   */
  public static LoraOracle exactDouble() {
    return new LoraOracle() {
      @Override
      public double[][] gradientAQ(LoraEmbedding e) {
        return ExactDouble.gradient(e.doubles(), 1).gradA().get(Adapter.Q);
      }

      @Override
      public double entryErrorBound() {
        return EXACT_DOUBLE_ALLOWANCE;
      }

      @Override
      public String name() {
        return "exact double";
      }
    };
  }

  /** Stated rounding allowance of the exact double oracle (see {@link #exactDouble}). */
  public static final double EXACT_DOUBLE_ALLOWANCE = 1e-9;

  /**
   * The almost-linear algorithm with target {@code epsilon}; it either answers within its
   * certified bound or throws {@link dev.loralimits.fast.OutsideEfficientRegimeException}, which
   * {@link #decide} lets through.
   */
  public static LoraOracle fast(double epsilon, long rankBudget) {
    Checks.positive("epsilon", epsilon);
    return new LoraOracle() {
      @Override
      public double[][] gradientAQ(LoraEmbedding e) {
        FastResult r = AlmostLinear.gradient(e.doubles(), new AlmostLinear.Options(epsilon, 1, rankBudget));
        Checks.argument(r.boundA().get(Adapter.Q) <= epsilon, "fast bound above epsilon");
        return r.gradients().gradA().get(Adapter.Q);
      }

      @Override
      public double entryErrorBound() {
        return epsilon;
      }

      @Override
      public String name() {
        return "fast (epsilon " + epsilon + ")";
      }
    };
  }

  /**
   * The answer.
   *
   * @param satisfiable the decision
   * @param lossWithoutRowZero {@code phi(1) - 1/2 (N/(N+1))^2} as estimated
   * @param errorBound certified bound on the estimate's error
   * @param margin {@code 1/16 - 1/(128 N)}: the decision is certified because errorBound is below it
   * @param oracleCalls number of LoRA-gradient calls
   * @param vectors N, vectors per side after padding
   * @param clauses m, the OV dimension
   * @param loraNorms the end-to-end LoRA instance's norms at lambda = 1 (H4 norm map)
   */
  public record Decision(
      boolean satisfiable, double lossWithoutRowZero, double errorBound, double margin, int oracleCalls,
      int vectors, int clauses, NormMap loraNorms) {}

  /**
   * Decides {@code f} with {@code oracle}.
   *
   * @throws dev.loralimits.fast.OutsideEfficientRegimeException when a fast oracle refuses
   * @throws IllegalStateException when the error bound does not certify the decision
   */
  public static Decision decide(Cnf f, LoraOracle oracle) {
    Checks.notNull("formula", f);
    Checks.notNull("oracle", oracle);
    OvInstance ov = SatToOv.forward(f);
    AttentionDetection det = OvToAttention.forward(ov);
    AAttLGC atOne = AAttLGC.ofDetection(det, 1.0);
    int m = atOne.m();
    int[] calls = {0};
    GradientOracle g = lambda -> {
      calls[0]++;
      return AttentionToLora.decode(oracle.gradientAQ(AttentionToLora.forward(AAttLGC.ofDetection(det, lambda))));
    };
    // H4: a max-entry error eps on dLoss/dA_Q is an error eps/m on dl/dX
    double dxError = oracle.entryErrorBound() / m;
    LossFromGradients.Estimate est = LossFromGradients.phiAtOne(
        atOne.a1(), atOne.a2(), atOne.a3(), TraceGradientOracle.ofGradient(g), dxError, TAU);
    double loss = est.value() - det.rowZeroLoss();
    double margin = AttentionDetection.THRESHOLD - det.lossBoundWithoutPair();
    if (!(est.errorBound() < margin)) {
      throw new IllegalStateException(String.format(
          "decision not certified: error bound %.3g >= margin %.3g (oracle %s)", est.errorBound(), margin, oracle.name()));
    }
    return new Decision(
        loss >= AttentionDetection.THRESHOLD, loss, est.errorBound(), margin, calls[0], det.n(), m,
        AttentionToLora.normMap(AttentionToLora.forward(atOne)));
  }
}
