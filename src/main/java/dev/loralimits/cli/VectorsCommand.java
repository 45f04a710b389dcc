package dev.loralimits.cli;

import dev.loralimits.vectors.GoldenVectors;
import dev.loralimits.vectors.LayerVectors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits vectors --out DIR}: regenerates the golden vectors
 * ({@code spec/vectors/README.md}) into {@code DIR}. Deterministic: the same version writes the
 * same bytes, so {@code --out spec/vectors} leaves a clean checkout unchanged.
 */
@Command(
    name = "vectors",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Regenerate the golden vectors: " + GoldenVectors.FILE_NAME + " (Wycheproof-style JSON:"
          + " instances with their reference loss and adapter gradients to "
          + GoldenVectors.DIGITS + " digits, and as the nearest doubles). Fixed seeds, no"
          + " timestamps: the output is the same byte for byte on every run.",
      ""
    })
final class VectorsCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write into (created if missing), e.g. spec/vectors.")
  private Path out;

  @Override
  public Integer call() {
    if (out.toString().isEmpty()) {
      throw new OutputFile.OutputException("--out: the directory name is empty");
    }
    GoldenVectors.Summary s;
    LayerVectors.Summary layers;
    try {
      s = GoldenVectors.writeTo(out);
      layers = LayerVectors.writeTo(out);
    } catch (IOException e) {
      throw new OutputFile.OutputException("--out " + out + ": cannot write (" + OutputFile.describe(e) + ")");
    }
    PrintWriter w = spec.commandLine().getOut();
    w.println(
        "wrote " + s.tests() + " tests in " + s.groups() + " groups to " + s.file() + " (" + s.bytes() + " bytes)");
    w.println(
        "wrote " + layers.tests() + " tests in " + layers.groups() + " groups to " + layers.file() + " (" + layers.bytes() + " bytes)");
    w.flush();
    return Main.OK;
  }
}
