package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LoraInstance;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One example per rule of the format {@code lora-attention-instance/1}: the valid base instance
 * reads as written, and each kind of malformed input is refused with a message naming the source,
 * the field path and the rule broken (the full message is asserted).
 */
class InstanceJsonExamples {
  private static final String SOURCE = "inst.json";

  /** A valid instance: d = 2, adapters on Q (r = 1) and V (r = 1), one self and one cross point. */
  private static final String BASE =
      """
      {
        "format": "lora-attention-instance/1",
        "alpha": 2,
        "beta": 1.5,
        "weights": {
          "Q": {"W": [[1, 0], [0, 1]], "A": [[0.5, 0.25]], "B": [[1], [2]]},
          "K": {"W": [[1, 0], [0, 1]]},
          "V": {"W": [[1, 0], [0, 1]], "A": [[1, 1]], "B": [[0], [1]]}
        },
        "data": [
          {"X": [[0.1, 0.2], [0.3, 0.4]], "Y": [[0, 0], [1, 1]]},
          {"XQ": [[1, 2]], "XK": [[1, 1], [2, 2]], "XV": [[3, 3], [4, 4]], "Y": [[0, 1]]}
        ]
      }
      """;

  /** {@link #BASE} with the single occurrence of {@code from} replaced by {@code to}. */
  private static String with(String from, String to) {
    return with(BASE, from, to);
  }

  private static String with(String json, String from, String to) {
    int at = json.indexOf(from);
    assertThat(at).as("'%s' occurs in the base", from).isNotNegative();
    assertThat(json.indexOf(from, at + 1)).as("'%s' occurs once", from).isNegative();
    return json.substring(0, at) + to + json.substring(at + from.length());
  }

  private static void assertRefused(String json, String message) {
    assertThatThrownBy(() -> InstanceJson.parse(SOURCE, json))
        .isInstanceOf(InputException.class)
        .hasMessage(message);
  }

  // -----------------------------------------------------------------------------------------------
  // Valid input

  @Test
  void baseInstanceReadsExactly() {
    LoraInstance x = InstanceJson.parse(SOURCE, BASE);
    assertThat(x.alpha()).isEqualTo(new BigDecimal("2"));
    assertThat(x.beta()).isEqualTo(new BigDecimal("1.5"));
    assertThat(x.adapted()).containsExactly(Adapter.Q, Adapter.V);
    assertThat(x.projection(Adapter.Q).a().get(0, 1)).isEqualTo(new BigDecimal("0.25"));
    DataPoint self = x.data().get(0);
    assertThat(self.selfAttention()).isTrue();
    // 0.1 exactly, not the double nearest to it.
    assertThat(self.xq().get(0, 0)).isEqualTo(new BigDecimal("0.1"));
    assertThat(x.data().get(1).selfAttention()).isFalse();
    assertThat(x.data().get(1).xv().get(1, 0)).isEqualTo(new BigDecimal("4"));
  }

  @Test
  void numbersAreTakenExactlyAsWritten() {
    String digits = "0.1000000000000000000000000000000000000000000000000000000000000000000001";
    LoraInstance x = InstanceJson.parse(SOURCE, with("[[0.1, 0.2]", "[[" + digits + ", 0.2]"));
    assertThat(x.data().get(0).xq().get(0, 0)).isEqualTo(new BigDecimal(digits));
  }

  @Test
  void stringsHoldingDecimalsAreAccepted() {
    LoraInstance x =
        InstanceJson.parse(SOURCE, with("[[0.1, 0.2]", "[[\"1e-30\", \"0.2000\"]").replace("\"beta\": 1.5", "\"beta\": \"0.5\""));
    assertThat(x.data().get(0).xq().get(0, 0)).isEqualTo(new BigDecimal("1E-30"));
    assertThat(x.data().get(0).xq().get(0, 1)).isEqualTo(new BigDecimal("0.2000"));
    assertThat(x.beta()).isEqualTo(new BigDecimal("0.5"));
  }

  @Test
  void commentNameAndExtensionsAreIgnored() {
    String json =
        with(
            "\"alpha\": 2,",
            "\"alpha\": 2, \"comment\": \"hi\", \"name\": \"t\", \"x-seed\": {\"a\": [1]},");
    json = with(json, "\"K\": {\"W\"", "\"K\": {\"x-note\": \"frozen\", \"W\"");
    assertThat(InstanceJson.parse(SOURCE, json)).isEqualTo(InstanceJson.parse(SOURCE, BASE));
  }

  @Test
  void betaDefaultsToOne() {
    assertThat(InstanceJson.parse(SOURCE, with("\"beta\": 1.5,", "")).beta()).isEqualTo(BigDecimal.ONE);
  }

  @Test
  void alphaDefaultsToOneWithoutAdapters() {
    String json =
        with(
            with(with("\"alpha\": 2,", ""), ", \"A\": [[0.5, 0.25]], \"B\": [[1], [2]]", ""),
            ", \"A\": [[1, 1]], \"B\": [[0], [1]]",
            "");
    LoraInstance x = InstanceJson.parse(SOURCE, json);
    assertThat(x.alpha()).isEqualTo(BigDecimal.ONE);
    assertThat(x.adapted()).isEmpty();
  }

  // -----------------------------------------------------------------------------------------------
  // format

  @Test
  void missingFormat() {
    assertRefused(
        with("\"format\": \"lora-attention-instance/1\",", ""),
        "inst.json: format: missing field, expected \"lora-attention-instance/1\"");
  }

  @Test
  void unknownFormat() {
    assertRefused(
        with("lora-attention-instance/1", "lora-attention-gradient/1"),
        "inst.json: format: expected \"lora-attention-instance/1\", got"
            + " \"lora-attention-gradient/1\"");
  }

  @Test
  void formatOfWrongType() {
    assertRefused(
        with("\"lora-attention-instance/1\"", "1"),
        "inst.json: format: expected the string \"lora-attention-instance/1\", got a number");
  }

  @Test
  void wrongFormatIsReportedBeforeOtherErrors() {
    String json = with(with("lora-attention-instance/1", "v0"), "\"beta\"", "\"betta\"");
    assertRefused(json, "inst.json: format: expected \"lora-attention-instance/1\", got \"v0\"");
  }

  @Test
  void gradientFileGivenAsInstance() {
    String gradient =
        """
        {"format": "lora-attention-gradient/1", "method": "reference", "digits": 3,
         "loss": 1.00e+0, "gradients": {}}
        """;
    assertRefused(
        gradient,
        "inst.json: format: expected \"lora-attention-instance/1\", got"
            + " \"lora-attention-gradient/1\"");
  }

  // -----------------------------------------------------------------------------------------------
  // Fields

  @Test
  void unknownTopLevelField() {
    assertRefused(
        with("\"beta\"", "\"betta\""),
        "inst.json: betta: unknown field (expected format, alpha, beta, weights, data, comment,"
            + " name or an x- extension)");
  }

  @Test
  void unknownFieldInProjection() {
    assertRefused(
        with("\"K\": {\"W\"", "\"K\": {\"a\": [[1]], \"W\""),
        "inst.json: weights.K.a: unknown field (expected W, A or B)");
  }

  @Test
  void unknownAdapter() {
    assertRefused(
        with("\"K\": {", "\"k\": {"), "inst.json: weights.k: unknown field (expected Q, K or V)");
  }

  @Test
  void unknownFieldInDataPoint() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, 1]], \"Z\": 1"),
        "inst.json: data[1].Z: unknown field (expected X, XQ, XK, XV or Y)");
  }

  @Test
  void duplicateField() {
    assertRefused(with("\"beta\": 1.5,", "\"beta\": 1.5, \"beta\": 2,"), "inst.json: beta: duplicate field");
  }

  @Test
  void missingWeights() {
    int from = BASE.indexOf("\"weights\"");
    int to = BASE.indexOf("\"data\"");
    assertRefused(BASE.substring(0, from) + BASE.substring(to), "inst.json: weights: missing field");
  }

  @Test
  void missingProjection() {
    assertRefused(with("\"K\": {\"W\": [[1, 0], [0, 1]]},", ""), "inst.json: weights.K: missing field");
  }

  @Test
  void missingFrozenWeight() {
    assertRefused(
        with("\"Q\": {\"W\": [[1, 0], [0, 1]], ", "\"Q\": {"), "inst.json: weights.Q.W: missing field");
  }

  @Test
  void missingData() {
    int from = BASE.indexOf(",\n  \"data\"");
    int to = BASE.lastIndexOf('}');
    assertRefused(BASE.substring(0, from) + "\n" + BASE.substring(to), "inst.json: data: missing field");
  }

  @Test
  void emptyData() {
    int from = BASE.indexOf("\"data\": [") + "\"data\": [".length();
    int to = BASE.lastIndexOf(']');
    assertRefused(
        BASE.substring(0, from) + BASE.substring(to),
        "inst.json: data: empty, expected at least one data point");
  }

  @Test
  void missingY() {
    assertRefused(with(", \"Y\": [[0, 1]]", ""), "inst.json: data[1].Y: missing field");
  }

  // -----------------------------------------------------------------------------------------------
  // JSON types

  @Test
  void matrixOfWrongType() {
    assertRefused(
        with("\"K\": {\"W\": [[1, 0], [0, 1]]}", "\"K\": {\"W\": 1}"),
        "inst.json: weights.K.W: expected a matrix (an array of rows), got a number");
  }

  @Test
  void rowOfWrongType() {
    assertRefused(
        with("\"K\": {\"W\": [[1, 0], [0, 1]]}", "\"K\": {\"W\": [[1, 0], 0]}"),
        "inst.json: weights.K.W[1]: expected a row (an array of numbers), got a number");
  }

  @Test
  void entryOfWrongType() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, true]]"),
        "inst.json: data[1].Y[0][1]: expected a number, got a boolean");
  }

  @Test
  void entryIsNull() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[null, 1]]"),
        "inst.json: data[1].Y[0][0]: expected a number, got null");
  }

  @Test
  void stringThatIsNotANumber() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, \"one\"]]"),
        "inst.json: data[1].Y[0][1]: expected a number, got \"one\"");
  }

  /** FORMATS 1.5: ASCII digits only; BigDecimal alone reads fullwidth and Arabic-Indic digits. */
  @Test
  void nonAsciiDigitsAreRefused() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, \"\uFF11\"]]"),
        "inst.json: data[1].Y[0][1]: expected a number in ASCII digits, got \"\uFF11\"");
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, \"\u0661\"]]"),
        "inst.json: data[1].Y[0][1]: expected a number in ASCII digits, got \"\u0661\"");
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, \"1\u0660\"]]"),
        "inst.json: data[1].Y[0][1]: expected a number in ASCII digits, got \"1\u0660\"");
  }

  @Test
  void weightsOfWrongType() {
    assertRefused(
        with("\"weights\": {", "\"weights\": [{").replace("\n  },\n  \"data\"", "\n  }],\n  \"data\""),
        "inst.json: weights: expected an object with fields Q, K and V, got an array");
  }

  @Test
  void dataOfWrongType() {
    int from = BASE.indexOf("\"data\": [") + "\"data\": ".length();
    int to = BASE.lastIndexOf(']') + 1;
    assertRefused(
        BASE.substring(0, from) + "{}" + BASE.substring(to),
        "inst.json: data: expected an array of data points, got an object");
  }

  @Test
  void dataPointOfWrongType() {
    assertRefused(
        with("{\"XQ\": [[1, 2]], \"XK\": [[1, 1], [2, 2]], \"XV\": [[3, 3], [4, 4]], \"Y\": [[0, 1]]}", "[]"),
        "inst.json: data[1]: expected a data point (an object with X and Y, or XQ, XK, XV and Y),"
            + " got an array");
  }

  @Test
  void commentOfWrongType() {
    assertRefused(
        with("\"alpha\": 2,", "\"alpha\": 2, \"comment\": 7,"),
        "inst.json: comment: expected a string, got a number");
  }

  @Test
  void topLevelNotAnObject() {
    assertRefused("[1, 2]", "inst.json: (document): expected a JSON object, got an array");
  }

  // -----------------------------------------------------------------------------------------------
  // Matrices and numbers

  @Test
  void emptyMatrix() {
    assertRefused(
        with("\"K\": {\"W\": [[1, 0], [0, 1]]}", "\"K\": {\"W\": []}"),
        "inst.json: weights.K.W: empty matrix");
  }

  @Test
  void emptyRow() {
    assertRefused(
        with("\"K\": {\"W\": [[1, 0], [0, 1]]}", "\"K\": {\"W\": [[]]}"),
        "inst.json: weights.K.W[0]: empty row");
  }

  @Test
  void raggedRows() {
    assertRefused(
        with("\"A\": [[0.5, 0.25]]", "\"A\": [[0.5, 0.25], [1]]"),
        "inst.json: weights.Q.A[1]: row has 1 entries, expected 2 (ragged)");
  }

  @Test
  void nonFiniteStrings() {
    for (String s : new String[] {"NaN", "Infinity", "-Infinity", "inf", "-inf", "+nan"}) {
      assertRefused(
          with("\"Y\": [[0, 1]]", "\"Y\": [[0, \"" + s + "\"]]"),
          "inst.json: data[1].Y[0][1]: non-finite number (\"" + s + "\")");
    }
  }

  @Test
  void nonFiniteTokens() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, NaN]]"),
        "inst.json: data[1].Y[0][1]: non-finite number (NaN)");
    assertRefused(
        with("\"beta\": 1.5", "\"beta\": -Infinity"), "inst.json: beta: non-finite number (-Infinity)");
  }

  @Test
  void exponentOutOfRange() {
    assertRefused(
        with("\"beta\": 1.5", "\"beta\": 1e99999999999"),
        "inst.json: beta: number out of range (exponent too large), got \"1e99999999999\"");
  }

  // -----------------------------------------------------------------------------------------------
  // Adapters, alpha and beta

  @Test
  void onlyAGiven() {
    assertRefused(
        with(", \"B\": [[0], [1]]", ""),
        "inst.json: weights.V: A given without B (an adapter needs both A and B)");
  }

  @Test
  void onlyBGiven() {
    assertRefused(
        with("\"A\": [[1, 1]], ", ""),
        "inst.json: weights.V: B given without A (an adapter needs both A and B)");
  }

  @Test
  void rankMismatch() {
    assertRefused(
        with("\"B\": [[1], [2]]", "\"B\": [[1, 3], [2, 4]]"),
        "inst.json: weights.Q.B: has 2 columns but weights.Q.A has 1 rows"
            + " (r mismatch: A is r x cols(W), B is rows(W) x r)");
  }

  @Test
  void adapterNotFittingW() {
    assertRefused(
        with("\"A\": [[0.5, 0.25]]", "\"A\": [[0.5, 0.25, 1]]"),
        "inst.json: weights.Q.A: has 3 columns, expected 2 (A is r x cols(W))");
  }

  @Test
  void betaNotPositive() {
    assertRefused(with("\"beta\": 1.5", "\"beta\": 0"), "inst.json: beta: must be > 0, got 0");
    assertRefused(with("\"beta\": 1.5", "\"beta\": -1"), "inst.json: beta: must be > 0, got -1");
  }

  @Test
  void alphaMissingWithAdapters() {
    assertRefused(
        with("\"alpha\": 2,", ""),
        "inst.json: alpha: missing field (required when an adapter A, B is given)");
  }

  @Test
  void alphaZeroWithAdapters() {
    assertRefused(
        with("\"alpha\": 2", "\"alpha\": 0.0"),
        "inst.json: alpha: must be non-zero when an adapter A, B is given, got 0.0");
  }

  // -----------------------------------------------------------------------------------------------
  // Data points and shapes

  @Test
  void mixingXWithCrossInputs() {
    assertRefused(
        with("{\"X\": [[0.1, 0.2], [0.3, 0.4]],", "{\"X\": [[0.1, 0.2], [0.3, 0.4]], \"XQ\": [[1, 2]],"),
        "inst.json: data[0]: mixes X with XQ/XK/XV (give X for self-attention, or XQ, XK and XV"
            + " for cross-attention)");
  }

  @Test
  void crossPointMissingAnInput() {
    assertRefused(
        with("\"XK\": [[1, 1], [2, 2]], ", ""),
        "inst.json: data[1].XK: missing field (cross-attention needs XQ, XK and XV)");
  }

  @Test
  void pointWithoutInputs() {
    assertRefused(
        with("\"X\": [[0.1, 0.2], [0.3, 0.4]], ", ""),
        "inst.json: data[0].X: missing field (give X for self-attention, or XQ, XK and XV for"
            + " cross-attention)");
  }

  @Test
  void inputWidthNotMatchingW() {
    assertRefused(
        with("\"XQ\": [[1, 2]]", "\"XQ\": [[1, 2, 3]]"),
        "inst.json: data[1].XQ: has 3 columns, expected 2 (X^Q W_Q needs cols(X^Q) = rows(W_Q))");
  }

  @Test
  void selfAttentionInputIsNamedX() {
    assertRefused(
        with("[[0.1, 0.2], [0.3, 0.4]]", "[[0.1], [0.3]]"),
        "inst.json: data[0].X: has 1 columns, expected 2 (X^Q W_Q needs cols(X^Q) = rows(W_Q))"
            + " (X is used as XQ)");
  }

  @Test
  void keysAndValuesOfDifferentLength() {
    assertRefused(
        with("\"XV\": [[3, 3], [4, 4]]", "\"XV\": [[3, 3]]"),
        "inst.json: data[1].XV: has 1 rows, expected 2 (keys and values have the same length)");
  }

  @Test
  void targetWithWrongRows() {
    assertRefused(
        with("\"Y\": [[0, 1]]", "\"Y\": [[0, 1], [1, 0]]"),
        "inst.json: data[1].Y: has 2 rows, expected 1 (one target row per query)");
  }

  @Test
  void headWidthsDiffer() {
    assertRefused(
        with("\"K\": {\"W\": [[1, 0], [0, 1]]}", "\"K\": {\"W\": [[1], [0]]}"),
        "inst.json: weights.K.W: has 1 columns, expected 2 (W_Q and W_K have the same head width)");
  }

  // -----------------------------------------------------------------------------------------------
  // Malformed documents

  @Test
  void malformedJsonGivesLineAndColumn() {
    String json = "{\"format\": \"lora-attention-instance/1\",\n  \"alpha\": ,\n}";
    assertThatThrownBy(() -> InstanceJson.parse(SOURCE, json))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith("inst.json: line 2, column 12: malformed JSON: unexpected character ',': expected a value")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception"));
  }

  @Test
  void truncatedJson() {
    String json = BASE.substring(0, BASE.indexOf("\"data\""));
    assertThatThrownBy(() -> InstanceJson.parse(SOURCE, json))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith("inst.json: line ")
        .hasMessageContaining(": malformed JSON: unexpected end of the file inside an object")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void trailingContent() {
    assertRefused(BASE + " {}", "inst.json: (document): unexpected content after the top-level object");
  }

  @Test
  void emptyInput() {
    assertRefused("", "inst.json: (document): empty input, expected a JSON object");
    assertRefused(" \n\t", "inst.json: (document): empty input, expected a JSON object");
  }

  // -----------------------------------------------------------------------------------------------
  // Files and limits

  @Test
  void readsFromFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("inst.json");
    Files.writeString(file, BASE);
    assertThat(InstanceJson.read(file)).isEqualTo(InstanceJson.parse(SOURCE, BASE));
  }

  @Test
  void fileNotFound(@TempDir Path dir) {
    Path file = dir.resolve("missing.json");
    assertThatThrownBy(() -> InstanceJson.read(file))
        .isInstanceOf(InputException.class)
        .hasMessage(file + ": (file): not found");
  }

  @Test
  void directoryInsteadOfFile(@TempDir Path dir) {
    assertThatThrownBy(() -> InstanceJson.read(dir))
        .isInstanceOf(InputException.class)
        .hasMessage(dir + ": (file): is a directory, expected a file");
  }

  @Test
  void fileLargerThan256MiB(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("big.json");
    long size = (256L << 20) + 1;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size); // sparse: nothing is written
    }
    assertThatThrownBy(() -> InstanceJson.read(file))
        .isInstanceOfSatisfying(LimitExceededException.class,
            e -> assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.JSON_BYTES))
        .hasMessage(file + ": (file): too large: " + size + " bytes, limit 268435456 (FORMATS 1.7)");
  }

  @Test
  void streamLargerThanTheByteLimit() {
    byte[] bytes = BASE.getBytes(StandardCharsets.UTF_8);
    ReadLimits limits = new ReadLimits(100, 1L << 26);
    assertThatThrownBy(() -> InstanceJson.read(SOURCE, new ByteArrayInputStream(bytes), limits))
        .isInstanceOfSatisfying(LimitExceededException.class,
            e -> assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.JSON_BYTES))
        .hasMessage("inst.json: (file): too large: more than 100 bytes (FORMATS 1.7)");
  }

  @Test
  void matrixWithTooManyEntries() {
    byte[] bytes = BASE.getBytes(StandardCharsets.UTF_8);
    ReadLimits limits = new ReadLimits(1L << 20, 3);
    assertThatThrownBy(() -> InstanceJson.read(SOURCE, new ByteArrayInputStream(bytes), limits))
        .isInstanceOfSatisfying(LimitExceededException.class,
            e -> assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.JSON_ENTRIES))
        .hasMessage("inst.json: weights.Q.W: too large: the document has more than 3 matrix entries (FORMATS 1.7)");
  }

  /** A reader that rewords a refusal (the X of a self-attention point) keeps a limit refusal's kind. */
  @Test
  void rewordingKeepsTheKindOfTheRefusal() {
    InputException limit = new LimitExceededException(
        SOURCE, "data[0].XQ", "too large", LimitExceededException.Limit.JSON_ENTRIES);
    InputException moved = limit.reworded("data[0].X", "too large (X is used as XQ)");
    assertThat(moved).isInstanceOfSatisfying(LimitExceededException.class,
            e -> assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.JSON_ENTRIES))
        .hasMessage("inst.json: data[0].X: too large (X is used as XQ)")
        .hasCause(limit);
    InputException plain = new InputException(SOURCE, "data[0].XQ", "has 3 rows").reworded("data[0].X", "has 3 rows (X)");
    assertThat(plain).isExactlyInstanceOf(InputException.class).hasMessage("inst.json: data[0].X: has 3 rows (X)");
  }

  /** Issue 10: the cap counts the whole document (many small matrices took 5.1 GB under a per-matrix cap). */
  @Test
  void entriesOfAllMatricesCountTogether() {
    byte[] bytes = BASE.getBytes(StandardCharsets.UTF_8);
    // Q.W has 4 entries, Q.A 2: the 7th and 8th are Q.B's
    ReadLimits limits = new ReadLimits(1L << 20, 7);
    assertThatThrownBy(() -> InstanceJson.read(SOURCE, new ByteArrayInputStream(bytes), limits))
        .hasMessage("inst.json: weights.Q.B: too large: the document has more than 7 matrix entries (FORMATS 1.7)");
    assertThat(InstanceJson.read(SOURCE, new ByteArrayInputStream(bytes), new ReadLimits(1L << 20, 1000)))
        .isNotNull();
  }

  /** The limits' own ranges (FORMATS 1.7), each end named in the refusal. */
  @Test
  void limitsOutsideTheirRangesAreRefusedByName() {
    assertThat(new ReadLimits(1, 1).maxBytes()).isEqualTo(1);
    assertThat(new ReadLimits(ReadLimits.BYTES_CEILING, ReadLimits.ENTRIES_CEILING).maxEntries()).isEqualTo(1L << 28);
    assertThatThrownBy(() -> new ReadLimits(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes (0) must be in [1, 1073741824] (1 GiB)");
    assertThatThrownBy(() -> new ReadLimits((1L << 30) + 1, 1)).hasMessageStartingWith("maxBytes (1073741825)");
    assertThatThrownBy(() -> new ReadLimits(1, 0)).hasMessage("maxEntries (0) must be in [1, 268435456] (2^28)");
    assertThatThrownBy(() -> new ReadLimits(1, (1L << 28) + 1)).hasMessageStartingWith("maxEntries (268435457)");
  }

  @Test
  void defaultLimitsAre256MiBAnd2To24Entries() {
    assertThat(ReadLimits.DEFAULT.maxBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(ReadLimits.DEFAULT.maxEntries()).isEqualTo(1L << 24);
  }

  @Test
  void streamIsReadFromUtf8() {
    byte[] bytes = BASE.getBytes(StandardCharsets.UTF_8);
    assertThat(InstanceJson.read("<stdin>", new ByteArrayInputStream(bytes)))
        .isEqualTo(InstanceJson.parse(SOURCE, BASE));
  }

  // -----------------------------------------------------------------------------------------------
  // Writing

  @Test
  void writesRowsOnOneLineAndNumbersExactly() {
    String out = InstanceJson.write(InstanceJson.parse(SOURCE, BASE));
    assertThat(out)
        .startsWith("{\n  \"format\": \"lora-attention-instance/1\",\n  \"alpha\": 2,\n  \"beta\": 1.5,\n")
        .contains("      \"A\": [\n        [0.5, 0.25]\n      ],\n")
        .contains("      \"X\": [\n        [0.1, 0.2],\n        [0.3, 0.4]\n      ],\n")
        .contains("\"XQ\"")
        .endsWith("}\n");
    assertThat(InstanceJson.parse(SOURCE, out)).isEqualTo(InstanceJson.parse(SOURCE, BASE));
  }
}
