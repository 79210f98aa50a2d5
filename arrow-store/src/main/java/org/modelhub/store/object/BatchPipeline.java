package org.modelhub.store.object;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The record batches of one tensor as a pipeline over the cores: each batch is taken in order
 * on the caller's thread ({@link Stage#take}: a read), worked on by a pool thread
 * ({@link Work}: coding or decoding), and handed back in order on the caller's thread
 * ({@link Stage#finish}: checksums, hashes, a write), while the pool works on the batches
 * after it.
 *
 * <p>Why: what must run in order (the sha256 of a tensor's values or of its object, the
 * object's writes) is about a third of a batch's work. Done between groups of batches coded
 * at once, it left all cores but one idle for that third.
 */
final class BatchPipeline {
  /** Batches worked on at once: one for each core, at most four (each holds its planes). */
  static final int PARALLEL = Math.min(4, Runtime.getRuntime().availableProcessors());
  /**
   * Batches in flight: those being worked on and the one being finished, whose buffers
   * (slot {@code batch % SLOTS}) are not reused before it is finished.
   */
  static final int SLOTS = PARALLEL + 1;

  private static final ExecutorService POOL = Executors.newFixedThreadPool(PARALLEL, r -> {
    Thread t = new Thread(r, "planes-batch");
    t.setDaemon(true);
    return t;
  });

  private BatchPipeline() {
  }

  /** The parts of a batch's journey that run on the caller's thread, in order. */
  interface Stage<I, T> {
    /** Batch {@code b}'s input, taken before its work starts. */
    I take(int b) throws IOException;

    /** Batch {@code b}'s result, after those of the batches before it. */
    void finish(int b, T result) throws IOException;
  }

  /** A batch's work, on a pool thread, given what {@link Stage#take} took. */
  interface Work<I, T> {
    T run(int b, I input) throws IOException;
  }

  /**
   * Runs batches {@code 0..count-1} through {@code stage} and {@code work}, at most
   * {@link #SLOTS} of them in flight. A single batch runs on the caller's thread alone.
   */
  static <I, T> void run(int count, Stage<I, T> stage, Work<I, T> work) throws IOException {
    if (count == 1) {
      stage.finish(0, work.run(0, stage.take(0)));
      return;
    }
    ArrayDeque<Future<T>> inFlight = new ArrayDeque<>();
    int next = 0;
    try {
      for (int done = 0; done < count; done++) {
        for (; next < count && next < done + SLOTS; next++) {
          int b = next;
          I input = stage.take(b);
          inFlight.add(POOL.submit(() -> work.run(b, input)));
        }
        stage.finish(done, inFlight.poll().get());
      }
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while coding planes");
    } finally {
      // the batches still in flight write only into this call's buffers: let them go
      inFlight.forEach(f -> f.cancel(true));
    }
  }
}
