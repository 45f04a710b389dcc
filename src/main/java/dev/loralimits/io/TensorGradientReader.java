package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.LayerWeight;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a gradient (a candidate for {@code check}) from the bytes of a tensor file
 * (spec/FORMATS.md Section 4.2): checks the metadata, brings the tensor names into our layout
 * ({@link Renamed}, {@link PeftNames}) and collects {@code loss} and the factor gradients, keeping
 * non-finite values.
 */
final class TensorGradientReader {
  private TensorGradientReader() {}

  /**
   * Reads a gradient from the bytes of a tensor file ({@code .npz} or {@code .safetensors}); the
   * method is the metadata's {@code "method"}, {@link GradientFile#UNNAMED} when absent.
   *
   * @throws InputException as {@link TensorFiles#readGradient(java.nio.file.Path, TensorLayout)}
   */
  static GradientFile read(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout) {
    return read(source, bytes, format, layout, TensorSelection.ALL);
  }

  /**
   * As {@link #read(String, byte[], TensorFiles.Format, TensorLayout)}, taking the tensors
   * {@code selection} selects ({@link TensorSelection}).
   *
   * @throws InputException as {@link TensorFiles#readGradient(java.nio.file.Path, TensorLayout)}
   */
  static GradientFile read(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout, TensorSelection selection) {
    Named n = named(source, bytes, format, layout, selection);
    Parts<Adapter> p = parts(source, n.tensors(), Adapter.class, "Q, K, V");
    return new GradientFile(n.method(), p.loss(), p.gradients());
  }

  /**
   * A layer's candidate gradient from a tensor file (spec/FORMATS.md Section 5.1): as
   * {@link #read(String, byte[], TensorFiles.Format, TensorLayout, TensorSelection)}, with grad_A_O,
   * grad_B_O (PEFT: {@code o_proj.lora_B.weight.grad}, {@code o_proj.lora_A.weight.grad}) too.
   */
  static GradientJson.LayerCandidate readLayer(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout, TensorSelection selection) {
    Named n = named(source, bytes, format, layout, selection);
    Parts<LayerWeight> p = parts(source, n.tensors(), LayerWeight.class, "Q, K, V, O");
    return new GradientJson.LayerCandidate(n.method(), p.loss(), p.gradients());
  }

  /** A gradient file's tensors under our names, and its metadata's method. */
  private record Named(Renamed tensors, String method) {}

  /** Reads the container, checks the metadata, selects the layer and renames (both readers). */
  private static Named named(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout, TensorSelection selection) {
    Safetensors.Contents c = TensorInput.contents(source, bytes, format, "a gradient");
    TensorChecks.checkMetadata(source, c.metadata(), GradientJson.FORMAT, layout);
    Map<String, Tensor> t = selection.select(source, c.tensors());
    Renamed r = layout == TensorLayout.PEFT ? PeftNames.gradient(source, t) : Renamed.identity(t);
    return new Named(r, c.metadata().getOrDefault(TensorFiles.META_METHOD, GradientFile.UNNAMED));
  }

  private record Parts<K extends Enum<K>>(Optional<CandidateMatrix> loss, Map<K, CandidateGradient> gradients) {}

  /** The tensors {@code r}: optional {@code loss}, both factors per adapted projection of {@code keys}. */
  private static <K extends Enum<K>> Parts<K> parts(String source, Renamed r, Class<K> keys, String names) {
    Map<String, Tensor> left = new LinkedHashMap<>(r.tensors());
    Optional<CandidateMatrix> loss = Optional.empty();
    Tensor l = left.remove("loss");
    if (l != null) {
      if (l.values().length != 1) {
        throw r.error(source, "loss", "expected a scalar (shape () or (1,)), got shape " + l.shapeText());
      }
      loss = Optional.of(CandidateMatrix.ofDoubles(1, 1, l.values()));
    }
    Map<K, CandidateGradient> g = new EnumMap<>(keys);
    for (K mu : keys.getEnumConstants()) {
      Tensor a = left.remove("grad_A_" + mu);
      Tensor b = left.remove("grad_B_" + mu);
      if ((a == null) != (b == null)) {
        String given = a != null ? "grad_A_" + mu : "grad_B_" + mu;
        String missing = a != null ? "grad_B_" + mu : "grad_A_" + mu;
        throw r.error(source, given, "given without " + r.shown(missing) + " (an adapter's gradient has both factors)");
      }
      if (a != null) {
        g.put(mu, new CandidateGradient(candidateMatrix(source, r, "grad_A_" + mu, a), candidateMatrix(source, r, "grad_B_" + mu, b)));
      }
    }
    if (!left.isEmpty()) {
      throw r.error(source, left.keySet().iterator().next(),
          "unknown tensor (expected loss and grad_A_mu, grad_B_mu for each adapted mu in " + names + ")");
    }
    return new Parts<>(loss, g);
  }

  /** {@code t} as a candidate matrix (non-finite values kept); it must have rank 2. */
  private static CandidateMatrix candidateMatrix(String source, Renamed r, String name, Tensor t) {
    if (t.rank() != 2) {
      throw r.error(source, name, "expected a matrix (rank 2), got shape " + t.shapeText());
    }
    return CandidateMatrix.ofDoubles(t.shape()[0], t.shape()[1], t.values());
  }
}
