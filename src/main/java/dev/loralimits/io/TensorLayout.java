package dev.loralimits.io;

import java.util.Locale;

/**
 * How the weights of a tensor file are named and oriented (spec/FORMATS.md Section 4.3).
 *
 * <ul>
 *   <li>{@link #OURS}: {@code W_Q}, {@code A_Q}, {@code B_Q}, ... in this project's convention
 *       ({@code X W}, {@code W + (alpha/r) B A}, A is {@code r x cols(W)}); gradients
 *       {@code grad_A_Q}, {@code grad_B_Q}, ...
 *   <li>{@link #PEFT}: PyTorch {@code nn.Linear} and Hugging Face PEFT names and shapes:
 *       {@code q_proj.weight} ({@code W_lin = W^T}, out x in), {@code q_proj.lora_A.weight}
 *       ({@code r x in} = our {@code B^T}), {@code q_proj.lora_B.weight} ({@code out x r} = our
 *       {@code A^T}); gradients {@code q_proj.lora_A.weight.grad}, {@code q_proj.lora_B.weight.grad}.
 * </ul>
 */
public enum TensorLayout {
  OURS,
  PEFT;

  /**
   * The layout named {@code text} ({@code ours} or {@code peft}, any case).
   *
   * @throws IllegalArgumentException naming the option for anything else
   */
  public static TensorLayout parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "ours" -> OURS;
      case "peft" -> PEFT;
      default -> throw new IllegalArgumentException("--layout: unknown layout '" + text + "' (expected ours or peft)");
    };
  }

  /** The name used on the command line. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
