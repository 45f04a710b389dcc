package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateMatrix;
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
        "grad.json: digits: expected a positive integer, got 5.5 (not an integer)");
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

  // ---------------------------------------------------------------------------------------------
  // Candidate files (check): what users write

  /** The smallest candidate: format and gradients only. */
  private static final String MINIMAL =
      """
      {"format": "lora-attention-gradient/1",
       "gradients": {"Q": {"A": [[1, 2, 3]], "B": [[4], [5]]}}}
      """;

  private static void assertCandidateRefused(String json, String message) {
    assertThatThrownBy(() -> GradientJson.parseCandidate(SOURCE, json))
        .isInstanceOf(InputException.class)
        .hasMessage(message);
  }

  @Test
  void aCandidateNeedsOnlyFormatAndGradients() {
    GradientFile f = GradientJson.parseCandidate(SOURCE, MINIMAL);
    assertThat(f.method()).isEqualTo(GradientFile.UNNAMED);
    assertThat(f.loss()).isEmpty();
    assertThat(f.gradients().keySet()).containsExactly(Adapter.Q);
    assertThat(f.gradients().get(Adapter.Q).a().get(0, 2)).isEqualTo(new BigDecimal("3"));
    assertThat(f.gradients().get(Adapter.Q).b().shape()).isEqualTo("2x1");
  }

  @Test
  void aCandidateWithEveryFieldReadsAsTheStrictReaderDoes() {
    GradientFile f = GradientJson.parseCandidate(SOURCE, EXAMPLE_TEXT);
    assertThat(f).isEqualTo(GradientFile.of(GradientJson.parse(SOURCE, EXAMPLE_TEXT)));
    assertThat(f.finiteLoss()).contains(new BigDecimal("5.0000e-1"));
    assertThat(f.method()).isEqualTo("reference");
  }

  @Test
  void everyMissingRequiredFieldIsNamedInOneMessage() {
    assertCandidateRefused(
        "{\"method\": \"mine\", \"loss\": 1}",
        "grad.json: (document): missing fields format (expected \"lora-attention-gradient/1\"), gradients");
    assertCandidateRefused("{\"format\": \"lora-attention-gradient/1\"}", "grad.json: gradients: missing field");
    assertCandidateRefused(
        MINIMAL.replace("\"format\": \"lora-attention-gradient/1\",", ""),
        "grad.json: format: missing field, expected \"lora-attention-gradient/1\"");
    // The strict reader (our own files) needs method, digits and loss too: all named at once.
    assertRefused(MINIMAL, "grad.json: (document): missing fields method, digits, loss");
    assertRefused("{}", "grad.json: (document): missing fields format (expected \"lora-attention-gradient/1\"),"
        + " method, digits, loss, gradients");
  }

  @Test
  void aFactorWithNeitherAnorBIsNamedOnce() {
    assertCandidateRefused(
        MINIMAL.replace("{\"A\": [[1, 2, 3]], \"B\": [[4], [5]]}", "{}"),
        "grad.json: gradients.Q: missing fields A and B");
  }

  @Test
  void digitsMayBeAnyIntegerValuedNumber() {
    for (String d : new String[] {"17", "17.0", "1.7e1", "170e-1", "1.70E+1"}) {
      String json = MINIMAL.replace("\"gradients\"", "\"digits\": " + d + ", \"gradients\"");
      assertThat(GradientJson.parseCandidate(SOURCE, json).gradients()).as(d).hasSize(1);
      assertThat(GradientJson.parse(SOURCE, EXAMPLE_TEXT.replace("\"digits\": 5", "\"digits\": " + d)).digits())
          .as(d).isEqualTo(17);
    }
  }

  @Test
  void digitsThatAreNotAPositiveIntegerAreRefusedNamingTheValue() {
    String[][] cases = {
      {"17.5", "expected a positive integer, got 17.5 (not an integer)"},
      {"1.75e1", "expected a positive integer, got 1.75e1 (not an integer)"},
      {"0", "expected a positive integer, got 0"},
      {"-3", "expected a positive integer, got -3"},
      {"0.0", "expected a positive integer, got 0.0"},
      {"3e9", "expected a positive integer, got 3e9 (larger than 2147483647)"},
      {"1e999999999", "expected a positive integer, got 1e999999999 (larger than 2147483647)"},
      {"\"17\"", "expected a positive integer, got a string"},
      {"NaN", "expected a positive integer, got NaN"},
    };
    for (String[] c : cases) {
      String json = MINIMAL.replace("\"gradients\"", "\"digits\": " + c[0] + ", \"gradients\"");
      assertCandidateRefused(json, "grad.json: digits: " + c[1]);
    }
  }

  @Test
  void nonFiniteTokensAsPythonWritesThemAreKeptAndCounted() {
    // json.dump writes NaN, Infinity and -Infinity as bare tokens, inside arrays as well.
    String json =
        """
        {"format": "lora-attention-gradient/1", "loss": NaN,
         "gradients": {"Q": {"A": [[NaN, Infinity, 1.5]], "B": [[-Infinity], [NaN]]}}}
        """;
    GradientFile f = GradientJson.parseCandidate(SOURCE, json);
    CandidateMatrix a = f.gradients().get(Adapter.Q).a();
    assertThat(a.nonFiniteCount()).isEqualTo(new CandidateMatrix.NonFiniteCount(1, 1, 0));
    assertThat(a.nonFinite(0, 0)).contains(CandidateMatrix.NonFinite.NAN);
    assertThat(a.nonFinite(0, 1)).contains(CandidateMatrix.NonFinite.POSITIVE_INFINITY);
    assertThat(a.get(0, 2)).isEqualTo(new BigDecimal("1.5"));
    assertThat(f.gradients().get(Adapter.Q).b().nonFiniteCount()).isEqualTo(new CandidateMatrix.NonFiniteCount(1, 0, 1));
    assertThat(f.gradients().get(Adapter.Q).b().nonFiniteCount().toString()).isEqualTo("2 non-finite (1 NaN, 1 -Inf)");
    assertThat(f.loss().orElseThrow().nonFinite(0, 0)).contains(CandidateMatrix.NonFinite.NAN);
  }

  @Test
  void nonFiniteStringsAreKeptToo() {
    String json = MINIMAL.replace("[[1, 2, 3]]", "[[\"nan\", \"-inf\", \"+Infinity\"]]");
    CandidateMatrix a = GradientJson.parseCandidate(SOURCE, json).gradients().get(Adapter.Q).a();
    assertThat(a.nonFiniteCount()).isEqualTo(new CandidateMatrix.NonFiniteCount(1, 1, 1));
  }

  @Test
  void theStrictReaderStillRefusesNonFiniteTokens() {
    assertRefused(
        EXAMPLE_TEXT.replace("[1.0000e-30]", "[NaN]"), "grad.json: gradients.V.B[0][0]: non-finite number (NaN)");
    assertRefused(
        EXAMPLE_TEXT.replace("\"loss\": 5.0000e-1", "\"loss\": -Infinity"), "grad.json: loss: non-finite number (-Infinity)");
  }

  @Test
  void aCandidateIsNotCheckedForRankHereTheComparisonChecksShapesAgainstTheInstance() {
    // A 1x3 and B 3x1: the transpose of ours for W of shape 2x3 would give A 3x1, B 1x2 and so on;
    // the reader keeps whatever shapes it finds, and check names each mismatch.
    String json = MINIMAL.replace("[[4], [5]]", "[[4, 5]]");
    GradientFile f = GradientJson.parseCandidate(SOURCE, json);
    assertThat(f.gradients().get(Adapter.Q).b().shape()).isEqualTo("1x2");
  }

  @Test
  void otherProblemsOfACandidateAreStillRefused() {
    assertCandidateRefused(MINIMAL.replace("[[4], [5]]", "[[4], [5, 6]]"), "grad.json: gradients.Q.B[1]: row has 2 entries, expected 1 (ragged)");
    assertCandidateRefused(MINIMAL.replace("[[4], [5]]", "[[4], [null]]"), "grad.json: gradients.Q.B[1][0]: expected a number, got null");
    assertCandidateRefused(MINIMAL.replace("\"Q\"", "\"q\""), "grad.json: gradients.q: unknown field (expected Q, K or V)");
    assertCandidateRefused(MINIMAL.replace("lora-attention-gradient/1", "lora-attention-instance/1"),
        "grad.json: format: expected \"lora-attention-gradient/1\", got \"lora-attention-instance/1\"");
  }
}
