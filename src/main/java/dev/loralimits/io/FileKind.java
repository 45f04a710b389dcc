package dev.loralimits.io;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a file looks like from its first bytes, so that a file named with the wrong extension is
 * reported as what it is ("looks like a .npz archive (ZIP); name it .npz") instead of with a
 * parser's complaint about its first bytes (issue 10: raw bytes of an .npz read as JSON, a
 * "header length 8245921739492559483" for JSON named .safetensors).
 */
public enum FileKind {
  /** A ZIP archive: numpy's .npz. Magic {@code PK\3\4} (or {@code PK\5\6} for an empty one). */
  NPZ(".npz archive (ZIP)", ".npz"),
  /** A numpy .npy array: magic {@code \x93NUMPY}. */
  NPY(".npy array", ".npy"),
  /** A safetensors file: an 8-byte little-endian header length, then a JSON header opening with '{'. */
  SAFETENSORS("safetensors file", ".safetensors"),
  /** JSON text: optional BOM and whitespace, then '{' or '['. */
  JSON("JSON document", ".json");

  private final String description;
  private final String extension;

  FileKind(String description, String extension) {
    this.description = description;
    this.extension = extension;
  }

  /** The kind in words, e.g. ".npz archive (ZIP)". */
  public String description() {
    return description;
  }

  /** The file name extension of this kind, e.g. ".npz". */
  public String extension() {
    return extension;
  }

  /** The kind {@code head} (the first bytes of a file, any number) shows, if any. */
  public static Optional<FileKind> of(byte[] head) {
    if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5)) {
      return Optional.of(NPZ);
    }
    if (head.length >= 6 && (head[0] & 0xff) == 0x93
        && new String(head, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      return Optional.of(NPY);
    }
    int i = 0;
    if (head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
      i = 3;
    }
    while (i < head.length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r')) {
      i++;
    }
    if (i < head.length && (head[i] == '{' || head[i] == '[')) {
      return Optional.of(JSON);
    }
    if (head.length >= 9 && head[8] == '{') {
      long n = 0;
      for (int k = 7; k >= 0; k--) {
        n = (n << 8) | (head[k] & 0xff);
      }
      if (n > 1 && n < (1L << 40)) {
        return Optional.of(SAFETENSORS);
      }
    }
    return Optional.empty();
  }

  /**
   * A sentence for a file read as {@code expected} that looks like another kind, e.g. "the file
   * looks like a .npz archive (ZIP), not a JSON document; name it .npz"; empty when it looks like
   * {@code expected} or like nothing known.
   */
  public static Optional<String> mismatch(byte[] head, FileKind expected) {
    return of(head)
        .filter(k -> k != expected)
        .map(k -> "the file looks like a " + k.description + ", not a " + expected.description + "; name it " + k.extension);
  }
}
