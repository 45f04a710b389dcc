package dev.loralimits.fast;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * Row ranges over threads with a summation order that does not depend on the thread count, shared
 * by {@link ExactDouble} and {@link AlmostLinear}.
 *
 * <p>Three ways to split the rows {@code 0 .. n-1}:
 * <ul>
 *   <li>{@link #forBlocks}: one contiguous block per thread, for work whose results go to each
 *       row's own slot (nothing is summed across blocks, so the block boundaries do not matter);
 *   <li>{@link #ranges}: a fixed number of ranges whose boundaries depend on n and the number of
 *       ranges only; their results come back in range order, for the caller to add in that order;
 *   <li>{@link #forChunks}: fixed chunks of consecutive rows run in rounds of up to
 *       {@link #threads()} chunks, each on its own scratch, folded in chunk order.
 * </ul>
 * With one thread everything runs on the calling thread and no pool is created. Java double
 * arithmetic is IEEE 754 without implicit fused multiply-adds, so the same operations in the same
 * order give the same bits on every thread count.
 */
final class RowScheduler implements AutoCloseable {
  private final ExecutorService pool;
  private final int threads;

  /**
   * @param threads worker threads, {@code >= 1}
   * @param name name of the worker threads (daemon threads)
   */
  RowScheduler(int threads, String name) {
    this.threads = threads;
    this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> daemon(r, name));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  int threads() {
    return threads;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** Work on the rows {@code from .. to-1}. */
  interface Block {
    void run(int from, int to);
  }

  /** A result computed from the rows {@code from .. to-1}. */
  interface RangeTask<T> {
    T run(int from, int to);
  }

  /**
   * Rows {@code 0 .. n-1} in {@code min(threads, n)} contiguous blocks, one per thread; returns when
   * all are done. For work that writes each row's results to its own slot.
   */
  void forBlocks(int n, Block body) {
    int blocks = Math.min(threads, n);
    if (pool == null || blocks <= 1) {
      body.run(0, n);
      return;
    }
    List<Callable<Void>> calls = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      int from = (int) ((long) n * b / blocks);
      int to = (int) ((long) n * (b + 1) / blocks);
      calls.add(() -> {
        body.run(from, to);
        return null;
      });
    }
    runAll(calls);
  }

  /**
   * {@code task} on the {@code parts} fixed ranges {@code [n c / parts, n (c + 1) / parts)},
   * {@code c = 0 .. parts-1} (empty ranges included), spread over the threads; the results in range
   * order. The ranges depend on n and parts only, never on the thread count.
   */
  <T> List<T> ranges(int n, int parts, RangeTask<T> task) {
    List<Callable<T>> calls = new ArrayList<>();
    for (int c = 0; c < parts; c++) {
      int from = (int) ((long) n * c / parts);
      int to = (int) ((long) n * (c + 1) / parts);
      calls.add(() -> task.run(from, to));
    }
    if (pool == null) {
      List<T> out = new ArrayList<>();
      for (Callable<T> call : calls) {
        out.add(callUnchecked(call));
      }
      return out;
    }
    return runAll(calls);
  }

  /**
   * {@code task} over {@code from .. to-1} in consecutive blocks of {@code block} rows, each block's
   * result added into the running total in block order ({@code total = add(total, next)}): a sum
   * over n rows then passes each term through at most {@code block + ceil(n / block)} additions.
   */
  static <T> T blocked(int from, int to, int block, RangeTask<T> task, BinaryOperator<T> add) {
    T total = task.run(from, Math.min(to, from + block));
    for (int s = from + block; s < to; s += block) {
      total = add.apply(total, task.run(s, Math.min(to, s + block)));
    }
    return total;
  }

  /** Per-thread buffers of {@link #forChunks}, cleared before each chunk. */
  interface Scratch {
    void clear();
  }

  /** One row on a scratch. */
  interface Row<W> {
    void run(int j, W scratch);
  }

  /** Takes a chunk's scratch into the running totals (on the calling thread). */
  interface Fold<W> {
    void add(W scratch);
  }

  /**
   * Rows {@code [0, n)} in chunks of {@code chunk} consecutive rows: rounds of up to
   * {@link #threads()} chunks run in parallel, each on its own scratch (cleared first), each chunk's
   * rows in increasing order; after a round, {@code fold} takes the scratches in chunk order on the
   * calling thread. The chunks and the order of the folds depend only on n and chunk, never on the
   * thread count.
   */
  <W extends Scratch> void forChunks(int n, int chunk, Supplier<W> scratch, Row<W> row, Fold<W> fold) {
    int chunks = (n + chunk - 1) / chunk;
    int slots = Math.min(threads, chunks);
    List<W> scratches = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      scratches.add(scratch.get());
    }
    for (int first = 0; first < chunks; first += slots) {
      int round = Math.min(slots, chunks - first);
      int base = first;
      forBlocks(round, (from, to) -> {
        for (int s = from; s < to; s++) {
          W w = scratches.get(s);
          w.clear();
          int c = base + s;
          for (int j = c * chunk; j < Math.min(n, (c + 1) * chunk); j++) {
            row.run(j, w);
          }
        }
      });
      for (int s = 0; s < round; s++) {
        fold.add(scratches.get(s));
      }
    }
  }

  /** Runs the calls on the pool and returns their results in call order; a task's exception is rethrown. */
  private <T> List<T> runAll(List<Callable<T>> calls) {
    try {
      List<T> out = new ArrayList<>();
      for (Future<T> f : pool.invokeAll(calls)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static <T> T callUnchecked(Callable<T> call) {
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
