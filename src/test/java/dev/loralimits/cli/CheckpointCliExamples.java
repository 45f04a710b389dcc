package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradient}, {@code layer} and {@code check} with a model's whole checkpoint as
 * {@code --base} and {@code --layer} / {@code --module} selecting the attention module
 * (spec/FORMATS.md Section 4.3; issue 13 item 4). The fixtures are tiny Llama, OPT, BART, BERT and
 * GPT-2 checkpoints written by torch (src/test/python/make_checkpoint_fixtures.py); each answer
 * is compared with the answer for the same module given as a small base file (its projection
 * weights alone) and as an instance in our layout transposed by numpy.
 */
class CheckpointCliExamples {
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    for (String f : new String[] {"llama-checkpoint", "llama-adapter", "llama-adapter-qvo", "llama-layer1-small", "opt-checkpoint",
        "opt-adapter", "opt-layer1-small", "bart-checkpoint", "bart-adapter", "bart-cross-small", "bert-checkpoint", "bert-adapter",
        "bert-layer1-small", "gpt2-checkpoint", "llama-layer1-torch-grads"}) {
      copy(f + ".safetensors");
    }
    for (String f : new String[] {"llama-layer1-ours", "llama-layer1-qvo-ours", "opt-layer1-ours", "bart-cross-ours", "bert-layer1-ours"}) {
      copy(f + ".npz");
    }
  }

  static void copy(String name) throws Exception {
    try (InputStream in = CheckpointCliExamples.class.getResourceAsStream("/dev/loralimits/io/checkpoint/" + name)) {
      Files.copy(in, dir.resolve(name));
    }
  }

  static String f(String name) {
    return dir.resolve(name).toString();
  }

  /** A run that must succeed silently; its standard output. */
  static String ok(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.code).as("%s: %s", Arrays.toString(args), r.err).isZero();
    assertThat(r.err).isEmpty();
    return r.out;
  }

  /** A run that must fail with exit 2 and one line on standard error; that line. */
  static String refused(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.code).as("%s: %s", Arrays.toString(args), r.out).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(r.errLines()).as(r.err).hasSize(1);
    assertThat(r.err).doesNotContain("Exception").doesNotContain("dev.loralimits");
    return r.errLines()[0];
  }

  static String[] args(String[] head, String... tail) {
    List<String> a = new ArrayList<>(Arrays.asList(head));
    a.addAll(Arrays.asList(tail));
    return a.toArray(String[]::new);
  }

  /** {@code layer --method exact} of a tensor instance: 2 heads, top-left causal mask. */
  static String[] layer(String... more) {
    return args(new String[] {"layer", "--method", "exact", "--heads", "2", "--causal", "top-left"}, more);
  }

  /** {@code layer} (the reference) of a tensor instance, 2 heads, top-left causal mask: for --candidate. */
  static String[] checkLayer(String... more) {
    return args(new String[] {"layer", "--heads", "2", "--causal", "top-left"}, more);
  }

  @Test
  void gradientOfALlamaLayerFromTheWholeCheckpoint() {
    String whole = ok("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--layer", "1",
        f("llama-adapter.safetensors"));
    String small = ok("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-layer1-small.safetensors"), "--layer", "1",
        f("llama-adapter.safetensors"));
    String numpy = ok("gradient", "--method", "exact", f("llama-layer1-ours.npz"));
    assertThat(whole).contains("\"Q\": {").contains("\"V\": {").isEqualTo(small).isEqualTo(numpy);
    for (String module : new String[] {"model.layers.1.self_attn", "base_model.model.model.layers.1.self_attn"}) {
      assertThat(ok("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--module", module,
          f("llama-adapter.safetensors"))).isEqualTo(whole);
    }
    // the two layers differ: the selection is not vacuous
    assertThat(ok("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--layer", "0",
        f("llama-adapter.safetensors"))).isNotEqualTo(whole);
  }

  @Test
  void checkWithTheWholeCheckpointAsBase() {
    Path g = dir.resolve("g1.npz");
    ok("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-layer1-small.safetensors"), "--layer", "1", "--out",
        g.toString(), f("llama-adapter.safetensors"));
    CliRun pass = CliRun.of("check", "--layout", "peft", "--instance", f("llama-adapter.safetensors"), "--base",
        f("llama-checkpoint.safetensors"), "--module", "model.layers.1.self_attn", "--candidate", g.toString());
    assertThat(pass.code).as(pass.err).isZero();
    assertThat(pass.out).contains("verdict: PASS").contains("q_proj.lora_A.weight.grad");
    CliRun fail = CliRun.of("check", "--layout", "peft", "--instance", f("llama-adapter.safetensors"), "--base",
        f("llama-checkpoint.safetensors"), "--layer", "0", "--candidate", g.toString());
    assertThat(fail.code).as(fail.out + fail.err).isEqualTo(CheckCommand.FAIL);
  }

  @Test
  void layerOfEachFamilyFromTheWholeCheckpoint() {
    String llama = ok(layer("--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--layer", "1", f("llama-adapter-qvo.safetensors")));
    assertThat(llama).contains("\"O\": {")
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("llama-layer1-small.safetensors"), "--layer", "1", f("llama-adapter-qvo.safetensors"))))
        .isEqualTo(ok(layer(f("llama-layer1-qvo-ours.npz"))));
    String opt = ok(layer("--layout", "peft", "--base", f("opt-checkpoint.safetensors"), "--layer", "1", f("opt-adapter.safetensors")));
    assertThat(opt)
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("opt-layer1-small.safetensors"), "--layer", "1", f("opt-adapter.safetensors"))))
        .isEqualTo(ok(layer(f("opt-layer1-ours.npz"))))
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("opt-checkpoint.safetensors"), "--module", "model.decoder.layers.1.self_attn",
            f("opt-adapter.safetensors"))));
    String cross = ok(layer("--layout", "peft", "--base", f("bart-checkpoint.safetensors"), "--module", "model.decoder.layers.0.encoder_attn",
        f("bart-adapter.safetensors")));
    assertThat(cross)
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("bart-cross-small.safetensors"), "--module",
            "model.decoder.layers.0.encoder_attn", f("bart-adapter.safetensors"))))
        .isEqualTo(ok(layer(f("bart-cross-ours.npz"))))
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("bart-checkpoint.safetensors"), "--layer", "0", "--module",
            "model.decoder.layers.0.encoder_attn", f("bart-adapter.safetensors"))));
    String bert = ok(layer("--layout", "peft", "--base", f("bert-checkpoint.safetensors"), "--module", "bert.encoder.layer.1",
        f("bert-adapter.safetensors")));
    assertThat(bert)
        .isEqualTo(ok(layer("--layout", "peft", "--base", f("bert-layer1-small.safetensors"), "--module", "bert.encoder.layer.1",
            f("bert-adapter.safetensors"))))
        .isEqualTo(ok(layer(f("bert-layer1-ours.npz"))));
    assertThat(List.of(llama, opt, cross, bert)).doesNotHaveDuplicates();
  }

  /**
   * Torch float64 autograd through nn.Linear with PEFT's LoRA (2 heads, top-left mask, o_proj) on
   * the checkpoint's layer 1 passes the check against the whole checkpoint read by its names: an
   * independent check of W = weight^T, B = lora_A^T, A = lora_B^T. With rsLoRA's scale (alpha /
   * sqrt(r), r = 2, not what torch computed) the same candidate fails: the check can fail.
   */
  @Test
  void torchAutogradOnTheLayerPassesAgainstTheWholeCheckpoint() {
    String[] common = {"--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--module", "model.layers.1.self_attn",
        "--candidate", f("llama-layer1-torch-grads.safetensors")};
    CliRun pass = CliRun.of(checkLayer(args(common, f("llama-adapter-qvo.safetensors"))));
    assertThat(pass.code).as(pass.err).isZero();
    assertThat(pass.out).contains("verdict: PASS").contains("o_proj.lora_A.weight.grad").contains("loss ");
    CliRun fail = CliRun.of(checkLayer(args(common, "--scaling", "rslora", f("llama-adapter-qvo.safetensors"))));
    assertThat(fail.code).as(fail.out + fail.err).isEqualTo(CheckCommand.FAIL);
  }

  @Test
  void refusalsAreOneLineWithWholeNames() {
    assertThat(refused(layer("--layout", "peft", "--base", f("gpt2-checkpoint.safetensors"), f("llama-adapter-qvo.safetensors"))))
        .startsWith(f("gpt2-checkpoint.safetensors") + ": transformer.h.0.attn.c_attn.")
        .contains("a fused query/key/value projection (GPT-2's c_attn, a Conv1D of in x 3 out)");
    assertThat(refused(layer("--layout", "peft", "--base", f("bart-checkpoint.safetensors"), "--layer", "0", f("bart-adapter.safetensors"))))
        .isEqualTo(f("bart-checkpoint.safetensors") + ": model.decoder.layers.0.self_attn.k_proj.weight: ambiguous:"
            + " model.decoder.layers.0.encoder_attn.k_proj.weight has the same role (W_K in our layout); select one attention module"
            + " with --module PREFIX (these are of modules model.decoder.layers.0.encoder_attn and model.decoder.layers.0.self_attn)");
    assertThat(refused(layer("--layout", "peft", "--base", f("bert-checkpoint.safetensors"), f("bert-adapter.safetensors"))))
        .isEqualTo(f("bert-checkpoint.safetensors") + ": bert.encoder.layer.1.attention.output.dense.weight: ambiguous:"
            + " bert.encoder.layer.0.attention.output.dense.weight has the same role (W_O in our layout); select one attention module"
            + " with --module PREFIX (these are of modules bert.encoder.layer.0 and bert.encoder.layer.1)");
    assertThat(refused(layer("--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--layer", "0", "--module",
            "model.layers.1.self_attn", f("llama-adapter-qvo.safetensors"))))
        .isEqualTo("lora-limits: --module model.layers.1.self_attn is of layer 1, --layer 0 selects layer 0 (give one of them, or the same layer)");
    assertThat(refused("gradient", "--method", "exact", "--module", "model.layers.1.self_attn", f("llama-layer1-ours.npz")))
        .isEqualTo("lora-limits: --module applies to --layout peft (the names of layout ours have no modules)");
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--module",
            "model.layers.7", f("llama-adapter.safetensors")))
        .isEqualTo(f("llama-adapter.safetensors") + ": (file): no attention projection under --module model.layers.7 (the file's attention"
            + " modules: base_model.model.model.layers.0.self_attn, base_model.model.model.layers.1.self_attn)");
    // the adapter alone: the frozen weight is named whole, with where to find it
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", f("llama-adapter.safetensors")))
        .isEqualTo(f("llama-adapter.safetensors") + ": base_model.model.model.layers.1.self_attn.q_proj.weight: missing tensor"
            + " (the frozen weights are the base model's: give its file, e.g. model.safetensors, with --base FILE)");
    // the paper's model has no output projection: an adapted o_proj stays an unknown tensor of the adapter
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--base", f("llama-checkpoint.safetensors"), "--layer", "1",
            f("llama-adapter-qvo.safetensors")))
        .startsWith(f("llama-adapter-qvo.safetensors") + ": base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight: unknown tensor");
  }
}
