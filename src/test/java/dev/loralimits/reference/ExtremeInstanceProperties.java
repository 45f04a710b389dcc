package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apfloat.Apfloat;

/**
 * spec/FORMATS.md Section 3.4: on every instance the spec accepts, however extreme its exponents,
 * the reference either answers within the precision contract of Section 3.1 or refuses with an
 * {@link ArithmeticException} (an {@link OutOfRangeException}, or the certification cap of
 * Section 3.2 step 5), never with another exception.
 */
@Label("ReferenceGradient at extreme exponents")
class ExtremeInstanceProperties {
  /** Digits asked of the reference: small, so that the levels stay cheap at these exponents. */
  static final int DIGITS = 10;
  /**
   * Precision of the stand-in for the exact values (one unverified E2 run). An answer was
   * certified at a level of at most {@code 8N + 100 = 180} digits, where the two levels agreed to
   * {@code 10^{-(N+1)}}: the condition number is then below about {@code 10^{170}}, and at 600
   * digits the stand-in's error is below {@code 10^{-430} M}, far under the
   * {@link #STAND_IN_ERROR_DIGITS} allowance.
   */
  static final int STAND_IN_PRECISION = 600;
  /**
   * Largest score spread {@code max_l S[j,l] - min_l S[j,l]} at which E2 is the stand-in. E2
   * forms {@code f - f^2} on each softmax row, which at 600 digits is exact only while the
   * smallest entry, at least {@code e^{-500} > 10^{-218}}, is far above {@code 10^{-600}}; beyond
   * that (one-hot rows) the stand-in is E3 at 600 digits, whose pivoted p (ExactGradients) keeps
   * every entry to full relative precision: the same code as the answer, but 420 digits finer
   * than any level the answer was certified at.
   */
  static final int E2_SPREAD = 500;
  /** The stand-in's allowed error, {@code 10^{-(N + 150)} M}, as in PrecisionContractProperties. */
  static final int STAND_IN_ERROR_DIGITS = 150;

  /** An instance with its exponents: X entries times 10^ex, Y times 10^ey, alpha, beta. */
  record Extreme(Instances.Spec spec, long seed, int ex, int ey, BigDecimal alpha, BigDecimal beta) {
    LoraInstance instance() {
      LoraInstance base = Instances.random(spec, seed);
      List<DataPoint> pts = new ArrayList<>();
      for (DataPoint p : base.data()) {
        pts.add(
            p.selfAttention()
                ? DataPoint.self(scaled(p.xq(), ex), scaled(p.y(), ey))
                : DataPoint.cross(scaled(p.xq(), ex), scaled(p.xk(), ex), scaled(p.xv(), ex), scaled(p.y(), ey)));
      }
      java.util.Map<Adapter, dev.loralimits.model.Projection> w = new java.util.EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        w.put(mu, base.projection(mu));
      }
      return new LoraInstance(alpha, beta, w, pts);
    }
  }

  @Provide
  Arbitrary<Extreme> extremes() {
    Arbitrary<Integer> entryExponents =
        Arbitraries.oneOf(Arbitraries.integers().between(-400, 400), Arbitraries.integers().between(-3, 3));
    Arbitrary<BigDecimal> betas =
        Arbitraries.oneOf(
                Arbitraries.integers().between(-300, 300), Arbitraries.integers().between(-2, 20))
            .map(e -> BigDecimal.ONE.scaleByPowerOfTen(e));
    Arbitrary<BigDecimal> alphas =
        Combinators.combine(
                Arbitraries.of("1", "-2", "4"),
                Arbitraries.oneOf(Arbitraries.integers().between(-400, 400), Arbitraries.integers().between(-2, 2)))
            .as((m, e) -> new BigDecimal(m).scaleByPowerOfTen(e));
    return Combinators.combine(
            InstanceArbitraries.specs(3, 2), Arbitraries.longs(), entryExponents, entryExponents, alphas, betas)
        .as(Extreme::new);
  }

  /**
   * 30 tries: each costs up to several seconds (levels up to 180 digits, a 600-digit stand-in),
   * and 60 took 194 s of a loaded CI run. The refusals occur in about 8% of tries, so a coverage
   * demand that one occurs would fail in about 8% of runs at 30 tries; they are checked
   * deterministically, case by case, in ExtremeCliExamples, and only counted here.
   */
  @Property(tries = 30)
  void answersWithinTheContractOrRefusesCleanly(@ForAll("extremes") Extreme x) {
    Statistics.label("outcome").coverage(c -> c.check("answered").percentage(p -> p >= 20));
    Statistics.label("attention").coverage(c -> c.check("cross").count(n -> n > 0));
    LoraInstance inst = x.instance();
    String outcome;
    try {
      GradientResult got = ReferenceGradient.compute(inst, DIGITS);
      Form standIn = answerWithinContract(inst, got);
      Statistics.label("result range").collect(anyWide(got) ? "wide" : "decimal");
      // both stand-ins are exercised deterministically by ExtremeInstanceExamples
      Statistics.label("stand-in").collect(standIn.tag());
      outcome = "answered";
    } catch (OutOfRangeException e) {
      assertThat(e.getMessage()).startsWith("the reference cannot answer: ").doesNotContain("\n");
      outcome = "out of range";
    } catch (ArithmeticException e) {
      assertThat(e.getMessage()).startsWith("could not certify ");
      outcome = "not certified";
    }
    Statistics.label("outcome").collect(outcome);
    Statistics.label("attention").collect(x.spec().cross() ? "cross" : "self");
  }

  /**
   * Computes the reference at {@link #DIGITS} and checks it against the stand-in; returns the
   * stand-in's form.
   *
   * @throws OutOfRangeException when the reference refuses
   */
  static Form answerWithinContract(LoraInstance inst) {
    return answerWithinContract(inst, ReferenceGradient.compute(inst, DIGITS));
  }

  /** As {@link #answerWithinContract(LoraInstance)} for the reference's answer {@code got}. */
  static Form answerWithinContract(LoraInstance inst, GradientResult got) {
    Form standIn = maxScoreSpread(inst) <= E2_SPREAD ? Form.LEMMA_3_2 : Form.THEOREM_F_1;
    ApGradients exact = ReferenceGradient.computeAt(ApInstance.of(inst), standIn, STAND_IN_PRECISION);
    checkContract(got, exact);
    return standIn;
  }

  /** Whether some gradient matrix of g is wide (beyond the decimal range). */
  static boolean anyWide(GradientResult g) {
    return g.gradients().values().stream().anyMatch(a -> a.a().isWide() || a.b().isWide());
  }

  /** The largest spread of a softmax row's scores over the data points, at 100 digits. */
  static double maxScoreSpread(LoraInstance inst) {
    ApInstance ap = ApInstance.of(inst);
    Arithmetic ar = new Arithmetic(100);
    double spread = 0;
    for (ApInstance.ApPoint p : ap.points()) {
      ApMatrix s = ReducedForm.query(ap, p, ar).scores(ar);
      for (int j = 0; j < s.rows(); j++) {
        Apfloat hi = s.get(j, 0);
        Apfloat lo = s.get(j, 0);
        for (int l = 1; l < s.cols(); l++) {
          hi = s.get(j, l).compareTo(hi) > 0 ? s.get(j, l) : hi;
          lo = s.get(j, l).compareTo(lo) < 0 ? s.get(j, l) : lo;
        }
        Apfloat d = ar.subtract(hi, lo);
        spread = Math.max(spread, d.scale() > 10 ? Double.POSITIVE_INFINITY : d.doubleValue());
      }
    }
    return spread;
  }

  // ---- the contract, checked against the stand-in ----

  private static void checkContract(GradientResult got, ApGradients exact) {
    check("the loss", DecimalMatrix.of("loss", new BigDecimal[][] {{got.loss()}}), ApMatrix.column(new Apfloat[] {exact.loss()}));
    assertThat(got.gradients().keySet()).isEqualTo(exact.gradA().keySet());
    for (Adapter mu : exact.gradA().keySet()) {
      check("dLoss/dA_" + mu, got.gradients().get(mu).a(), exact.gradA().get(mu));
      check("dLoss/dB_" + mu, got.gradients().get(mu).b(), exact.gradB().get(mu));
    }
  }

  /**
   * {@code |got - x| <= 10^{1-N} max(|x|, 10^{-N} M) + 10^{-(N + 150)} M} for every entry, M the
   * stand-in matrix's largest magnitude. Stand-in entries more than 10^4 orders of magnitude below
   * M are read as 0 here (their exact decimal may not fit a BigDecimal): they are far below the
   * contract's floor {@code 10^{1-2N} M}, so the comparison loses nothing. A wide answer
   * ({@code got.powerOfTen() = k != 0}, beta of 10^10 and more) is compared as its mantissas
   * against the stand-in times {@code 10^{-k}}: the inequality is homogeneous and the scaling is
   * exact in radix 10.
   */
  private static void check(String what, DecimalMatrix got, ApMatrix exact) {
    long k = got.powerOfTen();
    Apfloat big = shifted(exact.maxAbs(), k);
    long top = big.signum() == 0 ? 0 : big.scale();
    BigDecimal m = big.signum() == 0 ? BigDecimal.ZERO : ApMatrix.toBigDecimal(big);
    BigDecimal floor = m.scaleByPowerOfTen(-DIGITS);
    BigDecimal standInError = m.scaleByPowerOfTen(-(DIGITS + STAND_IN_ERROR_DIGITS));
    for (int i = 0; i < exact.rows(); i++) {
      for (int j = 0; j < exact.cols(); j++) {
        Apfloat e = shifted(exact.get(i, j), k);
        BigDecimal x = e.signum() == 0 || e.scale() < top - 10_000 ? BigDecimal.ZERO : ApMatrix.toBigDecimal(e);
        BigDecimal allowed = x.abs().max(floor).scaleByPowerOfTen(1 - DIGITS).add(standInError);
        BigDecimal g = got.mantissa(i, j);
        assertThat(g.subtract(x).abs())
            .as("%s[%d][%d] = %s x 10^%d vs %s x 10^%d", what, i, j, g, k, x, k)
            .isLessThanOrEqualTo(allowed);
      }
    }
  }

  private static Apfloat shifted(Apfloat x, long k) {
    return k == 0 || x.signum() == 0 ? x : org.apfloat.ApfloatMath.scale(x, -k);
  }

  private static DecimalMatrix scaled(DecimalMatrix m, int e) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < b.length; i++) {
      for (int j = 0; j < b[i].length; j++) {
        b[i][j] = m.get(i, j).scaleByPowerOfTen(e);
      }
    }
    return DecimalMatrix.of("scaled", b);
  }
}
