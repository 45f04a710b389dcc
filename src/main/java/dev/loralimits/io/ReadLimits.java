package dev.loralimits.io;

/**
 * Size limits of a JSON document (an instance or a gradient file; spec/FORMATS.md 1.7): bytes of
 * input and matrix entries of the whole document, counted before an entry is stored.
 *
 * <p>An entry is kept as an exact decimal, about 40 to 80 bytes of heap for short decimals: at the
 * default {@code 2^24} entries a read takes at most about 1.3 GB. (The cap was {@code 2^26} per
 * matrix: 200 MB of JSON then took 5.1 GB and ended in an out-of-memory error under -Xmx1g;
 * issue 10.) The command line sets them with {@code --max-json-bytes} and
 * {@code --max-json-entries}; tensor files have fixed caps of their own (FORMATS 4.5).
 *
 * @param maxBytes most bytes of one document, in {@code [1, }{@value #BYTES_CEILING}{@code ]}
 * @param maxEntries most matrix entries of one document, in {@code [1, }{@value #ENTRIES_CEILING}{@code ]}
 */
public record ReadLimits(long maxBytes, long maxEntries) {
  /**
   * Largest byte limit that may be asked, 2^30 (1 GiB): standard input is read into one array
   * before its format is known, and Java arrays end below 2^31.
   */
  public static final long BYTES_CEILING = 1L << 30;
  /**
   * Largest entry limit that may be asked, 2^28: at about 80 bytes per entry some 20 GB of heap,
   * beyond any machine this tool is meant for.
   */
  public static final long ENTRIES_CEILING = 1L << 28;
  /** 256 MiB of input, {@code 2^24} (16777216) entries in all. */
  public static final ReadLimits DEFAULT = new ReadLimits(256L << 20, 1L << 24);

  /**
   * @throws IllegalArgumentException naming the limit when one is outside its range
   */
  public ReadLimits {
    if (maxBytes < 1 || maxBytes > BYTES_CEILING) {
      throw new IllegalArgumentException(
          "maxBytes (" + maxBytes + ") must be in [1, " + BYTES_CEILING + "] (1 GiB)");
    }
    if (maxEntries < 1 || maxEntries > ENTRIES_CEILING) {
      throw new IllegalArgumentException(
          "maxEntries (" + maxEntries + ") must be in [1, " + ENTRIES_CEILING + "] (2^28)");
    }
  }
}
