package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * A model's whole checkpoint as the base file (spec/FORMATS.md Section 4.3, "A whole checkpoint as
 * base"; issue 13 item 4): of every weight of the model only the selected attention module's
 * projections are taken, the rest ignored unread, while the adapter file stays strict. The
 * fixtures (src/test/python/make_checkpoint_fixtures.py, torch) are tiny Llama, OPT, BART, BERT and
 * GPT-2 checkpoints under Hugging Face's names, PEFT adapters for them, and each selected module's
 * instance in our layout, transposed by numpy.
 */
class CheckpointBaseExamples {
  static final String DIR = "checkpoint/";

  static TensorFiles.Source fixture(String name) throws Exception {
    return PeftFilesExamples.fixture(DIR + name);
  }

  static Map<String, Tensor> tensors(String name) throws Exception {
    return PeftFilesExamples.tensors(DIR + name);
  }

  static LoraInstance ours(String name) throws Exception {
    return TensorFiles.readInstance(name, TensorFilesExamples.resource(DIR + name), TensorFiles.Format.NPZ, TensorLayout.OURS);
  }

  static LayerInstance oursLayer(String name) throws Exception {
    return TensorFiles.readLayerInstance(fixture(name), Optional.empty(), TensorLayout.OURS, TensorSelection.ALL, 2,
        Masking.TOP_LEFT, LoraScaling.LORA);
  }

  static LayerInstance layer(TensorFiles.Source adapter, TensorFiles.Source base, TensorSelection s) {
    return TensorFiles.readLayerInstance(adapter, Optional.of(base), TensorLayout.PEFT, s, 2, Masking.TOP_LEFT, LoraScaling.LORA);
  }

  static TensorSelection layerOf(int n) {
    return TensorSelection.ofLayer(OptionalInt.of(n));
  }

  static TensorSelection module(String prefix) {
    return new TensorSelection(OptionalInt.empty(), Optional.of(prefix));
  }

  @Test
  void aWholeLlamaCheckpointGivesTheLayerNumpyTransposed() throws Exception {
    LoraInstance expected = ours("llama-layer1-ours.npz");
    for (TensorSelection s : new TensorSelection[] {layerOf(1), module("model.layers.1.self_attn"),
        module("base_model.model.model.layers.1.self_attn"), new TensorSelection(OptionalInt.of(1), Optional.of("model.layers.1"))}) {
      LoraInstance got = TensorFiles.readInstance(fixture("llama-adapter.safetensors"),
          Optional.of(fixture("llama-checkpoint.safetensors")), TensorLayout.PEFT, s);
      TensorFilesExamples.assertSameInstance(got, expected);
    }
    // the layer instance takes o_proj (adapted in llama-adapter-qvo), the paper's instance ignores the checkpoint's o_proj
    LayerInstance l = layer(fixture("llama-adapter-qvo.safetensors"), fixture("llama-checkpoint.safetensors"), layerOf(1));
    assertThat(l).isEqualTo(oursLayer("llama-layer1-qvo-ours.npz"));
    assertThat(l.adapted()).containsExactlyInAnyOrder(LayerWeight.Q, LayerWeight.V, LayerWeight.O);
    assertThat(l.data()).hasSize(2);
    // and the whole checkpoint reads as the small base of the layer's projections alone
    assertThat(l).isEqualTo(layer(fixture("llama-adapter-qvo.safetensors"), fixture("llama-layer1-small.safetensors"), layerOf(1)));
  }

  @Test
  void otherFamiliesMapTheirProjectionNames() throws Exception {
    // OPT: out_proj is O, the zero biases are ignored
    assertThat(layer(fixture("opt-adapter.safetensors"), fixture("opt-checkpoint.safetensors"), layerOf(1)))
        .isEqualTo(oursLayer("opt-layer1-ours.npz"));
    // BART: decoder layer 0 has self_attn and encoder_attn; --module picks the cross-attention
    LayerInstance cross = layer(fixture("bart-adapter.safetensors"), fixture("bart-checkpoint.safetensors"),
        module("model.decoder.layers.0.encoder_attn"));
    assertThat(cross).isEqualTo(oursLayer("bart-cross-ours.npz"));
    assertThat(cross.data().get(0).selfAttention()).isFalse();
    // BERT: attention.self.query/key/value and attention.output.dense; the feed-forward output.dense is no projection
    assertThat(layer(fixture("bert-adapter.safetensors"), fixture("bert-checkpoint.safetensors"), module("bert.encoder.layer.1")))
        .isEqualTo(oursLayer("bert-layer1-ours.npz"))
        .isEqualTo(layer(fixture("bert-adapter.safetensors"), fixture("bert-checkpoint.safetensors"),
            module("bert.encoder.layer.1.attention")));
  }

  @Test
  void theAdapterFileStaysStrict() throws Exception {
    Map<String, Tensor> a = tensors("llama-adapter.safetensors");
    String mlp = "base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight";
    a.put(mlp, Tensor.matrix(mlp, new double[][] {{1, 2, 3, 4}, {5, 6, 7, 8}}));
    assertThatThrownBy(() -> TensorFiles.readInstance(PeftFilesExamples.safetensors("a.safetensors", a),
            Optional.of(fixture("llama-checkpoint.safetensors")), TensorLayout.PEFT, layerOf(1)))
        .hasMessageStartingWith("a.safetensors: " + mlp + ": unknown tensor");
    // a typo of one of our names stays an error in the base too: only model names (with a dot) are ignored
    Map<String, Tensor> ck = tensors("llama-checkpoint.safetensors");
    ck.put("betta", Tensor.scalar("betta", 0.5));
    assertThatThrownBy(() -> TensorFiles.readInstance(fixture("llama-adapter.safetensors"),
            Optional.of(PeftFilesExamples.safetensors("ck.safetensors", ck)), TensorLayout.PEFT, layerOf(1)))
        .hasMessageStartingWith("ck.safetensors: betta: unknown tensor");
  }

  @Test
  void aMissingProjectionIsNamedWhole() throws Exception {
    Map<String, Tensor> ck = tensors("llama-checkpoint.safetensors");
    ck.remove("model.layers.1.self_attn.k_proj.weight");
    assertThatThrownBy(() -> TensorFiles.readInstance(fixture("llama-adapter.safetensors"),
            Optional.of(PeftFilesExamples.safetensors("ck.safetensors", ck)), TensorLayout.PEFT, layerOf(1)))
        .hasMessage("ck.safetensors: model.layers.1.self_attn.k_proj.weight: missing tensor"
            + " (in neither checkpoint/llama-adapter.safetensors nor ck.safetensors)");
    // BERT's family names it as BERT does
    Map<String, Tensor> bert = tensors("bert-checkpoint.safetensors");
    bert.remove("bert.encoder.layer.1.attention.self.key.weight");
    assertThatThrownBy(() -> layer(fixture("bert-adapter.safetensors"), PeftFilesExamples.safetensors("b.safetensors", bert),
            module("bert.encoder.layer.1")))
        .hasMessageStartingWith("b.safetensors: bert.encoder.layer.1.attention.self.key.weight: missing tensor");
    // an OPT adapter factor without its partner: the partner named in OPT's family (out_proj, not o_proj)
    Map<String, Tensor> opt = tensors("opt-adapter.safetensors");
    String outA = "base_model.model.model.decoder.layers.1.self_attn.out_proj.lora_A.weight";
    opt.put(outA, Tensor.matrix(outA, new double[][] {{1, 2, 3, 4}, {5, 6, 7, 8}}));
    assertThatThrownBy(() -> layer(PeftFilesExamples.safetensors("a.safetensors", opt), fixture("opt-checkpoint.safetensors"), layerOf(1)))
        .hasMessageStartingWith("a.safetensors: " + outA + ": given without"
            + " base_model.model.model.decoder.layers.1.self_attn.out_proj.lora_B.weight (an adapter needs both A and B)");
  }

  @Test
  void fusedProjectionsAndNonZeroBiasesAreRefused() throws Exception {
    assertThatThrownBy(() -> layer(fixture("llama-adapter-qvo.safetensors"), fixture("gpt2-checkpoint.safetensors"), layerOf(1)))
        .hasMessageStartingWith("checkpoint/gpt2-checkpoint.safetensors: transformer.h.0.attn.c_attn.")
        .hasMessageContaining("a fused query/key/value projection (GPT-2's c_attn, a Conv1D of in x 3 out)");
    Map<String, Tensor> opt = tensors("opt-checkpoint.safetensors");
    String bias = "model.decoder.layers.1.self_attn.v_proj.bias";
    opt.put(bias, new Tensor(bias, new int[] {4}, new double[] {0, 0, 0.5, 0}));
    assertThatThrownBy(() -> layer(fixture("opt-adapter.safetensors"), PeftFilesExamples.safetensors("o.safetensors", opt), layerOf(1)))
        .hasMessageStartingWith("o.safetensors: " + bias + ": a bias of an attention projection, non-zero at [2]");
    // ... unless it is of another layer, skipped unread
    assertThat(layer(fixture("opt-adapter.safetensors"), PeftFilesExamples.safetensors("o.safetensors", opt), layerOf(0)).data())
        .hasSize(1);
  }

  @Test
  void twoModulesInOneLayerAreAmbiguousUntilModuleSelectsOne() throws Exception {
    assertThatThrownBy(() -> layer(fixture("bart-adapter.safetensors"), fixture("bart-checkpoint.safetensors"), layerOf(0)))
        .hasMessage("checkpoint/bart-checkpoint.safetensors: model.decoder.layers.0.self_attn.k_proj.weight: ambiguous:"
            + " model.decoder.layers.0.encoder_attn.k_proj.weight has the same role (W_K in our layout); select one attention"
            + " module with --module PREFIX (these are of modules model.decoder.layers.0.encoder_attn and"
            + " model.decoder.layers.0.self_attn)");
    // a prefix without a layer narrows --layer's tensors further
    assertThat(layer(fixture("bart-adapter.safetensors"), fixture("bart-checkpoint.safetensors"),
            new TensorSelection(OptionalInt.of(0), Optional.of("model.decoder.layers.0.encoder_attn"))))
        .isEqualTo(oursLayer("bart-cross-ours.npz"));
    // a module no adapter tensor is under is refused, naming the modules the file has
    assertThatThrownBy(() -> layer(fixture("bart-adapter.safetensors"), fixture("bart-checkpoint.safetensors"),
            module("model.decoder.layers.0.self_attn")))
        .hasMessage("checkpoint/bart-adapter.safetensors: (file): no attention projection under --module"
            + " model.decoder.layers.0.self_attn (the file's attention modules: base_model.model.model.decoder.layers.0.encoder_attn)");
  }

  @Test
  void theProjectionsOfAnInstanceAreOfOneModule() throws Exception {
    // layer 1's adapter on layer 0's weights (a base file of one layer): refused, not mixed
    Map<String, Tensor> l0 = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : tensors("llama-checkpoint.safetensors").entrySet()) {
      if (e.getKey().startsWith("model.layers.0.self_attn.") && e.getKey().endsWith("_proj.weight")) {
        l0.put(e.getKey(), e.getValue());
      }
    }
    assertThatThrownBy(() -> layer(fixture("llama-adapter-qvo.safetensors"), PeftFilesExamples.safetensors("l0.safetensors", l0),
            TensorSelection.ALL))
        .hasMessageStartingWith("l0.safetensors: model.layers.0.self_attn.")
        .hasMessageContaining("of attention module model.layers.0.self_attn, but base_model.model.model.layers.1.self_attn.")
        .hasMessageContaining("in checkpoint/llama-adapter-qvo.safetensors is of module base_model.model.model.layers.1.self_attn")
        .hasMessageEndingWith("select one layer with --layer N (these are of layers 1 and 0)");
  }

  @Test
  void layerAndModuleMustAgree() {
    assertThatThrownBy(() -> new TensorSelection(OptionalInt.of(1), Optional.of("model.layers.0.self_attn")))
        .hasMessage("--module model.layers.0.self_attn is of layer 0, --layer 1 selects layer 1 (give one of them, or the same layer)");
    assertThat(new TensorSelection(OptionalInt.of(0), Optional.of("base_model.model.model.layers.00.self_attn")).all()).isFalse();
    for (String bad : new String[] {"", ".model", "model.", "model..layers"}) {
      assertThatThrownBy(() -> new TensorSelection(OptionalInt.empty(), Optional.of(bad)))
          .hasMessageStartingWith("--module (" + (bad.isEmpty() ? "(unnamed)" : bad) + ") must be a module name");
    }
    assertThat(AttentionNames.under("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", "model.layers.1")).isTrue();
    assertThat(AttentionNames.under("model.layers.1.self_attn.q_proj.weight", "base_model.model.model.layers.1.self_attn")).isTrue();
    assertThat(AttentionNames.under("model.layers.10.self_attn.q_proj.weight", "model.layers.1")).isFalse();
  }
}
