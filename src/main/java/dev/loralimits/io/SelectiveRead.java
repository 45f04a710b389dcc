package dev.loralimits.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A safetensors base file (or the shards of one checkpoint) read selectively (spec/FORMATS.md
 * 4.3, 4.5): each shard's header is read and checked whole (every rule of {@link Safetensors}:
 * offsets in range, tiling the data, dtype and shape consistent, header capped), then only the
 * byte ranges of the tensors taken are read, by positional reads of a {@link FileChannel}.
 *
 * <p>The caps of 4.5 count what is read: the headers and the taken tensors' bytes together at most
 * {@link TensorLimits#MAX_FILE_BYTES}, their elements at most {@link TensorLimits#MAX_ELEMENTS},
 * over all shards of the base; the file's size is not capped. A tensor not taken is never read,
 * so neither its values (NaN or not) nor anything but its header entry is checked.
 */
final class SelectiveRead {
  private SelectiveRead() {}

  /** A header entry and the shard it is in. */
  record Located(int shard, Safetensors.Entry entry) {}

  /** The header entries of all shards by name, their metadata per shard, and the data starts. */
  record Headers(Map<String, Located> entries, List<Map<String, String>> metadata, long[] dataStarts) {}

  /**
   * The headers of {@code shards}, checked; a name in two shards is refused.
   *
   * @throws InputException naming the shard (and the tensor) at fault
   */
  static Headers headers(List<Path> shards, TensorLimits.Budget budget) {
    Map<String, Located> entries = new LinkedHashMap<>();
    List<Map<String, String>> metadata = new ArrayList<>();
    long[] starts = new long[shards.size()];
    for (int i = 0; i < shards.size(); i++) {
      Path p = shards.get(i);
      String source = p.toString();
      Safetensors.Header h;
      try (FileChannel c = open(p)) {
        h = Safetensors.header(source, c);
      } catch (IOException e) {
        throw new InputException(source, InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
      }
      budget.takeHeader(h.dataStart());
      starts[i] = h.dataStart();
      metadata.add(h.metadata());
      for (Safetensors.Entry e : h.entries()) {
        Located before = entries.putIfAbsent(e.name(), new Located(i, e));
        if (before != null) {
          throw new InputException(source, TensorChecks.path(e.name()), "also in " + shards.get(before.shard())
              + " (each tensor of a checkpoint is in one shard)");
        }
      }
    }
    return new Headers(entries, metadata, starts);
  }

  /**
   * The tensors of {@code taken} (entries of {@code h}, in its order) whose names {@code read}
   * accepts, each read alone from its shard within {@code budget}.
   *
   * @throws InputException naming the shard and the tensor when a cap is exceeded or the shard
   *     ends early
   */
  static Map<String, Tensor> read(List<Path> shards, Headers h, Map<String, Located> taken, Predicate<String> read,
      TensorLimits.Budget budget) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    FileChannel[] open = new FileChannel[shards.size()];
    try {
      for (Map.Entry<String, Located> e : taken.entrySet()) {
        if (!read.test(e.getKey())) {
          continue;
        }
        int s = e.getValue().shard();
        if (open[s] == null) {
          open[s] = open(shards.get(s));
        }
        out.put(e.getKey(), Safetensors.tensor(shards.get(s).toString(), open[s], h.dataStarts()[s], e.getValue().entry(), budget));
      }
    } finally {
      for (FileChannel c : open) {
        closeQuietly(c);
      }
    }
    return out;
  }

  private static FileChannel open(Path p) {
    try {
      return FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new InputException(p.toString(), InputException.FILE, "not found", e);
    } catch (AccessDeniedException e) {
      throw new InputException(p.toString(), InputException.FILE, "cannot read (permission denied)", e);
    } catch (IOException e) {
      throw new InputException(p.toString(), InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
    }
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // read-only channel: nothing was written that closing could lose
      }
    }
  }
}
