package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The PEFT layout (spec/FORMATS.md Section 4.3): {@code W = W_lin^T}, {@code B = A_peft^T},
 * {@code A = B_peft^T}; {@code dLoss/dA_peft = (dLoss/dB)^T}, {@code dLoss/dB_peft = (dLoss/dA)^T}.
 */
class PeftLayoutProperties {
  /** Finite-difference step on the PEFT factors, and the tolerance of the central difference. */
  private static final double STEP = 1e-5;

  /**
   * Central difference error {@code O(h^2)} ~ 1e-10 plus rounding {@code eps |loss| / h} ~ 1e-11,
   * relative to the gradient's max entry; 1e-6 leaves four orders of margin and still catches a
   * transposition or a swapped factor (errors of order 1).
   */
  private static final double FD_TOLERANCE = 1e-6;

  /**
   * Shapes for the PEFT round trip: every projection adapted (so each has lora_A and lora_B),
   * widths dq, dk, dv, h, o and the three ranks drawn separately (the square case is one branch
   * of the generator): a transposition in the layout changes a tensor's shape or index order, and
   * only a non-square weight shows both.
   */
  @Provide
  Arbitrary<Instances.Spec> specs() {
    return peftSpecs(4, 3);
  }

  private static Arbitrary<Instances.Spec> peftSpecs(int maxWidth, int maxRank) {
    return InstanceArbitraries.specs(3, maxWidth)
        .map(s -> s.withAdapters(Instances.all(), s.maxRank()).withRanksAtMost(maxRank).withPoints(2));
  }

  static LoraInstance instance(Instances.Spec spec, long seed) {
    Instances.Spec s = new Instances.Spec(
        spec.lq(), spec.lk(), spec.dq(), spec.dk(), spec.dv(), spec.h(), spec.o(), spec.ranks(), spec.points(),
        spec.cross(), new BigDecimal("2.5"), BigDecimal.ONE, 1.0);
    return TensorFilesExamples.roundAllForTests(Instances.random(s, seed));
  }

  @Property(tries = 30)
  @Label("PEFT merged weight W_lin^T + (alpha/r)(B_peft A_peft)^T equals our W + (alpha/r) B A, exactly")
  void mergedWeightsAgree(@ForAll("specs") Instances.Spec spec, @ForAll long seed) {
    LoraInstance inst = instance(spec, seed);
    Map<String, Tensor> t = Safetensors.read("p", TensorFiles.instanceBytes(inst, TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT)).tensors();
    for (Adapter mu : Adapter.values()) {
      String m = PeftNames.module(mu);
      Tensor wLin = t.get(m + ".weight");
      Tensor aPeft = t.get(m + ".lora_A.weight");
      Tensor bPeft = t.get(m + ".lora_B.weight");
      Projection p = inst.projection(mu);
      int in = p.frozen().rows();
      int out = p.frozen().cols();
      int r = p.rank().orElseThrow();
      assertThat(wLin.shape()).containsExactly(out, in);
      assertThat(aPeft.shape()).containsExactly(r, in);
      assertThat(bPeft.shape()).containsExactly(out, r);
      BigDecimal alpha = inst.alpha();
      BigDecimal rank = BigDecimal.valueOf(r);
      for (int i = 0; i < in; i++) {
        for (int j = 0; j < out; j++) {
          // Multiplied by r, so that alpha/r needs no division: r W_ij + alpha (B A)_ij.
          BigDecimal ours = rank.multiply(p.frozen().get(i, j));
          BigDecimal peft = rank.multiply(new BigDecimal(wLin.values()[j * in + i]));
          for (int k = 0; k < r; k++) {
            ours = ours.add(alpha.multiply(p.b().get(i, k)).multiply(p.a().get(k, j)));
            // (B_peft A_peft)^T_ij = (B_peft A_peft)_ji = sum_k B_peft[j][k] A_peft[k][i]
            peft = peft.add(alpha.multiply(new BigDecimal(bPeft.values()[j * r + k])).multiply(new BigDecimal(aPeft.values()[k * in + i])));
          }
          assertThat(peft).isEqualByComparingTo(ours);
        }
      }
    }
  }

  /** As {@link #specs} with widths up to 3 and ranks up to 2 (each entry costs two losses). */
  @Provide
  Arbitrary<Instances.Spec> smallSpecs() {
    return peftSpecs(3, 2);
  }

  @Property(tries = 15)
  @Label("dLoss/dA_peft = (dLoss/dB)^T, dLoss/dB_peft = (dLoss/dA)^T: central differences in the PEFT parametrisation")
  void gradientTranspositionMatchesFiniteDifferences(@ForAll("smallSpecs") Instances.Spec spec, @ForAll long seed) {
    LoraInstance inst = instance(spec, seed);
    DoubleGradients g = ExactDouble.gradient(inst, 1);
    GradientResult1 written = new GradientResult1(g);
    Map<String, Tensor> grads = Safetensors.read("g", TensorFiles.gradientBytes(written.result(), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT)).tensors();
    // Read back in PEFT layout: our gradient again, exactly.
    GradientFile back = TensorFiles.readGradient("g", TensorFiles.gradientBytes(written.result(), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT),
        TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT);
    assertThat(back.finiteGradients()).isEqualTo(written.result().gradients());
    Map<String, Tensor> weights = Safetensors.read("p", TensorFiles.instanceBytes(inst, TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT)).tensors();
    for (Adapter mu : Adapter.values()) {
      for (String factor : new String[] {"lora_A", "lora_B"}) {
        String name = PeftNames.module(mu) + "." + factor + ".weight";
        Tensor grad = grads.get(name + ".grad");
        Tensor w = weights.get(name);
        assertThat(grad.shape()).containsExactly(w.shape());
        double scale = 0;
        for (double x : grad.values()) {
          scale = Math.max(scale, Math.abs(x));
        }
        for (int k = 0; k < w.values().length; k++) {
          double fd = (loss(weights, name, k, STEP) - loss(weights, name, k, -STEP)) / (2 * STEP);
          assertThat(Math.abs(fd - grad.values()[k])).as("%s[%d]", name, k).isLessThanOrEqualTo(FD_TOLERANCE * Math.max(scale, 1e-3));
        }
      }
    }
  }

  /** The loss, computed in our layout, of the PEFT-layout tensors with entry k of name moved by h. */
  private static double loss(Map<String, Tensor> peft, String name, int k, double h) {
    Map<String, Tensor> t = new LinkedHashMap<>(peft);
    Tensor w = t.get(name);
    double[] v = w.values().clone();
    v[k] += h;
    t.put(name, new Tensor(name, w.shape(), v));
    LoraInstance inst = TensorFiles.readInstance("fd", Safetensors.write(t, Map.of()), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT);
    return ExactDouble.gradient(inst, 1).loss();
  }

  /** A double gradient as a {@link dev.loralimits.model.GradientResult}, each number exact. */
  private record GradientResult1(DoubleGradients g) {
    dev.loralimits.model.GradientResult result() {
      Map<Adapter, dev.loralimits.model.AdapterGradient> m = new java.util.EnumMap<>(Adapter.class);
      for (Adapter mu : g.gradA().keySet()) {
        m.put(mu, new dev.loralimits.model.AdapterGradient(
            dev.loralimits.model.DecimalMatrix.ofDoubles("a", g.gradA().get(mu)),
            dev.loralimits.model.DecimalMatrix.ofDoubles("b", g.gradB().get(mu))));
      }
      return new dev.loralimits.model.GradientResult("exact", 17, new BigDecimal(g.loss()), m);
    }
  }
}
