package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora-limits layer} (spec/FORMATS.md Section 5): answers, refusals, exit codes. */
class LayerCliExamples {
  @TempDir Path dir;

  private Path file(String text) throws IOException {
    return Files.writeString(dir.resolve("layer.json"), text, StandardCharsets.UTF_8);
  }

  private static final String VALID = dev.loralimits.io.LayerJsonExamples.VALID;

  /**
   * The reference on the example layer of LayerJsonExamples (2 heads, top-left mask, rsLoRA, O
   * frozen) and exact agree to 12 digits; both write Q and V only (O is frozen).
   */
  @Test
  void referenceAndExactAnswerTheSameLayer() throws IOException {
    Path f = file(VALID);
    CliRun ref = CliRun.of("layer", "--digits", "12", f.toString());
    assertThat(ref.code).as(ref.err).isZero();
    assertThat(ref.out).contains("\"method\": \"reference\"").contains("\"digits\": 12").contains("\"Q\": {").contains("\"V\": {")
        .doesNotContain("\"O\": {").doesNotContain("\"K\": {");
    CliRun exact = CliRun.of("layer", "--method", "exact", f.toString());
    assertThat(exact.code).as(exact.err).isZero();
    assertThat(exact.out).contains("\"method\": \"exact\"").contains("\"digits\": 17");
    String refLoss = ref.out.replaceAll("(?s).*\"loss\": ([^,]*),.*", "$1");
    String exactLoss = exact.out.replaceAll("(?s).*\"loss\": ([^,]*),.*", "$1");
    assertThat(new java.math.BigDecimal(exactLoss).round(new java.math.MathContext(12)))
        .isEqualByComparingTo(new java.math.BigDecimal(refLoss));
  }

  @Test
  void anAdaptedOutputProjectionGetsAnOKey() throws IOException {
    Path f = file(VALID.replace("\"O\": {\"W\": [[1, 0], [0.5, 1]]}", "\"O\": {\"W\": [[1, 0], [0.5, 1]], \"A\": [[1, 2]], \"B\": [[0.5], [1]]}"));
    CliRun r = CliRun.of("layer", "--digits", "10", f.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("\"O\": {");
  }

  @Test
  void aBadFileIsOneLineAndExitTwo() throws IOException {
    Path f = file(VALID.replace("\"heads\": 2", "\"heads\": 3"));
    CliRun r = CliRun.of("layer", f.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err.lines().count()).isEqualTo(1);
    assertThat(r.err).contains("layer.json: heads: (3) must divide cols(W_Q) (4)").doesNotContain("Exception");
  }

  /**
   * --method fast answers the example layer (2 heads, top-left mask, rsLoRA, O frozen) with its
   * certificate on standard error, one line, every bound at most --epsilon; its loss is within the
   * printed loss bound of the reference's.
   */
  @Test
  void fastAnswersWithItsCertificateOnOneLine() throws IOException {
    Path f = file(VALID);
    CliRun r = CliRun.of("layer", "--method", "fast", "--epsilon", "1e-8", f.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("\"method\": \"fast\"").contains("\"digits\": 17").contains("\"Q\": {").contains("\"V\": {");
    assertThat(r.err.lines().count()).isEqualTo(1);
    assertThat(r.err).startsWith("fast: degree ").contains("epsilon 1.00e-08").contains("dLoss/dA_Q ").contains("dLoss/dB_V ");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("dLoss/d[AB]_[QV] ([0-9.e+-]+)").matcher(r.err);
    int bounds = 0;
    while (m.find()) {
      assertThat(Double.parseDouble(m.group(1))).isLessThanOrEqualTo(1e-8);
      bounds++;
    }
    assertThat(bounds).isEqualTo(4);
    double lossBound = Double.parseDouble(r.err.replaceAll("(?s).*loss ([0-9.e+-]+),.*", "$1"));
    CliRun ref = CliRun.of("layer", "--digits", "20", f.toString());
    double fastLoss = Double.parseDouble(r.out.replaceAll("(?s).*\"loss\": ([^,]*),.*", "$1"));
    double refLoss = Double.parseDouble(ref.out.replaceAll("(?s).*\"loss\": ([^,]*),.*", "$1"));
    assertThat(Math.abs(fastLoss - refLoss)).isLessThanOrEqualTo(lossBound);
  }

  @Test
  void fastRefusesOnOneLineWithExitOne() throws IOException {
    CliRun r = CliRun.of("layer", "--method", "fast", "--epsilon", "1e-300", file(VALID).toString());
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(r.err.lines().count()).isEqualTo(1);
    assertThat(r.err).startsWith("lora-limits: outside the efficient regime: ").doesNotContain("Exception");
  }

  @Test
  void fastOptionsNeedFastAndAutoIsRefusedByName() throws IOException {
    Path f = file(VALID);
    CliRun eps = CliRun.of("layer", "--method", "exact", "--epsilon", "1e-6", f.toString());
    assertThat(eps.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(eps.err).contains("--epsilon applies with --method fast");
    CliRun rank = CliRun.of("layer", "--method", "fast", "--max-rank", "0", f.toString());
    assertThat(rank.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(rank.err).contains("--max-rank (0) must be >= 1");
    CliRun auto = CliRun.of("layer", "--method", "auto", f.toString());
    assertThat(auto.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(auto.err).contains("--method auto: expected reference, exact or fast");
  }

  @Test
  void gradientNamesTheLayerCommandForAVersionTwoFile() throws IOException {
    CliRun r = CliRun.of("gradient", "--method", "reference", file(VALID).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err).contains("(an attention-layer instance: run `lora-limits layer`)");
  }

  /**
   * The candidate of a layer: its own reference digits as a candidate passes the default
   * (precision-aware float64) rule and the fixed rule, a 1e-6 relative change fails the default
   * and passes --rtol 1e-5 and --precision float32.
   */
  @Test
  void aCandidateIsCheckedWithThePrecisionRuleByDefault() throws IOException {
    Path f = file(VALID);
    CliRun ref = CliRun.of("layer", "--digits", "17", f.toString());
    assertThat(ref.code).as(ref.err).isZero();
    Path good = Files.writeString(dir.resolve("good.json"), ref.out, StandardCharsets.UTF_8);
    CliRun pass = CliRun.of("layer", "--candidate", good.toString(), f.toString());
    assertThat(pass.code).as(pass.err + pass.out).isZero();
    assertThat(pass.out).contains("dLoss/dA_Q").contains("dLoss/dB_V").contains("verdict: PASS")
        .contains("precision float64: per-entry bound on a correct float64 implementation's error, x2 (attention layer,");
    CliRun fixed = CliRun.of("layer", "--candidate", good.toString(), "--rtol", "1e-9", f.toString());
    assertThat(fixed.code).as(fixed.err + fixed.out).isZero();
    assertThat(fixed.out).contains("verdict: PASS").contains("rtol 1e-9, atol 0");
    CliRun json = CliRun.of("layer", "--candidate", good.toString(), "--precision", "float32", "--json", f.toString());
    assertThat(json.code).as(json.err + json.out).isZero();
    assertThat(json.out).contains("\"format\" : \"lora-attention-check/1\"").contains("\"precision\" : \"float32\"")
        .contains("\"firstOrderValid\" : true").contains("\"verdict\" : \"pass\"").doesNotContain("rtol");
    String entry = ref.out.replaceAll("(?s).*\"A\": \\[\\s*\\[([^,\\]]*)[,\\]].*", "$1");
    java.math.BigDecimal moved = new java.math.BigDecimal(entry).multiply(new java.math.BigDecimal("1.000001"));
    Path bad = Files.writeString(dir.resolve("bad.json"), ref.out.replaceFirst(java.util.regex.Pattern.quote(entry), moved.toString()), StandardCharsets.UTF_8);
    CliRun fail = CliRun.of("layer", "--candidate", bad.toString(), f.toString());
    assertThat(fail.code).as(fail.err).isEqualTo(CheckCommand.FAIL);
    assertThat(fail.out).contains("verdict: FAIL");
    CliRun loose = CliRun.of("layer", "--candidate", bad.toString(), "--rtol", "1e-5", f.toString());
    assertThat(loose.code).as(loose.err).isZero();
    CliRun float32 = CliRun.of("layer", "--candidate", bad.toString(), "--precision", "float32", f.toString());
    assertThat(float32.code).as(float32.err + float32.out).isZero();
    CliRun both = CliRun.of("layer", "--candidate", bad.toString(), "--precision", "float32", "--rtol", "1e-5", f.toString());
    assertThat(both.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(both.err).contains("--precision and --rtol/--atol exclude each other");
  }

  @Test
  void aCandidateWithoutAnAdaptedProjectionIsRefusedByName() throws IOException {
    Path f = file(VALID);
    Path c = Files.writeString(dir.resolve("c.json"),
        "{\"format\": \"lora-attention-gradient/1\", \"gradients\": {\"Q\": {\"A\": [[0, 0, 0, 0]], \"B\": [[0], [0]]}}}",
        StandardCharsets.UTF_8);
    CliRun r = CliRun.of("layer", "--candidate", c.toString(), f.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err).contains("c.json: candidate has no dLoss/dA_V, dLoss/dB_V, which the reference has");
  }

  @Test
  void toleranceOptionsNeedACandidate() throws IOException {
    CliRun r = CliRun.of("layer", "--rtol", "1e-3", file(VALID).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err).contains("--precision, --rtol, --atol and --json apply with --candidate");
  }

  /**
   * --progress is accepted and never changes standard output (the bar itself, drawn only for runs
   * over StderrProgress.QUIET_MILLIS, is StderrProgress's own examples'; this run is shorter).
   */
  @Test
  void progressOptionsLeaveTheAnswerUnchanged() throws IOException {
    Path f = file(VALID);
    CliRun on = CliRun.of("layer", "--digits", "10", "--progress", "always", f.toString());
    assertThat(on.code).as(on.err).isZero();
    CliRun off = CliRun.of("layer", "--digits", "10", "--progress", "never", f.toString());
    assertThat(off.err).isEmpty();
    assertThat(off.out).isEqualTo(on.out);
  }
}
