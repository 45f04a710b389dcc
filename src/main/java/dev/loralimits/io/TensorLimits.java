package dev.loralimits.io;

/**
 * The caps every tensor reader enforces before it allocates (spec/FORMATS.md Section 4.5). A file
 * that breaks one is refused with an {@link InputException} naming the file, the tensor and the cap.
 * A file read whole is capped by its size and all its elements; a safetensors base read
 * selectively ({@link SelectiveRead}) by the bytes and elements it reads ({@link Budget#takeRead}).
 */
final class TensorLimits {
  private TensorLimits() {}

  /** Largest tensor file read, in bytes: the cap of the JSON readers, 256 MiB. */
  static final long MAX_FILE_BYTES = 256L << 20;

  /**
   * Largest header: the npy header dict and the safetensors JSON header, 1 MiB. numpy writes about
   * 128 bytes; a safetensors header needs roughly 100 bytes per tensor, so 1 MiB allows some
   * 10^4 tensors (5000 data points).
   */
  static final int MAX_HEADER_BYTES = 1 << 20;

  /**
   * Most array elements in one file, summed over its tensors: {@code 2^26}, the per-matrix cap of
   * the JSON readers. Each element becomes a {@code BigDecimal} of about 100 bytes with its exact
   * binary expansion, so this is also what bounds the memory of reading.
   */
  static final long MAX_ELEMENTS = 1L << 26;

  /** Highest rank: matrices are rank 2; scalars may be rank 0 or 1 (one element). */
  static final int MAX_RANK = 2;

  /** Most entries in one .npz archive (two per data point suffices for 32768 points). */
  static final int MAX_ENTRIES = 1 << 16;

  /** The elements still allowed in one file; each reader of one file shares one. */
  static final class Budget {
    private long left = MAX_ELEMENTS;

    /**
     * Takes {@code n} elements for tensor {@code name}.
     *
     * @throws LimitExceededException when the file would hold more than {@link #MAX_ELEMENTS} elements
     */
    void take(String source, String name, long n) {
      if (n > left) {
        throw new LimitExceededException(
            source, name, "too large: the file would hold more than " + MAX_ELEMENTS + " elements (limit 2^26)",
            LimitExceededException.Limit.TENSOR_ELEMENTS);
      }
      left -= n;
    }

    private long bytesLeft = MAX_FILE_BYTES;

    /**
     * Takes {@code n} elements and {@code bytes} bytes for tensor {@code name}, read selectively
     * from a file (a safetensors base, spec/FORMATS.md 4.5): the caps then count what is read, the
     * header included ({@link #takeHeader}), not the file's size.
     *
     * @throws LimitExceededException when the tensors read would hold more than
     *     {@link #MAX_ELEMENTS} elements or {@link #MAX_FILE_BYTES} bytes
     */
    void takeRead(String source, String name, long n, long bytes) {
      if (n > left) {
        throw new LimitExceededException(
            source, name, "too large: the tensors read from the file would hold more than " + MAX_ELEMENTS + " elements (limit 2^26)",
            LimitExceededException.Limit.TENSOR_ELEMENTS);
      }
      if (bytes > bytesLeft) {
        throw new LimitExceededException(
            source, name, "too large: the bytes read from the file would exceed " + MAX_FILE_BYTES + " (limit 256 MiB)",
            LimitExceededException.Limit.TENSOR_BYTES);
      }
      left -= n;
      bytesLeft -= bytes;
    }

    /** Counts the {@code bytes} of a header read selectively against the byte cap (at most 1 MiB + 8, within it). */
    void takeHeader(long bytes) {
      bytesLeft -= bytes;
    }
  }
}
