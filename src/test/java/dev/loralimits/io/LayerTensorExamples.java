package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.Projection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * spec/FORMATS.md Section 5.1: a layer instance from tensor files, in our layout (W_O, A_O, B_O)
 * and in PEFT's (o_proj.weight, o_proj.lora_A/B.weight, nn.Linear orientation), equal to the same
 * layer read from JSON.
 */
class LayerTensorExamples {
  /** The JSON example's layer, with O adapted so that every O tensor is exercised. */
  static final LayerInstance LAYER = LayerJson.parse("l.json", LayerJsonExamples.VALID.replace(
      "\"O\": {\"W\": [[1, 0], [0.5, 1]]}", "\"O\": {\"W\": [[1, 0], [0.5, 1]], \"A\": [[0.5, 0.25]], \"B\": [[1], [-2]]}"));

  private static Tensor tensor(String name, DecimalMatrix m, boolean transpose) {
    int r = transpose ? m.cols() : m.rows();
    int c = transpose ? m.rows() : m.cols();
    double[] v = new double[r * c];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        v[i * c + j] = (transpose ? m.get(j, i) : m.get(i, j)).doubleValue();
      }
    }
    return new Tensor(name, new int[] {r, c}, v);
  }

  private static Map<String, Tensor> tensors(boolean peft) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("alpha", new Tensor("alpha", new int[0], new double[] {LAYER.alpha().doubleValue()}));
    t.put("beta", new Tensor("beta", new int[0], new double[] {LAYER.beta().doubleValue()}));
    for (Map.Entry<LayerWeight, Projection> e : LAYER.weights().entrySet()) {
      String mu = e.getKey().name();
      String module = "base_model.model.model.layers.0.self_attn." + mu.toLowerCase() + "_proj";
      Projection p = e.getValue();
      put(t, peft ? tensor(module + ".weight", p.frozen(), true) : tensor("W_" + mu, p.frozen(), false));
      if (p.isAdapted()) {
        put(t, peft ? tensor(module + ".lora_A.weight", p.b(), true) : tensor("A_" + mu, p.a(), false));
        put(t, peft ? tensor(module + ".lora_B.weight", p.a(), true) : tensor("B_" + mu, p.b(), false));
      }
    }
    int i = 0;
    for (DataPoint d : LAYER.data()) {
      put(t, tensor("X." + i, d.xq(), false));
      put(t, tensor("Y." + i, d.y(), false));
      i++;
    }
    return t;
  }

  private static void put(Map<String, Tensor> t, Tensor x) {
    t.put(x.name(), x);
  }

  private static LayerInstance read(Map<String, Tensor> t, TensorLayout layout) {
    TensorFiles.Source s = new TensorFiles.Source("l.npz", Npz.write(t), TensorFiles.Format.NPZ);
    return TensorFiles.readLayerInstance(s, Optional.empty(), layout, OptionalInt.empty(), LAYER.heads(), LAYER.masking(), LAYER.scaling());
  }

  /** The tensors hold the nearest doubles of the JSON decimals, so the layers agree as doubles. */
  private static void sameLayer(LayerInstance got) {
    assertThat(got.heads()).isEqualTo(LAYER.heads());
    assertThat(got.masking()).isEqualTo(LAYER.masking());
    assertThat(got.scaling()).isEqualTo(LAYER.scaling());
    assertThat(got.adapted()).isEqualTo(LAYER.adapted());
    assertThat(got.hasOutputProjection()).isTrue();
    for (LayerWeight mu : LAYER.weights().keySet()) {
      Projection want = LAYER.projection(mu).orElseThrow();
      Projection have = got.projection(mu).orElseThrow();
      assertThat(have.frozen().toDoubles()).isEqualTo(want.frozen().toDoubles());
      if (want.isAdapted()) {
        assertThat(have.a().toDoubles()).isEqualTo(want.a().toDoubles());
        assertThat(have.b().toDoubles()).isEqualTo(want.b().toDoubles());
      }
    }
    assertThat(got.data().get(0).y().toDoubles()).isEqualTo(LAYER.data().get(0).y().toDoubles());
  }

  @Test
  void ourLayoutWithAnOutputProjection() {
    sameLayer(read(tensors(false), TensorLayout.OURS));
  }

  @Test
  void peftLayoutWithOProj() {
    sameLayer(read(tensors(true), TensorLayout.PEFT));
  }

  @Test
  void aLayerFromTensorsNeedsBeta() {
    Map<String, Tensor> t = tensors(true);
    t.remove("beta");
    assertThatThrownBy(() -> read(t, TensorLayout.PEFT))
        .isInstanceOf(InputException.class)
        .hasMessage("l.npz: beta: missing tensor (a layer instance states beta: 1/sqrt(head width) is a choice, not a default)");
  }

  /** o_proj in a paper (version 1) instance is still an unknown tensor, named as the file names it. */
  @Test
  void anOutputProjectionIsRefusedInAPaperInstance() {
    TensorFiles.Source s = new TensorFiles.Source("l.npz", Npz.write(tensors(true)), TensorFiles.Format.NPZ);
    assertThatThrownBy(() -> TensorFiles.readInstance(s, Optional.empty(), TensorLayout.PEFT, OptionalInt.empty()))
        .hasMessageContaining("o_proj")
        .hasMessageContaining("unknown tensor");
  }

  /** A layer's candidate in PEFT layout: o_proj's factor gradients land under O, transposed. */
  @Test
  void aPeftCandidateWithOProjGradients() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    put(t, new Tensor("o_proj.lora_A.weight.grad", new int[] {1, 2}, new double[] {1, 2}));
    put(t, new Tensor("o_proj.lora_B.weight.grad", new int[] {2, 1}, new double[] {3, 4}));
    put(t, new Tensor("q_proj.lora_A.weight.grad", new int[] {1, 2}, new double[] {5, 6}));
    put(t, new Tensor("q_proj.lora_B.weight.grad", new int[] {4, 1}, new double[] {7, 8, 9, 10}));
    put(t, new Tensor("loss", new int[0], new double[] {0.5}));
    TensorFiles.Source s = new TensorFiles.Source("g.npz", Npz.write(t), TensorFiles.Format.NPZ);
    GradientJson.LayerCandidate c = TensorFiles.readLayerGradient(s, TensorLayout.PEFT, OptionalInt.empty());
    assertThat(c.gradients().keySet()).containsExactly(LayerWeight.Q, LayerWeight.O);
    // dLoss/dA_O = (o_proj.lora_B grad)^T: 1 x 2; dLoss/dB_O = (o_proj.lora_A grad)^T: 2 x 1
    assertThat(c.gradients().get(LayerWeight.O).a().rows()).isEqualTo(1);
    assertThat(c.gradients().get(LayerWeight.O).a().get(0, 1).doubleValue()).isEqualTo(4.0);
    assertThat(c.gradients().get(LayerWeight.O).b().rows()).isEqualTo(2);
    assertThat(c.loss()).isPresent();
    t.put("v_proj.extra", new Tensor("v_proj.extra", new int[] {1}, new double[] {1}));
    TensorFiles.Source bad = new TensorFiles.Source("g.npz", Npz.write(t), TensorFiles.Format.NPZ);
    assertThatThrownBy(() -> TensorFiles.readLayerGradient(bad, TensorLayout.PEFT, OptionalInt.empty()))
        .hasMessage("g.npz: v_proj.extra: unknown tensor (expected loss and grad_A_mu, grad_B_mu for each adapted mu in Q, K, V, O)");
  }
}
