package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9 item 3 on the command line (spec/FORMATS.md 3.4): valid instances with extreme
 * exponents get an answer from the reference, or exit 1 with one line saying why not; the
 * double methods refuse out-of-range scalars by name; no adapter gives empty gradients.
 */
class ExtremeCliExamples {
  /** spec/FORMATS.md Section 1.1 (Q and V adapted with r = 1, K frozen). */
  private static final String VALID =
      """
      { "format": "lora-attention-instance/1",
        "alpha": 4.0, "beta": 1.0,
        "weights": { "Q": {"W": [[1, 0], [0, 1]], "A": [[0.5, "0.25"]], "B": [[1], [2]]},
                     "K": {"W": [[1, 2], [3, 4]]},
                     "V": {"W": [[1, 0], [0, 1]], "A": [[1, 1]], "B": [[0], ["-0.1"]]} },
        "data": [ {"X": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "Y": [[0, 0], [0, 0], [0, 0]]},
                  {"XQ": [[1, 1]], "XK": [[1, 0], [0, 1]], "XV": [[2, 3], [4, 5]], "Y": [[1, 2]]} ] }
      """;

  @TempDir Path dir;


  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private Path instance(String from, String to) throws IOException {
    int at = VALID.indexOf(from);
    assertThat(at).isNotNegative();
    assertThat(VALID.indexOf(from, at + 1)).isNegative();
    return Files.writeString(
        dir.resolve("inst.json"), VALID.substring(0, at) + to + VALID.substring(at + from.length()), StandardCharsets.UTF_8);
  }

  private static CliRun reference(Path f) {
    return run("gradient", "--method", "reference", "--digits", "10", f.toString());
  }

  private static void assertOneCleanLine(CliRun r) {
    assertThat(r.err.lines().count()).as(r.err).isEqualTo(1);
    assertThat(r.err).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("Exponent overflow")
        .doesNotContain("Precision").doesNotContain("nonzero exponent digits");
  }

  /** Inputs of 1e160, 2e400 and 1e-400 and beta 1e9 and 1e-400: every result fits, so it answers. */
  @ParameterizedTest
  @ValueSource(strings = {
    "\"XQ\": [[1, 1]]=>\"XQ\": [[1e160, 1]]",
    "\"XV\": [[2, 3], [4, 5]]=>\"XV\": [[2e400, 3], [4, 5]]",
    "\"XQ\": [[1, 1]]=>\"XQ\": [[1e-400, 1]]",
    "\"beta\": 1.0=>\"beta\": 1e9",
    "\"beta\": 1.0=>\"beta\": 1e-400"})
  void extremeButRepresentableInstancesAreAnswered(String edit) throws IOException {
    String[] fromTo = edit.split("=>");
    CliRun r = reference(instance(fromTo[0], fromTo[1]));
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).isEmpty();
    assertThat(r.out).contains("\"method\": \"reference\"");
  }

  /** beta 1e9: the Q gradient (one-hot rows) is of order 10^-(7.5e8), written in full. */
  @Test
  void aTinyButRepresentableGradientIsWrittenWithItsExponent() throws IOException {
    CliRun r = reference(instance("\"beta\": 1.0", "\"beta\": 1e9"));
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("[1.592574562e-746986501, 2.388861844e-746986501]");
    assertThat(r.out).contains("\"loss\": 1.295800000e+0");
  }

  /**
   * beta 1e15: the Q gradient (one-hot rows) is of order 10^-(7.5e14), beyond every BigDecimal,
   * and is written wide (spec/FORMATS.md 3.4). The digits were confirmed independently with
   * mpmath 1.3.0 at 60 digits (`src/jmh/python/mpmath_reference.py`'s `run`, whose exponents are
   * unbounded): 8.553285655e-746986508873580, 1.282992848e-746986508873579,
   * 1.49682499e-746986508873580, 2.993649979e-746986508873580.
   */
  @Test
  void aGradientBeyondTheDecimalRangeIsWrittenWithItsExponent() throws IOException {
    CliRun r = reference(instance("\"beta\": 1.0", "\"beta\": 1e15"));
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.err).isEmpty();
    assertThat(r.out).contains("[8.553285655e-746986508873580, 1.282992848e-746986508873579]")
        .contains("[1.496824990e-746986508873580]").contains("[2.993649979e-746986508873580]")
        .contains("\"loss\": 1.295800000e+0").contains("[-2.187200000e+0, -2.259200000e+0]");
  }

  /** The same answer as a float64 tensor file: the nearest doubles, 0 for the wide Q gradient. */
  @Test
  void aWideGradientIsWrittenToATensorFileAsItsNearestDoubles() throws IOException {
    Path out = dir.resolve("g.npz");
    CliRun r = run("gradient", "--method", "reference", "--digits", "10", "--out", out.toString(),
        instance("\"beta\": 1.0", "\"beta\": 1e15").toString());
    assertThat(r.code).as(r.err).isZero();
    var g = dev.loralimits.io.TensorFiles.readGradient(out).finiteGradients();
    assertThat(g.get(dev.loralimits.model.Adapter.Q).a().toDoubles()).isEqualTo(new double[][] {{0.0, 0.0}});
    assertThat(g.get(dev.loralimits.model.Adapter.Q).b().toDoubles()).isEqualTo(new double[][] {{0.0}, {0.0}});
    assertThat(g.get(dev.loralimits.model.Adapter.V).a().toDoubles()).isEqualTo(new double[][] {{-2.1872, -2.2592}});
  }

  /**
   * beta 1e18: the Q gradient's exponent, about -7.5e17, is outside the range of gradients
   * (10^-(10^17) to 10^(10^17)), set so that dropped softmax entries (below exp(-2e18), here
   * exp(-3.4e18)) cannot matter to any returned matrix: exit 1, one line naming the matrix.
   */
  @Test
  void aGradientBeyondTheWideRangeIsRefusedByName() throws IOException {
    Path f = instance("\"beta\": 1.0", "\"beta\": 1e18");
    CliRun r = reference(f);
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertOneCleanLine(r);
    assertThat(r.err).startsWith("lora-limits: " + f + ": the reference cannot answer: dLoss/dA_Q has entries of order 10^-7469865088735931")
        .contains("outside the range of gradients (10^-100000000000000000 to 10^100000000000000000)");
  }

  /** check cannot set a candidate beside a wide reference: exit 1, one line naming the matrix. */
  @Test
  void checkRefusesAReferenceBeyondTheDecimalRange() throws IOException {
    Path f = instance("\"beta\": 1.0", "\"beta\": 1e15");
    Path cand = Files.writeString(
        dir.resolve("cand.json"),
        "{\"format\": \"lora-attention-gradient/1\", \"gradients\": {\"Q\": {\"A\": [[0, 0]], \"B\": [[0], [0]]},"
            + " \"V\": {\"A\": [[-2.1872, -2.2592]], \"B\": [[35.72], [44.464]]}}}");
    for (String[] tol : new String[][] {{"--rtol", "1e-9"}, {"--precision", "float64"}}) {
      CliRun r = run("check", tol[0], tol[1], "--instance", f.toString(), "--candidate", cand.toString());
      assertThat(r.code).as(r.err).isEqualTo(Main.COMPUTATION_FAILED);
      assertOneCleanLine(r);
      assertThat(r.err).isEqualTo("lora-limits: " + f + ": check cannot compare dLoss/dA_Q: the reference's entries are of order"
          + " 10^-746986508873579, outside the range of candidates and of the report (10^-999999999 to 10^999999999);"
          + " gradient --method reference writes them\n");
    }
  }

  /** beta 1e1000 and alpha 1e9999: softmax entries of exp(-10^1000) and less; the Q gradient is refused. */
  @ParameterizedTest
  @ValueSource(strings = {"\"beta\": 1.0=>\"beta\": 1e1000", "\"alpha\": 4.0=>\"alpha\": \"1e9999\""})
  void aGradientCarriedByUnrepresentableSoftmaxEntriesIsRefused(String edit) throws IOException {
    String[] fromTo = edit.split("=>");
    Path f = instance(fromTo[0], fromTo[1]);
    CliRun r = reference(f);
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertOneCleanLine(r);
    assertThat(r.err)
        .startsWith("lora-limits: " + f + ": the reference cannot answer: the softmax of data point 0, row 0 has an entry of about exp(-")
        .contains("below 10^-(8.6e17), taken as 0; dLoss/dA_Q computes as exactly 0 but its exact value may be"
            + " carried by such entries alone, so it cannot be certified");
  }

  /** check with a fixed tolerance on the same instance: the same refusal, one line, exit 1. */
  @Test
  void checkRefusesLikeTheReference() throws IOException {
    Path f = instance("\"beta\": 1.0", "\"beta\": 1e1000");
    Path cand = Files.writeString(
        dir.resolve("cand.json"),
        "{\"format\": \"lora-attention-gradient/1\", \"gradients\": {\"Q\": {\"A\": [[0, 0]], \"B\": [[0], [0]]},"
            + " \"V\": {\"A\": [[0, 0]], \"B\": [[0], [0]]}}}");
    CliRun r = run("check", "--rtol", "1e-9", "--instance", f.toString(), "--candidate", cand.toString());
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertOneCleanLine(r);
    assertThat(r.err).startsWith("lora-limits: " + f + ": the reference cannot answer: the softmax of data point 0");
  }

  /** The double methods name the scalar beyond (1e400) or below (1e-400) their range and suggest the reference. */
  @ParameterizedTest
  @ValueSource(strings = {"beta=1e400", "beta=1e-400", "alpha=1e400", "alpha=1e-400"})
  void theDoubleMethodsRefuseOutOfRangeScalarsByName(String edit) throws IOException {
    String[] kv = edit.split("=");
    Path f = instance("\"" + kv[0] + "\": " + (kv[0].equals("beta") ? "1.0" : "4.0"), "\"" + kv[0] + "\": " + kv[1]);
    for (String m : new String[] {"exact", "fast", "auto"}) {
      CliRun r = run("gradient", "--method", m, f.toString());
      assertThat(r.code).as(m).isEqualTo(Main.COMPUTATION_FAILED);
      assertOneCleanLine(r);
      assertThat(r.err).as(m).startsWith("lora-limits: " + f + ": " + kv[0] + " = " + kv[1] + " is ")
          .contains(kv[1].contains("-") ? "below the double range" : "beyond the double range")
          .endsWith("try --method reference\n");
    }
  }

  /**
   * No adapted projection: the loss and "gradients": {} from reference, exact and auto; fast
   * answers the same or refuses its regime with exit 1 (it was exit 2, "lossBound (Infinity)").
   */
  @ParameterizedTest
  @ValueSource(strings = {"1.0", "50"})
  void noAdapterGivesTheLossAndEmptyGradients(String beta) throws IOException {
    String frozen = VALID.replace("\"alpha\": 4.0, ", "").replace("\"beta\": 1.0", "\"beta\": " + beta)
        .replace(", \"A\": [[0.5, \"0.25\"]], \"B\": [[1], [2]]", "").replace(", \"A\": [[1, 1]], \"B\": [[0], [\"-0.1\"]]", "");
    assertThat(frozen).doesNotContain("\"A\"");
    Path f = Files.writeString(dir.resolve("frozen.json"), frozen, StandardCharsets.UTF_8);
    for (String m : new String[] {"reference", "exact", "fast", "auto"}) {
      CliRun r = run("gradient", "--method", m, f.toString());
      if (m.equals("fast") && r.code != 0) {
        // no gradient to certify, but degree 0 (the rank budget is 1 without adapters) has no
        // finite loss bound at these radii: a regime refusal, exit 1, and auto answers with exact
        assertThat(r.code).as(m).isEqualTo(Main.COMPUTATION_FAILED);
        assertThat(r.err).startsWith("lora-limits: outside the efficient regime: ");
        continue;
      }
      assertThat(r.code).as(m + ": " + r.err).isZero();
      assertThat(r.out).as(m).contains("\"gradients\": {}").contains("\"loss\": ");
    }
  }
}
