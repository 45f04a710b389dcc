package dev.loralimits.io;

import dev.loralimits.model.Checks;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Which attention module of a tensor file of several is read (spec/FORMATS.md Section 4.3,
 * "Layers and modules"; issue 13 item 4): {@code --layer N}, {@code --module PREFIX}, both or
 * neither.
 *
 * <p>Rule: the layer selector skips every tensor of a layer {@code K != N} ({@link Layers}); the
 * module selector then skips every tensor of a model's name (a name with a dot, not one of ours:
 * {@link AttentionNames#ours}) that is not under {@code PREFIX} ({@code PREFIX.} starts it, PEFT's
 * {@code base_model.model.} disregarded at the start of both), except a projection without a
 * module ({@code q_proj.lora_A.weight.grad}, as this project's writers name them), which is of
 * any module as a name without a layer is of any layer. Given together they must agree: a
 * prefix with a layer segment {@code layers.K.} names layer K, and {@code --layer N} with
 * {@code N != K} is refused; a prefix without a layer segment ({@code model.decoder}) narrows the
 * layer's tensors further.
 *
 * @param layer the layer N, if selected ({@code >= 0})
 * @param module the module prefix, if selected: dot-separated non-empty segments
 */
public record TensorSelection(OptionalInt layer, Optional<String> module) {
  /** Nothing selected: every tensor is read. */
  public static final TensorSelection ALL = new TensorSelection(OptionalInt.empty(), Optional.empty());

  /**
   * Checks the selection.
   *
   * @throws IllegalArgumentException for a negative layer, a malformed prefix, or a prefix of
   *     another layer than {@code layer}
   */
  public TensorSelection {
    Checks.argument(layer != null && module != null, "layer and module must be given (empty when not selected)");
    Checks.argument(layer.isEmpty() || layer.getAsInt() >= 0, "--layer (" + (layer.isPresent() ? layer.getAsInt() : 0) + ") must be >= 0");
    if (module.isPresent()) {
      String p = module.get();
      Checks.argument(!p.isEmpty() && !p.startsWith(".") && !p.endsWith(".") && !p.contains(".."),
          "--module (" + TensorChecks.path(p) + ") must be a module name: dot-separated names, without a leading or trailing dot");
      Optional<BigInteger> k = Layers.of(p + ".");
      if (layer.isPresent() && k.isPresent() && !k.get().equals(BigInteger.valueOf(layer.getAsInt()))) {
        throw new IllegalArgumentException("--module " + TensorChecks.path(p) + " is of layer " + k.get() + ", --layer "
            + layer.getAsInt() + " selects layer " + layer.getAsInt() + " (give one of them, or the same layer)");
      }
    }
  }

  /** Layer {@code layer} (if given), any module. */
  public static TensorSelection ofLayer(OptionalInt layer) {
    return new TensorSelection(layer, Optional.empty());
  }

  /** Whether nothing is selected. */
  public boolean all() {
    return layer.isEmpty() && module.isEmpty();
  }

  /**
   * The tensors of {@code in} this selection takes, in file order, by name (the values, tensors or
   * header entries of tensors not yet read, are carried along).
   *
   * @throws InputException when the names have layers and none of them is the layer, or have
   *     projections and none of them is under the module (naming the modules the file has)
   */
  <T> Map<String, T> select(String source, Map<String, T> in) {
    Map<String, T> t = Layers.select(source, in, layer);
    if (module.isEmpty()) {
      return t;
    }
    String p = module.get();
    Map<String, T> out = new LinkedHashMap<>();
    Set<String> modules = new LinkedHashSet<>();
    boolean found = false;
    for (Map.Entry<String, T> x : t.entrySet()) {
      String name = x.getKey();
      Optional<AttentionNames.Projection> pr = AttentionNames.projection(name);
      boolean moduleless = pr.isPresent() && pr.get().module().isEmpty();
      pr.filter(q -> !moduleless).ifPresent(q -> modules.add(q.module()));
      if (AttentionNames.ours(name) || moduleless || AttentionNames.under(name, p)) {
        out.put(name, x.getValue());
        found |= pr.isPresent() || AttentionNames.fused(name).isPresent();
      }
    }
    if (!modules.isEmpty() && !found) {
      throw new InputException(source, InputException.FILE, "no attention projection under --module " + TensorChecks.path(p)
          + (layer.isPresent() ? " in layer " + layer.getAsInt() : "") + " (the file's attention modules: " + listed(modules) + ")");
    }
    return out;
  }

  private static String listed(Set<String> modules) {
    StringBuilder s = new StringBuilder();
    int shown = 0;
    for (String m : modules) {
      if (shown == MAX_LISTED) {
        return s.append(", ... (").append(modules.size()).append(" in all)").toString();
      }
      s.append(shown++ > 0 ? ", " : "").append(TensorChecks.path(m));
    }
    return s.toString();
  }

  /** Most module names a message lists. */
  private static final int MAX_LISTED = 8;
}
