package dev.loralimits.cli;

import dev.loralimits.io.GradientJson;
import dev.loralimits.io.InstanceJson;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.ReferenceGradient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits gradient}: reads an instance ({@code lora-attention-instance/1}), computes the
 * loss and every adapter gradient, and writes them as {@code lora-attention-gradient/1} (spec/FORMATS.md).
 */
@Command(
    name = "gradient",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Compute the loss and the gradients dLoss/dA, dLoss/dB of every adapted projection of an"
          + " instance file (format lora-attention-instance/1) and print them as JSON"
          + " (format lora-attention-gradient/1).",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:computation failed (precision not certified, internal error)",
      "2:unusable input or usage error"
    })
final class GradientCommand implements Callable<Integer> {
  /** The method available now. */
  static final String REFERENCE = ReferenceGradient.METHOD;
  /** Methods named in the help text that are not implemented yet. */
  static final List<String> COMING = List.of("exact", "fast", "auto");
  /** The issue that tracks the coming methods. */
  static final String COMING_ISSUE = "issue #3";

  @Spec private CommandSpec spec;

  @Option(
      names = "--method",
      required = true,
      paramLabel = "METHOD",
      description = {
        "How to compute: 'reference' (arbitrary precision, apfloat; every number correct to"
            + " --digits significant digits).",
        "Coming (not available yet, " + COMING_ISSUE + "): 'exact' (double, the quadratic"
            + " algorithm), 'fast' (double, the almost-linear low-rank algorithm), 'auto'."
      })
  private String method;

  @Option(
      names = "--digits",
      paramLabel = "N",
      defaultValue = "" + ReferenceGradient.DEFAULT_DIGITS,
      description =
          "Significant digits of every number, 1 to "
              + ReferenceGradient.MAX_DIGITS
              + " (default: ${DEFAULT-VALUE}).")
  private int digits;

  @Option(
      names = "--form",
      paramLabel = "FORM",
      defaultValue = "E3",
      converter = FormOption.class,
      completionCandidates = FormOption.class,
      description = {
        "Which form of the reference to evaluate (default: E3):",
        "  E1  Lemma 3.1 (tensor-trick form)",
        "  E2  Lemma 3.2 (p-form)",
        "  E3  Theorem F.1 (quadratic algorithm; fastest)",
        "  FD  central finite difference of the loss",
        "All forms obey the same precision contract (spec/FORMATS.md Section 3), so they print the"
            + " same digits up to rounding of the last one; only the time differs."
      })
  private Form form;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the JSON to FILE instead of standard output (nothing is written on failure).")
  private Path out;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "The instance file (format lora-attention-instance/1).")
  private Path instance;

  @Override
  public Integer call() throws IOException {
    checkMethod(method);
    Checks.inRange("--digits", digits, 1, ReferenceGradient.MAX_DIGITS);
    LoraInstance inst = InstanceJson.read(instance);
    GradientResult result = ReferenceGradient.compute(inst, digits, form);
    String json = GradientJson.write(result);
    if (out == null) {
      spec.commandLine().getOut().print(json);
      spec.commandLine().getOut().flush();
    } else {
      write(out, json);
    }
    return Main.OK;
  }

  /**
   * Accepts {@value #REFERENCE}; refuses the coming methods and unknown names.
   *
   * @throws IllegalArgumentException naming the method
   */
  static void checkMethod(String name) {
    String m = name.strip().toLowerCase(Locale.ROOT);
    if (m.equals(REFERENCE)) {
      return;
    }
    if (COMING.contains(m)) {
      throw new IllegalArgumentException(
          "method '" + m + "' is not available yet (" + COMING_ISSUE + ")");
    }
    throw new IllegalArgumentException(
        "unknown method '" + name + "' (expected reference; exact, fast and auto are coming)");
  }

  /** Writes {@code text} to {@code file} through a temporary file, so a failure leaves no half file. */
  private static void write(Path file, String text) {
    Path target = file.toAbsolutePath();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(target.getParent(), ".lora-limits-", ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | SecurityException e) {
      deleteQuietly(tmp);
      throw new IllegalArgumentException("cannot write " + file + ": " + describe(e));
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // best effort: the message about the original failure matters more
      }
    }
  }

  private static String describe(Exception e) {
    String kind = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2");
    return e.getMessage() == null ? kind.toLowerCase(Locale.ROOT) : kind.toLowerCase(Locale.ROOT) + " (" + e.getMessage() + ")";
  }
}
