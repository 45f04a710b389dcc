package dev.loralimits.reference;

/**
 * A listener for the progress of a reference run: {@code done} rows of the attention matrices
 * processed out of {@code total} (summed over the data points and over every precision level of
 * the two-precision check; {@code total} grows when a further level is needed). Calls may come
 * from several worker threads, but never concurrently (the caller serialises them), and
 * {@code done} never decreases.
 */
@FunctionalInterface
public interface Progress {
  /** The listener that ignores every report. */
  Progress NONE = (done, total) -> {};

  /**
   * {@code done} of {@code total} rows are finished.
   *
   * @param done rows finished so far, {@code 0 <= done <= total}
   * @param total rows to do in all, as far as known now
   */
  void advance(long done, long total);
}
