package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;

/**
 * The precision contract (spec/FORMATS.md §3.1) of a result against a higher-precision stand-in:
 * every entry within {@code 10^{1-N} max(|x|, 10^{-N} M) + 10^{-(N + 100)} M}, M per matrix (the
 * last term covers the stand-in's own error, far below the contract's floor {@code 10^{1-2N} M}).
 */
final class Contract {
  /** Digits below the contract's scale allowed for the stand-in's own rounding. */
  static final int STAND_IN_ERROR_DIGITS = 100;

  private Contract() {}

  static void check(GradientResult got, ApGradients exact, int n) {
    check("the loss", new BigDecimal[][] {{got.loss()}}, new BigDecimal[][] {{ApMatrix.toBigDecimal(exact.loss())}}, n);
    assertThat(got.gradients().keySet()).isEqualTo(exact.gradA().keySet());
    for (Adapter mu : exact.gradA().keySet()) {
      check("dLoss/dA_" + mu, entries(got.gradients().get(mu).a()), entries(exact.gradA().get(mu)), n);
      check("dLoss/dB_" + mu, entries(got.gradients().get(mu).b()), entries(exact.gradB().get(mu)), n);
    }
  }

  private static void check(String what, BigDecimal[][] got, BigDecimal[][] exact, int n) {
    BigDecimal m = BigDecimal.ZERO;
    for (BigDecimal[] row : exact) {
      for (BigDecimal x : row) {
        m = m.max(x.abs());
      }
    }
    BigDecimal floor = m.scaleByPowerOfTen(-n);
    for (int i = 0; i < exact.length; i++) {
      for (int j = 0; j < exact[i].length; j++) {
        BigDecimal x = exact[i][j];
        BigDecimal allowed = x.abs().max(floor).scaleByPowerOfTen(1 - n).add(m.scaleByPowerOfTen(-(n + STAND_IN_ERROR_DIGITS)));
        assertThat(got[i][j].subtract(x).abs())
            .as("%s[%d][%d] = %s vs %s at %d digits", what, i, j, got[i][j], x, n)
            .isLessThanOrEqualTo(allowed);
      }
    }
  }

  static BigDecimal[][] entries(DecimalMatrix m) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = m.get(i, j);
      }
    }
    return b;
  }

  static BigDecimal[][] entries(ApMatrix m) {
    BigDecimal[][] b = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        b[i][j] = ApMatrix.toBigDecimal(m.get(i, j));
      }
    }
    return b;
  }
}
