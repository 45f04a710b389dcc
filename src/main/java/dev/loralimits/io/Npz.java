package dev.loralimits.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The NumPy {@code .npz} format: a zip archive (stored or deflated, as {@code np.savez} and
 * {@code np.savez_compressed} write it) whose entry {@code NAME.npy} holds the array NAME in the
 * format of {@link Npy}.
 *
 * <p>The reader walks the local headers with {@link ZipInputStream} over bytes in memory. Against
 * zip bombs it refuses an entry whose declared size exceeds what is left of the byte budget
 * ({@link TensorLimits#MAX_FILE_BYTES} inflated bytes for the whole archive) without inflating it,
 * and stops inflating an entry as soon as it passes that budget, whatever it declared. It refuses
 * more than {@link TensorLimits#MAX_ENTRIES} entries, directories, names not ending in
 * {@code .npy}, and duplicate names.
 */
final class Npz {
  private Npz() {}

  private static final String SUFFIX = ".npy";

  private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

  /**
   * Reads every array of an archive, in archive order.
   *
   * @throws InputException naming the file and the entry for any problem
   */
  static Map<String, Tensor> read(String source, byte[] zip) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    TensorLimits.Budget budget = new TensorLimits.Budget();
    long bytesLeft = TensorLimits.MAX_FILE_BYTES;
    String current = InputException.FILE;
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        String entry = e.getName();
        current = TensorChecks.path(entry);
        if (out.size() == TensorLimits.MAX_ENTRIES) {
          throw new InputException(source, current, "more than " + TensorLimits.MAX_ENTRIES + " entries in the archive");
        }
        if (e.isDirectory() || !entry.endsWith(SUFFIX) || entry.length() == SUFFIX.length()) {
          throw new InputException(source, current, "not an array entry (expected NAME.npy)");
        }
        String name = entry.substring(0, entry.length() - SUFFIX.length());
        current = TensorChecks.path(name);
        if (out.containsKey(name)) {
          throw new InputException(source, current, "duplicate name in the archive");
        }
        if (e.getSize() > bytesLeft) {
          throw new InputException(source, current, "entry declares " + e.getSize() + " bytes, more than the " + bytesLeft + " left of the limit of " + TensorLimits.MAX_FILE_BYTES + " (256 MiB)");
        }
        byte[] b = readAtMost(in, bytesLeft, source, current);
        bytesLeft -= b.length;
        out.put(name, Npy.read(source, name, b, budget));
      }
    } catch (IOException | IllegalArgumentException e) {
      // ZipInputStream signals a corrupt archive by ZipException/EOFException, and a malformed
      // entry name by IllegalArgumentException.
      throw new InputException(source, current, "corrupt .npz (zip) archive: " + TensorChecks.describe(e), e);
    }
    if (out.isEmpty()) {
      throw new InputException(source, InputException.FILE, "not a .npz archive or no arrays in it");
    }
    return out;
  }

  private static byte[] readAtMost(InputStream in, long max, String source, String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > max) {
        throw new InputException(source, name, "inflates to more than the " + max + " bytes left of the limit of " + TensorLimits.MAX_FILE_BYTES + " (256 MiB)");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** An archive (deflated) holding each tensor of {@code tensors} as NAME.npy, in map order. */
  static byte[] write(Map<String, Tensor> tensors) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Tensor t : tensors.values()) {
        ZipEntry e = new ZipEntry(t.name() + SUFFIX);
        // A fixed time (local, so no time zone enters) makes the archive a function of its content.
        e.setTimeLocal(FIXED_TIME);
        out.putNextEntry(e);
        out.write(Npy.write(t));
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
