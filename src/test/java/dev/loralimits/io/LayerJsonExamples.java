package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.testing.LayerInstances;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spec/FORMATS.md Section 5: the layer instance file, read and written. */
public class LayerJsonExamples {
  public static final String VALID =
      """
      { "format": "lora-attention-instance/2", "heads": 2, "causal": "top-left", "scaling": "rslora",
        "alpha": 4, "beta": 0.5,
        "weights": { "Q": {"W": [[1, 0, 0.5, 0], [0, 1, 0, -1]], "A": [[0.5, 0.25, 0, 1]], "B": [[1], [2]]},
                     "K": {"W": [[1, 2, 0, 1], [3, 4, 1, 0]]},
                     "V": {"W": [[1, 0], [0, 1]], "A": [[1, 1]], "B": [[0], [-0.1]]},
                     "O": {"W": [[1, 0], [0.5, 1]]} },
        "data": [ {"X": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "Y": [[0, 0], [0, 0], [0, 0]]} ] }
      """;

  @Test
  void readsEveryVersionTwoField() {
    LayerInstance x = LayerJson.parse("l.json", VALID);
    assertThat(x.heads()).isEqualTo(2);
    assertThat(x.masking()).isEqualTo(Masking.TOP_LEFT);
    assertThat(x.scaling()).isEqualTo(LoraScaling.RSLORA);
    assertThat(x.beta()).isEqualByComparingTo("0.5");
    assertThat(x.hasOutputProjection()).isTrue();
    assertThat(x.adapted()).containsExactly(LayerWeight.Q, LayerWeight.V);
    assertThat(x.headWidth()).isEqualTo(2);
    assertThat(x.valueHeadWidth()).isEqualTo(1);
  }

  @Test
  void defaultsAreOneHeadNoMaskAndAlphaOverR() {
    String v = VALID.replace("\"heads\": 2, \"causal\": \"top-left\", \"scaling\": \"rslora\",", "")
        .replace("[[1, 0, 0.5, 0], [0, 1, 0, -1]], \"A\": [[0.5, 0.25, 0, 1]]", "[[1, 0], [0, 1]], \"A\": [[0.5, 0.25]]")
        .replace("[[1, 2, 0, 1], [3, 4, 1, 0]]", "[[1, 2], [3, 4]]");
    LayerInstance x = LayerJson.parse("l.json", v);
    assertThat(x.heads()).isEqualTo(1);
    assertThat(x.masking()).isEqualTo(Masking.NONE);
    assertThat(x.scaling()).isEqualTo(LoraScaling.LORA);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "\"heads\": 2|\"heads\": 3|: heads: (3) must divide cols(W_Q) (4)",
    "\"heads\": 2|\"heads\": 1.5|: heads: must be an integer from 1 to 1048576, got 1.5",
    "\"causal\": \"top-left\"|\"causal\": \"yes\"|: causal: must be \"none\", \"top-left\" or \"bottom-right\", got \"yes\"",
    "\"scaling\": \"rslora\"|\"scaling\": \"dora\"|: scaling: must be \"lora\" (alpha / r) or \"rslora\" (alpha / sqrt(r)), got \"dora\"",
    "\"beta\": 0.5|\"x-beta\": 0.5|: beta: missing field (version 2 states beta: 1/sqrt(head width) is a choice, not a default)",
    "\"O\": {\"W\": [[1, 0], [0.5, 1]]}|\"O\": {\"W\": [[1, 0]]}|rows(W_O) = cols(W_V)",
    "\"O\": {\"W\": [[1, 0], [0.5, 1]]}|\"P\": {\"W\": [[1]]}|weights.P: unknown field (expected Q, K, V or O)"})
  void refusalsNameTheFieldAndTheRule(String from, String to, String message) {
    assertThatThrownBy(() -> LayerJson.parse("l.json", VALID.replace(from, to)))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith("l.json")
        .hasMessageContaining(message);
  }

  @Test
  void aBottomRightMaskNeedsAsManyKeysAsQueries() {
    String v = VALID.replace("\"top-left\"", "\"bottom-right\"")
        .replace("{\"X\": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], \"Y\": [[0, 0], [0, 0], [0, 0]]}",
            "{\"XQ\": [[0.1, 0.2], [0.3, 0.4]], \"XK\": [[1, 1]], \"XV\": [[2, 2]], \"Y\": [[0, 0], [0, 0]]}");
    assertThatThrownBy(() -> LayerJson.parse("l.json", v))
        .hasMessageContaining("data[0].XK: has 1 rows, fewer than the 2 queries: a bottom-right causal mask leaves query 0 without a key");
  }

  @Test
  void theGradientFileHasAnOKeyWhenOIsAdapted() {
    var r = new dev.loralimits.model.LayerResult("reference", 3, new BigDecimal("1.25"),
        Map.of(LayerWeight.O, new dev.loralimits.model.AdapterGradient(
            dev.loralimits.model.DecimalMatrix.parse("a", new String[][] {{"0.5"}}),
            dev.loralimits.model.DecimalMatrix.parse("b", new String[][] {{"-2"}}))));
    assertThat(LayerJson.writeGradient(r)).contains("\"loss\": 1.25e+0").contains("\"O\": {").contains("[5.00e-1]").contains("[-2.00e+0]");
  }

  @Test
  void versionOneReadersNameTheLayerCommand() {
    assertThatThrownBy(() -> InstanceJson.parse("l.json", VALID))
        .hasMessageContaining("got \"lora-attention-instance/2\" (an attention-layer instance: run `lora-limits layer`)");
  }
}
