package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * selects one before the names are matched), or {@code --module} when they are of one layer but
 * of different modules ({@link TensorSelection}). The projection names of other model families
 * (OPT's {@code out_proj}, BERT's {@code attention.self.query}) are those of
 * {@link AttentionNames}; all projections of one file are of one attention module.
 * {@code alpha}, {@code beta}, {@code loss} and the data tensors keep their names.
 */
final class PeftNames {
  private PeftNames() {}

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
      refuseFused(source, t);
      Optional<AttentionNames.Projection> p = AttentionNames.projection(t.name());
      if (p.isPresent() && p.get().kind() == AttentionNames.Kind.WEIGHT) {
        b.transposed(t, "W_" + p.get().role(), p.get());
      } else if (p.isPresent() && p.get().kind() == AttentionNames.Kind.LORA) {
        // lora_A is our B transposed, lora_B our A transposed.
        b.transposed(t, (p.get().factor().equals("A") ? "B_" : "A_") + p.get().role(), p.get());
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
      refuseFused(source, t);
      Optional<AttentionNames.Projection> p = AttentionNames.projection(t.name());
      if (p.isPresent() && p.get().kind() == AttentionNames.Kind.LORA_GRAD) {
        // dLoss/dA_peft = (dLoss/dB)^T and dLoss/dB_peft = (dLoss/dA)^T.
        b.transposed(t, (p.get().factor().equals("A") ? "grad_B_" : "grad_A_") + p.get().role(), p.get());
      } else {
        b.kept(t);
      }
    }
    return b.result();
  }

  private static void refuseFused(String source, Tensor t) {
    Optional<String> why = AttentionNames.fused(t.name());
    if (why.isPresent()) {
      throw new InputException(source, TensorChecks.path(t.name()), why.get());
    }
  }

  /**
   * The hint of an ambiguity between two tensors of one role: {@code --layer} when their layers
   * differ, {@code --module} when their modules do.
   */
  static String hint(String first, String second) {
    String layers = Layers.hint(first, second);
    if (!layers.equals(Layers.NO_HINT)) {
      return layers;
    }
    String a = AttentionNames.projection(first).map(AttentionNames.Projection::module).orElse("");
    String b = AttentionNames.projection(second).map(AttentionNames.Projection::module).orElse("");
    if (!AttentionNames.normalized(a).equals(AttentionNames.normalized(b))) {
      return "select one attention module with --module PREFIX (these are of modules " + moduleText(a) + " and " + moduleText(b) + ")";
    }
    return layers;
  }

  static String moduleText(String module) {
    return module.isEmpty() ? "(none)" : TensorChecks.path(module);
  }

  private static final class Builder {
    private final String source;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, String> display = new LinkedHashMap<>();
    private final Map<String, String> modules = new LinkedHashMap<>();
    private final Set<String> transposed = new HashSet<>();
    /** The first projection of the file: the model of the names of missing tensors. */
    private AttentionNames.Projection first;
    /** The local projection names of the file: its family. */
    private final Set<String> locals = new HashSet<>();

    Builder(String source) {
      this.source = source;
    }

    void transposed(Tensor t, String ours, AttentionNames.Projection p) {
      if (t.rank() != 2) {
        throw new InputException(source, TensorChecks.path(t.name()), "expected a matrix (rank 2), got shape " + t.shapeText());
      }
      add(t.transposed(ours), t.name());
      transposed.add(ours);
      locals.add(p.local());
      if (first == null || first.module().isEmpty() && !p.module().isEmpty()) {
        first = p;
      }
      if (!p.module().isEmpty()) {
        // a name without a module is of any; two named modules must be one (FORMATS 4.3)
        Map.Entry<String, String> named = modules.isEmpty() ? null : modules.entrySet().iterator().next();
        if (named != null && !AttentionNames.normalized(p.module()).equals(AttentionNames.normalized(named.getValue()))) {
          String firstName = display.get(named.getKey());
          throw new InputException(source, TensorChecks.path(t.name()), "of attention module " + moduleText(p.module()) + ", but "
              + TensorChecks.path(firstName) + " is of module " + moduleText(named.getValue())
              + " (an instance's projections are of one module); " + hint(firstName, t.name()));
        }
        modules.put(ours, p.module());
      }
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
            + t.name() + " in our layout); " + hint(before, original));
      }
      tensors.put(t.name(), t);
      display.put(t.name(), original);
    }

    /**
     * The renamed tensors; a tensor the file lacks is named in messages as PEFT would name it
     * (issue 13: "missing tensor" named {@code W_Q} in a file read as layout peft), whole: with
     * the module, family and adapter name of the file's first projection
     * ({@code model.layers.0.self_attn.k_proj.weight} beside {@code model.layers.0.self_attn.q_proj.weight}).
     */
    Renamed result() {
      Map<String, String> shown = new LinkedHashMap<>(display);
      String prefix = first == null || first.module().isEmpty() ? "" : first.module() + ".";
      String adapter = first == null ? "" : first.adapter();
      for (String mu : new String[] {"Q", "K", "V", "O"}) {
        String m = prefix + AttentionNames.local(mu, locals);
        shown.putIfAbsent("W_" + mu, m + ".weight");
        shown.putIfAbsent("A_" + mu, m + ".lora_B" + adapter + ".weight");
        shown.putIfAbsent("B_" + mu, m + ".lora_A" + adapter + ".weight");
        shown.putIfAbsent("grad_A_" + mu, m + ".lora_B" + adapter + ".weight.grad");
        shown.putIfAbsent("grad_B_" + mu, m + ".lora_A" + adapter + ".weight.grad");
      }
      return new Renamed(tensors, shown, transposed, Map.of(), modules);
    }
  }
}
