package dev.loralimits.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tensors under their names in our layout, with the name each had in the file (for messages)
 * and which of them were transposed on the way.
 */
record Renamed(Map<String, Tensor> tensors, Map<String, String> display, Set<String> transposed) {
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

  /** A problem of tensor {@code name}, naming it as in the file. */
  InputException error(String source, String name, String problem) {
    String note = transposed.contains(name) ? " (in our layout, i.e. of the transpose of this tensor)" : "";
    return new InputException(source, shown(name), problem + note);
  }
}
