package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
    Run r = run("gradient", "--method", "exact", instance.toString());
    assertThat(r.code).isZero();
    exactJson = r.out;
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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

  @Test
  void float64GradientPassesWithAbout15Digits() throws Exception {
    Run r = run("check", "--instance", instance.toString(), "--candidate", write("c.json", exactJson).toString());
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
    Run r = run("check", "--instance", instance.toString(), "--candidate",
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
    Run r = run("check", "--instance", instance.toString(), "--candidate", write("noK.json", om.writeValueAsString(tree)).toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.err.strip().lines().count()).isEqualTo(1);
    assertThat(r.err).contains("noK.json").contains("the instance adapts [Q, K, V]");
    assertThat(j).isNotNull();
    Run bad = run("check", "--rtol", "-1", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString());
    assertThat(bad.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(bad.err).contains("--rtol (-1.0) must be finite and >= 0");
  }

  /** A candidate as .npz (our layout) and as .safetensors (PEFT layout, instance too). */
  @Test
  void tensorCandidatesInBothLayouts() throws Exception {
    Path npz = dir.resolve("cand.npz");
    Run g = run("gradient", "--method", "exact", "--out", npz.toString(), instance.toString());
    assertThat(g.code).as(g.err).isZero();
    Run r = run("check", "--instance", instance.toString(), "--candidate", npz.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("verdict: PASS").contains("loss").contains("dLoss/dB_V");

    dev.loralimits.model.LoraInstance inst = dev.loralimits.io.TensorFiles.readInstance(instance);
    Path peftInstance = dir.resolve("inst-peft.safetensors");
    dev.loralimits.io.TensorFiles.writeInstance(inst, peftInstance, dev.loralimits.io.TensorLayout.PEFT);
    Path peftCand = dir.resolve("cand-peft.safetensors");
    Run gp = run("gradient", "--method", "exact", "--layout", "peft", "--out", peftCand.toString(), peftInstance.toString());
    assertThat(gp.code).as(gp.err).isZero();
    Run rp = run("check", "--layout", "peft", "--instance", peftInstance.toString(), "--candidate", peftCand.toString());
    assertThat(rp.code).as(rp.err).isZero();
    assertThat(rp.out).contains("verdict: PASS");
    // Read in the wrong layout: one line naming the file, exit 2.
    Run wrong = run("check", "--instance", peftInstance.toString(), "--candidate", peftCand.toString());
    assertThat(wrong.code).isEqualTo(2);
    assertThat(wrong.err.strip()).isEqualTo(peftInstance + ": __metadata__.layout: the file says layout \"peft\", read as ours (give --layout peft)");
    Run jsonOnly = run("check", "--layout", "peft", "--instance", instance.toString(), "--candidate", dir.resolve("c.json").toString());
    assertThat(jsonOnly.code).isEqualTo(2);
  }
}
