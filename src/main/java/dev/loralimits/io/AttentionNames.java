package dev.loralimits.io;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names Hugging Face models and PEFT give the projections of an attention module
 * (spec/FORMATS.md Section 4.3, "Projection names"; issue 13 item 4), read in layout peft.
 *
 * <p>A projection tensor's name is {@code [MODULE.]LOCAL} followed by {@code .weight} (or
 * {@code .base_layer.weight}), {@code .bias}, {@code .lora_A[.ADAPTER].weight} or
 * {@code .lora_B[.ADAPTER].weight} (gradients add {@code .grad}); {@code LOCAL} is, by family:
 *
 * <ul>
 *   <li>{@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}: Llama, Mistral, Qwen,
 *       Gemma, ... ({@code model.layers.N.self_attn.q_proj.weight});
 *   <li>{@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj}: OPT, BART, Whisper,
 *       CLIP ({@code model.decoder.layers.N.self_attn.out_proj.weight}, and {@code encoder_attn}
 *       for the cross-attention of an encoder-decoder);
 *   <li>{@code attention.self.query}, {@code attention.self.key}, {@code attention.self.value},
 *       {@code attention.output.dense}: BERT, RoBERTa ({@code bert.encoder.layer.N.attention.
 *       self.query.weight}; the module is the layer, {@code bert.encoder.layer.N}, so that the
 *       feed-forward {@code bert.encoder.layer.N.output.dense} is no projection).
 * </ul>
 *
 * <p>Fused projections, one weight holding W_Q, W_K and W_V side by side, have no place in the
 * model's three matrices and are refused by name ({@link #fused}).
 *
 * <p>The <em>module</em> of a projection tensor is its {@code MODULE} ({@code ""} without one);
 * modules are compared with PEFT's wrapper prefix {@code base_model.model.} removed
 * ({@link #normalized}), so an adapter's {@code base_model.model.model.layers.0.self_attn} is the
 * base model's {@code model.layers.0.self_attn}.
 */
final class AttentionNames {
  private AttentionNames() {}

  /** The wrapper prefix PEFT's {@code PeftModel} adds to the model's names. */
  static final String PEFT_WRAPPER = "base_model.model.";

  /** The local projection names, by family; the first family is the default of messages. */
  private static final String[][] FAMILIES = {
    {"q_proj", "k_proj", "v_proj", "o_proj"},
    {"q_proj", "k_proj", "v_proj", "out_proj"},
    {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"},
  };

  /** The roles, in the order of a family's names. */
  private static final String ROLES = "QKVO";

  private static final String LOCAL =
      "(q_proj|k_proj|v_proj|o_proj|out_proj|attention\\.self\\.query|attention\\.self\\.key|attention\\.self\\.value"
          + "|attention\\.output\\.dense)";
  private static final Pattern WEIGHT = Pattern.compile("(?:(.*)\\.)?" + LOCAL + "(?:\\.base_layer)?\\.weight");
  private static final Pattern BIAS = Pattern.compile("(?:(.*)\\.)?" + LOCAL + "(?:\\.base_layer)?\\.bias");
  private static final Pattern LORA = Pattern.compile("(?:(.*)\\.)?" + LOCAL + "\\.lora_([AB])(\\.[^.]+)?\\.weight");
  private static final Pattern LORA_GRAD = Pattern.compile("(?:(.*)\\.)?" + LOCAL + "\\.lora_([AB])(\\.[^.]+)?\\.weight\\.grad");

  /** A fused projection: the local name as the group, anything after it. */
  private static final Pattern FUSED =
      Pattern.compile("(?:.*\\.)?(c_attn|query_key_value|qkv_proj|Wqkv|qkv|in_proj_weight|in_proj_bias)(?:\\..*)?");

  /** What a projection tensor is. */
  enum Kind {
    /** {@code LOCAL.weight} or {@code LOCAL.base_layer.weight}: the frozen weight, out x in. */
    WEIGHT,
    /** {@code LOCAL.bias}. */
    BIAS,
    /** {@code LOCAL.lora_A/B[.ADAPTER].weight}. */
    LORA,
    /** {@code LOCAL.lora_A/B[.ADAPTER].weight.grad}. */
    LORA_GRAD
  }

  /**
   * A projection tensor's name, taken apart.
   *
   * @param module the module ({@code ""} for none)
   * @param local the local projection name ({@code q_proj}, {@code attention.self.key}, ...)
   * @param role {@code Q}, {@code K}, {@code V} or {@code O}
   * @param kind what it is
   * @param factor {@code A} or {@code B} (PEFT's lora_A, lora_B) for LORA and LORA_GRAD, else empty
   * @param adapter {@code .ADAPTER} as written (with its dot) or {@code ""}
   */
  record Projection(String module, String local, String role, Kind kind, String factor, String adapter) {}

  /** {@code name} as a projection tensor, if it is one. */
  static Optional<Projection> projection(String name) {
    Matcher m = WEIGHT.matcher(name);
    if (m.matches()) {
      return Optional.of(new Projection(module(m), m.group(2), role(m.group(2)), Kind.WEIGHT, "", ""));
    }
    m = BIAS.matcher(name);
    if (m.matches()) {
      return Optional.of(new Projection(module(m), m.group(2), role(m.group(2)), Kind.BIAS, "", ""));
    }
    for (Pattern p : new Pattern[] {LORA, LORA_GRAD}) {
      m = p.matcher(name);
      if (m.matches()) {
        String adapter = m.group(4) == null ? "" : m.group(4);
        return Optional.of(new Projection(module(m), m.group(2), role(m.group(2)), p == LORA ? Kind.LORA : Kind.LORA_GRAD,
            m.group(3), adapter));
      }
    }
    return Optional.empty();
  }

  private static String module(Matcher m) {
    return m.group(1) == null ? "" : m.group(1);
  }

  private static String role(String local) {
    for (String[] f : FAMILIES) {
      for (int i = 0; i < f.length; i++) {
        if (f[i].equals(local)) {
          return String.valueOf(ROLES.charAt(i));
        }
      }
    }
    throw new IllegalStateException("no role for " + local);
  }

  /**
   * The local name of {@code role} (Q, K, V, O) in the first family that holds every local name of
   * {@code seen} (those of one file), the first family when none does. The families share
   * q/k/v_proj, so a file seen with {@code q_proj} only names O {@code o_proj}, one with
   * {@code out_proj} {@code out_proj}.
   */
  static String local(String role, java.util.Collection<String> seen) {
    int r = ROLES.indexOf(role.toUpperCase(Locale.ROOT));
    for (String[] f : FAMILIES) {
      if (java.util.Arrays.asList(f).containsAll(seen)) {
        return f[r];
      }
    }
    return FAMILIES[0][r];
  }

  /**
   * Why {@code name} is refused as a fused query/key/value projection, if it is one: the models
   * that store one, and what to do.
   */
  static Optional<String> fused(String name) {
    Matcher m = FUSED.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    String which = switch (m.group(1)) {
      case "c_attn" -> "GPT-2's c_attn, a Conv1D of in x 3 out";
      case "query_key_value" -> "GPT-NeoX's, Falcon's and BLOOM's query_key_value";
      case "qkv_proj" -> "Phi-3's qkv_proj";
      case "Wqkv" -> "MPT's Wqkv";
      case "qkv" -> "the qkv of timm's and ViT-style attention";
      default -> "torch.nn.MultiheadAttention's in_proj_weight";
    };
    return Optional.of("a fused query/key/value projection (" + which + "): W_Q, W_K and W_V share one tensor, which this"
        + " reader does not split; give q_proj, k_proj and v_proj weights (nn.Linear, out x in) separately");
  }

  /** {@code module} without PEFT's wrapper prefix ({@link #PEFT_WRAPPER}). */
  static String normalized(String module) {
    return module.startsWith(PEFT_WRAPPER) ? module.substring(PEFT_WRAPPER.length()) : module;
  }

  /**
   * Whether {@code name} is under the module {@code prefix}: starts with {@code prefix.}, PEFT's
   * wrapper prefix disregarded at the start of both.
   */
  static boolean under(String name, String prefix) {
    return normalized(name).startsWith(normalized(prefix) + ".");
  }

  /**
   * Whether {@code name} is one of this project's names rather than a model's: no dot
   * ({@code alpha}, {@code beta}, {@code loss}, {@code W_Q}, ...) or a first segment {@code X},
   * {@code XQ}, {@code XK}, {@code XV} or {@code Y} ({@code X.0}).
   */
  static boolean ours(String name) {
    int dot = name.indexOf('.');
    return dot < 0 || name.substring(0, dot).matches("X|XQ|XK|XV|Y");
  }
}
