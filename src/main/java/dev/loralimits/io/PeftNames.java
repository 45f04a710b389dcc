package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEFT layout (spec/FORMATS.md Section 4.3): PyTorch and Hugging Face PEFT names and shapes,
 * converted to ours.
 *
 * <p>PyTorch's {@code nn.Linear} computes {@code y = x W_lin^T} with {@code W_lin} of shape
 * out x in; PEFT adds {@code (alpha/r) B_peft A_peft} to it, {@code A_peft = lora_A.weight}
 * ({@code r x in}), {@code B_peft = lora_B.weight} ({@code out x r}). We compute {@code X W} with
 * {@code W + (alpha/r) B A}. Transposing the merged PEFT weight,
 * {@code (W_lin + s B_peft A_peft)^T = W_lin^T + s A_peft^T B_peft^T}, so
 * {@code W = W_lin^T}, {@code B = A_peft^T} ({@code in x r}) and {@code A = B_peft^T}
 * ({@code r x out}). The loss is the same function of both parametrisations, so by the chain rule
 * through the transposition {@code dLoss/dA_peft = (dLoss/dB)^T} and
 * {@code dLoss/dB_peft = (dLoss/dA)^T}.
 *
 * <p>Names are matched by suffix, so the prefix a model adds ({@code base_model.model.model.
 * layers.0.self_attn.}) may stay: {@code [PREFIX.]q_proj.weight} or
 * {@code [PREFIX.]q_proj.base_layer.weight}; {@code [PREFIX.]q_proj.lora_A.weight} or
 * {@code [PREFIX.]q_proj.lora_A.ADAPTER.weight} (same for lora_B, k_proj, v_proj); gradients add
 * {@code .grad}. Two tensors for one role (several layers, several adapters) are refused as
 * ambiguous, the message suggesting {@code --layer} when their layers differ ({@link Layers}
 * selects one before the names are matched). {@code alpha}, {@code beta}, {@code loss} and the data tensors keep their names.
 */
final class PeftNames {
  private PeftNames() {}

  private static final String PREFIX = "(?:.*\\.)?([qkvo])_proj";
  private static final Pattern WEIGHT = Pattern.compile(PREFIX + "(?:\\.base_layer)?\\.weight");
  private static final Pattern LORA = Pattern.compile(PREFIX + "\\.lora_([AB])(?:\\.[^.]+)?\\.weight");
  private static final Pattern LORA_GRAD = Pattern.compile(PREFIX + "\\.lora_([AB])(?:\\.[^.]+)?\\.weight\\.grad");

  /** Weight names of our layout, refused in a file read as PEFT. */
  private static final Pattern OURS_NAME = Pattern.compile("(?:grad_)?[WAB]_[QKVO]");

  /** The module name of {@code mu}: q_proj, k_proj, v_proj. */
  static String module(Adapter mu) {
    return mu.name().toLowerCase(Locale.ROOT) + "_proj";
  }

  /** The tensors of a PEFT-layout instance under our names, transposed where the layouts differ. */
  static Renamed instance(String source, Map<String, Tensor> in) {
    Builder b = new Builder(source);
    for (Tensor t : in.values()) {
      Matcher w = WEIGHT.matcher(t.name());
      Matcher l = LORA.matcher(t.name());
      if (w.matches()) {
        b.transposed(t, "W_" + adapter(w.group(1)));
      } else if (l.matches()) {
        // lora_A is our B transposed, lora_B our A transposed.
        b.transposed(t, (l.group(2).equals("A") ? "B_" : "A_") + adapter(l.group(1)));
      } else {
        b.kept(t);
      }
    }
    return b.result();
  }

  /** The tensors of a PEFT-layout gradient under our names, transposed where the layouts differ. */
  static Renamed gradient(String source, Map<String, Tensor> in) {
    Builder b = new Builder(source);
    for (Tensor t : in.values()) {
      Matcher l = LORA_GRAD.matcher(t.name());
      if (l.matches()) {
        // dLoss/dA_peft = (dLoss/dB)^T and dLoss/dB_peft = (dLoss/dA)^T.
        b.transposed(t, (l.group(2).equals("A") ? "grad_B_" : "grad_A_") + adapter(l.group(1)));
      } else {
        b.kept(t);
      }
    }
    return b.result();
  }

  /** Q, K, V or O (o_proj: the output projection of a layer instance, spec/FORMATS.md 5). */
  private static String adapter(String letter) {
    return letter.toUpperCase(Locale.ROOT);
  }

  private static final class Builder {
    private final String source;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, String> display = new LinkedHashMap<>();
    private final Set<String> transposed = new HashSet<>();

    Builder(String source) {
      this.source = source;
    }

    void transposed(Tensor t, String ours) {
      if (t.rank() != 2) {
        throw new InputException(source, TensorChecks.path(t.name()), "expected a matrix (rank 2), got shape " + t.shapeText());
      }
      add(t.transposed(ours), t.name());
      transposed.add(ours);
    }

    void kept(Tensor t) {
      if (OURS_NAME.matcher(t.name()).matches()) {
        throw new InputException(source, TensorChecks.path(t.name()),
            "a weight name of layout ours in a file read as layout peft (give --layout ours)");
      }
      add(t, t.name());
    }

    private void add(Tensor t, String original) {
      String before = display.get(t.name());
      if (before != null) {
        throw new InputException(source, TensorChecks.path(original), "ambiguous: " + TensorChecks.path(before) + " has the same role ("
            + t.name() + " in our layout); " + Layers.hint(before, original));
      }
      tensors.put(t.name(), t);
      display.put(t.name(), original);
    }

    /**
     * The renamed tensors; a tensor the file lacks is named in messages as PEFT would name it
     * (issue 13: "missing tensor" named {@code W_Q} in a file read as layout peft).
     */
    Renamed result() {
      Map<String, String> shown = new LinkedHashMap<>(display);
      for (String mu : new String[] {"Q", "K", "V", "O"}) {
        String m = mu.toLowerCase(Locale.ROOT) + "_proj";
        shown.putIfAbsent("W_" + mu, m + ".weight");
        shown.putIfAbsent("A_" + mu, m + ".lora_B.weight");
        shown.putIfAbsent("B_" + mu, m + ".lora_A.weight");
        shown.putIfAbsent("grad_A_" + mu, m + ".lora_B.weight.grad");
        shown.putIfAbsent("grad_B_" + mu, m + ".lora_A.weight.grad");
      }
      return new Renamed(tensors, shown, transposed);
    }
  }
}
