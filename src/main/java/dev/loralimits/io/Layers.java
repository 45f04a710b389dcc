package dev.loralimits.io;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layer selector of tensor files that hold several attention layers (spec/FORMATS.md Section
 * 4.3; issue 13 item 4), {@code --layer N} on the command line.
 *
 * <p>The <em>layer</em> of a tensor name is the number {@code K} of its first segment
 * {@code layers.K.} (at the start of the name or after a dot, {@code K} decimal digits, read as a
 * number: {@code layers.007.} is layer 7); {@code base_model.model.model.layers.0.self_attn.
 * q_proj.lora_A.weight} is of layer 0, {@code alpha}, {@code X.0} and {@code q_proj.weight} are of
 * none. With layer {@code N} selected, a tensor of a layer {@code K != N} is skipped; a tensor of
 * no layer is read as without the selector. A file whose names have layers but none of them N is
 * refused, naming the layers it has.
 */
final class Layers {
  private Layers() {}

  /** A layer segment: {@code layers.K.} at the start or after a dot. */
  private static final Pattern SEGMENT = Pattern.compile("(?:^|\\.)layers\\.([0-9]+)\\.");

  /** The layer of {@code name}, if it has one. */
  static Optional<BigInteger> of(String name) {
    Matcher m = SEGMENT.matcher(name);
    return m.find() ? Optional.of(new BigInteger(m.group(1))) : Optional.empty();
  }

  /**
   * The tensors of {@code in} (by name: a tensor or its header entry) that layer {@code layer} selects, in file order ({@code in} itself
   * when no layer is selected).
   *
   * @throws InputException when the names have layers and none of them is {@code layer}
   */
  static <T> Map<String, T> select(String source, Map<String, T> in, OptionalInt layer) {
    if (layer.isEmpty()) {
      return in;
    }
    BigInteger n = BigInteger.valueOf(layer.getAsInt());
    Map<String, T> out = new LinkedHashMap<>();
    TreeSet<BigInteger> found = new TreeSet<>();
    for (Map.Entry<String, T> t : in.entrySet()) {
      Optional<BigInteger> k = of(t.getKey());
      k.ifPresent(found::add);
      if (k.isEmpty() || k.get().equals(n)) {
        out.put(t.getKey(), t.getValue());
      }
    }
    if (!found.isEmpty() && !found.contains(n)) {
      throw new InputException(source, InputException.FILE, "no tensor of layer " + n + " (no name holds layers." + n
          + ".; the file has layers " + listed(found) + ")");
    }
    return out;
  }

  /** A hint for two tensors of one role: which layers they are of, when they differ. */
  static String hint(String first, String second) {
    Optional<BigInteger> a = of(first);
    Optional<BigInteger> b = of(second);
    if (a.isPresent() && b.isPresent() && !a.equals(b)) {
      return "select one layer with --layer N (these are of layers " + a.get() + " and " + b.get() + ")";
    }
    return NO_HINT;
  }

  /** The hint of {@link #hint} when the layers do not tell two tensors apart. */
  static final String NO_HINT = "give the tensors of one attention layer and one adapter";

  private static String listed(TreeSet<BigInteger> found) {
    StringBuilder s = new StringBuilder();
    int shown = 0;
    for (BigInteger k : found) {
      if (shown == MAX_LISTED) {
        return s.append(", ... (").append(found.size()).append(" in all)").toString();
      }
      s.append(shown++ > 0 ? ", " : "").append(k);
    }
    return s.toString();
  }

  /** Most layer numbers a message lists. */
  private static final int MAX_LISTED = 8;
}
