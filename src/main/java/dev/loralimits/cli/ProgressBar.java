package dev.loralimits.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on standard error for long computations (issue 9: any reference run
 * over a few seconds, and {@code check}).
 *
 * <p>Nothing is printed during the first {@link #QUIET_MILLIS} ms, so short runs stay silent; after
 * that the line is redrawn in place ({@code \r}) at most every {@link #REDRAW_MILLIS} ms, and
 * {@link #finish()} erases it. It is drawn only when enabled: by the launcher when standard error
 * is a terminal ({@link #TTY_PROPERTY}), or by {@code --progress}; redirected standard error
 * (CI logs, scripts) gets no control characters unless asked.
 *
 * <p>Not thread-safe by itself: {@link #advance} is synchronized because the engine may report
 * from several worker threads.
 */
final class ProgressBar {
  /** System property the launcher sets to {@code 1} when standard error is a terminal. */
  static final String TTY_PROPERTY = "lora-limits.stderr.tty";
  /** Runs shorter than this print nothing. */
  static final long QUIET_MILLIS = 2000;
  /** Least time between two redraws. */
  static final long REDRAW_MILLIS = 200;
  /** Width of the bar in characters. */
  static final int WIDTH = 30;

  /** When a progress bar is drawn. */
  enum Mode {
    /** When the launcher reports that standard error is a terminal. */
    AUTO,
    /** Always (also into files and pipes). */
    ALWAYS,
    /** Never. */
    NEVER
  }

  private final PrintStream err;
  private final String label;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long start;
  private long lastDraw;
  private boolean drawn;
  private int lastWidth;

  ProgressBar(PrintStream err, String label, Mode mode) {
    this(err, label, enabled(mode), System::currentTimeMillis);
  }

  ProgressBar(PrintStream err, String label, boolean enabled, LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.enabled = enabled;
    this.clock = clock;
    this.start = clock.getAsLong();
    // no redraw limit before the first draw (start - REDRAW_MILLIS cannot overflow: a clock reading)
    this.lastDraw = start - REDRAW_MILLIS;
  }

  /** Whether {@code mode} draws here: AUTO follows {@link #TTY_PROPERTY}. */
  static boolean enabled(Mode mode) {
    return switch (mode) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> "1".equals(System.getProperty(TTY_PROPERTY));
    };
  }

  /** Reports that {@code done} of {@code total} units are complete; redraws when due. */
  synchronized void advance(long done, long total) {
    if (!enabled || total <= 0) {
      return;
    }
    long now = clock.getAsLong();
    if (now - start < QUIET_MILLIS || now - lastDraw < REDRAW_MILLIS) {
      return;
    }
    lastDraw = now;
    String line = line(label, Math.min(done, total), total, (now - start) / 1000.0);
    StringBuilder b = new StringBuilder("\r").append(line);
    for (int i = line.length(); i < lastWidth; i++) {
      b.append(' ');
    }
    lastWidth = line.length();
    err.print(b);
    err.flush();
    drawn = true;
  }

  /** Erases the bar if one was drawn, so the next message starts on a clean line. */
  synchronized void finish() {
    if (drawn) {
      err.print("\r" + " ".repeat(lastWidth) + "\r");
      err.flush();
      drawn = false;
    }
  }

  /**
   * The text of the bar: {@code label [#########.....]  45% 12 s}, the fraction rounded down
   * (100% only when done == total).
   */
  static String line(String label, long done, long total, double seconds) {
    int filled = (int) (WIDTH * (double) done / total);
    long percent = 100 * done / total;
    return String.format(
        Locale.ROOT, "%s [%s%s] %3d%% %.0f s", label, "#".repeat(filled), ".".repeat(WIDTH - filled), percent, seconds);
  }
}
