package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The instance on which BallRadiusProperties' size demand {@code RADIUS_SIZE} failed (a CI trial,
 * 2026-12-01): ONE_HOT, p = 25. Its Q and K gradients are cancellation-dominated; the radius is
 * 1.9e8 units of {@code 2^-P M} while the actual error is 1.2e3 units: a valid bound (the property
 * checks that), loose by the cancellation ratio, within {@code RADIUS_SIZE_CANCELLING}.
 */
class BallRadiusExamples {
  @Test
  void aCancellationDominatedGradientHasAWideButValidRadius() {
    LoraInstance inst = BinaryEngineProperties.rectangular(new Random(-4662038247798925864L), BinaryEngineProperties.Kind.ONE_HOT);
    BinaryArithmetic ar = BinaryArithmetic.forDigits(25);
    BallGradients g = BinaryTheoremF1.computeBalls(inst, ar, 2);
    ApGradients x = StandIn.converged(ApInstance.of(inst), Form.LEMMA_3_2, BinaryEngineProperties.EXTREME_STAND_IN_DIGITS, 25 + BallRadiusProperties.STAND_IN_EXTRA_DIGITS).gradients();
    BigDecimal unit = BigDecimal.ONE.divide(new BigDecimal(java.math.BigInteger.TWO.pow(ar.bits())));
    ApMatrix mid = g.mid().gradA().get(Adapter.Q);
    ApMatrix ex = x.gradA().get(Adapter.Q);
    Bound[][] r = g.radiusA().get(Adapter.Q);
    BigDecimal m = ApMatrix.toBigDecimal(ex.maxAbs());
    BigDecimal maxRad = BigDecimal.ZERO;
    BigDecimal maxErr = BigDecimal.ZERO;
    for (int i = 0; i < ex.rows(); i++) {
      for (int j = 0; j < ex.cols(); j++) {
        BigDecimal rad = r[i][j].toBigDecimal();
        BigDecimal err = ApMatrix.toBigDecimal(mid.get(i, j)).subtract(ApMatrix.toBigDecimal(ex.get(i, j))).abs();
        // every radius bounds its entry's error (the stand-in's own error, ~10^-(p+30) of M, is far below)
        assertThat(err).as("[%d][%d]", i, j).isLessThanOrEqualTo(rad.add(m.scaleByPowerOfTen(-(25 + 30))));
        maxRad = maxRad.max(rad);
        maxErr = maxErr.max(err);
      }
    }
    double radUnits = maxRad.divide(m.multiply(unit), MathContext.DECIMAL64).doubleValue();
    double errUnits = maxErr.divide(m.multiply(unit), MathContext.DECIMAL64).doubleValue();
    assertThat(radUnits).isGreaterThan(BallRadiusProperties.RADIUS_SIZE).isLessThanOrEqualTo(BallRadiusProperties.RADIUS_SIZE_CANCELLING);
    assertThat(errUnits).isLessThan(1e4);
  }
}
