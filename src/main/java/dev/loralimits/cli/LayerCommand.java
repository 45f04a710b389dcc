package dev.loralimits.cli;

import dev.loralimits.fast.LayerExact;
import dev.loralimits.fast.OutOfDoubleRangeException;
import dev.loralimits.io.LayerJson;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.reference.LayerReference;
import dev.loralimits.reference.OutOfRangeException;
import dev.loralimits.reference.ReferenceGradient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lora-limits layer}: the loss and adapter gradients of an attention-layer instance
 * ({@code lora-attention-instance/2}: heads, causal masks, output projection; spec/PROBLEMS.md
 * Section 7) by the reference ({@link LayerReference}) or in doubles ({@link LayerExact}), written
 * as a gradient file.
 */
@Command(
    name = "layer",
    mixinStandardHelpOptions = true,
    description = {
      "Loss and adapter gradients of an attention layer (lora-attention-instance/2: heads, causal mask,"
          + " output projection O, batches), as a gradient JSON file with keys Q, K, V, O."
    })
final class LayerCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--method", paramLabel = "M", defaultValue = "reference",
      description = "reference (certified digits, default) or exact (doubles).")
  private String method;

  @Option(names = "--digits", paramLabel = "N", defaultValue = "" + ReferenceGradient.DEFAULT_DIGITS,
      description = "Significant digits of the reference, 1 to " + ReferenceGradient.MAX_DIGITS + " (default ${DEFAULT-VALUE}).")
  private int digits;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the gradient JSON to FILE instead of standard output.")
  private Path out;

  @Mixin private ReadLimitsOption readLimits;

  @Parameters(index = "0", paramLabel = "FILE", description = "The layer instance (.json), or - for standard input.")
  private Path instance;

  @Override
  public Integer call() {
    if (!method.equals("reference") && !method.equals("exact")) {
      throw new IllegalArgumentException("--method " + method + ": expected reference or exact (fast and auto cover the paper's model only)");
    }
    LayerInstance inst = InputFiles.isStandardInput(instance)
        ? LayerJson.read("<stdin>", System.in, readLimits.limits())
        : LayerJson.read(instance, readLimits.limits());
    LayerResult r;
    try {
      r = method.equals("exact") ? LayerExact.compute(inst) : LayerReference.compute(inst, digits);
    } catch (OutOfDoubleRangeException e) {
      throw new OutOfDoubleRangeException(instance + ": " + e.getMessage());
    } catch (OutOfRangeException e) {
      throw new OutOfRangeException(instance + ": " + e.getMessage());
    }
    String text = LayerJson.writeGradient(r);
    if (out == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
    } else {
      OutputFile.write(out, text.getBytes(StandardCharsets.UTF_8));
    }
    return Main.OK;
  }
}
