package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --base} and {@code --layer} of {@code gradient} and {@code check} on PEFT files as they
 * come (spec/FORMATS.md Section 4.3; issue 13 item 4): a two-layer float16 adapter written by torch
 * with PEFT's names, its float32 base with Hugging Face's (src/test/python/make_peft_fixtures.py).
 */
class PeftFilesCliExamples {
  @TempDir static Path dir;
  static Path adapter;
  static Path base;

  @BeforeAll
  static void setUp() throws Exception {
    adapter = copy("peft-adapter.safetensors");
    base = copy("peft-base.safetensors");
  }

  static Path copy(String name) throws Exception {
    Path p = dir.resolve(name);
    try (InputStream in = PeftFilesCliExamples.class.getResourceAsStream("/dev/loralimits/io/" + name)) {
      Files.copy(in, p);
    }
    return p;
  }

  /** The exact gradient of layer {@code n} of the fixture pair, as a PEFT-layout .npz. */
  static Path gradientOfLayer(int n) {
    Path out = dir.resolve("g" + n + ".npz");
    CliRun g = CliRun.of("gradient", "--method", "exact", "--layout", "peft", "--base", base.toString(), "--layer", "" + n,
        "--out", out.toString(), adapter.toString());
    assertThat(g.code).as(g.err).isZero();
    assertThat(g.err).isEmpty();
    return out;
  }

  /** The .npz entries of {@code files}, each prefixed as PEFT names layer i of a model, loss dropped. */
  static Path twoLayerCandidate(Path... files) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (int i = 0; i < files.length; i++) {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(files[i])))) {
          for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
            if (!e.getName().equals("loss.npy")) {
              out.putNextEntry(new ZipEntry("base_model.model.model.layers." + i + ".self_attn." + e.getName()));
              out.write(in.readAllBytes());
              out.closeEntry();
            }
          }
        }
      }
    }
    Path p = dir.resolve("two-layers.npz");
    Files.write(p, bytes.toByteArray());
    return p;
  }

  CliRun check(String candidate, String... more) {
    String[] args = {"check", "--layout", "peft", "--instance", adapter.toString(), "--base", base.toString(), "--candidate", candidate};
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return CliRun.of(all);
  }

  @Test
  void checkReadsOneLayerOfAnAdapterAndItsBase() throws Exception {
    Path g0 = gradientOfLayer(0);
    Path g1 = gradientOfLayer(1);
    CliRun pass = check(g1.toString(), "--layer", "1");
    assertThat(pass.code).as(pass.err).isZero();
    assertThat(pass.out).contains("verdict: PASS").contains("q_proj.lora_A.weight.grad").contains("v_proj.lora_B.weight.grad");
    // the layers differ: layer 0's gradient fails layer 1's instance
    CliRun wrong = check(g0.toString(), "--layer", "1");
    assertThat(wrong.code).as(wrong.out + wrong.err).isEqualTo(CheckCommand.FAIL);
    // a candidate of both layers: --layer selects in it as well
    Path both = twoLayerCandidate(g0, g1);
    for (int n = 0; n < 2; n++) {
      CliRun r = check(both.toString(), "--layer", "" + n);
      assertThat(r.code).as("layer %d: %s", n, r.err).isZero();
      assertThat(r.out).contains("verdict: PASS").doesNotContain("loss ");
    }
  }

  @Test
  void withoutLayerTheAmbiguityNamesBothTensorsWholeAndSuggestsLayer() {
    CliRun r = CliRun.of("gradient", "--method", "exact", "--layout", "peft", "--base", base.toString(), adapter.toString());
    assertThat(r.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.errLines()).containsExactly(adapter + ": base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight: ambiguous:"
        + " base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has the same role (B_Q in our layout);"
        + " select one layer with --layer N (these are of layers 0 and 1)");
    CliRun noBase = CliRun.of("gradient", "--method", "exact", "--layout", "peft", "--layer", "0", adapter.toString());
    assertThat(noBase.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(noBase.errLines()).containsExactly(adapter + ": base_model.model.model.layers.0.self_attn.q_proj.weight: missing tensor"
        + " (the frozen weights are the base model's: give its file, e.g. model.safetensors, with --base FILE)");
  }

  @Test
  void misuseIsOneLine() throws Exception {
    CliRun ours = CliRun.of("gradient", "--method", "exact", "--layer", "0", adapter.toString());
    assertThat(ours.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(ours.errLines()).containsExactly("lora-limits: --layer applies to --layout peft (the names of layout ours have no layers)");
    CliRun negative = CliRun.of("gradient", "--method", "exact", "--layout", "peft", "--layer", "-1", adapter.toString());
    assertThat(negative.errLines()).containsExactly("lora-limits: --layer (-1) must be >= 0");
    Path json = dir.resolve("i.json");
    try (InputStream in = PeftFilesCliExamples.class.getResourceAsStream("/dev/loralimits/demo-instance.json")) {
      Files.copy(in, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    CliRun jsonBase = CliRun.of("gradient", "--method", "exact", "--base", base.toString(), json.toString());
    assertThat(jsonBase.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(jsonBase.errLines())
        .containsExactly(json + ": (file): a base file and a layer apply to tensor files (.npz, .safetensors); this one is JSON");
    // a JSON candidate has no layers: read whole under --layer (here: the wrong shapes, exit 2)
    CliRun jsonCandidate = check(json.toString(), "--layer", "0");
    assertThat(jsonCandidate.errLines()).hasSize(1);
    assertThat(jsonCandidate.err).doesNotContain("apply to tensor files").startsWith(json + ": ");
    CliRun both = CliRun.of("check", "--instance", adapter.toString(), "--base", "-", "--candidate", "-");
    assertThat(both.code).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(both.errLines()).containsExactly("lora-limits: --base and --candidate cannot both be - (standard input)");
  }
}
