package dev.loralimits.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.DecimalMatrix;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** {@link FixedTolerance}: the allowed error, its description and the starting digits. */
class FixedToleranceExamples {
  private static FixedTolerance t(String rtol, String atol) {
    return new FixedTolerance(new BigDecimal(rtol), new BigDecimal(atol));
  }

  @Test
  void everyEntryMayBeOffByAtolPlusRtolTimesTheMaxEntry() {
    DecimalMatrix r = DecimalMatrix.parse("r", new String[][] {{"3", "-8"}, {"0", "1e-20"}});
    DecimalMatrix a = t("1e-9", "2e-12").allowed("dLoss/dA_Q", r);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2; j++) {
        assertThat(a.get(i, j)).isEqualByComparingTo("8.002e-9");
      }
    }
  }

  @Test
  void theDescriptionNamesTheRuleAndTheValuesAsWritten() {
    assertThat(FixedTolerance.defaults().description())
        .isEqualTo("|c - r| <= atol + rtol * M, M = max |r| of the matrix; rtol 1e-9, atol 0");
    assertThat(t("0.000010", "1E+1").description()).endsWith("rtol 0.00001, atol 1e1");
  }

  @Test
  void startingDigitsAreMinus_floorLog10RtolPlusFourAndAtLeastTwenty() {
    assertThat(t("1e-9", "0").startingDigits()).isEqualTo(20);
    assertThat(t("1e-30", "0").startingDigits()).isEqualTo(34);
    assertThat(t("3e-30", "0").startingDigits()).isEqualTo(34);
    assertThat(t("9.9e-31", "0").startingDigits()).isEqualTo(35);
    assertThat(t("0", "1e-50").startingDigits()).isEqualTo(20);
    assertThat(t("1e-5000", "0").startingDigits()).isEqualTo(2000);
  }
}
