package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loralimits.io.DecimalFormatting;
import dev.loralimits.io.GradientJson;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line run in-process through {@link Main#run}: help, a gradient to a requested number
 * of digits, one refusal per kind of malformed input (exit 2, one line naming the field, no stack
 * trace), the double methods (exact against the reference, fast within its printed bounds, the
 * fast refusal and auto's fall-back), usage errors, and the demo.
 */
class CliExamples {
  /** A valid instance: spec/FORMATS.md Section 1.1 (Q and V adapted with r = 1, K frozen). */
  private static final String VALID =
      """
      { "format": "lora-attention-instance/1",
        "name": "tiny-example",
        "alpha": 4.0, "beta": 1.0,
        "weights": { "Q": {"W": [[1, 0], [0, 1]], "A": [[0.5, "0.25"]], "B": [[1], [2]]},
                     "K": {"W": [[1, 2], [3, 4]]},
                     "V": {"W": [[1, 0], [0, 1]], "A": [[1, 1]], "B": [[0], ["-0.1"]]} },
        "data": [ {"X": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "Y": [[0, 0], [0, 0], [0, 0]]},
                  {"XQ": [[1, 1]], "XK": [[1, 0], [0, 1]], "XV": [[2, 3], [4, 5]], "Y": [[1, 2]]} ] }
      """;

  /** The loss as written in the gradient JSON. */
  private static final Pattern LOSS = Pattern.compile("\"loss\"\\s*:\\s*(-?[0-9.e+-]+)");

  @TempDir Path dir;


  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  /** {@link #VALID} with the single occurrence of {@code from} replaced by {@code to}. */
  private static String valid(String from, String to) {
    int at = VALID.indexOf(from);
    assertThat(at).as("'%s' occurs in the valid instance", from).isNotNegative();
    assertThat(VALID.indexOf(from, at + 1)).as("'%s' occurs once", from).isNegative();
    return VALID.substring(0, at) + to + VALID.substring(at + from.length());
  }

  private static void assertOneCleanLine(CliRun r) {
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err).doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("\tat ");
  }

  // -----------------------------------------------------------------------------------------------
  // Help

  @Test
  void helpListsTheCommandsAndExitCodes() {
    CliRun r = run("--help");
    assertThat(r.code).isZero();
    assertThat(r.out).contains("gradient").contains("demo").contains("Exit codes");
    assertThat(r.err).isEmpty();
  }

  @Test
  void everyCommandHasHelp() {
    CliRun g = run("gradient", "--help");
    assertThat(g.code).isZero();
    assertThat(g.out)
        .contains("--method", "--digits", "--form", "--epsilon", "--threads", "--out", "E1", "FD")
        .contains("reference", "exact", "fast", "auto")
        .contains("outside the efficient regime")
        .doesNotContain("issue #3");
    CliRun d = run("demo", "--help");
    assertThat(d.code).isZero();
    assertThat(d.out).contains("--digits");
  }

  @Test
  void versionNamesTheTool() {
    CliRun r = run("--version");
    assertThat(r.code).isZero();
    assertThat(r.out.strip()).isEqualTo("lora-limits " + Main.VERSION);
  }

  // -----------------------------------------------------------------------------------------------
  // gradient

  @Test
  void gradientPrintsTheJsonWithTheLossToTheRequestedDigits() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "reference", "--digits", "20", inst.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).isEmpty();
    assertThat(r.out)
        .contains("\"format\" : \"lora-attention-gradient/1\"".replace(" : ", ": "))
        .contains("\"method\": \"reference\"")
        .contains("\"digits\": 20");
    Matcher loss = LOSS.matcher(r.out);
    assertThat(loss.find()).as(r.out).isTrue();
    // 20 significant digits: one before the point, 19 after (FORMATS.md Section 2.3).
    assertThat(loss.group(1)).matches("-?[1-9]\\.[0-9]{19}e[+-](0|[1-9][0-9]*)");
    assertThat(r.out).contains("\"Q\"").contains("\"V\"").doesNotContain("\"K\"");
  }

  @Test
  void everyFormPrintsTheSameNumbers() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun e3 = run("gradient", "--method", "reference", "--digits", "15", inst.toString());
    for (String form : new String[] {"E1", "e2", "FD"}) {
      CliRun r = run("gradient", "--method", "reference", "--digits", "15", "--form", form, inst.toString());
      assertThat(r.code).as(r.err).isZero();
      assertThat(r.out.replaceAll("\"method\": \"[^\"]*\"", ""))
          .as(form)
          .isEqualTo(e3.out.replaceAll("\"method\": \"[^\"]*\"", ""));
    }
  }

  @Test
  void outWritesTheFileAndNothingToStdout() throws IOException {
    Path inst = file("inst.json", VALID);
    Path result = dir.resolve("grad.json");
    CliRun r = run("gradient", "--method", "reference", "--digits", "10", "--out", result.toString(), inst.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).isEmpty();
    assertThat(Files.readString(result)).startsWith("{").contains("\"digits\": 10");
  }

  @Test
  void defaultDigitsAreFifty() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "reference", inst.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("\"digits\": 50");
  }

  /** One malformed input per kind, and the field its message must name. */
  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("bad JSON", valid("\"alpha\": 4.0,", "\"alpha\": 4.0,,"), "$"),
        Arguments.of(
            "unknown format",
            valid("lora-attention-instance/1", "lora-attention-instance/2"),
            "format"),
        Arguments.of("ragged row", valid("[[0.1, 0.2], [0.3, 0.4]", "[[0.1, 0.2], [0.3]"), "data[0].X"),
        Arguments.of("r mismatch", valid("\"B\": [[1], [2]]", "\"B\": [[1, 0], [2, 0]]"), "weights.Q.B"),
        Arguments.of("NaN string", valid("\"0.25\"", "\"NaN\""), "weights.Q.A[0][1]"),
        Arguments.of("wrong shape", valid("\"Y\": [[1, 2]]", "\"Y\": [[1, 2, 3]]"), "data[1].Y"),
        Arguments.of("unknown key", valid("\"name\"", "\"nmae\""), "nmae"),
        Arguments.of("beta not positive", valid("\"beta\": 1.0", "\"beta\": -1"), "beta"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedInputExitsTwoWithOneLineNamingTheField(String kind, String json, String field)
      throws IOException {
    Path inst = file("inst.json", json);
    CliRun r = run("gradient", "--method", "reference", inst.toString());
    assertThat(r.code).as(r.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.out).isEmpty();
    assertOneCleanLine(r);
    assertThat(r.err).startsWith(inst.toString() + ": ");
    if (!field.equals("$")) {
      assertThat(r.err).contains(": " + field);
    }
  }

  @Test
  void badJsonNamesTheLineAndColumn() throws IOException {
    Path inst = file("inst.json", "{\n  \"format\": \n}");
    CliRun r = run("gradient", "--method", "reference", inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).contains("line").contains("column");
  }

  @Test
  void missingFileExitsTwoWithOneLine() {
    Path missing = dir.resolve("no-such-instance.json");
    CliRun r = run("gradient", "--method", "reference", missing.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.out).isEmpty();
    assertOneCleanLine(r);
    assertThat(r.err).startsWith(missing + ": ").contains("not found");
  }

  // -----------------------------------------------------------------------------------------------
  // gradient: the double methods

  /**
   * Agreement of exact (doubles) with the reference on {@link #VALID}, relative to the largest
   * magnitude of each matrix: the rounding bound of proofs-notes/EXACT-DOUBLE.md is about
   * {@code u n} times the absolute-value program with {@code n < 100} here, so well below 1e-12.
   */
  private static final double EXACT_VS_REFERENCE = 1e-12;

  /**
   * Slack for the rounding of the exact double result when it stands in for the exact gradient
   * in |fast - exact| <= bound, relative to the largest magnitude of the matrix: EXACT-DOUBLE.md
   * gives about {@code u (8D + 4L + 31 + 3(L + 4))} times the absolute-value program, under 1e-12
   * for L = 512, D = 2 (the entries here have no cancellation, so that program is of the order of
   * the result).
   */
  private static final double EXACT_ROUNDING = 1e-12;

  /** Length of the self-attention point of {@link #answering}: large enough for fast to answer. */
  private static final int ANSWERING_LENGTH = 512;

  /**
   * A self-attention instance with d = 2, Q, K, V adapted with r = 1 and one point of length
   * {@code length}; weights identity plus entries of size 0.05, data of size 0.05, so the score
   * radius R is tiny and a low degree certifies 1e-6 with a rank far below the default budget
   * (about L (h + o) / (2 h o + h + o) = L / 3). Seeded, so the file is the same on every run.
   */
  private static String answering(int length, long seed) {
    Random rnd = new Random(seed);
    StringBuilder s = new StringBuilder();
    s.append("{ \"format\": \"lora-attention-instance/1\", \"alpha\": 1, \"beta\": 1,\n");
    s.append("  \"weights\": {");
    String sep = "";
    for (String mu : new String[] {"Q", "K", "V"}) {
      s.append(sep).append(" \"").append(mu).append("\": {\"W\": [[")
          .append(small(rnd, 1)).append(", ").append(small(rnd, 0)).append("], [")
          .append(small(rnd, 0)).append(", ").append(small(rnd, 1)).append("]], \"A\": [[")
          .append(small(rnd, 0)).append(", ").append(small(rnd, 0)).append("]], \"B\": [[")
          .append(small(rnd, 0)).append("], [").append(small(rnd, 0)).append("]]}");
      sep = ",";
    }
    s.append(" },\n  \"data\": [ {\"X\": ").append(rows(rnd, length)).append(",\n    \"Y\": ")
        .append(rows(rnd, length)).append("} ] }\n");
    return s.toString();
  }

  /** {@code centre} plus a uniform number in [-0.05, 0.05], four decimals. */
  private static String small(Random rnd, double centre) {
    return String.format(Locale.ROOT, "%.4f", centre + 0.05 * (2 * rnd.nextDouble() - 1));
  }

  private static String rows(Random rnd, int length) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (int i = 0; i < length; i++) {
      j.add("[" + small(rnd, 0) + ", " + small(rnd, 0) + "]");
    }
    return j.toString();
  }

  /** max_ij |x_ij - y_ij|. */
  private static double maxDiff(DecimalMatrix x, DecimalMatrix y) {
    assertThat(x.shape()).isEqualTo(y.shape());
    return maxAbs(minus(x.toDoubles(), y.toDoubles()));
  }

  private static double[][] minus(double[][] x, double[][] y) {
    double[][] d = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      d[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        d[i][j] = x[i][j] - y[i][j];
      }
    }
    return d;
  }

  private static double maxAbs(double[][] m) {
    double a = 0;
    for (double[] row : m) {
      for (double x : row) {
        a = Math.max(a, Math.abs(x));
      }
    }
    return a;
  }

  private static GradientResult parse(CliRun r) {
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).isEmpty();
    return GradientJson.parse("stdout", r.out);
  }

  @Test
  void exactAgreesWithTheReferenceAndPrintsSeventeenDigits() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun exactRun = run("gradient", "--method", "exact", "--threads", "2", inst.toString());
    GradientResult exact = parse(exactRun);
    GradientResult reference = parse(run("gradient", "--method", "reference", "--digits", "30", inst.toString()));
    assertThat(exact.method()).isEqualTo("exact");
    assertThat(exact.digits()).isEqualTo(17);
    Matcher loss = LOSS.matcher(exactRun.out);
    assertThat(loss.find()).isTrue();
    assertThat(loss.group(1)).matches("-?[1-9]\\.[0-9]{16}e[+-](0|[1-9][0-9]*)");
    assertThat(exact.loss().doubleValue())
        .isCloseTo(reference.loss().doubleValue(), Percentage.withPercentage(100 * EXACT_VS_REFERENCE));
    assertThat(exact.gradients().keySet()).isEqualTo(reference.gradients().keySet());
    for (Adapter mu : reference.gradients().keySet()) {
      AdapterGradient e = exact.gradients().get(mu);
      AdapterGradient ref = reference.gradients().get(mu);
      assertThat(maxDiff(e.a(), ref.a())).as("A_" + mu).isLessThanOrEqualTo(EXACT_VS_REFERENCE * maxAbs(ref.a().toDoubles()));
      assertThat(maxDiff(e.b(), ref.b())).as("B_" + mu).isLessThanOrEqualTo(EXACT_VS_REFERENCE * maxAbs(ref.b().toDoubles()));
    }
  }

  @Test
  void exactPrintsEachDoubleSoThatItReadsBackUnchanged() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "exact", inst.toString());
    GradientResult printed = parse(r);
    for (AdapterGradient g : printed.gradients().values()) {
      for (double[] row : g.a().toDoubles()) {
        for (double x : row) {
          // 17 digits identify the double: printing it again gives the same text
          assertThat(r.out).contains(DecimalFormatting.significant(new BigDecimal(x), 17));
        }
      }
    }
  }

  @Test
  void fastAnswersWithinItsPrintedBoundsOnALargeSmallNormInstance() throws IOException {
    Path inst = file("answering.json", answering(ANSWERING_LENGTH, 20240603L));
    CliRun fastRun = run("gradient", "--method", "fast", "--epsilon", "1e-6", inst.toString());
    GradientResult fast = parse(fastRun);
    GradientResult exact = parse(run("gradient", "--method", "exact", inst.toString()));
    assertThat(fast.method()).isEqualTo("fast");
    assertThat(fast.digits()).isEqualTo(17);
    JsonNode doc = new ObjectMapper().readTree(fastRun.out);
    assertThat(doc.get("epsilon").decimalValue()).isEqualByComparingTo("1e-6");
    for (String field : new String[] {"lossBound", "degree", "rank", "radius", "kernelDelta"}) {
      assertThat(doc.get(field)).as(field).isNotNull();
      assertThat(doc.get(field).isNumber()).as(field).isTrue();
    }
    assertThat(doc.get("polynomial").asText()).isIn("TAYLOR", "CHEBYSHEV");
    JsonNode bound = doc.get("bound");
    assertThat(bound).isNotNull();
    List<String> keys = new ArrayList<>();
    bound.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("Q", "K", "V");
    for (Adapter mu : fast.gradients().keySet()) {
      double boundA = bound.get(mu.name()).get("A").doubleValue();
      double boundB = bound.get(mu.name()).get("B").doubleValue();
      assertThat(boundA).as("bound A_" + mu).isLessThanOrEqualTo(1e-6);
      assertThat(boundB).as("bound B_" + mu).isLessThanOrEqualTo(1e-6);
      AdapterGradient f = fast.gradients().get(mu);
      AdapterGradient e = exact.gradients().get(mu);
      assertThat(maxDiff(f.a(), e.a()))
          .as("|fast - exact| of dLoss/dA_" + mu)
          .isLessThanOrEqualTo(boundA + EXACT_ROUNDING * maxAbs(e.a().toDoubles()));
      assertThat(maxDiff(f.b(), e.b()))
          .as("|fast - exact| of dLoss/dB_" + mu)
          .isLessThanOrEqualTo(boundB + EXACT_ROUNDING * maxAbs(e.b().toDoubles()));
    }
    assertThat(Math.abs(fast.loss().doubleValue() - exact.loss().doubleValue()))
        .isLessThanOrEqualTo(doc.get("lossBound").doubleValue() + EXACT_ROUNDING * Math.abs(exact.loss().doubleValue()));
  }

  @Test
  void autoChoosesFastWhereFastAnswers() throws IOException {
    Path inst = file("answering.json", answering(ANSWERING_LENGTH, 20240603L));
    CliRun r = run("gradient", "--method", "auto", inst.toString());
    GradientResult auto = parse(r);
    assertThat(auto.method()).isEqualTo("fast");
    assertThat(r.out).contains("\"auto\": \"fast\"").contains("\"bound\"");
    // the same bytes as --method fast, plus the "auto" line
    CliRun fast = run("gradient", "--method", "fast", inst.toString());
    assertThat(r.out.replace("  \"auto\": \"fast\",\n", "")).isEqualTo(fast.out);
  }

  @Test
  void fastOnATinyInstanceIsRefusedWithOneLine() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "fast", inst.toString());
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(r.out).isEmpty();
    assertOneCleanLine(r);
    assertThat(r.err).startsWith("lora-limits: outside the efficient regime");
  }

  @Test
  void autoOnATinyInstanceFallsBackToExact() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "auto", inst.toString());
    GradientResult auto = parse(r);
    assertThat(auto.method()).isEqualTo("exact");
    JsonNode doc = new ObjectMapper().readTree(r.out);
    assertThat(doc.get("auto").asText()).startsWith("exact (fast refused: outside the efficient regime");
    assertThat(doc.get("bound")).isNull();
    CliRun exact = run("gradient", "--method", "exact", inst.toString());
    assertThat(auto).isEqualTo(parse(exact));
  }

  @ParameterizedTest(name = "--epsilon {0}")
  @ValueSource(strings = {"0", "-1", "NaN", "Infinity", "1e-400", "1e400", "x", "\uFF11e-6"})
  void badEpsilonExitsTwoWithOneLine(String epsilon) throws IOException {
    Path inst = file("inst.json", VALID);
    for (String m : new String[] {"fast", "auto"}) {
      CliRun r = run("gradient", "--method", m, "--epsilon", epsilon, inst.toString());
      assertThat(r.code).as(r.err).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.out).isEmpty();
      assertOneCleanLine(r);
      assertThat(r.err).startsWith("lora-limits: --epsilon (");
    }
  }

  /**
   * Issue 10: the JSON limits are options. Below the document's size each refuses with one line
   * naming the limit and the option that raises it (files, standard input, instance and
   * candidate); values outside the stated ranges are refused by name; a raised limit reads.
   */
  @Test
  void jsonLimitsAreOptionsWithNamedRefusals() throws IOException {
    Path inst = file("inst.json", VALID);
    // VALID has 44 entries in all (weights 20, data 24) and about 700 bytes
    CliRun entries = run("gradient", "--method", "exact", "--max-json-entries", "10", inst.toString());
    assertThat(entries.code).as(entries.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(entries);
    assertThat(entries.err).contains("more than 10 matrix entries (FORMATS 1.7); raise with --max-json-entries");
    CliRun bytes = run("gradient", "--method", "exact", "--max-json-bytes", "100", inst.toString());
    assertThat(bytes.code).as(bytes.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(bytes);
    assertThat(bytes.err).contains("bytes, limit 100 (FORMATS 1.7); raise with --max-json-bytes");
    CliRun piped =
        runWithInput(VALID.getBytes(StandardCharsets.UTF_8), "gradient", "--method", "exact", "--max-json-bytes", "100", "-");
    assertThat(piped.code).as(piped.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(piped.err).startsWith("-: (file): too large: more than 100 bytes (FORMATS 1.7); raise with --max-json-bytes");
    CliRun raised = run("gradient", "--method", "exact", "--max-json-entries", "44", "--max-json-bytes", "100000", inst.toString());
    assertThat(raised.code).as(raised.err).isEqualTo(Main.OK);
    CliRun oneShort = run("gradient", "--method", "exact", "--max-json-entries", "43", inst.toString());
    assertThat(oneShort.err).contains("more than 43 matrix entries");
    // the candidate of check is read within the same limits
    Path cand = dir.resolve("cand.json");
    Files.writeString(cand, raised.out, StandardCharsets.UTF_8);
    CliRun check = run("check", "--instance", inst.toString(), "--candidate", cand.toString(), "--max-json-entries", "44");
    assertThat(check.code).as(check.err).isEqualTo(Main.OK);
    CliRun checkShort = run("check", "--instance", inst.toString(), "--candidate", cand.toString(), "--max-json-entries", "12");
    assertThat(checkShort.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(checkShort.err).contains("raise with --max-json-entries");
    for (String[] bad : new String[][] {
      {"--max-json-bytes", "0", "--max-json-bytes (0) must be in [1, 1073741824]"},
      {"--max-json-bytes", "1073741825", "--max-json-bytes (1073741825) must be in [1, 1073741824]"},
      {"--max-json-entries", "268435457", "--max-json-entries (268435457) must be in [1, 268435456]"},
      {"--max-json-entries", "-1", "--max-json-entries (-1) must be in [1, 268435456]"},
      {"--max-json-entries", "1e6", "'1e6' is not an integer (ASCII digits)"},
      {"--max-json-bytes", "99999999999999999999", "'99999999999999999999' is not an integer (ASCII digits)"},
    }) {
      CliRun r = run("gradient", "--method", "exact", bad[0], bad[1], inst.toString());
      assertThat(r.code).as(String.join(" ", bad)).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.out).isEmpty();
      assertThat(r.err).contains(bad[2]);
    }
  }

  /** Runs with {@code stdin} as standard input. */
  private static CliRun runWithInput(byte[] stdin, String... args) {
    java.io.InputStream old = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream(stdin));
      return run(args);
    } finally {
      System.setIn(old);
    }
  }

  /** Issue 10: {@code -} reads standard input, its format told by its first bytes. */
  @Test
  void dashReadsStandardInput() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun fromFile = run("gradient", "--method", "exact", inst.toString());
    CliRun fromStdin = runWithInput(VALID.getBytes(StandardCharsets.UTF_8), "gradient", "--method", "exact", "-");
    assertThat(fromStdin.code).isEqualTo(Main.OK);
    assertThat(fromStdin.out).isEqualTo(fromFile.out);
    Path npz = dir.resolve("inst-out.npz");
    assertThat(run("gradient", "--method", "exact", "--out", npz.toString(), inst.toString()).code).isEqualTo(Main.OK);
    CliRun check = runWithInput(Files.readAllBytes(npz), "check", "--instance", inst.toString(), "--candidate", "-");
    assertThat(check.code).as(check.err).isEqualTo(Main.OK);
    assertThat(check.out).contains("verdict: PASS");
    CliRun both = runWithInput(new byte[0], "check", "--instance", "-", "--candidate", "-");
    assertThat(both.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(both.err).isEqualTo("lora-limits: --instance and --candidate cannot both be - (standard input)" + System.lineSeparator());
    CliRun garbage = runWithInput("{\"format\": 1,".getBytes(StandardCharsets.UTF_8), "gradient", "--method", "exact", "-");
    assertThat(garbage.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(garbage.err).startsWith("-: ");
    assertOneCleanLine(garbage);
  }

  /**
   * Issue 10: the help text of every command fits 80 columns, and the --layout table is not
   * re-wrapped by picocli ("weight," and "common" were left alone on lines).
   */
  @Test
  void helpTextsWrapCleanly() {
    for (String cmd : new String[] {"gradient", "check", "layer", "demo", "phase", "train", "vectors"}) {
      CliRun r = run(cmd, "--help");
      assertThat(r.code).isEqualTo(Main.OK);
      for (String line : r.out.split("\\R")) {
        assertThat(line.length()).as(cmd + ": " + line).isLessThanOrEqualTo(80);
      }
      if (cmd.equals("gradient") || cmd.equals("check")) {
        // the --layout table keeps its lines (it was broken into "weight," and "common" lines)
        assertThat(r.out)
            .contains("  peft  PyTorch/PEFT: q_proj.weight,\n")
            .contains("        q_proj.lora_A.weight, q_proj.lora_B.weight,\n")
            .contains("        gradients q_proj.lora_A.weight.grad, ...\n");
      }
    }
  }

  /** Issue 10: an exhausted heap was "internal error: java.lang.OutOfMemoryError". */
  @Test
  void outOfMemoryIsOneLineWithAHint() {
    StringWriter w = new StringWriter();
    int code = Main.failure(new OutOfMemoryError("Java heap space"), new PrintWriter(w));
    assertThat(code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(w.toString()).startsWith("lora-limits: out of memory: ").contains("JAVA_TOOL_OPTIONS=-Xmx")
        .doesNotContain("java.lang").endsWith(System.lineSeparator());
    assertThat(w.toString().split("\\R")).hasSize(1);
  }

  /** Issue 10: {@code lora-limits help} was an unmatched argument; near misses get a suggestion. */
  @Test
  void helpCommandAndSuggestions() {
    CliRun help = run("help");
    assertThat(help.code).isEqualTo(Main.OK);
    assertThat(help.out).startsWith("Usage: lora-limits").contains("gradient", "check", "help");
    CliRun helpGradient = run("help", "gradient");
    assertThat(helpGradient.code).isEqualTo(Main.OK);
    assertThat(helpGradient.out).startsWith("Usage: lora-limits gradient");
    CliRun typo = run("gradiant", "x.json");
    assertThat(typo.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(typo.errLines()[0]).contains("(did you mean 'gradient'");
    assertThat(typo.errLines()[1]).isEqualTo("Try 'lora-limits --help' for usage.");
  }

  /** Issue 10: 1e-400 was reported as "(0.0) must be > 0". */
  @Test
  void epsilonMessagesQuoteTheTextAsWritten() throws IOException {
    Path inst = file("inst.json", VALID);
    String nl = System.lineSeparator();
    assertThat(run("gradient", "--method", "fast", "--epsilon", "1e-400", inst.toString()).err)
        .isEqualTo("lora-limits: --epsilon (1e-400) is below the smallest positive double (4.9E-324)" + nl);
    assertThat(run("gradient", "--method", "fast", "--epsilon", "NaN", inst.toString()).err)
        .isEqualTo("lora-limits: --epsilon (NaN) must be finite" + nl);
    assertThat(run("gradient", "--method", "fast", "--epsilon", "0", inst.toString()).err)
        .isEqualTo("lora-limits: --epsilon (0) must be > 0" + nl);
  }

  @Test
  void badThreadsExitTwoWithOneLine() throws IOException {
    CliRun r = run("gradient", "--method", "exact", "--threads", "0", file("inst.json", VALID).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    int max = GradientCommand.maxThreads();
    assertThat(r.err)
        .isEqualTo("lora-limits: --threads (0) must be in [1, " + max + "]" + System.lineSeparator());
  }

  /** Issue 10: {@code gradient ... > /dev/full} exited 0; a failed write of the result is exit 1. */
  @Test
  void failedWritesOfStandardOutputExitOne() throws IOException {
    Path inst = file("inst.json", VALID);
    for (String[] args : new String[][] {
        {"gradient", "--method", "exact", inst.toString()},
        {"gradient", "--method", "reference", "--digits", "20", inst.toString()},
        {"demo", "--digits", "20"}}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      OutputStream full = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          throw new IOException("No space left on device");
        }
      };
      int code;
      try (PrintStream o = new PrintStream(full, true, StandardCharsets.UTF_8);
          PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
        code = Main.run(args, o, e);
      }
      String msg = err.toString(StandardCharsets.UTF_8);
      assertThat(code).as(String.join(" ", args)).isEqualTo(Main.COMPUTATION_FAILED);
      assertThat(msg).isEqualTo(
          "lora-limits: error writing standard output (disk full or closed pipe?); the result is incomplete"
              + System.lineSeparator());
    }
  }

  /** Issue 10: --threads 100000 started ~15000 OS threads; now refused before any work. */
  @Test
  void threadsAboveTheCapAreRefused() throws IOException {
    int max = GradientCommand.maxThreads();
    assertThat(max).isEqualTo(GradientCommand.THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
    Path inst = file("inst.json", VALID);
    CliRun ok = run("gradient", "--method", "exact", "--threads", "" + max, inst.toString());
    assertThat(ok.code).isEqualTo(Main.OK);
    CliRun r = run("gradient", "--method", "exact", "--threads", "" + (max + 1), inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.out).isEmpty();
    assertThat(r.err)
        .isEqualTo("lora-limits: --threads (" + (max + 1) + ") must be in [1, " + max + "]" + System.lineSeparator());
    CliRun huge = run("gradient", "--method", "exact", "--threads", "100000", inst.toString());
    assertThat(huge.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(huge.out).isEmpty();
  }

  /** Options that mean nothing for the chosen method are refused, not ignored. */
  static Stream<Arguments> misplacedOptions() {
    return Stream.of(
        Arguments.of("exact", "--digits", "20"),
        Arguments.of("fast", "--digits", "20"),
        Arguments.of("auto", "--digits", "50"),
        Arguments.of("fast", "--form", "E1"),
        Arguments.of("exact", "--epsilon", "1e-6"),
        Arguments.of("reference", "--epsilon", "1e-6"),
        Arguments.of("reference", "--threads", "2"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("misplacedOptions")
  void optionsOfOtherMethodsAreRefusedWithOneLine(String method, String option, String value) throws IOException {
    CliRun r = run("gradient", "--method", method, option, value, file("inst.json", VALID).toString());
    assertThat(r.code).as(r.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.out).isEmpty();
    assertOneCleanLine(r);
    assertThat(r.err).startsWith("lora-limits: " + option + " is only meaningful with --method ");
  }

  @Test
  void unknownMethodIsRefused() throws IOException {
    CliRun r = run("gradient", "--method", "magic", file("inst.json", VALID).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).contains("'magic'");
  }

  @Test
  void digitsOutsideTheRangeAreRefused() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun r = run("gradient", "--method", "reference", "--digits", "0", inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).isEqualTo("lora-limits: --digits (0) must be in [1, 2000]" + System.lineSeparator());
  }

  @Test
  void usageErrorsExitTwoWithMessageAndHint() throws IOException {
    Path inst = file("inst.json", VALID);
    CliRun[] runs = {
      run("gradient", inst.toString()), // missing --method
      run("gradient", "--method", "reference", "--digits", "many", inst.toString()),
      run("gradient", "--method", "reference", "--form", "E4", inst.toString()),
      run("gradient", "--method", "reference"), // missing FILE
      run("frobnicate"),
      run()
    };
    for (CliRun r : runs) {
      assertThat(r.code).as(r.err).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.out).isEmpty();
      assertThat(r.errLines()).hasSize(2);
      assertThat(r.errLines()[1]).startsWith("Try 'lora-limits").endsWith("--help' for usage.");
      assertThat(r.err).doesNotContain("Exception").doesNotContain("at dev.");
    }
  }

  @Test
  void unwritableOutIsOneLine() throws IOException {
    Path inst = file("inst.json", VALID);
    Path out = dir.resolve("no-such-dir").resolve("grad.json");
    CliRun r = run("gradient", "--method", "reference", "--digits", "5", "--out", out.toString(), inst.toString());
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertOneCleanLine(r);
    assertThat(r.err).startsWith("lora-limits: cannot write " + out);
  }

  // -----------------------------------------------------------------------------------------------
  // Failures inside a command

  @Test
  void uncertifiedPrecisionExitsOneWithOneLine() {
    StringWriter err = new StringWriter();
    int code =
        Main.failure(new ArithmeticException("could not certify 50 digits of the loss"), new PrintWriter(err));
    assertThat(code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(err.toString()).isEqualTo("lora-limits: could not certify 50 digits of the loss" + System.lineSeparator());
  }

  @Test
  void unexpectedErrorsAreOneLineNamingTheClass() {
    StringWriter err = new StringWriter();
    int code = Main.failure(new IllegalStateException("broken\nacross lines"), new PrintWriter(err));
    assertThat(code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(err.toString().lines())
        .containsExactly("lora-limits: internal error: java.lang.IllegalStateException: broken across lines");
  }

  // -----------------------------------------------------------------------------------------------
  // demo

  @Test
  void demoPrintsTheInstanceLossGradientsAgreementAndTimes() {
    CliRun r = run("demo");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).isEmpty();
    assertThat(r.out)
        .contains("self-attention, L = 4")
        .contains("cross-attention, Lq = 2, Lk = 3")
        .contains("Loss (50 significant digits")
        .contains("dLoss/dA_Q (2x3)", "dLoss/dB_K (3x2)", "dLoss/dB_V (3x2)")
        .contains("Agreement between the forms")
        .contains("Wall time");
    // The agreement table: a header with E1 E2 E3 and one row per later form.
    assertThat(r.out).containsPattern("\\n\\s+E1\\s+E2\\s+E3\\s*\\n");
    assertThat(r.out).containsPattern("\\n  FD\\s+\\S+\\s+\\S+\\s+\\S+");
    // issue 12: the fast section, every matrix's actual error within its certified bound <= epsilon
    assertThat(r.out).contains("Fast (almost-linear, Theorems 3.1 / A.1) at epsilon 1e-06:").contains("certified: degree ");
    java.util.regex.Matcher m =
        Pattern.compile("(?m)^  dLoss/d[AB]_[QKV]  (\\S+)   (\\S+)$").matcher(r.out.substring(r.out.indexOf("Fast (")));
    int rows = 0;
    while (m.find()) {
      double bound = Double.parseDouble(m.group(1));
      double actual = Double.parseDouble(m.group(2));
      assertThat(actual).as(m.group()).isLessThanOrEqualTo(bound);
      assertThat(bound).as(m.group()).isLessThanOrEqualTo(1e-6);
      rows++;
    }
    assertThat(rows).as("six matrices: Q, K, V adapted").isEqualTo(6);
  }

  /**
   * Issue 12 item 3: fast answers wherever a certified degree exists within its memory cap, the
   * cost rule is auto's. The demo instance (L = 4, where fast costs more than exact) is answered
   * by fast and sent to exact by auto, with the reason; --max-rank caps fast and the refusal says
   * how far the capped degree is from epsilon; --max-rank belongs to fast only.
   */
  @Test
  void fastAnswersWhereACertificateExistsAndAutoKeepsTheCostRule() throws IOException {
    Path inst = dir.resolve("demo.json");
    Files.writeString(inst, dev.loralimits.io.InstanceJson.write(DemoCommand.builtIn()), StandardCharsets.UTF_8);
    CliRun fast = run("gradient", "--method", "fast", inst.toString());
    assertThat(parse(fast).method()).isEqualTo("fast");
    assertThat(fast.out).contains("\"bound\"");
    CliRun auto = run("gradient", "--method", "auto", inst.toString());
    assertThat(parse(auto).method()).isEqualTo("exact");
    assertThat(auto.out).containsPattern("\"auto\": \"exact \\(fast refused: outside the efficient regime: needs degree > 0, rank > 1 at R = \\S+ \\(rank budget 1, where the certified bound is ");
    CliRun capped = run("gradient", "--method", "fast", "--max-rank", "10", inst.toString());
    assertThat(capped.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertOneCleanLine(capped);
    assertThat(capped.err).contains("(rank budget 10, where the certified bound is ");
    // enough rank for the degree fast chose: the same answer
    String rank = fast.out.replaceAll("(?s).*\"rank\": ([0-9]+).*", "$1");
    CliRun exactCap = run("gradient", "--method", "fast", "--max-rank", rank, inst.toString());
    assertThat(exactCap.out).isEqualTo(fast.out);
    for (String[] bad : new String[][] {
      {"--method", "auto", "--max-rank", "5"}, {"--method", "exact", "--max-rank", "5"},
      {"--method", "reference", "--max-rank", "5"}, {"--method", "fast", "--max-rank", "0"}}) {
      List<String> args = new java.util.ArrayList<>(List.of("gradient"));
      args.addAll(List.of(bad));
      args.add(inst.toString());
      CliRun r = run(args.toArray(new String[0]));
      assertThat(r.code).as(String.join(" ", bad)).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.err).contains("--max-rank");
    }
  }

  @Test
  void demoDigitsAreRangeChecked() {
    CliRun r = run("demo", "--digits", "-3");
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
  }

  @Test
  void numbersBeyondTheDoubleRangeAreAComputationTheDoubleMethodsCannotDoAndTheReferenceCan() throws IOException {
    Path f = file("big.json", valid("\"Y\": [[1, 2]]", "\"Y\": [[1e400, 2]]"));
    for (String m : new String[] {"exact", "fast", "auto"}) {
      CliRun r = run("gradient", "--method", m, f.toString());
      assertThat(r.code).as(m).isEqualTo(Main.COMPUTATION_FAILED);
      assertOneCleanLine(r);
      assertThat(r.err.strip()).as(m).isEqualTo("lora-limits: " + f + ": data[1].Y[0][0] = 1e400 is beyond the double"
          + " range (|x| <= 1.8e308): the double methods cannot represent it; try --method reference");
    }
    // a target of 1e400 is no problem for the apfloat reference: loss = (1e400 - z)^2 / 2 + ... ~ 5e799
    CliRun ref = run("gradient", "--method", "reference", "--digits", "10", f.toString());
    assertThat(ref.code).as(ref.err).isZero();
    assertThat(ref.out).contains("\"loss\": 5.000000000e+799");
  }
}
