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
 */
record Renamed(Map<String, Tensor> tensors, Map<String, String> display, Set<String> transposed, Map<String, String> sources) {
  Renamed(Map<String, Tensor> tensors, Map<String, String> display, Set<String> transposed) {
    this(tensors, display, transposed, Map.of());
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
  private static final java.util.regex.Pattern FACTOR = java.util.regex.Pattern.compile("[AB]_[QKV]");

  /**
   * The tensors of an adapter file and of its base file as one instance's (FORMATS 4.3): the
   * adapter factors come from the adapter file only; every other tensor from either file, but
   * each from one.
   *
   * @throws InputException for an adapter factor in the base file, or a tensor (our name) in both
   *     files, naming both
   */
  static Renamed merged(String adapterSource, Renamed adapter, String baseSource, Renamed base) {
    Map<String, Tensor> tensors = new LinkedHashMap<>(adapter.tensors());
    Map<String, String> display = new LinkedHashMap<>(adapter.display());
    Set<String> transposed = new HashSet<>(adapter.transposed());
    Map<String, String> sources = new LinkedHashMap<>();
    adapter.tensors().keySet().forEach(n -> sources.put(n, adapterSource));
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
      tensors.put(n, e.getValue());
      display.put(n, base.display().getOrDefault(n, n));
      if (base.transposed().contains(n)) {
        transposed.add(n);
      }
      sources.put(n, baseSource);
    }
    return new Renamed(tensors, display, transposed, sources);
  }
}
