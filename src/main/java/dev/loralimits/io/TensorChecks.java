package dev.loralimits.io;

import java.util.Map;
import java.util.Set;

/**
 * The shared refusals of the tensor readers (spec/FORMATS.md Sections 4.1 and 4.5): the element cap
 * of a shape, finiteness of an instance's values, safetensors metadata that names another format
 * or layout, and the tensor names and exception descriptions that messages show.
 */
final class TensorChecks {
  private TensorChecks() {}

  /**
   * Values of the metadata key {@code "format"} that name the framework a safetensors file was
   * written from, not a file format (FORMATS 4.1): {@code safetensors.torch.save_file}, and so
   * PEFT's {@code save_pretrained}, writes {@code "pt"}; the TensorFlow, Flax, NumPy and MLX
   * writers {@code "tf"}, {@code "flax"}, {@code "np"}, {@code "mlx"}. They are read as no format
   * (issue 13: PEFT adapter files were refused as saved).
   */
  static final Set<String> FRAMEWORK_TAGS = Set.of("pt", "tf", "flax", "np", "mlx");

  /** Refuses a safetensors file whose metadata names another format or layout. */
  static void checkMetadata(String source, Map<String, String> meta, String format, TensorLayout layout) {
    String f = meta.get(TensorFiles.META_FORMAT);
    if (f != null && !f.equals(format) && !FRAMEWORK_TAGS.contains(f)) {
      throw new InputException(source, Safetensors.METADATA + "." + TensorFiles.META_FORMAT, "expected \"" + format + "\", got \"" + Npy.shorten(f) + "\"");
    }
    String l = meta.get(TensorFiles.META_LAYOUT);
    if (l != null && !l.equals(layout.optionName())) {
      throw new InputException(source, Safetensors.METADATA + "." + TensorFiles.META_LAYOUT,
          "the file says layout \"" + Npy.shorten(l) + "\", read as " + layout.optionName() + " (give --layout " + Npy.shorten(l) + ")");
    }
  }

  /**
   * The element count of {@code shape}: every dimension {@code >= 1}, the product at most
   * {@link TensorLimits#MAX_ELEMENTS}.
   */
  static long elementCount(String source, String name, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 1) {
        throw new InputException(source, name, "empty array: shape " + Tensor.shapeText(shape) + " (every dimension must be >= 1)");
      }
      n *= d;
      if (n > TensorLimits.MAX_ELEMENTS) {
        throw new InputException(source, name, "shape " + Tensor.shapeText(shape) + " exceeds the limit of " + TensorLimits.MAX_ELEMENTS + " elements (2^26)");
      }
    }
    return n;
  }

  /** {@code t}, after checking that every value is finite (instances; candidates keep non-finite values). */
  static Tensor checkedFinite(String source, Tensor t) {
    double[] v = t.values();
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        String at = t.rank() == 2 ? "[" + i / t.shape()[1] + "][" + i % t.shape()[1] + "]" : "[" + i + "]";
        throw new InputException(source, path(t.name()), "non-finite value (" + v[i] + ") at " + at);
      }
    }
    return t;
  }

  /**
   * A tensor name as the path of a message: whole, never shortened (FORMATS 4.3: the useful part
   * of {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight} is its end, and
   * issue 13 found names cut at 40 characters), control characters replaced by {@code ?}, and
   * {@code (unnamed)} for the empty name, so that every message keeps the form
   * {@code <file>: <tensor>: <rule>} on one line. Its length is bounded by the header caps of
   * FORMATS 4.5 (1 MiB; a zip entry name 64 KiB).
   */
  static String path(String name) {
    return name.isEmpty() ? "(unnamed)" : name.replaceAll("\\p{Cntrl}", "?");
  }

  /** A one-line description of {@code e} for messages. */
  static String describe(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return Npy.shorten(m.replaceAll("\\s+", " "));
  }
}
