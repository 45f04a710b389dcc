package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.io.ReadLimits;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.train.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lora-limits train}: the files it writes, its summary, and its refusals in one line. */
class TrainCliExamples {
  @TempDir Path dir;

  @Test
  void aShortRunWritesTheLogsThePlotAndTheStartInstance() throws IOException {
    Path out = dir.resolve("run");
    CliRun r = CliRun.of("train", "--steps", "6", "--length", "128", "--width", "2", "--out", out.toString(), "--progress", "never");
    assertThat(r.code).as(r.err).isEqualTo(Main.OK);
    assertThat(r.err).isEmpty();
    assertThat(r.out).contains("Trained task teacher").contains("L = 128: 6 steps").contains("Loss ");
    List<String> csv = Files.readAllLines(out.resolve("train.csv"));
    assertThat(csv).hasSize(7);
    assertThat(csv.get(0)).startsWith("step,loss,gamma_q,gamma_k,ratio");
    List<String> jsonl = Files.readAllLines(out.resolve("train.jsonl"));
    assertThat(jsonl).hasSize(6);
    ObjectMapper m = new ObjectMapper();
    JsonNode first = m.readTree(jsonl.get(0));
    assertThat(first.get("step").asInt()).isZero();
    assertThat(first.get("method").asText()).isIn("fast", "exact");
    // the PNG and SVG plots exist and are what they claim
    byte[] png = Files.readAllBytes(out.resolve("train.png"));
    assertThat(png).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    assertThat(Files.readString(out.resolve("train.svg"))).contains("<svg");
    // start.json reads back to the task's student, double for double, so its loss is the first record's
    DoubleInstance back = DoubleInstance.of(InputFiles.instance(out.resolve("start.json"), TensorLayout.OURS, ReadLimits.DEFAULT, System.in));
    DoubleInstance student = Task.teacher(128, 2, 2, 1, 1).student();
    assertThat(back.points().get(0).xq()).isDeepEqualTo(student.points().get(0).xq());
    assertThat(back.points().get(0).y()).isDeepEqualTo(student.points().get(0).y());
    double exactLoss = ExactDouble.gradient(back).loss();
    if (first.get("method").asText().equals("fast")) {
      assertThat(Math.abs(exactLoss - first.get("loss").asDouble())).isLessThanOrEqualTo(first.get("loss_bound").asDouble());
    } else {
      assertThat(exactLoss).isEqualTo(first.get("loss").asDouble());
    }
  }

  @Test
  void theLargeTaskLeavesTheRegimeAndTheSummarySaysWhere() throws IOException {
    Path out = dir.resolve("large");
    CliRun r = CliRun.of("train", "--task", "large", "--steps", "40", "--length", "512", "--out", out.toString(), "--no-plot",
        "--progress", "never");
    assertThat(r.code).as(r.err).isEqualTo(Main.OK);
    assertThat(r.out).containsPattern("Step \\d+: fast -> exact at Gamma / sqrt\\(ln L\\) = 0\\.\\d+ \\(outside the efficient regime");
    assertThat(Files.exists(out.resolve("train.png"))).isFalse();
  }

  @Test
  void forcedFastThatIsRefusedEndsInOneLineWithTheLogsKept() throws IOException {
    Path out = dir.resolve("fast");
    CliRun r = CliRun.of("train", "--task", "large", "--steps", "60", "--length", "512", "--method", "fast", "--out", out.toString(),
        "--no-plot", "--progress", "never");
    assertThat(r.code).isEqualTo(Main.COMPUTATION_FAILED);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err).startsWith("lora-limits: step ").contains("--method fast refused: outside the efficient regime");
    assertThat(Files.readAllLines(out.resolve("train.csv")).size()).isGreaterThan(1);
  }

  /** --instance: a run from a file continues as the task's run does (same first loss), and a frozen instance is refused. */
  @Test
  void anInstanceFileTrainsLikeTheTaskItCameFrom() throws IOException {
    Path first = dir.resolve("first");
    assertThat(CliRun.of("train", "--steps", "2", "--length", "64", "--method", "exact", "--out", first.toString(), "--no-plot",
        "--progress", "never").code).isEqualTo(Main.OK);
    Path again = dir.resolve("again");
    CliRun r = CliRun.of("train", "--instance", first.resolve("start.json").toString(), "--steps", "2", "--method", "exact",
        "--out", again.toString(), "--no-plot", "--progress", "never");
    assertThat(r.code).as(r.err).isEqualTo(Main.OK);
    assertThat(r.out).contains("Trained start.json, L = 64: 2 steps");
    assertThat(Files.readAllLines(again.resolve("train.csv"))).isEqualTo(withoutTimes(Files.readAllLines(first.resolve("train.csv")), again));
    Path frozen = dir.resolve("frozen.json");
    Files.writeString(frozen, "{\"format\": \"lora-attention-instance/1\", \"alpha\": 1, \"beta\": 1, \"weights\": {"
        + "\"Q\": {\"W\": [[1]]}, \"K\": {\"W\": [[1]]}, \"V\": {\"W\": [[1]]}},"
        + " \"data\": [{\"X\": [[1], [2]], \"Y\": [[0], [1]]}]}");
    CliRun f = CliRun.of("train", "--instance", frozen.toString(), "--steps", "1", "--out", dir.resolve("f").toString(), "--no-plot");
    assertThat(f.code).as(f.err).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(f.errLines()).hasSize(1);
    assertThat(f.err).contains("no projection is adapted");
    // a file written by hand, with a cross-attention point (Lq = 2, Lk = 3) next to a self-attention one
    CliRun demo = CliRun.of("train", "--instance", "spec/examples/demo-instance.json", "--steps", "3", "--out",
        dir.resolve("demo").toString(), "--no-plot", "--progress", "never");
    assertThat(demo.code).as(demo.err).isEqualTo(Main.OK);
    assertThat(demo.out).contains("Trained demo-instance.json, L = 4: 3 steps");
  }

  /** The CSV of {@code other} with the timing columns of {@code like}'s CSV (the rest must be equal). */
  private static List<String> withoutTimes(List<String> csv, Path likeDir) throws IOException {
    List<String> like = Files.readAllLines(likeDir.resolve("train.csv"));
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < csv.size(); i++) {
      String[] a = csv.get(i).split(",", -1);
      String[] b = like.get(i).split(",", -1);
      a[12] = b[12];
      a[13] = b[13];
      out.add(String.join(",", a));
    }
    return out;
  }

  @Test
  void badOptionsAreOneLineUsageErrors() {
    String[][] bad = {
      {"--task", "nope"}, {"--optimizer", "sgdm"}, {"--method", "reference"}, {"--lr", "0"}, {"--lr", "NaN"},
      {"--epsilon", "-1"}, {"--steps", "-3"}, {"--norm-control", "0"}, {"--length", "1"}, {"--threads", "0"},
    };
    for (String[] b : bad) {
      String[] args = new String[b.length + 3];
      args[0] = "train";
      System.arraycopy(b, 0, args, 1, b.length);
      args[b.length + 1] = "--out";
      args[b.length + 2] = dir.resolve("bad").toString();
      CliRun r = CliRun.of(args);
      assertThat(r.code).as(String.join(" ", b)).isEqualTo(Main.UNUSABLE_INPUT);
      assertThat(r.errLines()).as(String.join(" ", b)).hasSize(1);
      assertThat(r.err).as(String.join(" ", b)).startsWith("lora-limits: ").contains(b[0]);
    }
  }

  @Test
  void normControlKeepsTheRunBelowItsRadius() throws IOException {
    Path out = dir.resolve("control");
    CliRun r = CliRun.of("train", "--task", "large", "--steps", "40", "--length", "512", "--norm-control", "0.15", "--out",
        out.toString(), "--no-plot", "--progress", "never");
    assertThat(r.code).as(r.err).isEqualTo(Main.OK);
    List<String> csv = Files.readAllLines(out.resolve("train.csv"));
    double largest = 0;
    boolean moved = false;
    for (String line : csv.subList(1, csv.size())) {
      String[] f = line.split(",");
      largest = Math.max(largest, Double.parseDouble(f[4]));
      moved |= Double.parseDouble(f[11]) < 1;
    }
    // the records hold the norms before each step's control; after the first step they are at most 0.15
    assertThat(largest).isLessThanOrEqualTo(0.15).isGreaterThan(0.149);
    assertThat(moved).isTrue();
  }
}
