package dev.loralimits.cli;

import dev.loralimits.io.ReadLimits;
import picocli.CommandLine.Option;

/**
 * The {@code --max-json-bytes} and {@code --max-json-entries} options of the commands that read
 * JSON instances or gradients (a picocli mixin; spec/FORMATS.md 1.7, issue 10).
 */
final class ReadLimitsOption {
  /** The option that sets {@link ReadLimits#maxBytes()}. */
  static final String BYTES_OPTION = "--max-json-bytes";
  /** The option that sets {@link ReadLimits#maxEntries()}. */
  static final String ENTRIES_OPTION = "--max-json-entries";

  @Option(
      names = BYTES_OPTION,
      paramLabel = "N",
      description =
          "Largest JSON document read, in bytes, 1 to 1073741824 (default: 268435456, 256 MiB).")
  private long maxBytes = ReadLimits.DEFAULT.maxBytes();

  @Option(
      names = ENTRIES_OPTION,
      paramLabel = "N",
      description =
          "Most matrix entries of one JSON document, 1 to 268435456 (default: 16777216 = 2^24;"
              + " about 80 bytes of memory each).")
  private long maxEntries = ReadLimits.DEFAULT.maxEntries();

  /** The limits given. */
  ReadLimits limits() {
    if (maxBytes < 1 || maxBytes > ReadLimits.BYTES_CEILING) {
      throw new IllegalArgumentException(
          BYTES_OPTION + " (" + maxBytes + ") must be in [1, " + ReadLimits.BYTES_CEILING + "]");
    }
    if (maxEntries < 1 || maxEntries > ReadLimits.ENTRIES_CEILING) {
      throw new IllegalArgumentException(
          ENTRIES_OPTION + " (" + maxEntries + ") must be in [1, " + ReadLimits.ENTRIES_CEILING + "]");
    }
    return new ReadLimits(maxBytes, maxEntries);
  }
}
