package dev.loralimits.cli;

import java.util.Locale;
import picocli.CommandLine.Option;

/** The {@code --progress} option of the commands that run the reference (a picocli mixin). */
final class ProgressOption {
  @Option(
      names = "--progress",
      paramLabel = "WHEN",
      defaultValue = "auto",
      description =
          "Progress bar of the reference on standard error: auto (when it is a terminal; runs"
              + " under 2 s show none), always, never (default: ${DEFAULT-VALUE}).")
  private String progress = "auto";

  /** The mode given. */
  StderrProgress.Mode mode() {
    return parse(progress);
  }

  /** The mode named by {@code text}. */
  static StderrProgress.Mode parse(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "auto" -> StderrProgress.Mode.AUTO;
      case "always" -> StderrProgress.Mode.ALWAYS;
      case "never" -> StderrProgress.Mode.NEVER;
      default -> throw new IllegalArgumentException("--progress (" + text + ") must be auto, always or never");
    };
  }
}
