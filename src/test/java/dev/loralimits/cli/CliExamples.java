package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line run in-process through {@link Main#run}: help, a gradient to a requested number
 * of digits, one refusal per kind of malformed input (exit 2, one line naming the field, no stack
 * trace), the coming methods, usage errors, and the demo.
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

  /** Output of one in-process run. */
  private record Run(int code, String out, String err) {
    /** The lines of standard error. */
    String[] errLines() {
      return err.lines().toArray(String[]::new);
    }
  }

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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

  private static void assertOneCleanLine(Run r) {
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err).doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("\tat ");
  }

  // -----------------------------------------------------------------------------------------------
  // Help

  @Test
  void helpListsTheCommandsAndExitCodes() {
    Run r = run("--help");
    assertThat(r.code).isZero();
    assertThat(r.out).contains("gradient").contains("demo").contains("Exit codes");
    assertThat(r.err).isEmpty();
  }

  @Test
  void everyCommandHasHelp() {
    Run g = run("gradient", "--help");
    assertThat(g.code).isZero();
    assertThat(g.out).contains("--method", "--digits", "--form", "--out", "E1", "FD", "fast", "issue #3");
    Run d = run("demo", "--help");
    assertThat(d.code).isZero();
    assertThat(d.out).contains("--digits");
  }

  @Test
  void versionNamesTheTool() {
    Run r = run("--version");
    assertThat(r.code).isZero();
    assertThat(r.out.strip()).isEqualTo("lora-limits " + Main.VERSION);
  }

  // -----------------------------------------------------------------------------------------------
  // gradient

  @Test
  void gradientPrintsTheJsonWithTheLossToTheRequestedDigits() throws IOException {
    Path inst = file("inst.json", VALID);
    Run r = run("gradient", "--method", "reference", "--digits", "20", inst.toString());
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
    Run e3 = run("gradient", "--method", "reference", "--digits", "15", inst.toString());
    for (String form : new String[] {"E1", "e2", "FD"}) {
      Run r = run("gradient", "--method", "reference", "--digits", "15", "--form", form, inst.toString());
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
    Run r = run("gradient", "--method", "reference", "--digits", "10", "--out", result.toString(), inst.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).isEmpty();
    assertThat(Files.readString(result)).startsWith("{").contains("\"digits\": 10");
  }

  @Test
  void defaultDigitsAreFifty() throws IOException {
    Path inst = file("inst.json", VALID);
    Run r = run("gradient", "--method", "reference", inst.toString());
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
    Run r = run("gradient", "--method", "reference", inst.toString());
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
    Run r = run("gradient", "--method", "reference", inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).contains("line").contains("column");
  }

  @Test
  void missingFileExitsTwoWithOneLine() {
    Path missing = dir.resolve("no-such-instance.json");
    Run r = run("gradient", "--method", "reference", missing.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.out).isEmpty();
    assertOneCleanLine(r);
    assertThat(r.err).startsWith(missing + ": ").contains("not found");
  }

  @Test
  void comingMethodsAreRefusedWithTheIssue() throws IOException {
    Path inst = file("inst.json", VALID);
    for (String m : new String[] {"exact", "fast", "auto"}) {
      Run r = run("gradient", "--method", m, inst.toString());
      assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.out).isEmpty();
      assertOneCleanLine(r);
      assertThat(r.err).contains("method '" + m + "' is not available yet (issue #3)");
    }
  }

  @Test
  void unknownMethodIsRefused() throws IOException {
    Run r = run("gradient", "--method", "magic", file("inst.json", VALID).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).contains("'magic'");
  }

  @Test
  void digitsOutsideTheRangeAreRefused() throws IOException {
    Path inst = file("inst.json", VALID);
    Run r = run("gradient", "--method", "reference", "--digits", "0", inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
    assertThat(r.err).isEqualTo("lora-limits: --digits (0) must be in [1, 2000]" + System.lineSeparator());
  }

  @Test
  void usageErrorsExitTwoWithMessageAndHint() throws IOException {
    Path inst = file("inst.json", VALID);
    Run[] runs = {
      run("gradient", inst.toString()), // missing --method
      run("gradient", "--method", "reference", "--digits", "many", inst.toString()),
      run("gradient", "--method", "reference", "--form", "E4", inst.toString()),
      run("gradient", "--method", "reference"), // missing FILE
      run("frobnicate"),
      run()
    };
    for (Run r : runs) {
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
    Run r = run("gradient", "--method", "reference", "--digits", "5", "--out", out.toString(), inst.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
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
    Run r = run("demo");
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
  }

  @Test
  void demoDigitsAreRangeChecked() {
    Run r = run("demo", "--digits", "-3");
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertOneCleanLine(r);
  }
}
