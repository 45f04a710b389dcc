package dev.loralimits.cli;

import dev.loralimits.reference.Progress;
import java.io.PrintWriter;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on standard error for long computations (issue 9: any reference run over a few
 * seconds, and {@code check}), drawn by me.tongfei:progressbar.
 *
 * <p>Nothing is drawn during the first {@link #QUIET_MILLIS} ms, so short runs stay silent; after
 * that the bar is redrawn in place ({@code \r}) every {@link #REDRAW_MILLIS} ms and erased by
 * {@link #finish()}, so that the next message starts on a clean line. It is drawn only when
 * enabled: {@link Mode#AUTO} draws when the launcher reports that standard error is a terminal
 * ({@link #TTY_PROPERTY}); redirected standard error (CI logs, scripts) gets no control
 * characters unless {@link Mode#ALWAYS} is asked for.
 *
 * <p>{@link #advance} may be called from several worker threads.
 */
final class StderrProgress implements AutoCloseable, Progress {
  /** System property the launcher sets to {@code 1} when standard error is a terminal. */
  static final String TTY_PROPERTY = "lora-limits.stderr.tty";
  /** Runs shorter than this draw nothing. */
  static final long QUIET_MILLIS = 2000;
  /** Time between two redraws. */
  static final int REDRAW_MILLIS = 200;
  /** Width of the drawn line. */
  static final int WIDTH = 100;

  /** When progress is drawn. */
  enum Mode {
    /** When the launcher reports that standard error is a terminal. */
    AUTO,
    /** Always (also into files and pipes). */
    ALWAYS,
    /** Never. */
    NEVER
  }

  private final PrintWriter err;
  private final String label;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long start;
  private ProgressBar bar;
  private LineConsumer consumer;
  private long base;
  private long lastRunTotal;

  StderrProgress(PrintWriter err, String label, Mode mode) {
    this(err, label, enabled(mode), System::currentTimeMillis);
  }

  StderrProgress(PrintWriter err, String label, boolean enabled, LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.enabled = enabled;
    this.clock = clock;
    this.start = clock.getAsLong();
  }

  /** Whether {@code mode} draws here: AUTO follows {@link #TTY_PROPERTY}. */
  static boolean enabled(Mode mode) {
    return switch (mode) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> "1".equals(System.getProperty(TTY_PROPERTY));
    };
  }

  /**
   * A listener for one more run of a computation that reports from 0 each time (the reference
   * at a raised number of digits, in {@code check}): its reports are shown after those of the
   * runs before it, so the bar never goes back.
   */
  synchronized Progress nextRun() {
    base += lastRunTotal;
    lastRunTotal = 0;
    long offset = base;
    return (done, total) -> {
      synchronized (this) {
        lastRunTotal = total;
        advance(offset + done, offset + total);
      }
    };
  }

  /** Reports that {@code done} of {@code total} units are complete. */
  @Override
  public synchronized void advance(long done, long total) {
    if (!enabled || total <= 0) {
      return;
    }
    if (bar == null) {
      if (clock.getAsLong() - start < QUIET_MILLIS) {
        return;
      }
      consumer = new LineConsumer(err, false);
      bar = build(label, total, consumer);
    }
    bar.maxHint(total);
    bar.stepTo(Math.min(done, total));
  }

  /** Erases the bar if one was drawn. */
  synchronized void finish() {
    if (bar != null) {
      bar.close();
      consumer.erase();
      bar = null;
    }
  }

  @Override
  public void close() {
    finish();
  }

  /**
   * A progress bar drawn on {@code err} with carriage returns, its line ended by a line break on
   * close (for bars that stay on screen, as in {@code phase}).
   */
  static ProgressBar bar(PrintWriter err, String task, long max) {
    return build(task, max, new LineConsumer(err, true));
  }

  private static ProgressBar build(String task, long max, LineConsumer consumer) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(REDRAW_MILLIS)
        .setConsumer(consumer)
        .build();
  }

  /**
   * Draws each rendering over the previous one. The library calls {@link #close} after its final
   * rendering except when that final rendering is also its first (a bar closed before its
   * updater ran once), so the erasing bar erases in {@link #erase}, called by {@link #finish}
   * after the library's close has returned.
   */
  private static final class LineConsumer implements ProgressBarConsumer {
    private final PrintWriter err;
    private final boolean newlineOnClose;
    private int drawn;

    LineConsumer(PrintWriter err, boolean newlineOnClose) {
      this.err = err;
      this.newlineOnClose = newlineOnClose;
    }

    @Override
    public int getMaxRenderedLength() {
      return WIDTH;
    }

    @Override
    public synchronized void accept(String rendered) {
      err.print('\r');
      err.print(rendered);
      err.flush();
      drawn = Math.max(drawn, rendered.length());
    }

    @Override
    public synchronized void close() {
      if (newlineOnClose) {
        err.println();
        err.flush();
      }
    }

    synchronized void erase() {
      if (drawn > 0) {
        err.print("\r" + " ".repeat(drawn) + "\r");
        err.flush();
        drawn = 0;
      }
    }
  }
}
