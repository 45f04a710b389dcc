package dev.loralimits.cli;

import dev.loralimits.io.GradientFile;
import dev.loralimits.io.InputException;
import dev.loralimits.io.LimitExceededException;
import dev.loralimits.io.ReadLimits;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.LoraInstance;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Instance and gradient files as named on the command line, {@code -} meaning standard input
 * (issue 10). A file's format comes from its extension; standard input has none, so its format
 * is what its first bytes show (JSON, .npz, .safetensors; {@link TensorFiles#sniff}).
 */
final class InputFiles {
  private InputFiles() {}

  /** Whether {@code file} is {@code -}. */
  static boolean isStandardInput(Path file) {
    return TensorFiles.isStandardInput(file);
  }

  /** Whether {@code file} is a tensor file by its extension ({@code -} is not: its format is known only once read). */
  static boolean isTensor(Path file) {
    return !isStandardInput(file) && TensorFiles.Format.of(file).isTensor();
  }

  static LoraInstance instance(Path file, TensorLayout layout, ReadLimits limits, InputStream stdin) {
    return read(file, layout, limits, stdin, TensorFiles::readInstance, TensorFiles::readInstance);
  }

  static GradientFile gradient(Path file, TensorLayout layout, ReadLimits limits, InputStream stdin) {
    return read(file, layout, limits, stdin, TensorFiles::readGradient, TensorFiles::readGradient);
  }

  /** A reader of a named file. */
  private interface FileReader<T> {
    T read(Path file, TensorLayout layout, ReadLimits limits);
  }

  /** A reader of bytes already read (standard input), their format sniffed. */
  private interface BytesReader<T> {
    T read(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout, ReadLimits limits);
  }

  /** {@code file} by {@code fromFile}, or standard input by {@code fromBytes}; limit refusals hinted. */
  private static <T> T read(
      Path file, TensorLayout layout, ReadLimits limits, InputStream stdin, FileReader<T> fromFile, BytesReader<T> fromBytes) {
    try {
      if (!isStandardInput(file)) {
        return fromFile.read(file, layout, limits);
      }
      byte[] b = TensorFiles.readStream(TensorFiles.STANDARD_INPUT, stdin, limits);
      return fromBytes.read(TensorFiles.STANDARD_INPUT, b, layoutChecked(b, layout), layout, limits);
    } catch (InputException e) {
      throw withLimitHint(e);
    }
  }

  /**
   * A JSON limit's refusal ({@link LimitExceededException} of {@link ReadLimits}' bytes or entries)
   * with the option that raises it appended; every other problem (the fixed tensor caps included)
   * unchanged.
   */
  static InputException withLimitHint(InputException e) {
    if (e instanceof LimitExceededException le) {
      String option = switch (le.limit()) {
        case JSON_BYTES -> ReadLimitsOption.BYTES_OPTION;
        case JSON_ENTRIES -> ReadLimitsOption.ENTRIES_OPTION;
        case STREAM_BYTES, TENSOR_BYTES, TENSOR_ELEMENTS -> null;
      };
      if (option != null) {
        return new InputException(e.source(), e.path(), e.problem() + "; raise with " + option, e);
      }
    }
    return e;
  }

  private static TensorFiles.Format layoutChecked(byte[] b, TensorLayout layout) {
    TensorFiles.Format f = TensorFiles.sniff(b);
    if (layout != TensorLayout.OURS && !f.isTensor()) {
      throw new InputException(
          TensorFiles.STANDARD_INPUT, InputException.FILE,
          "--layout " + layout.optionName() + " applies to tensor files (.npz, .safetensors); standard input holds JSON");
    }
    return f;
  }
}
