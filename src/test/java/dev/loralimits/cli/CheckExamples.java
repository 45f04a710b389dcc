package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora-limits check}: verdicts, exit codes and the JSON report (spec/CHECK.md). */
class CheckExamples {
  @TempDir static Path dir;
  static Path instance;
  static String exactJson;

  @BeforeAll
  static void setUp() throws Exception {
    instance = dir.resolve("demo.json");
    try (var in = CheckExamples.class.getResourceAsStream("/dev/loralimits/demo-instance.json")) {
      Files.copy(in, instance);
    }
    CliRun r = run("gradient", "--method", "exact", instance.toString());
    assertThat(r.code).isZero();
    exactJson = r.out;
  }


  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  static Path write(String name, String content) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  /** README's example file is the built-in demo instance. */
  @Test
  void readmeExampleIsTheDemoInstance() throws Exception {
    assertThat(Files.readString(Path.of("spec/examples/demo-instance.json"))).isEqualTo(Files.readString(instance));
  }

  /** README's candidate template is a valid candidate for the demo instance (all zeros: it fails, exit 1). */
  @Test
  void readmeCandidateTemplateIsAValidCandidate() throws Exception {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("```\\n(\\{\"format\": \"lora-attention-gradient/1\",\\n.*?)```",
        java.util.regex.Pattern.DOTALL).matcher(Files.readString(Path.of("README.md")));
    assertThat(m.find()).as("a candidate template in README.md").isTrue();
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", write("template.json", m.group(1)).toString());
    assertThat(r.code).as(r.err).isEqualTo(CheckCommand.FAIL);
    assertThat(r.out).containsPattern("dLoss/dB_V +3x2 .* FAIL");
  }

  @Test
  void float64GradientPassesWithAbout15Digits() throws Exception {
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", write("c.json", exactJson).toString());
    assertThat(r.code).isZero();
    assertThat(r.out).contains("verdict: PASS").contains("dLoss/dB_V");
    JsonNode j = new ObjectMapper().readTree(
        run("check", "--json", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString()).out);
    assertThat(j.get("verdict").asText()).isEqualTo("pass");
    assertThat(j.get("matrices")).hasSize(7);
    for (JsonNode m : j.get("matrices")) {
      assertThat(m.get("lre").asDouble()).as(m.get("name").asText()).isGreaterThan(13);
    }
  }

  /** The exact gradient with {@code f} applied to every gradient entry (the loss unchanged). */
  static String mapped(java.util.function.DoubleUnaryOperator f, boolean firstOnly) throws Exception {
    ObjectMapper om = new ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(exactJson);
    boolean done = false;
    for (String mu : new String[] {"Q", "K", "V"}) {
      for (String factor : new String[] {"A", "B"}) {
        for (JsonNode row : tree.get("gradients").get(mu).get(factor)) {
          var arr = (com.fasterxml.jackson.databind.node.ArrayNode) row;
          for (int i = 0; i < arr.size(); i++) {
            if (!(firstOnly && done)) {
              arr.set(i, om.getNodeFactory().numberNode(f.applyAsDouble(arr.get(i).asDouble())));
              done = true;
            }
          }
        }
      }
    }
    return om.writeValueAsString(tree);
  }

  @Test
  void oneWrongEntryFails() throws Exception {
    // first entry of dLoss/dA_Q off in its 8th significant digit
    CliRun r = run("check", "--instance", instance.toString(), "--candidate",
        write("w.json", mapped(x -> x * (1 + 1e-7), true)).toString());
    assertThat(r.code).isEqualTo(CheckCommand.FAIL);
    assertThat(r.out).contains("verdict: FAIL").containsPattern("dLoss/dA_Q .* FAIL");
    assertThat(r.out).containsPattern("dLoss/dB_Q .* pass");
  }

  @Test
  void float32PrecisionFailsDefaultButPassesALooserTolerance() throws Exception {
    Path p = write("f32.json", mapped(x -> (float) x, false));
    assertThat(run("check", "--instance", instance.toString(), "--candidate", p.toString()).code).isEqualTo(CheckCommand.FAIL);
    assertThat(run("check", "--rtol", "1e-6", "--instance", instance.toString(), "--candidate", p.toString()).code).isZero();
  }

  @Test
  void wrongShapeOrAdaptersAreUnusableInput() throws Exception {
    JsonNode j = new ObjectMapper().readTree(exactJson);
    ObjectMapper om = new ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(exactJson);
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("gradients")).remove("K");
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", write("noK.json", om.writeValueAsString(tree)).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err.strip().lines().count()).isEqualTo(1);
    assertThat(r.err.strip()).isEqualTo(
        "lora-limits: " + dir.resolve("noK.json") + ": candidate has no gradients for K, which the instance adapts (it adapts Q, K, V)");
    assertThat(j).isNotNull();
    // a wrong shape: Q's dLoss/dA transposed, named with both shapes (issue 11: this test named
    // shapes but checked none)
    var t2 = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(exactJson);
    var qa = (com.fasterxml.jackson.databind.node.ArrayNode) t2.get("gradients").get("Q").get("A");
    var transposed = om.createArrayNode();
    for (int c = 0; c < qa.get(0).size(); c++) {
      var row = om.createArrayNode();
      for (int r0 = 0; r0 < qa.size(); r0++) {
        row.add(qa.get(r0).get(c));
      }
      transposed.add(row);
    }
    ((com.fasterxml.jackson.databind.node.ObjectNode) t2.get("gradients").get("Q")).set("A", transposed);
    CliRun shape = run("check", "--instance", instance.toString(), "--candidate", write("qT.json", om.writeValueAsString(t2)).toString());
    assertThat(shape.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(shape.err.strip().lines().count()).isEqualTo(1);
    assertThat(shape.err).contains("dLoss/dA_Q: candidate is " + qa.get(0).size() + "x" + qa.size())
        .contains("expected " + qa.size() + "x" + qa.get(0).size() + " (the transpose)");
    CliRun bad = run("check", "--rtol", "-1", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString());
    assertThat(bad.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(bad.err.strip()).isEqualTo("lora-limits: --rtol (-1) must be >= 0");
    CliRun nan = run("check", "--atol", "NaN", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString());
    assertThat(nan.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(nan.err).startsWith("lora-limits: Invalid value for option '--atol'");
  }

  /** A candidate as .npz (our layout) and as .safetensors (PEFT layout, instance too). */
  @Test
  void tensorCandidatesInBothLayouts() throws Exception {
    Path npz = dir.resolve("cand.npz");
    CliRun g = run("gradient", "--method", "exact", "--out", npz.toString(), instance.toString());
    assertThat(g.code).as(g.err).isZero();
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", npz.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("verdict: PASS").contains("loss").contains("dLoss/dB_V");

    dev.loralimits.model.LoraInstance inst = dev.loralimits.io.TensorFiles.readInstance(instance);
    Path peftInstance = dir.resolve("inst-peft.safetensors");
    dev.loralimits.io.TensorFiles.writeInstance(inst, peftInstance, dev.loralimits.io.TensorLayout.PEFT);
    Path peftCand = dir.resolve("cand-peft.safetensors");
    CliRun gp = run("gradient", "--method", "exact", "--layout", "peft", "--out", peftCand.toString(), peftInstance.toString());
    assertThat(gp.code).as(gp.err).isZero();
    CliRun rp = run("check", "--layout", "peft", "--instance", peftInstance.toString(), "--candidate", peftCand.toString());
    assertThat(rp.code).as(rp.err).isZero();
    assertThat(rp.out).contains("verdict: PASS");
    // issue 13: rows named as the PEFT files name them, shapes as they hold them (dLoss/dA_mu is
    // the gradient of lora_B transposed, dLoss/dB_mu that of lora_A)
    assertThat(rp.out).doesNotContain("dLoss/dA_").doesNotContain("dLoss/dB_");
    for (dev.loralimits.model.Adapter mu : inst.weights().keySet()) {
      if (!inst.projection(mu).isAdapted()) {
        continue;
      }
      String module = mu.name().toLowerCase(java.util.Locale.ROOT) + "_proj";
      dev.loralimits.model.DecimalMatrix a = inst.projection(mu).a();
      dev.loralimits.model.DecimalMatrix b = inst.projection(mu).b();
      assertThat(rp.out).containsPattern("(?m)^" + module + "\\.lora_B\\.weight\\.grad +" + a.cols() + "x" + a.rows() + " ");
      assertThat(rp.out).containsPattern("(?m)^" + module + "\\.lora_A\\.weight\\.grad +" + b.cols() + "x" + b.rows() + " ");
    }
    CliRun rpJson = run("check", "--json", "--layout", "peft", "--instance", peftInstance.toString(), "--candidate", peftCand.toString());
    assertThat(rpJson.out).contains("\"name\" : \"q_proj.lora_B.weight.grad\"").contains("\"ours\" : \"dLoss/dA_Q\"");
    // Read in the wrong layout: one line naming the file, exit 2.
    CliRun wrong = run("check", "--instance", peftInstance.toString(), "--candidate", peftCand.toString());
    assertThat(wrong.code).isEqualTo(2);
    assertThat(wrong.err.strip()).isEqualTo(peftInstance + ": __metadata__.layout: the file says layout \"peft\", read as ours (give --layout peft)");
    CliRun jsonOnly = run("check", "--layout", "peft", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString());
    assertThat(jsonOnly.code).isEqualTo(2);
  }

  // ---------------------------------------------------------------------------------------------
  // Candidates as users write them, broken candidates, exact reports, the reference's digits

  /** The exact gradient with the entries {@code [mu, factor, row, col]} replaced by the JSON tokens given. */
  static String withTokens(String[][] at, String... tokens) throws Exception {
    ObjectMapper om = new ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(exactJson);
    for (int k = 0; k < at.length; k++) {
      var row = (com.fasterxml.jackson.databind.node.ArrayNode) tree.get("gradients").get(at[k][0]).get(at[k][1]).get(Integer.parseInt(at[k][2]));
      row.set(Integer.parseInt(at[k][3]), om.getNodeFactory().textNode("@" + k + "@"));
    }
    String text = om.writeValueAsString(tree);
    for (int k = 0; k < at.length; k++) {
      text = text.replace("\"@" + k + "@\"", tokens[k]);
    }
    return text;
  }

  @Test
  void nanAndInfinityTokensAsPythonWritesThemFailWithExitOne() throws Exception {
    String text = withTokens(new String[][] {{"Q", "A", "0", "0"}, {"Q", "A", "1", "2"}, {"Q", "A", "1", "1"}, {"V", "B", "2", "0"}},
        "NaN", "Infinity", "NaN", "-Infinity");
    Path p = write("nan.json", text);
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", p.toString());
    assertThat(r.code).as(r.err).isEqualTo(CheckCommand.FAIL);
    assertThat(r.out).containsPattern("dLoss/dA_Q .* FAIL: 3 non-finite \\(2 NaN, 1 \\+Inf\\)\\R");
    assertThat(r.out).containsPattern("dLoss/dB_V .* FAIL: 1 non-finite \\(1 -Inf\\)\\R");
    assertThat(r.out).containsPattern("dLoss/dB_Q .* pass\\R").contains("verdict: FAIL");
    JsonNode j = new ObjectMapper().readTree(run("check", "--json", "--instance", instance.toString(), "--candidate", p.toString()).out);
    JsonNode aq = j.get("matrices").get(1);
    assertThat(aq.get("name").asText()).isEqualTo("dLoss/dA_Q");
    assertThat(aq.get("maxAbsError").isNull()).isTrue();
    assertThat(aq.get("margin").isNull()).isTrue();
    assertThat(aq.get("lre").isNull()).isTrue();
    assertThat(aq.get("nonFinite").get("total").asInt()).isEqualTo(3);
    assertThat(aq.get("nonFinite").get("nan").asInt()).isEqualTo(2);
    assertThat(aq.get("nonFinite").get("posInf").asInt()).isEqualTo(1);
  }

  /** A {@code .npy} array of doubles ({@code '<f8'}, version 1.0), written by hand as numpy does. */
  static byte[] npy(double[][] m) {
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + m.length + ", " + m[0].length + "), }";
    int unpadded = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 8 * m.length * m[0].length)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (double[] row : m) {
      for (double x : row) {
        b.putDouble(x);
      }
    }
    return b.array();
  }

  @Test
  void nonFiniteValuesInATensorCandidateFailWithExitOne() throws Exception {
    JsonNode g = new ObjectMapper().readTree(exactJson).get("gradients");
    Path p = dir.resolve("nan.npz");
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
      for (String mu : new String[] {"Q", "K", "V"}) {
        for (String f : new String[] {"A", "B"}) {
          JsonNode m = g.get(mu).get(f);
          double[][] v = new double[m.size()][m.get(0).size()];
          for (int i = 0; i < v.length; i++) {
            for (int k = 0; k < v[i].length; k++) {
              v[i][k] = m.get(i).get(k).asDouble();
            }
          }
          if (mu.equals("K") && f.equals("B")) {
            v[0][0] = Double.NaN;
          }
          z.putNextEntry(new java.util.zip.ZipEntry("grad_" + f + "_" + mu + ".npy"));
          z.write(npy(v));
          z.closeEntry();
        }
      }
    }
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", p.toString());
    assertThat(r.code).as(r.err).isEqualTo(CheckCommand.FAIL);
    assertThat(r.out).containsPattern("dLoss/dB_K .* FAIL: 1 non-finite \\(1 NaN\\)").doesNotContain("loss ");
  }

  @Test
  void aMinimalCandidateWithFormatAndGradientsOnlyIsCheckedWithoutALossRow() throws Exception {
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(exactJson);
    var min = new ObjectMapper().createObjectNode();
    min.put("format", "lora-attention-gradient/1");
    min.set("gradients", tree.get("gradients"));
    CliRun r = run("check", "--instance", instance.toString(), "--candidate", write("min.json", min.toString()).toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).startsWith("matrix ").doesNotContain("\nloss ").contains("dLoss/dA_Q").contains("verdict: PASS");
    // Missing the gradients as well as the format: one message naming both.
    CliRun bad = run("check", "--instance", instance.toString(), "--candidate", write("bad.json", "{\"loss\": 1}").toString());
    assertThat(bad.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(bad.err.strip()).isEqualTo(dir.resolve("bad.json")
        + ": (document): missing fields format (expected \"lora-attention-gradient/1\"), gradients");
  }

  /** spec/FORMATS.md Section 1.1: Q and V adapted (r = 1), K frozen. */
  static final String K_FROZEN =
      """
      { "format": "lora-attention-instance/1", "alpha": 4.0, "beta": 1.0,
        "weights": { "Q": {"W": [[1, 0], [0, 1]], "A": [[0.5, "0.25"]], "B": [[1], [2]]},
                     "K": {"W": [[1, 2], [3, 4]]},
                     "V": {"W": [[1, 0], [0, 1]], "A": [[1, 1]], "B": [[0], ["-0.1"]]} },
        "data": [ {"X": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "Y": [[0, 0], [0, 0], [0, 0]]},
                  {"XQ": [[1, 1]], "XK": [[1, 0], [0, 1]], "XV": [[2, 3], [4, 5]], "Y": [[1, 2]]} ] }
      """;

  @Test
  void gradientsOfAFrozenProjectionAreARowNotComparedNotAnError() throws Exception {
    Path inst = write("kfrozen.json", K_FROZEN);
    CliRun g = run("gradient", "--method", "exact", inst.toString());
    assertThat(g.code).as(g.err).isZero();
    ObjectMapper om = new ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(g.out);
    // A candidate that computed every projection's gradient (K's need not even be finite).
    var k = ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("gradients")).putObject("K");
    k.set("A", om.readTree("[[0.1, 0.2]]"));
    k.set("B", om.readTree("[[0.3], [0.4]]"));
    Path cand = write("withK.json", om.writeValueAsString(tree));
    CliRun r = run("check", "--instance", inst.toString(), "--candidate", cand.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).containsPattern("dLoss/dA_K +1x2 +not compared \\(frozen\\)\\R")
        .containsPattern("dLoss/dB_K +2x1 +not compared \\(frozen\\)\\R").contains("verdict: PASS");
    JsonNode j = om.readTree(run("check", "--json", "--instance", inst.toString(), "--candidate", cand.toString()).out);
    JsonNode last = j.get("matrices").get(j.get("matrices").size() - 1);
    assertThat(last.get("name").asText()).isEqualTo("dLoss/dB_K");
    assertThat(last.get("verdict").asText()).isEqualTo("not compared");
    assertThat(last.get("reason").asText()).isEqualTo("frozen");
    // The other way round, an adapted projection the candidate lacks stays an error naming it.
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("gradients")).remove("V");
    CliRun noV = run("check", "--instance", inst.toString(), "--candidate", write("noV.json", om.writeValueAsString(tree)).toString());
    assertThat(noV.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(noV.err).contains("candidate has no gradients for V, which the instance adapts (it adapts Q, V)");
  }

  /** The exact gradient with the factors {@code which} ("Q.A", ...) transposed. */
  static String transposed(String... which) throws Exception {
    ObjectMapper om = new ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(exactJson);
    for (String w : which) {
      String[] mf = w.split("\\.");
      var g = (com.fasterxml.jackson.databind.node.ObjectNode) tree.get("gradients").get(mf[0]);
      JsonNode m = g.get(mf[1]);
      var t = om.createArrayNode();
      for (int j = 0; j < m.get(0).size(); j++) {
        var row = t.addArray();
        for (JsonNode r : m) {
          row.add(r.get(j));
        }
      }
      g.set(mf[1], t);
    }
    return om.writeValueAsString(tree);
  }

  @Test
  void aTransposedCandidateIsUnusableInputAndTheMessageSaysTranspose() throws Exception {
    CliRun one = run("check", "--instance", instance.toString(), "--candidate", write("t1.json", transposed("Q.A")).toString());
    assertThat(one.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(one.err.strip()).isEqualTo("lora-limits: " + dir.resolve("t1.json")
        + ": dLoss/dA_Q: candidate is 3x2, expected 2x3 (the transpose)");
    CliRun all = run("check", "--instance", instance.toString(), "--candidate",
        write("tall.json", transposed("Q.A", "Q.B", "K.A", "K.B", "V.A", "V.B")).toString());
    assertThat(all.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(all.err.strip().lines().count()).isEqualTo(1);
    assertThat(all.err).contains("dLoss/dB_V: candidate is 2x3, expected 3x2 (the transpose); every gradient has the shape of"
        + " nn.Linear orientation (x W^T").contains("transpose to ours").contains("give --layout peft");
    assertThat(all.err.split("nn.Linear", -1)).hasSize(2);
  }

  @Test
  void theJsonReportHasNumbersAndNullsAndParsesExactly() throws Exception {
    CliRun r = run("check", "--json", "--rtol", "1e-9", "--instance", instance.toString(), "--candidate", write("c2.json", exactJson).toString());
    assertThat(r.code).isZero();
    assertThat(r.out).doesNotContain("Infinity").doesNotContain("NaN");
    JsonNode j = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(r.out);
    assertThat(j.get("rtol").decimalValue()).isEqualByComparingTo("1e-9");
    assertThat(j.get("atol").isNumber()).isTrue();
    assertThat(j.get("tolerance").asText()).contains("atol + rtol * M");
    assertThat(j.get("referenceDigits").asInt()).isEqualTo(20);
    for (JsonNode m : j.get("matrices")) {
      for (String f : new String[] {"maxAbsError", "scale", "relativeError", "lre", "tolerance", "margin"}) {
        assertThat(m.get(f).isNumber()).as(m.get("name") + "." + f).isTrue();
      }
      BigDecimal err = m.get("maxAbsError").decimalValue();
      BigDecimal scale = m.get("scale").decimalValue();
      // The JSON relative error is max|err| / M to 16 digits, the margin max|err| / (rtol M) rounded up.
      assertThat(m.get("relativeError").decimalValue()).isEqualByComparingTo(err.divide(scale, new java.math.MathContext(16)));
      assertThat(m.get("margin").decimalValue()).isEqualByComparingTo(
          err.divide(scale.multiply(new BigDecimal("1e-9")), new java.math.MathContext(16, java.math.RoundingMode.CEILING)));
      assertThat(m.get("tolerance").decimalValue()).isEqualByComparingTo(scale.multiply(new BigDecimal("1e-9")));
    }
  }

  @Test
  void tooFewDigitsForTheToleranceAreRefusedWithTheReason() throws Exception {
    Path c = write("c3.json", exactJson);
    CliRun r = run("check", "--digits", "8", "--rtol", "1e-9", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.out).isEmpty();
    assertThat(r.err.strip()).isEqualTo("lora-limits: --digits 8: the reference is certified to 1e-7 relative, but the tolerance"
        + " of loss needs 8.9e-12; use >= 13 or omit --digits");
    CliRun ok = run("check", "--digits", "13", "--rtol", "1e-9", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(ok.code).as(ok.err).isZero();
    assertThat(ok.out).contains("reference to 13 digits");
    // A tolerance of exactly 0 can be certified by no reference that is not exactly 0.
    CliRun zero = run("check", "--rtol", "0", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(zero.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(zero.err.strip()).isEqualTo("lora-limits: the tolerance of loss allows no error at [0][0], where the reference is"
        + " not exactly 0: no number of digits of the reference certifies it; loosen --rtol or --atol");
  }

  @Test
  void tinyErrorsPrintWithTheirDecimalExponentNeverAsZero() {
    var tiny = new dev.loralimits.check.GradientCheck.MatrixReport("dLoss/dA_Q", 2, 3, true,
        java.util.Optional.of(new BigDecimal("1e-58946")), new BigDecimal("0.5"), java.util.Optional.of(new BigDecimal("2e-58946")),
        java.util.OptionalDouble.of(58945.69897000434), new BigDecimal("5e-10"), java.util.Optional.of(new BigDecimal("2e-58937")),
        dev.loralimits.model.CandidateMatrix.NonFiniteCount.NONE);
    var report = new dev.loralimits.check.GradientCheck.Report(java.util.List.of(tiny), java.util.List.of(), true,
        dev.loralimits.check.FixedTolerance.defaults(), 100_000);
    String t = CheckCommand.table(report);
    assertThat(t).containsPattern("dLoss/dA_Q +2x3 +1\\.000e-58946 +5\\.000e-1 +2\\.000e-58946 +58945\\.70 +5\\.000e-10 +2\\.00e-58937  pass");
  }

  @Test
  void theLreColumnNeverShowsMinusZero() {
    assertThat(CheckCommand.lre(java.util.OptionalDouble.of(-0.001), true)).isEqualTo("0.00");
    assertThat(CheckCommand.lre(java.util.OptionalDouble.of(-0.004999), true)).isEqualTo("0.00");
    assertThat(CheckCommand.lre(java.util.OptionalDouble.of(-0.006), true)).isEqualTo("-0.01");
    assertThat(CheckCommand.lre(java.util.OptionalDouble.of(15.864), true)).isEqualTo("15.86");
    assertThat(CheckCommand.lre(java.util.OptionalDouble.empty(), true)).isEqualTo("-inf");
    assertThat(CheckCommand.lre(java.util.OptionalDouble.empty(), false)).isEqualTo("-");
  }

  /** The exact candidate with every number rounded to float32, as a float32 implementation writes it. */
  static String roundedToFloat32(String json) throws Exception {
    ObjectMapper om = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(json);
    root.put("loss", (double) (float) root.get("loss").asDouble());
    for (JsonNode adapter : root.get("gradients")) {
      for (JsonNode m : adapter) {
        for (JsonNode row : m) {
          com.fasterxml.jackson.databind.node.ArrayNode a = (com.fasterxml.jackson.databind.node.ArrayNode) row;
          for (int i = 0; i < a.size(); i++) {
            a.set(i, om.getNodeFactory().numberNode((double) (float) a.get(i).asDouble()));
          }
        }
      }
    }
    return om.writeValueAsString(root);
  }

  @Test
  void theDefaultIsPrecisionAwareFloat64AndReportsItsTolerancePerEntry() throws Exception {
    CliRun r = run("check", "--json", "--instance", instance.toString(), "--candidate", write("p1.json", exactJson).toString());
    assertThat(r.code).as(r.err).isZero();
    JsonNode j = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(r.out);
    assertThat(j.get("precision").asText()).isEqualTo("float64");
    assertThat(j.get("firstOrderValid").asBoolean()).isTrue();
    assertThat(j.get("tolerance").asText()).contains("precision float64").contains("CHECK-TOLERANCE");
    assertThat(j.has("rtol")).isFalse();
    for (JsonNode m : j.get("matrices")) {
      BigDecimal tol = m.get("tolerance").decimalValue();
      BigDecimal scale = m.get("scale").decimalValue();
      // the demo instance is well-conditioned: every tolerance is a positive 1e-15..1e-12 of its M
      assertThat(tol.signum()).isPositive();
      assertThat(tol).isLessThan(scale.multiply(new BigDecimal("1e-12")));
      assertThat(tol).isGreaterThan(scale.multiply(new BigDecimal("1e-15")));
      assertThat(m.get("margin").decimalValue()).isLessThan(BigDecimal.ONE);
    }
  }

  @Test
  void aFloat32CandidateFailsTheDefaultAndPassesPrecisionFloat32() throws Exception {
    Path c = write("p2.json", roundedToFloat32(exactJson));
    CliRun def = run("check", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(def.code).as(def.err).isEqualTo(CheckCommand.FAIL);
    assertThat(def.out).contains("verdict: FAIL (precision float64");
    CliRun f32 = run("check", "--precision", "float32", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(f32.code).as(f32.out + f32.err).isZero();
    assertThat(f32.out).contains("verdict: PASS (precision float32");
    CliRun bf16 = run("check", "--precision", "bf16", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(bf16.code).as(bf16.out + bf16.err).isZero();
  }

  @Test
  void precisionAndFixedTolerancesExcludeEachOtherAndBadNamesAreRefused() throws Exception {
    Path c = write("p3.json", exactJson);
    CliRun both = run("check", "--precision", "float32", "--rtol", "1e-5", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(both.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(both.err.strip()).isEqualTo("lora-limits: --precision and --rtol/--atol exclude each other: --precision derives"
        + " the tolerance, --rtol/--atol fix it");
    CliRun bad = run("check", "--precision", "float8", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(bad.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(bad.err.strip()).isEqualTo("lora-limits: precision (float8) must be one of float64, float32, bfloat16, float16");
    CliRun atolOnly = run("check", "--atol", "1e-12", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(atolOnly.code).as(atolOnly.err).isZero();
    assertThat(atolOnly.out).contains("rtol 0, atol 1e-12");
  }

  @Test
  void tooFewDigitsForThePrecisionAwareToleranceAreRefused() throws Exception {
    Path c = write("p4.json", exactJson);
    CliRun r = run("check", "--digits", "8", "--instance", instance.toString(), "--candidate", c.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err.strip()).startsWith("lora-limits: --digits 8: the reference is certified to 1e-7 relative, but the tolerance of")
        .endsWith("or omit --digits");
  }

  @Test
  void anInstanceOutsideTheFormatsRangeIsRefusedWithTheAdvice() throws Exception {
    String big = Files.readString(instance).replaceFirst("\\[\\[0\\.5,", "[[1e400,");
    assertThat(big).contains("1e400");
    Path i = write("big.json", big);
    CliRun r = run("check", "--instance", i.toString(), "--candidate", write("p5.json", exactJson).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err.strip().lines().count()).isEqualTo(1);
    assertThat(r.err).contains("outside the float64 range").contains("give --rtol/--atol for a fixed tolerance");
    Path half = write("half.json", Files.readString(instance).replaceFirst("\\[\\[0\\.5,", "[[70000,"));
    CliRun h = run("check", "--precision", "float16", "--instance", half.toString(), "--candidate", write("p6.json", exactJson).toString());
    assertThat(h.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(h.err).contains("weights.Q.W reaches 70000.0, beyond float16's largest finite number 65504.0");
  }
}
