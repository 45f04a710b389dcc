package dev.loralimits.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.CandidateMatrix.NonFinite;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** {@link CandidateMatrix}: exact entries and non-finite ones side by side, DecimalMatrix kept strict. */
class CandidateMatrixExamples {
  @Test
  void doublesConvertExactlyAndNonFiniteOnesAreKeptByKind() {
    CandidateMatrix m = CandidateMatrix.ofDoubles(2, 2, new double[] {0.1, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY});
    assertThat(m.get(0, 0)).isEqualTo(new BigDecimal(0.1));
    assertThat(m.isFinite(0, 0)).isTrue();
    assertThat(m.nonFinite(0, 1)).contains(NonFinite.NAN);
    assertThat(m.nonFinite(1, 0)).contains(NonFinite.NEGATIVE_INFINITY);
    assertThat(m.nonFiniteCount()).isEqualTo(new CandidateMatrix.NonFiniteCount(1, 1, 1));
    assertThat(m.nonFiniteCount().toString()).isEqualTo("3 non-finite (1 NaN, 1 +Inf, 1 -Inf)");
    assertThat(m.isFinite()).isFalse();
    assertThatThrownBy(() -> m.get(0, 1)).isInstanceOf(IllegalStateException.class).hasMessage("entry [0][1] is NaN");
    assertThatThrownBy(() -> m.toDecimal("g")).hasMessage("g has 3 non-finite (1 NaN, 1 +Inf, 1 -Inf)");
    assertThat(CandidateMatrix.NonFiniteCount.NONE.toString()).isEqualTo("0 non-finite");
  }

  @Test
  void aFiniteCandidateIsItsDecimalMatrix() {
    DecimalMatrix d = DecimalMatrix.parse("d", new String[][] {{"1", "2.50"}});
    CandidateMatrix c = CandidateMatrix.of(d);
    assertThat(c.isFinite()).isTrue();
    assertThat(c.toDecimal("d")).isEqualTo(d);
    assertThat(c).isEqualTo(CandidateMatrix.of(DecimalMatrix.parse("e", new String[][] {{"1.0", "2.5"}})));
    assertThat(c).isNotEqualTo(CandidateMatrix.ofDoubles(1, 2, new double[] {1, Double.NaN}));
    assertThat(CandidateMatrix.ofDoubles(1, 1, new double[] {Double.NaN})).isEqualTo(CandidateMatrix.scalar(NonFinite.NAN));
  }

  @Test
  void eachEntryIsANumberOrNonFiniteNotBothNorNeither() {
    assertThatThrownBy(() -> CandidateMatrix.of("g", new BigDecimal[][] {{BigDecimal.ONE}}, new NonFinite[][] {{NonFinite.NAN}}))
        .hasMessage("g[0][0] must be either a number or non-finite");
    assertThatThrownBy(() -> CandidateMatrix.of("g", new BigDecimal[][] {{null}}, null))
        .hasMessage("g[0][0] must be either a number or non-finite");
    assertThatThrownBy(() -> CandidateMatrix.of("g", new BigDecimal[][] {{BigDecimal.ONE}, {}}, null))
        .hasMessage("g is ragged: row 1 has 0 entries, row 0 has 1");
    assertThatThrownBy(() -> CandidateMatrix.ofDoubles(1, 2, new double[] {1})).hasMessage("values has 1 entries, expected 1x2");
    assertThatThrownBy(() -> NonFinite.of(1.0)).hasMessage("x (1.0) is finite");
  }
}
