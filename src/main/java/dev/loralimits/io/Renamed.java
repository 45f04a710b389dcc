package dev.loralimits.io;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tensors under their names in our layout, with the name each had in its file (for messages),
 * which of them were transposed on the way, and, when they come from two files ({@code --base}),
 * the file each came from.
 *
 * @param sources the file of each tensor (our name to file name); a tensor not in it is of the
 *     source a message is given
 * @param modules the attention module of each projection tensor of layout peft (our name to the
 *     module as its file names it, {@link AttentionNames})
 */
record Renamed(Map<String, Tensor> tensors, Map<String, String> display, Set<String> transposed, Map<String, String> sources,
    Map<String, String> modules) {
  Renamed(Map<String, Tensor> tensors, Map<String, String> display, Set<String> transposed) {
    this(tensors, display, transposed, Map.of(), Map.of());
  }

  static Renamed identity(Map<String, Tensor> t) {
    Map<String, String> d = new LinkedHashMap<>();
    for (String n : t.keySet()) {
      d.put(n, n);
    }
    return new Renamed(t, d, Set.of());
  }

  String shown(String name) {
    return TensorChecks.path(display.getOrDefault(name, name));
  }

  /** The file tensor {@code name} came from, {@code source} when it is not known. */
  String sourceOf(String name, String source) {
    return sources.getOrDefault(name, source);
  }

  /** A problem of tensor {@code name}, naming it as in the file it came from. */
  InputException error(String source, String name, String problem) {
    String note = transposed.contains(name) ? " (in our layout, i.e. of the transpose of this tensor)" : "";
    return new InputException(sourceOf(name, source), shown(name), problem + note);
  }

  /** Adapter factors of our layout: {@code A_Q}, {@code B_V}, ... */
  private static final java.util.regex.Pattern FACTOR = java.util.regex.Pattern.compile("[AB]_[QKVO]");

  /** Frozen weights of our layout: {@code W_Q}, ... */
  private static final java.util.regex.Pattern WEIGHT = java.util.regex.Pattern.compile("W_[QKVO]");

  /**
   * The tensors of an adapter file and of its base file as one instance's (FORMATS 4.3): the
   * adapter factors come from the adapter file only; every other tensor from either file, but
   * each from one.
   *
   * <p>The projections of both files are of one attention module (PEFT's wrapper prefix
   * disregarded, {@link AttentionNames#normalized}); a frozen weight missing from both is named as
   * the base file would name it when the base file holds projections (it holds the frozen weights).
   *
   * @throws InputException for an adapter factor in the base file, a tensor (our name) in both
   *     files, naming both, or projections of two modules
   */
  static Renamed merged(String adapterSource, Renamed adapter, String baseSource, Renamed base) {
    Map<String, Tensor> tensors = new LinkedHashMap<>(adapter.tensors());
    Map<String, String> display = new LinkedHashMap<>(adapter.display());
    Set<String> transposed = new HashSet<>(adapter.transposed());
    Map<String, String> sources = new LinkedHashMap<>();
    Map<String, String> modules = new LinkedHashMap<>(adapter.modules());
    adapter.tensors().keySet().forEach(n -> sources.put(n, adapterSource));
    String adapterModule = adapter.modules().isEmpty() ? null : adapter.modules().values().iterator().next();
    for (Map.Entry<String, Tensor> e : base.tensors().entrySet()) {
      String n = e.getKey();
      if (FACTOR.matcher(n).matches()) {
        throw new InputException(baseSource, base.shown(n),
            "an adapter factor in the base file (--base holds the frozen weights; give the adapter in " + adapterSource + ")");
      }
      if (adapter.tensors().containsKey(n)) {
        String also = base.shown(n).equals(adapter.shown(n)) ? "" : " (as " + base.shown(n) + ")";
        throw new InputException(adapterSource, adapter.shown(n),
            "ambiguous: also in " + baseSource + also + "; each tensor must come from one file");
      }
      String m = base.modules().get(n);
      if (m != null && adapterModule != null && !AttentionNames.normalized(m).equals(AttentionNames.normalized(adapterModule))) {
        String other = adapter.shown(adapter.modules().keySet().iterator().next());
        throw new InputException(baseSource, base.shown(n), "of attention module " + PeftNames.moduleText(m) + ", but " + other
            + " in " + adapterSource + " is of module " + PeftNames.moduleText(adapterModule)
            + " (an instance's projections are of one module; PEFT's prefix base_model.model. aside); "
            + PeftNames.hint(other, base.shown(n)));
      }
      if (m != null) {
        modules.put(n, m);
      }
      tensors.put(n, e.getValue());
      display.put(n, base.display().getOrDefault(n, n));
      if (base.transposed().contains(n)) {
        transposed.add(n);
      }
      sources.put(n, baseSource);
    }
    if (!base.transposed().isEmpty()) {
      for (String n : base.display().keySet()) {
        if (WEIGHT.matcher(n).matches() && !tensors.containsKey(n)) {
          display.put(n, base.display().get(n));
          sources.put(n, baseSource);
        }
      }
    }
    return new Renamed(tensors, display, transposed, sources, modules);
  }
}
