package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Round trips of the format {@code lora-attention-gradient/1}. */
class GradientJsonProperties {

  @Provide
  Arbitrary<GradientResult> results() {
    return IoArbitraries.gradientResults();
  }

  @Property(tries = 300)
  @Label("read(write(r)) holds r's numbers rounded half-even to r.digits, the same adapters in order")
  void writeThenReadGivesTheRoundedResult(@ForAll("results") GradientResult r) {
    String text = GradientJson.write(r);
    GradientResult back = GradientJson.parse("grad.json", text);
    MathContext mc = new MathContext(r.digits(), RoundingMode.HALF_EVEN);
    assertThat(back.method()).isEqualTo(r.method());
    assertThat(back.digits()).isEqualTo(r.digits());
    assertThat(back.loss()).isEqualByComparingTo(r.loss().round(mc));
    assertThat(back.gradients().keySet()).containsExactlyElementsOf(r.gradients().keySet());
    for (Adapter mu : r.gradients().keySet()) {
      AdapterGradient g = r.gradients().get(mu);
      assertThat(back.gradients().get(mu).a()).isEqualTo(rounded(g.a(), mc));
      assertThat(back.gradients().get(mu).b()).isEqualTo(rounded(g.b(), mc));
    }
    // Writing is idempotent once the numbers are rounded.
    assertThat(GradientJson.write(back)).isEqualTo(text);
  }

  private static DecimalMatrix rounded(DecimalMatrix m, MathContext mc) {
    BigDecimal[][] a = new BigDecimal[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        a[i][j] = m.get(i, j).round(mc);
      }
    }
    return DecimalMatrix.of("rounded", a);
  }
}
