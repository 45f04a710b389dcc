package dev.loralimits.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The bytes of a tensor file, from a path or from standard input, within the file cap of
 * spec/FORMATS.md Section 4.5, and the tensors (and safetensors metadata) those bytes hold. (A
 * safetensors base is not read here but selectively, {@link SelectiveRead}; standard input, not
 * seekable, always is.)
 */
final class TensorInput {
  private TensorInput() {}

  /**
   * All bytes of {@code in}, at most the larger of {@link TensorLimits#MAX_FILE_BYTES} and {@code
   * limits.maxBytes()} (the format, and so the limit that applies, is known only once read).
   *
   * @throws InputException for a longer stream or a read failure, named {@code source}
   */
  static byte[] readStream(String source, InputStream in, ReadLimits limits) {
    long max = Math.max(TensorLimits.MAX_FILE_BYTES, limits.maxBytes());
    try {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (b.length > max) {
        throw new LimitExceededException(
            source, InputException.FILE, "too large: more than " + max + " bytes", LimitExceededException.Limit.STREAM_BYTES);
      }
      return b;
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
    }
  }

  /** The tensors (and safetensors metadata) of a tensor file. */
  static Safetensors.Contents contents(String source, byte[] bytes, TensorFiles.Format format, String what) {
    if (bytes.length > TensorLimits.MAX_FILE_BYTES) {
      throw new LimitExceededException(source, InputException.FILE,
          "too large: " + bytes.length + " bytes, limit " + TensorLimits.MAX_FILE_BYTES, LimitExceededException.Limit.TENSOR_BYTES);
    }
    FileKind expected = switch (format) {
      case NPZ -> FileKind.NPZ;
      case SAFETENSORS -> FileKind.SAFETENSORS;
      default -> FileKind.NPY;
    };
    Optional<String> other = FileKind.mismatch(Arrays.copyOf(bytes, Math.min(bytes.length, 16)), expected);
    if (other.isPresent()) {
      throw new InputException(source, InputException.FILE, other.get());
    }
    return switch (format) {
      case NPZ -> new Safetensors.Contents(Npz.read(source, bytes), Map.of());
      case SAFETENSORS -> Safetensors.read(source, bytes);
      default -> throw new InputException(
          source, InputException.FILE, "a .npy file holds one array; " + what + " needs several: use .npz or .safetensors");
    };
  }

  /**
   * Checks that {@code file} is a readable file without reading it (a file read selectively).
   *
   * @throws InputException for a directory, a missing or an unreadable file
   */
  static void checkReadable(Path file) {
    String source = file.toString();
    if (Files.isDirectory(file)) {
      throw new InputException(source, InputException.FILE, "is a directory, expected a file");
    }
    if (!Files.exists(file)) {
      throw new InputException(source, InputException.FILE, "not found");
    }
    if (!Files.isReadable(file)) {
      throw new InputException(source, InputException.FILE, "cannot read (permission denied)");
    }
  }

  /** All bytes of {@code file}, at most {@link TensorLimits#MAX_FILE_BYTES}; a directory, a missing or unreadable file is refused. */
  static byte[] bytes(Path file) {
    String source = file.toString();
    try {
      if (Files.isDirectory(file)) {
        throw new InputException(source, InputException.FILE, "is a directory, expected a file");
      }
      long size = Files.size(file);
      if (size > TensorLimits.MAX_FILE_BYTES) {
        throw new LimitExceededException(source, InputException.FILE,
            "too large: " + size + " bytes, limit " + TensorLimits.MAX_FILE_BYTES, LimitExceededException.Limit.TENSOR_BYTES);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InputException(source, InputException.FILE, "not found", e);
    } catch (AccessDeniedException e) {
      throw new InputException(source, InputException.FILE, "cannot read (permission denied)", e);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
    }
  }
}
