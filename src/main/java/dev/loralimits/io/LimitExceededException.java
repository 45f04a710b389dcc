package dev.loralimits.io;

/**
 * An input refused because it exceeds a size limit (spec/FORMATS.md 1.7 for JSON, 4.5 for tensor
 * files), with the {@link Limit} it exceeds, so that a caller can say how to raise it without
 * reading the message. The message is that of any {@link InputException}.
 */
public final class LimitExceededException extends InputException {
  private static final long serialVersionUID = 1L;

  /** The size limits of the readers. */
  public enum Limit {
    /** {@link ReadLimits#maxBytes()}: bytes of one JSON document (adjustable). */
    JSON_BYTES,
    /** {@link ReadLimits#maxEntries()}: matrix entries of one JSON document (adjustable). */
    JSON_ENTRIES,
    /** Bytes of standard input before its format is known (the larger of the JSON and tensor caps). */
    STREAM_BYTES,
    /** Bytes of one tensor file (fixed, FORMATS 4.5). */
    TENSOR_BYTES,
    /** Elements of one tensor file (fixed, FORMATS 4.5). */
    TENSOR_ELEMENTS
  }

  private final Limit limit;

  /**
   * A limit refusal at {@code path} of {@code source}.
   *
   * @param source the name of the input
   * @param path the field path, or {@link #FILE} for the file's size
   * @param problem what is too large and the limit
   * @param limit the limit exceeded
   * @param cause kept for debugging (may be null); never in the message
   */
  public LimitExceededException(String source, String path, String problem, Limit limit, Throwable cause) {
    super(source, path, problem, cause);
    this.limit = java.util.Objects.requireNonNull(limit, "limit");
  }

  /** As the five-argument constructor, without a cause. */
  public LimitExceededException(String source, String path, String problem, Limit limit) {
    this(source, path, problem, limit, null);
  }

  /** The limit exceeded. */
  public Limit limit() {
    return limit;
  }

  /** The same limit refusal, elsewhere or worded otherwise. */
  @Override
  public InputException reworded(String path, String problem) {
    return new LimitExceededException(source(), path, problem, limit, this);
  }
}
