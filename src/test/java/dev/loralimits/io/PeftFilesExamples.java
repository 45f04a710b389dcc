package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * PEFT files as they come (spec/FORMATS.md Section 4.3; issue 13 item 4): the adapter alone in one
 * file, the base weights and the data in a second ({@code --base}), several layers in one file
 * ({@code --layer}), names in messages whole. The fixtures are written by torch
 * (src/test/python/make_peft_fixtures.py): a two-layer float16 adapter on q_proj and v_proj with
 * PEFT's names, a float32 base with Hugging Face's names ({@code model.layers.N.self_attn.}), and
 * each layer as an instance in our layout, transposed by numpy.
 */
class PeftFilesExamples {
  static final String ADAPTER = "peft-adapter.safetensors";
  static final String BASE = "peft-base.safetensors";
  static final String Q_LORA_A_0 = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
  static final String Q_LORA_A_1 = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";
  static final String Q_WEIGHT_0 = "model.layers.0.self_attn.q_proj.weight";

  static TensorFiles.Source fixture(String name) throws Exception {
    return new TensorFiles.Source(name, TensorFilesExamples.resource(name), TensorFiles.Format.of(java.nio.file.Path.of(name)));
  }

  static Map<String, Tensor> tensors(String name) throws Exception {
    return new LinkedHashMap<>(Safetensors.read(name, TensorFilesExamples.resource(name)).tensors());
  }

  static TensorFiles.Source safetensors(String name, Map<String, Tensor> t) {
    return new TensorFiles.Source(name, Safetensors.write(t, Map.of("format", "pt")), TensorFiles.Format.SAFETENSORS);
  }

  static LoraInstance read(TensorFiles.Source a, TensorFiles.Source b, int layer) {
    return TensorFiles.readInstance(a, Optional.of(b), TensorLayout.PEFT, OptionalInt.of(layer));
  }

  @Test
  void eachLayerOfAnAdapterAndItsBaseIsTheInstanceNumpyTransposed() throws Exception {
    for (int n = 0; n < 2; n++) {
      String ours = "peft-layer" + n + "-ours.npz";
      LoraInstance expected = TensorFiles.readInstance(ours, TensorFilesExamples.resource(ours), TensorFiles.Format.NPZ, TensorLayout.OURS);
      LoraInstance got = read(fixture(ADAPTER), fixture(BASE), n);
      TensorFilesExamples.assertSameInstance(got, expected);
      assertThat(got.projection(Adapter.K).isAdapted()).isFalse();
      assertThat(got.projection(Adapter.Q).a().rows()).isEqualTo(2);
    }
    // the two layers differ (the selector is not vacuous)
    assertThat(InstanceJson.write(read(fixture(ADAPTER), fixture(BASE), 0)))
        .isNotEqualTo(InstanceJson.write(read(fixture(ADAPTER), fixture(BASE), 1)));
  }

  @Test
  void withoutALayerTwoLayersAreAmbiguousAndTheMessageSuggestsLayer() throws Exception {
    assertThatThrownBy(() -> TensorFiles.readInstance(fixture(ADAPTER), Optional.of(fixture(BASE)), TensorLayout.PEFT, OptionalInt.empty()))
        .isInstanceOf(InputException.class)
        .hasMessage(ADAPTER + ": " + Q_LORA_A_1 + ": ambiguous: " + Q_LORA_A_0
            + " has the same role (B_Q in our layout); select one layer with --layer N (these are of layers 0 and 1)");
    assertThatThrownBy(() -> read(fixture(ADAPTER), fixture(BASE), 2))
        .hasMessage(ADAPTER + ": (file): no tensor of layer 2 (no name holds layers.2.; the file has layers 0, 1)");
    // two adapters of one layer: no layer to select, the old advice
    Map<String, Tensor> t = tensors(ADAPTER);
    String other = Q_LORA_A_0.replace("lora_A.weight", "lora_A.other.weight");
    Tensor first = t.get(Q_LORA_A_0);
    t.put(other, new Tensor(other, first.shape(), first.values()));
    assertThatThrownBy(() -> read(safetensors("two.safetensors", t), fixture(BASE), 0))
        .hasMessage("two.safetensors: " + other + ": ambiguous: " + Q_LORA_A_0
            + " has the same role (B_Q in our layout); give the tensors of one attention layer and one adapter");
  }

  /** The rule of Layers: the first segment layers.K. at the start or after a dot, K a number. */
  @Test
  void theLayerOfANameIsItsFirstLayerSegment() {
    assertThat(Layers.of(Q_LORA_A_1)).contains(java.math.BigInteger.ONE);
    assertThat(Layers.of("layers.007.q_proj.weight")).contains(java.math.BigInteger.valueOf(7));
    assertThat(Layers.of("encoder.layers.3.block.layers.5.q_proj.weight")).contains(java.math.BigInteger.valueOf(3));
    assertThat(Layers.of("sublayers.3.q_proj.weight")).isEmpty();
    assertThat(Layers.of("model.layers.x.q_proj.weight")).isEmpty();
    assertThat(Layers.of("X.0")).isEmpty();
    assertThat(Layers.of("model.layers.12")).isEmpty();
  }

  @Test
  void aTensorInBothFilesIsRefusedNamingBoth() throws Exception {
    Map<String, Tensor> a = tensors(ADAPTER);
    String inAdapter = "base_model.model.model.layers.0.self_attn.q_proj.weight";
    Tensor w = tensors(BASE).get(Q_WEIGHT_0);
    a.put(inAdapter, new Tensor(inAdapter, w.shape(), w.values()));
    assertThatThrownBy(() -> read(safetensors("a.safetensors", a), fixture(BASE), 0))
        .hasMessage("a.safetensors: " + inAdapter + ": ambiguous: also in " + BASE + " (as " + Q_WEIGHT_0
            + "); each tensor must come from one file");
    // alpha, beta and the data may be in either file, but in one
    Map<String, Tensor> withAlpha = tensors(ADAPTER);
    withAlpha.put("alpha", Tensor.scalar("alpha", 4));
    assertThatThrownBy(() -> read(safetensors("a.safetensors", withAlpha), fixture(BASE), 0))
        .hasMessage("a.safetensors: alpha: ambiguous: also in " + BASE + "; each tensor must come from one file");
    Map<String, Tensor> base = tensors(BASE);
    Map<String, Tensor> adapterWithData = tensors(ADAPTER);
    for (String moved : new String[] {"alpha", "Y.0"}) {
      adapterWithData.put(moved, base.remove(moved));
    }
    TensorFilesExamples.assertSameInstance(
        read(safetensors("a.safetensors", adapterWithData), safetensors("b.safetensors", base), 1),
        read(fixture(ADAPTER), fixture(BASE), 1));
  }

  @Test
  void theBaseFileHoldsNoAdapterFactorsAndMissingTensorsNameBothFiles() throws Exception {
    Map<String, Tensor> base = tensors(BASE);
    base.put(Q_LORA_A_0, tensors(ADAPTER).get(Q_LORA_A_0));
    assertThatThrownBy(() -> read(fixture(ADAPTER), safetensors("b.safetensors", base), 0))
        .hasMessage("b.safetensors: " + Q_LORA_A_0
            + ": an adapter factor in the base file (--base holds the frozen weights; give the adapter in " + ADAPTER + ")");
    Map<String, Tensor> noK = tensors(BASE);
    noK.remove("model.layers.0.self_attn.k_proj.weight");
    assertThatThrownBy(() -> read(fixture(ADAPTER), safetensors("b.safetensors", noK), 0))
        .hasMessage("b.safetensors: model.layers.0.self_attn.k_proj.weight: missing tensor (in neither " + ADAPTER + " nor b.safetensors)");
    // a problem of a tensor of the base file names the base file
    Map<String, Tensor> wideY = tensors(BASE);
    wideY.put("Y.0", Tensor.matrix("Y.0", new double[][] {{1, 2, 3}}));
    assertThatThrownBy(() -> read(fixture(ADAPTER), safetensors("b.safetensors", wideY), 0))
        .hasMessageStartingWith("b.safetensors: Y.0: has 1 rows");
    // and one of the adapter file the adapter file, with its full PEFT name
    Map<String, Tensor> nan = tensors(ADAPTER);
    Tensor a = nan.get(Q_LORA_A_0);
    double[] v = a.values().clone();
    v[5] = Double.NaN;
    nan.put(Q_LORA_A_0, new Tensor(Q_LORA_A_0, a.shape(), v));
    assertThatThrownBy(() -> read(safetensors("a.safetensors", nan), fixture(BASE), 0))
        .hasMessage("a.safetensors: " + Q_LORA_A_0 + ": non-finite value (NaN) at [1][1]");
    // ... but a NaN in a skipped layer is not read
    assertThat(read(safetensors("a.safetensors", nan), fixture(BASE), 1).data()).hasSize(1);
    assertThatThrownBy(() -> TensorFiles.readInstance(
            new TensorFiles.Source("i.json", TensorFilesExamples.EXAMPLE.getBytes(java.nio.charset.StandardCharsets.UTF_8), TensorFiles.Format.JSON),
            Optional.of(fixture(BASE)), TensorLayout.PEFT, OptionalInt.empty()))
        .hasMessage("i.json: (file): a base file and a layer apply to tensor files (.npz, .safetensors); this one is JSON");
  }

  /** A gradient file of two layers: --layer picks one; without it the two are ambiguous. */
  @Test
  void aTwoLayerGradientIsReadOneLayerAtATime() {
    Map<String, Tensor> g = new LinkedHashMap<>();
    for (int n = 0; n < 2; n++) {
      String p = "base_model.model.model.layers." + n + ".self_attn.q_proj.";
      g.put(p + "lora_A.weight.grad", Tensor.matrix(p + "lora_A.weight.grad", new double[][] {{n, 1}}));
      g.put(p + "lora_B.weight.grad", Tensor.matrix(p + "lora_B.weight.grad", new double[][] {{2}, {n + 3}, {4}}));
    }
    g.put("loss", Tensor.scalar("loss", 0.25));
    byte[] b = Safetensors.write(g, Map.of("format", "pt"));
    TensorFiles.Source s = new TensorFiles.Source("g.safetensors", b, TensorFiles.Format.SAFETENSORS);
    for (int n = 0; n < 2; n++) {
      GradientFile f = TensorFiles.readGradient(s, TensorLayout.PEFT, OptionalInt.of(n));
      // lora_A.weight.grad (1 x 2) is our grad_B transposed (2 x 1); lora_B's our grad_A (1 x 3)
      assertThat(f.gradients().get(Adapter.Q).b().get(0, 0)).isEqualByComparingTo(String.valueOf(n));
      assertThat(f.gradients().get(Adapter.Q).a().get(0, 1)).isEqualByComparingTo(String.valueOf(n + 3));
      assertThat(f.finiteLoss()).isPresent();
    }
    assertThatThrownBy(() -> TensorFiles.readGradient("g.safetensors", b, TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT))
        .hasMessageContaining("select one layer with --layer N (these are of layers 0 and 1)");
  }

  /** Issue 13: long PEFT names are named whole in every message, the ambiguity's both names too. */
  @Test
  void longNamesAreNeverCut() throws Exception {
    String prefix = "base_model.model." + "very_long_module_name.".repeat(12);
    Map<String, Tensor> t = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : tensors(ADAPTER).entrySet()) {
      String name = prefix + e.getKey().substring("base_model.model.".length());
      t.put(name, new Tensor(name, e.getValue().shape(), e.getValue().values()));
    }
    String first = prefix + "model.layers.0.self_attn.q_proj.lora_A.weight";
    String second = prefix + "model.layers.1.self_attn.q_proj.lora_A.weight";
    assertThat(first.length()).isGreaterThan(300);
    assertThatThrownBy(() -> TensorFiles.readInstance(safetensors("l.safetensors", t), Optional.of(fixture(BASE)), TensorLayout.PEFT, OptionalInt.empty()))
        .hasMessage("l.safetensors: " + second + ": ambiguous: " + first
            + " has the same role (B_Q in our layout); select one layer with --layer N (these are of layers 0 and 1)");
    Tensor a = t.get(first);
    t.put(first, new Tensor(first, new int[] {a.values().length}, a.values()));
    assertThatThrownBy(() -> read(safetensors("l.safetensors", t), fixture(BASE), 0))
        .hasMessage("l.safetensors: " + first + ": expected a matrix (rank 2), got shape (8,)");
  }
}
