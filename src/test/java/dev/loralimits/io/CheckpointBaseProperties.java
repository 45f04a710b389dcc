package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.LoraInstance;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The rule of a whole checkpoint as base (spec/FORMATS.md Section 4.3, "A whole checkpoint as
 * base"), on random model tensors added to the torch-written Llama fixture
 * (src/test/python/make_checkpoint_fixtures.py): a model name in the base file is ignored unread,
 * whatever its shape and values (NaN included), while the same tensor in the adapter file is
 * refused as an unknown tensor.
 */
class CheckpointBaseProperties {
  /** Segments of model names, Hugging Face's and others; none is a projection or fused name alone. */
  private static final List<String> SEGMENTS = List.of("model", "layers", "1", "mlp", "gate_proj", "up_proj", "down_proj",
      "input_layernorm", "norm", "lm_head", "embed_tokens", "rotary_emb", "inv_freq", "self_attn", "weight", "bias", "scale",
      "decoder", "lora_A", "default", "X", "q_norm", "proj");

  /**
   * A dotted model name: an optional prefix of layer 1, then 1 to 5 segments (2 at least in all);
   * names that are projections, fused, ours or of another layer are dropped.
   */
  @Provide
  Arbitrary<String> modelNames() {
    Arbitrary<String> prefix = Arbitraries.of("", "model.layers.1.", "base_model.model.model.layers.1.", "layers.1.");
    Arbitrary<String> tail = Arbitraries.of(SEGMENTS).list().ofMinSize(1).ofMaxSize(5).map(l -> String.join(".", l));
    return Combinators.combine(prefix, tail).as(String::concat).filter(n -> n.contains("."))
        .filter(n -> AttentionNames.projection(n).isEmpty() && AttentionNames.fused(n).isEmpty() && !AttentionNames.ours(n))
        .filter(n -> Layers.of(n).map(k -> k.intValue() == 1).orElse(true));
  }

  /** Values of a tensor of 1 to 6 elements, non-finite ones among them. */
  @Provide
  Arbitrary<double[]> values() {
    Arbitrary<Double> v = Arbitraries.oneOf(Arbitraries.doubles().between(-10, 10),
        Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, 0.0));
    return v.array(double[].class).ofMinSize(1).ofMaxSize(6);
  }

  @Provide
  Arbitrary<Tensor> modelTensors() {
    return Combinators.combine(modelNames(), values(), Arbitraries.of(true, false))
        .as((n, v, matrix) -> new Tensor(n, matrix ? new int[] {1, v.length} : new int[] {v.length}, v));
  }

  private static final TensorSelection LAYER_1 = TensorSelection.ofLayer(OptionalInt.of(1));

  @Property(tries = 60)
  @Label("a model tensor of the base is ignored; the same tensor in the adapter is an unknown tensor")
  void modelTensorsOfTheBaseAreIgnored(@ForAll("modelTensors") Tensor extra) throws Exception {
    boolean nonFinite = java.util.Arrays.stream(extra.values()).anyMatch(x -> !Double.isFinite(x));
    Statistics.label("non-finite value").collect(nonFinite);
    Statistics.label("of layer 1").collect(Layers.of(extra.name()).isPresent());
    Statistics.label("non-finite value").coverage(c -> c.check(true).count(n -> n > 0));
    Statistics.label("of layer 1").coverage(c -> {
      c.check(true).count(n -> n > 0);
      c.check(false).count(n -> n > 0);
    });
    Map<String, Tensor> ck = CheckpointBaseExamples.tensors("llama-checkpoint.safetensors");
    Assume.that(!ck.containsKey(extra.name()));
    TensorFiles.Source adapter = CheckpointBaseExamples.fixture("llama-adapter.safetensors");
    LoraInstance without = TensorFiles.readInstance(adapter, Optional.of(CheckpointBaseExamples.fixture("llama-checkpoint.safetensors")),
        TensorLayout.PEFT, LAYER_1);
    ck.put(extra.name(), extra);
    LoraInstance with = TensorFiles.readInstance(adapter, Optional.of(PeftFilesExamples.safetensors("ck.safetensors", ck)),
        TensorLayout.PEFT, LAYER_1);
    assertThat(with).isEqualTo(without);
    Map<String, Tensor> a = CheckpointBaseExamples.tensors("llama-adapter.safetensors");
    a.put(extra.name(), extra);
    String expected = nonFinite ? "non-finite value" : "unknown tensor";
    assertThatThrownBy(() -> TensorFiles.readInstance(PeftFilesExamples.safetensors("a.safetensors", a),
            Optional.of(CheckpointBaseExamples.fixture("llama-checkpoint.safetensors")), TensorLayout.PEFT, LAYER_1))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith("a.safetensors: " + extra.name() + ": " + expected);
  }
}
