package org.modelhub.store;

/**
 * Progress for a child process that a test kills midway: at each step of the task named
 * {@code task} (any task when null) it prints {@code LABEL N} and pauses, so that the test
 * can pick the moment.
 */
public final class PausingProgress implements Progress {
  private final String task;
  private final String label;
  private final long pauseMillis;
  private String current = "";
  private int step;

  public PausingProgress(String task, String label, long pauseMillis) {
    this.task = task;
    this.label = label;
    this.pauseMillis = pauseMillis;
  }

  @Override public void begin(String name, long total) {
    current = name;
  }

  @Override public void advance(long units) {
    if (task != null && !task.equals(current)) {
      return;
    }
    System.out.println(label + " " + ++step);
    System.out.flush();
    try {
      Thread.sleep(pauseMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override public void end() {
  }
}
