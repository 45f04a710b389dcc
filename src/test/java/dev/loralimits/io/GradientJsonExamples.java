package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Examples of the gradient format {@code lora-attention-gradient/1}: exact layout and errors. */
class GradientJsonExamples {
  private static final String SOURCE = "grad.json";

  /** Q and V gradients of rank 1 for d = 2, at 5 digits. */
  private static GradientResult example() {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    // Inserted V first: the writer must still write Q before V.
    g.put(
        Adapter.V,
        new AdapterGradient(
            DecimalMatrix.parse("A", new String[][] {{"0", "-2.5"}}),
            DecimalMatrix.parse("B", new String[][] {{"1e-30"}, {"123456789"}})));
    g.put(
        Adapter.Q,
        new AdapterGradient(
            DecimalMatrix.parse("A", new String[][] {{"0.001234", "-5"}}),
            DecimalMatrix.parse("B", new String[][] {{"0.333333333"}, {"9.999996"}})));
    return new GradientResult("reference", 5, new BigDecimal("0.5"), g);
  }

  private static final String EXAMPLE_TEXT =
      """
      {
        "format": "lora-attention-gradient/1",
        "method": "reference",
        "digits": 5,
        "loss": 5.0000e-1,
        "gradients": {
          "Q": {
            "A": [
              [1.2340e-3, -5.0000e+0]
            ],
            "B": [
              [3.3333e-1],
              [1.0000e+1]
            ]
          },
          "V": {
            "A": [
              [0, -2.5000e+0]
            ],
            "B": [
              [1.0000e-30],
              [1.2346e+8]
            ]
          }
        }
      }
      """;

  private static void assertRefused(String json, String message) {
    assertThatThrownBy(() -> GradientJson.parse(SOURCE, json))
        .isInstanceOf(InputException.class)
        .hasMessage(message);
  }

  @Test
  void writesTheDocumentedLayout() {
    assertThat(GradientJson.write(example())).isEqualTo(EXAMPLE_TEXT);
  }

  @Test
  void readsNumbersExactly() {
    GradientResult r = GradientJson.parse(SOURCE, EXAMPLE_TEXT);
    assertThat(r.method()).isEqualTo("reference");
    assertThat(r.digits()).isEqualTo(5);
    assertThat(r.loss()).isEqualTo(new BigDecimal("5.0000e-1"));
    assertThat(r.gradients().keySet()).containsExactly(Adapter.Q, Adapter.V);
    assertThat(r.gradients().get(Adapter.V).b().get(0, 0)).isEqualTo(new BigDecimal("1.0000E-30"));
    assertThat(r.gradients().get(Adapter.Q).a().get(0, 0)).isEqualTo(new BigDecimal("0.0012340"));
  }

  @Test
  void toleratesExtraTopLevelFields() {
    String json =
        EXAMPLE_TEXT.replace(
            "\"digits\": 5,",
            "\"digits\": 5, \"bound\": 1e-40, \"degree\": 12, \"rank\": 91, \"radius\": 0.5,"
                + " \"timing\": {\"ms\": [1, 2]},");
    assertThat(GradientJson.parse(SOURCE, json)).isEqualTo(GradientJson.parse(SOURCE, EXAMPLE_TEXT));
  }

  /**
   * A certificate for the adapters of {@link #example()}. The doubles 1e-7 and 6.38e-9 lie just
   * below their decimals (written 1.000e-7, 6.380e-9); 3.7251e-11, 4.5691e-3, 1.6541e-7 and
   * 1.6121e-8 are rounded up in the fourth digit.
   */
  private static GradientExtras fastExtras(String auto) {
    Map<Adapter, GradientExtras.FactorBounds> bound = new EnumMap<>(Adapter.class);
    bound.put(Adapter.V, new GradientExtras.FactorBounds(6.38e-9, 0));
    bound.put(Adapter.Q, new GradientExtras.FactorBounds(3.7251e-11, 1e-7));
    return new GradientExtras(
        auto, new GradientExtras.Certificate(1e-6, bound, 1.6541e-7, 2, 6, 4.5691e-3, "TAYLOR", 1.6121e-8));
  }

  @Test
  void writesTheFastFieldsAfterTheGradientsWithBoundsRoundedUp() {
    String text = GradientJson.write(example(), fastExtras("fast"));
    String expectedTail =
        """
            }
          },
          "epsilon": 1e-6,
          "bound": {
            "Q": {
              "A": 3.726e-11,
              "B": 1.000e-7
            },
            "V": {
              "A": 6.380e-9,
              "B": 0
            }
          },
          "lossBound": 1.655e-7,
          "degree": 2,
          "rank": 6,
          "radius": 4.570e-3,
          "polynomial": "TAYLOR",
          "kernelDelta": 1.613e-8
        }
        """;
    assertThat(text)
        .startsWith("{\n  \"format\": \"lora-attention-gradient/1\",\n  \"method\": \"reference\",\n"
            + "  \"auto\": \"fast\",\n  \"digits\": 5,\n")
        .endsWith(expectedTail);
  }

  @Test
  void writesTheReferenceLayoutWithoutExtras() {
    assertThat(GradientJson.write(example(), GradientExtras.NONE)).isEqualTo(EXAMPLE_TEXT);
  }

  @Test
  void aFastFileReadsBackAsItsGradients() {
    String text = GradientJson.write(example(), fastExtras("exact (fast refused: outside the efficient regime)"));
    assertThat(GradientJson.parse(SOURCE, text)).isEqualTo(GradientJson.parse(SOURCE, EXAMPLE_TEXT));
  }

  @Test
  void boundsMustCoverTheAdaptedProjections() {
    Map<Adapter, GradientExtras.FactorBounds> onlyQ = new EnumMap<>(Adapter.class);
    onlyQ.put(Adapter.Q, new GradientExtras.FactorBounds(1e-9, 1e-9));
    GradientExtras extras =
        new GradientExtras(null, new GradientExtras.Certificate(1e-6, onlyQ, 0, 1, 3, 0.1, "TAYLOR", 0));
    assertThatThrownBy(() -> GradientJson.write(example(), extras))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the certificate bounds [Q] but the gradients are of [Q, V]");
  }

  @Test
  void readsFromFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("grad.json");
    Files.writeString(file, EXAMPLE_TEXT);
    assertThat(GradientJson.read(file)).isEqualTo(GradientJson.parse(SOURCE, EXAMPLE_TEXT));
  }

  @Test
  void missingFormat() {
    assertRefused(
        EXAMPLE_TEXT.replace("\"format\": \"lora-attention-gradient/1\",", ""),
        "grad.json: format: missing field, expected \"lora-attention-gradient/1\"");
  }

  @Test
  void instanceFileGivenAsGradient() {
    assertRefused(
        EXAMPLE_TEXT.replace("lora-attention-gradient/1", "lora-attention-instance/1"),
        "grad.json: format: expected \"lora-attention-gradient/1\", got \"lora-attention-instance/1\"");
  }

  @Test
  void missingLoss() {
    assertRefused(EXAMPLE_TEXT.replace("\"loss\": 5.0000e-1,", ""), "grad.json: loss: missing field");
  }

  @Test
  void digitsMustBeAPositiveInteger() {
    assertRefused(
        EXAMPLE_TEXT.replace("\"digits\": 5", "\"digits\": 0"),
        "grad.json: digits: expected a positive integer, got 0");
    assertRefused(
        EXAMPLE_TEXT.replace("\"digits\": 5", "\"digits\": 5.5"),
        "grad.json: digits: expected a positive integer, got a number");
  }

  @Test
  void unknownAdapter() {
    assertRefused(
        EXAMPLE_TEXT.replace("\"V\": {", "\"W\": {"),
        "grad.json: gradients.W: unknown field (expected Q, K or V)");
  }

  @Test
  void missingFactor() {
    String json = EXAMPLE_TEXT.replace("\"A\": [\n        [0, -2.5000e+0]\n      ],\n", "");
    assertRefused(json, "grad.json: gradients.V.A: missing field");
  }

  @Test
  void rankMismatch() {
    assertRefused(
        EXAMPLE_TEXT.replace("[0, -2.5000e+0]", "[0, -2.5000e+0],\n[1, 1]"),
        "grad.json: gradients.V.B: has 1 columns but gradients.V.A has 2 rows"
            + " (r mismatch: dLoss/dA is r x cols(W), dLoss/dB is rows(W) x r)");
  }

  @Test
  void nonFiniteEntry() {
    assertRefused(
        EXAMPLE_TEXT.replace("[1.0000e-30]", "[\"-inf\"]"),
        "grad.json: gradients.V.B[0][0]: non-finite number (\"-inf\")");
  }
}
