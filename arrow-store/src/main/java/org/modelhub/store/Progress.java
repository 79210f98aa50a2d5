package org.modelhub.store;

/**
 * Receives progress of long work (commit, checkout, fsck) in units such as bytes. The
 * command line draws a bar on a terminal; everything else passes {@link #NONE}.
 */
public interface Progress {
  Progress NONE = new Progress() {
    @Override public void begin(String task, long total) {
    }

    @Override public void advance(long units) {
    }

    @Override public void end() {
    }
  };

  /** Starts a task of {@code total} units (bytes unless the task says otherwise). */
  void begin(String task, long total);

  /** Reports {@code units} more done; may be called from several threads. */
  void advance(long units);

  void end();
}
