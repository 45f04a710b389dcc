package dev.loralimits.cli;

import dev.loralimits.io.TensorLayout;
import picocli.CommandLine.Option;

/** The {@code --layout} option of the commands that read tensor files (a picocli mixin). */
final class LayoutOption {
  @Option(
      names = "--layout",
      paramLabel = "LAYOUT",
      defaultValue = "ours",
      description = {
        "Names and orientation of the weights in tensor",
        "files (default: ${DEFAULT-VALUE}):",
        "ours  W_Q, A_Q, B_Q, ...; grad_A_Q, grad_B_Q, ...",
        "peft  PyTorch/PEFT: q_proj.weight,",
        "      q_proj.lora_A.weight, q_proj.lora_B.weight,",
        "      ... (transposed; any common prefix);",
        "      gradients q_proj.lora_A.weight.grad, ..."
      })
  private String layout = "ours";

  /** The layout given. */
  TensorLayout layout() {
    return TensorLayout.parse(layout);
  }
}
