package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.io.TensorFiles;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferenceDigits}: the condition "certified error <= 1/100 of the allowed error" decided
 * from hand-computed bounds, the predicted minimum, the refusal messages, the choice loop on a
 * stub reference, and on the real reference of the demo instance checked against a reference at
 * many more digits.
 */
class ReferenceDigitsExamples {
  private static final FixedTolerance RTOL_1E_9 = new FixedTolerance(new BigDecimal("1e-9"), BigDecimal.ZERO);

  /** A reference with Q adapted, every value given, at {@code digits}. */
  private static GradientResult result(int digits, String loss, String a, String b) {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new AdapterGradient(
        DecimalMatrix.parse("a", new String[][] {a.split(",")}), DecimalMatrix.parse("b", new String[][] {b.split(",")})));
    return new GradientResult("reference", digits, new BigDecimal(loss), g);
  }

  @Test
  void theBoundIsFTimesTenToOneMinusNTimesTheEntryOrTheFloor() {
    // N = 20, x = 0.5, max = 1: 1.12 * 10^-19 * 0.5 = 5.6e-20.
    assertThat(ReferenceDigits.bound(new BigDecimal("0.5"), BigDecimal.ONE, 20)).isEqualByComparingTo("5.6e-20");
    // x = 0 below the floor 10^-20 * 1: 1.12 * 10^-19 * 10^-20.
    assertThat(ReferenceDigits.bound(BigDecimal.ZERO, BigDecimal.ONE, 20)).isEqualByComparingTo("1.12e-39");
    assertThat(ReferenceDigits.STAND_IN_FACTOR).isGreaterThanOrEqualTo(
        BigDecimal.TEN.divide(new BigDecimal(9), new MathContext(30, RoundingMode.CEILING)));
  }

  @Test
  void rtol1e9AtMaxEntryNeeds13DigitsAndTwelveAreShort() {
    // 1.12 * 10^(1-N) <= 0.01 * 1e-9 = 1e-11 holds first at N = 13 (1.12e-12), not at 12 (1.12e-11).
    assertThat(ReferenceDigits.meets(BigDecimal.ONE, BigDecimal.ONE, new BigDecimal("1e-9"), 13)).isTrue();
    assertThat(ReferenceDigits.meets(BigDecimal.ONE, BigDecimal.ONE, new BigDecimal("1e-9"), 12)).isFalse();
    assertThat(ReferenceDigits.minimumDigits(BigDecimal.ONE, BigDecimal.ONE, new BigDecimal("1e-9"))).hasValue(13);
    // The floor: x = 0 with max 1 and allowed 1e-40 needs 1.12 * 10^(1-2N) <= 1e-42, N = 22.
    assertThat(ReferenceDigits.minimumDigits(BigDecimal.ZERO, BigDecimal.ONE, new BigDecimal("1e-40"))).hasValue(22);
  }

  @Test
  void aShortReferenceNamesTheMatrixTheAccuracyItNeedsAndTheFewestDigits() {
    GradientResult r = result(8, "2", "1,-0.5", "0.25");
    ReferenceDigits.Shortfall s = ReferenceDigits.shortfall(r, false, RTOL_1E_9).orElseThrow();
    assertThat(s.matrix()).isEqualTo("dLoss/dA_Q");
    assertThat(s.row()).isZero();
    assertThat(s.col()).isZero();
    assertThat(s.minimumDigits()).hasValue(13);
    // 0.01 * 1e-9 * 1 / (1.12 * 1) = 8.928...e-12, two digits rounded down.
    assertThat(s.needed()).isEqualByComparingTo("8.9e-12");
    assertThat(s.reason()).isEqualTo("the reference is certified to 1e-7 relative, but the tolerance of dLoss/dA_Q needs 8.9e-12");
    assertThat(ReferenceDigits.shortfall(result(13, "2", "1,-0.5", "0.25"), true, RTOL_1E_9)).isEmpty();
    assertThat(ReferenceDigits.shortfall(result(12, "2", "1,-0.5", "0.25"), true, RTOL_1E_9)).isPresent();
  }

  /** A tolerance that allows {@code allowed} at every entry of every matrix. */
  private record Everywhere(BigDecimal allowed) implements EntryTolerance {
    @Override
    public DecimalMatrix allowed(String name, DecimalMatrix reference) {
      BigDecimal[][] b = new BigDecimal[reference.rows()][reference.cols()];
      for (BigDecimal[] row : b) {
        java.util.Arrays.fill(row, allowed);
      }
      return DecimalMatrix.of(name, b);
    }

    @Override
    public String description() {
      return "allowed " + allowed;
    }
  }

  @Test
  void theLossCountsOnlyWhenItIsCompared() {
    // Absolute 1e-9 everywhere: the loss 1e12 needs 1.12 * 10^(1-N) * 1e12 <= 1e-11, i.e.
    // 10^(1-N) <= 8.93e-24, N = 25; the gradients of size 1e-3 are met at 20.
    GradientResult r = result(20, "1e12", "1e-3,0", "1e-3");
    EntryTolerance t = new Everywhere(new BigDecimal("1e-9"));
    assertThat(ReferenceDigits.shortfall(r, false, t)).isEmpty();
    ReferenceDigits.Shortfall s = ReferenceDigits.shortfall(r, true, t).orElseThrow();
    assertThat(s.matrix()).isEqualTo("loss");
    assertThat(s.minimumDigits()).hasValue(25);
    assertThat(ReferenceDigits.meets(new BigDecimal("1e12"), new BigDecimal("1e12"), new BigDecimal("1e-9"), 24)).isFalse();
  }

  @Test
  void anEntryThatAllowsNoErrorIsMetOnlyByAnExactReferenceZero() {
    EntryTolerance zero = new Everywhere(BigDecimal.ZERO);
    assertThat(ReferenceDigits.shortfall(result(20, "0", "0,0", "0"), true, zero)).isEmpty();
    ReferenceDigits.Shortfall s = ReferenceDigits.shortfall(result(20, "0", "0,1e-30", "0"), true, zero).orElseThrow();
    assertThat(s.minimumDigits()).isEmpty();
    assertThat(s.reason()).isEqualTo("the tolerance of dLoss/dA_Q allows no error at [0][1], where the reference is not exactly 0");
    // With rtol > 0 a zero matrix (M = 0) allows nothing either, and its exact zeros meet that.
    assertThat(ReferenceDigits.shortfall(result(20, "1", "0,0", "1"), true, RTOL_1E_9)).isEmpty();
  }

  /** A stub reference: {@code base} at any requested digits, recording the requests. */
  private static IntFunction<GradientResult> stub(List<Integer> calls, String loss, String a, String b) {
    return n -> {
      calls.add(n);
      return result(n, loss, a, b);
    };
  }

  @Test
  void chooseStartsAtTheTolerancesDigitsAndJumpsToThePredictedMinimum() {
    List<Integer> calls = new ArrayList<>();
    GradientResult r = ReferenceDigits.choose(stub(calls, "2", "1,-0.5", "0.25"), true, RTOL_1E_9);
    assertThat(calls).containsExactly(20);
    assertThat(r.digits()).isEqualTo(20);
    // rtol 1e-30 starts at 30 + 4 = 34: 1.12e-33 <= 1e-32 holds there.
    calls.clear();
    ReferenceDigits.choose(stub(calls, "2", "1,-0.5", "0.25"), true, new FixedTolerance(new BigDecimal("1e-30"), BigDecimal.ZERO));
    assertThat(calls).containsExactly(34);
    // An absolute 1e-60 on entries of size 1 needs 1.12 * 10^(1-N) <= 1e-62: N = 64, found in one jump from 20.
    calls.clear();
    GradientResult deep = ReferenceDigits.choose(stub(calls, "2", "1,-0.5", "0.25"), true, new Everywhere(new BigDecimal("1e-60")));
    assertThat(calls).containsExactly(20, 64);
    assertThat(deep.digits()).isEqualTo(64);
  }

  @Test
  void chooseRefusesWhatNoDigitsCertify() {
    List<Integer> calls = new ArrayList<>();
    FixedTolerance exact = new FixedTolerance(BigDecimal.ZERO, BigDecimal.ZERO);
    assertThatThrownBy(() -> ReferenceDigits.choose(stub(calls, "2", "1,-0.5", "0.25"), true, exact))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the tolerance of loss allows no error at [0][0], where the reference is not exactly 0:"
            + " no number of digits of the reference certifies it");
    assertThat(calls).containsExactly(20);
    assertThatThrownBy(() -> ReferenceDigits.choose(stub(calls, "2", "1,-0.5", "0.25"), false, new Everywhere(new BigDecimal("1e-3000"))))
        .hasMessage("the tolerance of dLoss/dA_Q needs the reference to 8.9e-3003 relative, more than 2000 digits certify");
  }

  @Test
  void theChosenReferenceOfTheDemoIsWithinOneHundredthOfEveryAllowedError() {
    LoraInstance inst = TensorFiles.readInstance(Path.of("spec/examples/demo-instance.json"));
    GradientResult chosen = ReferenceDigits.choose(n -> ReferenceGradient.compute(inst, n), true, RTOL_1E_9);
    assertThat(chosen.digits()).isEqualTo(ReferenceDigits.MIN_STARTING_DIGITS);
    GradientResult precise = ReferenceGradient.compute(inst, 80);
    Map<String, DecimalMatrix> c = ReferenceDigits.matrices(chosen, true);
    Map<String, DecimalMatrix> p = ReferenceDigits.matrices(precise, true);
    for (String name : p.keySet()) {
      DecimalMatrix allowed = RTOL_1E_9.allowed(name, p.get(name));
      for (int i = 0; i < allowed.rows(); i++) {
        for (int j = 0; j < allowed.cols(); j++) {
          BigDecimal err = c.get(name).get(i, j).subtract(p.get(name).get(i, j)).abs();
          assertThat(err).as("%s[%d][%d]", name, i, j)
              .isLessThanOrEqualTo(ReferenceDigits.REFERENCE_SHARE.multiply(allowed.get(i, j)));
        }
      }
    }
    assertThat(ReferenceDigits.shortfall(ReferenceGradient.compute(inst, 8), true, RTOL_1E_9).orElseThrow().minimumDigits())
        .isEqualTo(OptionalInt.of(13));
  }
}
