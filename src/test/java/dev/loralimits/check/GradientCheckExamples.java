package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.CandidateMatrix.NonFinite;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link GradientCheck} on hand-made references and candidates: the pass rule with signed errors,
 * the reported values computed exactly (down to errors of {@code 1e-58946}), non-finite entries,
 * shapes, adapters, and the {@link EntryTolerance} hook.
 */
class GradientCheckExamples {
  /**
   * LRE is computed through doubles from 17 leading digits, the exponents as exact integers
   * (DecimalLog.log10Ratio): within a few ulps of values below 100 (ulp 1.4e-14), far below this,
   * also when both numbers are near 1e-58000 (where subtracting two logarithms as doubles would
   * be off by 4e-12, which this tolerance catches).
   */
  private static final double LRE_TOLERANCE = 1e-12;

  private static final FixedTolerance RTOL_1E_9 = new FixedTolerance(new BigDecimal("1e-9"), BigDecimal.ZERO);

  private static final int DIGITS = 30;

  private static DecimalMatrix m(String... rows) {
    String[][] a = new String[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      a[i] = rows[i].split(",");
    }
    return DecimalMatrix.parse("m", a);
  }

  /** Q adapted with W of shape 2x3 and r = 1: dLoss/dA is 1x3, dLoss/dB is 2x1. */
  private static GradientResult reference() {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new AdapterGradient(m("1,-0.5,0.25"), m("4", "-2")));
    return new GradientResult("reference", DIGITS, new BigDecimal("2"), g);
  }

  private static Map<Adapter, CandidateGradient> gradients(CandidateMatrix a, CandidateMatrix b) {
    Map<Adapter, CandidateGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new CandidateGradient(a, b));
    return g;
  }

  private static CandidateMatrix c(String... rows) {
    return CandidateMatrix.of(m(rows));
  }

  private static GradientCheck.Report check(CandidateMatrix a, CandidateMatrix b, EntryTolerance t) {
    return GradientCheck.compare(reference(), Optional.empty(), gradients(a, b), t);
  }

  private static GradientCheck.MatrixReport aRow(CandidateMatrix a) {
    return check(a, c("4", "-2"), RTOL_1E_9).matrices().get(0);
  }

  @Test
  void theExactReferencePassesWithZeroErrorAndAllItsDigits() {
    GradientCheck.Report r = GradientCheck.compare(reference(), reference(), RTOL_1E_9);
    assertThat(r.pass()).isTrue();
    assertThat(r.matrices()).extracting(GradientCheck.MatrixReport::name).containsExactly("loss", "dLoss/dA_Q", "dLoss/dB_Q");
    for (GradientCheck.MatrixReport m : r.matrices()) {
      assertThat(m.maxAbsError()).contains(BigDecimal.ZERO);
      assertThat(m.relativeError()).contains(BigDecimal.ZERO);
      assertThat(m.lre().getAsDouble()).isEqualTo(DIGITS);
      assertThat(m.margin()).contains(BigDecimal.ZERO);
    }
    // M of the loss is |2|, of A max(1, 0.5, 0.25) = 1, of B max(4, 2) = 4: tolerance rtol * M.
    assertThat(r.matrices()).extracting(GradientCheck.MatrixReport::tolerance)
        .usingElementComparator(BigDecimal::compareTo)
        .containsExactly(new BigDecimal("2e-9"), new BigDecimal("1e-9"), new BigDecimal("4e-9"));
    assertThat(r.referenceDigits()).isEqualTo(DIGITS);
    assertThat(r.notCompared()).isEmpty();
  }

  @Test
  void anOvershootAndAnUndershootOfTheSameSizeFailAlike() {
    // Allowed error of A: rtol * M = 1e-9. Entry [0][1] is -0.5: over means towards zero.
    for (String bad : new String[] {"-0.499999998", "-0.500000002"}) {
      GradientCheck.MatrixReport a = aRow(c("1," + bad + ",0.25"));
      assertThat(a.pass()).as(bad).isFalse();
      assertThat(a.maxAbsError()).as(bad).contains(new BigDecimal("0.000000002"));
      assertThat(a.margin().orElseThrow()).as(bad).isEqualByComparingTo("2");
    }
    for (String good : new String[] {"-0.4999999995", "-0.5000000005"}) {
      GradientCheck.MatrixReport a = aRow(c("1," + good + ",0.25"));
      assertThat(a.pass()).as(good).isTrue();
      assertThat(a.margin().orElseThrow()).as(good).isEqualByComparingTo("0.5");
    }
  }

  @Test
  void anErrorExactlyAtTheAllowedErrorPassesAndOneDigitMoreFails() {
    assertThat(aRow(c("1.000000001,-0.5,0.25")).pass()).isTrue();
    assertThat(aRow(c("1.000000001,-0.5,0.25")).margin().orElseThrow()).isEqualByComparingTo("1");
    GradientCheck.MatrixReport over = aRow(c("1.0000000010000000000000000000001,-0.5,0.25"));
    assertThat(over.pass()).isFalse();
    // Rounded up: a failing margin never shows as 1.
    assertThat(over.margin().orElseThrow()).isGreaterThan(BigDecimal.ONE);
  }

  @Test
  void atolIsAddedToRtolTimesM() {
    FixedTolerance t = new FixedTolerance(new BigDecimal("1e-9"), new BigDecimal("1e-10"));
    // Allowed error of A: 1e-10 + 1e-9 * 1 = 1.1e-9.
    assertThat(check(c("1.0000000011,-0.5,0.25"), c("4", "-2"), t).pass()).isTrue();
    assertThat(check(c("1.0000000012,-0.5,0.25"), c("4", "-2"), t).pass()).isFalse();
    assertThat(check(c("1.0000000011,-0.5,0.25"), c("4", "-2"), RTOL_1E_9).pass()).isFalse();
    assertThat(check(c("1,-0.5,0.25"), c("4", "-2"), t).matrices().get(0).tolerance()).isEqualByComparingTo("1.1e-9");
  }

  @Test
  void aZeroReferenceMatrixHasAnInfiniteRelativeErrorButAtolCanStillPassIt() {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new AdapterGradient(m("0,0,0"), m("4", "-2")));
    GradientResult ref = new GradientResult("reference", DIGITS, BigDecimal.ONE, g);
    FixedTolerance t = new FixedTolerance(new BigDecimal("1e-9"), new BigDecimal("1e-12"));
    GradientCheck.MatrixReport a = GradientCheck.compare(ref, Optional.empty(), gradients(c("1e-12,0,0"), c("4", "-2")), t).matrices().get(0);
    assertThat(a.pass()).isTrue();
    assertThat(a.scale()).isEqualByComparingTo("0");
    assertThat(a.maxAbsError()).contains(new BigDecimal("1e-12"));
    assertThat(a.relativeError()).isEmpty();
    assertThat(a.lre()).isEmpty();
    assertThat(a.margin().orElseThrow()).isEqualByComparingTo("1");
    // Without atol nothing is allowed: the margin x/0 is infinite; an exact 0 still passes (0/0 = 0).
    GradientCheck.MatrixReport strict = GradientCheck.compare(ref, Optional.empty(), gradients(c("1e-12,0,0"), c("4", "-2")), RTOL_1E_9).matrices().get(0);
    assertThat(strict.pass()).isFalse();
    assertThat(strict.margin()).isEmpty();
    GradientCheck.MatrixReport zero = GradientCheck.compare(ref, Optional.empty(), gradients(c("0,0,0"), c("4", "-2")), RTOL_1E_9).matrices().get(0);
    assertThat(zero.pass()).isTrue();
    assertThat(zero.margin()).contains(BigDecimal.ZERO);
    assertThat(zero.lre().getAsDouble()).isEqualTo(DIGITS);
  }

  @Test
  void relativeErrorAndLreAreExact() {
    // B: M = 4, error 3e-10 at [1][0]: relative error 7.5e-11 exactly, LRE = 11 - log10(7.5).
    GradientCheck.MatrixReport b = check(c("1,-0.5,0.25"), c("4", "-2.0000000003"), RTOL_1E_9).matrices().get(1);
    assertThat(b.maxAbsError()).contains(new BigDecimal("3e-10").setScale(10));
    assertThat(b.relativeError().orElseThrow()).isEqualByComparingTo("7.5e-11");
    assertThat(b.lre().getAsDouble()).isCloseTo(11 - Math.log10(7.5), within(LRE_TOLERANCE));
    assertThat(b.margin().orElseThrow()).isEqualByComparingTo("0.075");
    // A wildly wrong candidate has a negative LRE: error 25 against M = 4.
    GradientCheck.MatrixReport wrong = check(c("1,-0.5,0.25"), c("4", "23"), RTOL_1E_9).matrices().get(1);
    assertThat(wrong.lre().getAsDouble()).isCloseTo(-Math.log10(25.0 / 4), within(LRE_TOLERANCE));
  }

  @Test
  void errorsFarBelowTheDoubleRangeAreReportedExactly() {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new AdapterGradient(m("1,-0.5,0.25"), m("4e-58000", "-2e-58000")));
    GradientResult ref = new GradientResult("reference", 100_000, BigDecimal.ONE, g);
    CandidateMatrix a = c("1.0000000000" + "0".repeat(58935) + "1,-0.5,0.25");
    CandidateMatrix b = c("4.000000000000000000000000000000000000000000000000003e-58000", "-2e-58000");
    GradientCheck.Report r = GradientCheck.compare(ref, Optional.empty(), gradients(a, b), RTOL_1E_9);
    GradientCheck.MatrixReport ra = r.matrices().get(0);
    assertThat(ra.maxAbsError().orElseThrow()).isEqualByComparingTo("1e-58946");
    assertThat(ra.relativeError().orElseThrow()).isEqualByComparingTo("1e-58946");
    assertThat(ra.lre().getAsDouble()).isCloseTo(58946, within(LRE_TOLERANCE));
    assertThat(ra.margin().orElseThrow()).isEqualByComparingTo("1e-58937");
    assertThat(ra.pass()).isTrue();
    GradientCheck.MatrixReport rb = r.matrices().get(1);
    // Error 3e-58051 against M = 4e-58000: relative 7.5e-52, tolerance 4e-58009.
    assertThat(rb.maxAbsError().orElseThrow()).isEqualByComparingTo("3e-58051");
    assertThat(rb.relativeError().orElseThrow()).isEqualByComparingTo("7.5e-52");
    assertThat(rb.lre().getAsDouble()).isCloseTo(52 - Math.log10(7.5), within(LRE_TOLERANCE));
    assertThat(rb.tolerance()).isEqualByComparingTo("4e-58009");
    assertThat(rb.pass()).isTrue();
  }

  @Test
  void theLreIsCappedAtTheReferenceDigits() {
    // Error 1e-40 against M = 1 would be 40 digits; the reference has 30.
    GradientCheck.MatrixReport a = aRow(c("1." + "0".repeat(39) + "1,-0.5,0.25"));
    assertThat(a.lre().getAsDouble()).isEqualTo(DIGITS);
  }

  @Test
  void nonFiniteEntriesFailAndAreCountedByKind() {
    CandidateMatrix a = CandidateMatrix.of("a", new BigDecimal[][] {{null, null, new BigDecimal("0.25")}},
        new NonFinite[][] {{NonFinite.NAN, NonFinite.POSITIVE_INFINITY, null}});
    CandidateMatrix b = CandidateMatrix.ofDoubles(2, 1, new double[] {Double.NaN, -2});
    GradientCheck.Report r = check(a, b, RTOL_1E_9);
    assertThat(r.pass()).isFalse();
    GradientCheck.MatrixReport ra = r.matrices().get(0);
    assertThat(ra.pass()).isFalse();
    assertThat(ra.nonFinite()).isEqualTo(new CandidateMatrix.NonFiniteCount(1, 1, 0));
    assertThat(ra.nonFinite().toString()).isEqualTo("2 non-finite (1 NaN, 1 +Inf)");
    assertThat(ra.maxAbsError()).isEmpty();
    assertThat(ra.relativeError()).isEmpty();
    assertThat(ra.lre()).isEmpty();
    assertThat(ra.margin()).isEmpty();
    assertThat(ra.tolerance()).isEqualByComparingTo("1e-9");
    assertThat(r.matrices().get(1).nonFinite().toString()).isEqualTo("1 non-finite (1 NaN)");
    // A NaN loss fails the loss row.
    GradientCheck.Report loss = GradientCheck.compare(reference(), Optional.of(CandidateMatrix.scalar(NonFinite.NEGATIVE_INFINITY)),
        gradients(c("1,-0.5,0.25"), c("4", "-2")), RTOL_1E_9);
    assertThat(loss.pass()).isFalse();
    assertThat(loss.matrices().get(0).name()).isEqualTo("loss");
    assertThat(loss.matrices().get(0).nonFinite().toString()).isEqualTo("1 non-finite (1 -Inf)");
    assertThat(loss.matrices().get(1).pass()).isTrue();
  }

  @Test
  void withoutACandidateLossThereIsNoLossRow() {
    assertThat(check(c("1,-0.5,0.25"), c("4", "-2"), RTOL_1E_9).matrices())
        .extracting(GradientCheck.MatrixReport::name).containsExactly("dLoss/dA_Q", "dLoss/dB_Q");
  }

  @Test
  void aTransposedMatrixIsNamedAsTheTranspose() {
    assertThatThrownBy(() -> check(c("1", "-0.5", "0.25"), c("4", "-2"), RTOL_1E_9))
        .isInstanceOfSatisfying(GradientCheck.ShapeMismatchException.class, e -> assertThat(e.linearOrientation()).isFalse())
        .hasMessage("dLoss/dA_Q: candidate is 3x1, expected 1x3 (the transpose)");
    assertThatThrownBy(() -> check(c("1,-0.5,0.25"), c("4,-2,0"), RTOL_1E_9))
        .hasMessage("dLoss/dB_Q: candidate is 1x3, expected 2x1");
  }

  private static final String LINEAR =
      "; every gradient has the shape of nn.Linear orientation (x W^T, weights stored out x in as PyTorch and PEFT do):"
          + " transpose to ours (X W: dLoss/dA is r x cols(W), dLoss/dB is rows(W) x r)";

  @Test
  void everyMatrixTransposedIsNamedOnceAsNnLinearOrientation() {
    assertThatThrownBy(() -> check(c("1", "-0.5", "0.25"), c("4,-2"), RTOL_1E_9))
        .isInstanceOfSatisfying(GradientCheck.ShapeMismatchException.class, e -> assertThat(e.linearOrientation()).isTrue())
        .hasMessage("dLoss/dA_Q: candidate is 3x1, expected 1x3 (the transpose); dLoss/dB_Q: candidate is 1x2, expected 2x1 (the transpose)"
            + LINEAR);
    // PEFT's lora_A gradient (r x in) under A and lora_B's (out x r) under B: also nn.Linear orientation.
    assertThatThrownBy(() -> check(c("4,-2"), c("1", "-0.5", "0.25"), RTOL_1E_9))
        .isInstanceOfSatisfying(GradientCheck.ShapeMismatchException.class, e -> assertThat(e.linearOrientation()).isTrue())
        .hasMessage("dLoss/dA_Q: candidate is 1x2, expected 1x3; dLoss/dB_Q: candidate is 3x1, expected 2x1" + LINEAR);
  }

  @Test
  void aMissingAdaptedProjectionIsNamed() {
    assertThatThrownBy(() -> GradientCheck.compare(reference(), Optional.empty(), new EnumMap<>(Adapter.class), RTOL_1E_9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("candidate has no gradients for Q, which the instance adapts (it adapts Q)");
  }

  @Test
  void gradientsOfAFrozenProjectionAreNotComparedAndDoNotChangeTheVerdict() {
    Map<Adapter, CandidateGradient> g = gradients(c("1,-0.5,0.25"), c("4", "-2"));
    g.put(Adapter.K, new CandidateGradient(CandidateMatrix.ofDoubles(1, 2, new double[] {Double.NaN, 1}), c("7", "8", "9")));
    GradientCheck.Report r = GradientCheck.compare(reference(), Optional.empty(), g, RTOL_1E_9);
    assertThat(r.pass()).isTrue();
    assertThat(r.matrices()).hasSize(2);
    assertThat(r.notCompared()).containsExactly(
        new GradientCheck.NotCompared("dLoss/dA_K", 1, 2, GradientCheck.FROZEN),
        new GradientCheck.NotCompared("dLoss/dB_K", 3, 1, GradientCheck.FROZEN));
  }

  /** A tolerance given entry by entry, for the hook. */
  private record Given(DecimalMatrix a) implements EntryTolerance {
    @Override
    public DecimalMatrix allowed(String name, DecimalMatrix reference) {
      return name.equals("dLoss/dA_Q") ? a : new FixedTolerance(BigDecimal.ONE, BigDecimal.ZERO).allowed(name, reference);
    }

    @Override
    public String description() {
      return "given";
    }
  }

  @Test
  void theToleranceShownIsTheAllowedErrorAtTheEntryOfLargestMargin() {
    // Errors 1e-10, 4e-10, 0 against allowed 1e-9, 1e-8, 0: margins 0.1, 0.04, 0/0 = 0.
    GradientCheck.MatrixReport r = check(c("1.0000000001,-0.5000000004,0.25"), c("4", "-2"), new Given(m("1e-9,1e-8,0"))).matrices().get(0);
    assertThat(r.pass()).isTrue();
    assertThat(r.margin().orElseThrow()).isEqualByComparingTo("0.1");
    assertThat(r.tolerance()).isEqualByComparingTo("1e-9");
    // Equal margins 0.5 and 0.5: the smaller allowed error is shown.
    GradientCheck.MatrixReport tie = check(c("1.0000000001,-0.5000000005,0.25"), c("4", "-2"), new Given(m("2e-10,1e-9,1"))).matrices().get(0);
    assertThat(tie.margin().orElseThrow()).isEqualByComparingTo("0.5");
    assertThat(tie.tolerance()).isEqualByComparingTo("2e-10");
    // An error where nothing is allowed: infinite margin, shown with its allowed error 0.
    GradientCheck.MatrixReport inf = check(c("1,-0.5,0.2500001"), c("4", "-2"), new Given(m("1,1,0"))).matrices().get(0);
    assertThat(inf.pass()).isFalse();
    assertThat(inf.margin()).isEmpty();
    assertThat(inf.tolerance()).isEqualByComparingTo("0");
  }

  @Test
  void aToleranceOfTheWrongShapeOrNegativeIsRefusedWithoutCliWords() {
    assertThatThrownBy(() -> check(c("1,-0.5,0.25"), c("4", "-2"), new Given(m("1,1"))))
        .hasMessage("tolerance of dLoss/dA_Q: expected a 1x3 matrix of allowed errors, got 1x2");
    assertThatThrownBy(() -> check(c("1,-0.5,0.25"), c("4", "-2"), new Given(m("1,-1,1"))))
        .hasMessage("tolerance of dLoss/dA_Q: allowed error at [0][1] (-1) must be >= 0");
    assertThatThrownBy(() -> new FixedTolerance(new BigDecimal("-1"), BigDecimal.ZERO)).hasMessage("rtol (-1) must be >= 0");
    assertThatThrownBy(() -> new FixedTolerance(BigDecimal.ONE, new BigDecimal("-0.5"))).hasMessage("atol (-0.5) must be >= 0");
  }

  // ---- named matrices (attention layers, issue 13) and wide references (issue 9) ----

  private static DecimalMatrix dm(String... row) {
    return DecimalMatrix.parse("m", new String[][] {row});
  }

  @Test
  void namedMatricesAreComparedInTheReferencesOrder() {
    Map<String, DecimalMatrix> ref = new java.util.LinkedHashMap<>();
    ref.put("loss", dm("2"));
    ref.put("dLoss/dA_O", dm("1", "-4"));
    Map<String, CandidateMatrix> cand = Map.of(
        "dLoss/dA_O", CandidateMatrix.of(dm("1", "-4.00000001")), "loss", CandidateMatrix.of(dm("2")));
    var frozen = java.util.List.of(new GradientCheck.NotCompared("dLoss/dA_K", 1, 2, GradientCheck.FROZEN));
    GradientCheck.Report r = GradientCheck.compareNamed(ref, cand, frozen, FixedTolerance.defaults(), 20);
    assertThat(r.matrices()).extracting(GradientCheck.MatrixReport::name).containsExactly("loss", "dLoss/dA_O");
    assertThat(r.notCompared()).isEqualTo(frozen);
    assertThat(r.matrices().get(1).maxAbsError().orElseThrow()).isEqualByComparingTo("1e-8");
    // 1e-8 > rtol M = 1e-9 * 4: fails; the loss passes with error 0
    assertThat(r.matrices().get(1).pass()).isFalse();
    assertThat(r.matrices().get(0).pass()).isTrue();
    assertThat(r.pass()).isFalse();
    assertThat(GradientCheck.compareNamed(ref, cand, frozen, new FixedTolerance(new BigDecimal("2.5e-9"), BigDecimal.ZERO), 20).pass()).isTrue();
  }

  @Test
  void namedMatricesTheCandidateLacksOrShapesThatDifferAreRefusedByName() {
    Map<String, DecimalMatrix> ref = new java.util.LinkedHashMap<>();
    ref.put("dLoss/dA_Q", dm("1", "2"));
    ref.put("dLoss/dB_O", dm("3"));
    assertThatThrownBy(() -> GradientCheck.compareNamed(ref, Map.of("dLoss/dA_Q", CandidateMatrix.of(dm("1", "2"))),
            java.util.List.of(), FixedTolerance.defaults(), 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("candidate has no dLoss/dB_O, which the reference has");
    assertThatThrownBy(() -> GradientCheck.compareNamed(ref,
            Map.of("dLoss/dA_Q", CandidateMatrix.of(DecimalMatrix.parse("t", new String[][] {{"1"}, {"2"}})),
                "dLoss/dB_O", CandidateMatrix.of(dm("3", "4"))),
            java.util.List.of(), FixedTolerance.defaults(), 20))
        .isInstanceOf(GradientCheck.ShapeMismatchException.class)
        .hasMessage("dLoss/dA_Q: candidate is 2x1, expected 1x2 (the transpose); dLoss/dB_O: candidate is 1x2, expected 1x1");
  }

  @Test
  void aWideReferenceIsRefusedByName() {
    DecimalMatrix wide = DecimalMatrix.wide("g", new BigDecimal[][] {{new BigDecimal("8.5")}}, -746_986_508_873_580L);
    GradientResult ref = new GradientResult("reference", 10, BigDecimal.ONE,
        Map.of(Adapter.V, new AdapterGradient(dm("1"), dm("2")), Adapter.Q, new AdapterGradient(dm("1"), wide)));
    assertThatThrownBy(() -> GradientCheck.requireComparable(ref))
        .isInstanceOf(GradientCheck.OutOfComparableRangeException.class)
        .hasMessageStartingWith("check cannot compare dLoss/dB_Q: the reference's entries are of order 10^-746986508873580");
    GradientResult ok = new GradientResult("reference", 10, BigDecimal.ONE, Map.of(Adapter.V, new AdapterGradient(dm("1"), dm("2"))));
    GradientCheck.requireComparable(ok);
    GradientResult wideA = new GradientResult("reference", 10, BigDecimal.ONE, Map.of(Adapter.K, new AdapterGradient(wide, dm("2"))));
    assertThatThrownBy(() -> GradientCheck.requireComparable(wideA))
        .isInstanceOf(GradientCheck.OutOfComparableRangeException.class)
        .hasMessageStartingWith("check cannot compare dLoss/dA_K: ");
    // compare refuses it the same way before touching any number (PIT: the call's removal survived)
    Map<Adapter, CandidateGradient> cand = Map.of(Adapter.K, CandidateGradient.of(new AdapterGradient(dm("0"), dm("2"))));
    assertThatThrownBy(() -> GradientCheck.compare(wideA, Optional.empty(), cand, FixedTolerance.defaults()))
        .isInstanceOf(GradientCheck.OutOfComparableRangeException.class)
        .hasMessageStartingWith("check cannot compare dLoss/dA_K: ");
  }
}
