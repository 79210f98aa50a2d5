package org.modelhub.store.pas;

import java.nio.file.Paths;
import java.util.List;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;

/**
 * Runs {@code dlv archive --budget 3} on the repository named by {@code args[0]}, printing
 * {@code rewriting N} as it goes through the tensors and pausing after each, so that a test
 * can kill the process while new objects are being written.
 */
public final class ArchiveInChild {
  private ArchiveInChild() {
  }

  public static void main(String[] args) {
    Progress slow = new Progress() {
      private String task = "";
      private int step;

      @Override public void begin(String task, long total) {
        this.task = task;
      }

      @Override public void advance(long units) {
        if (!task.equals("rewriting")) {
          return;
        }
        System.out.println("rewriting " + ++step);
        System.out.flush();
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override public void end() {
      }
    };
    try (Repository repo = Repository.open(Paths.get(args[0]))) {
      new Archiver(repo, new Archiver.Options(3, StorageGraph.Scheme.INDEPENDENT, null,
          List.of())).run(slow);
    }
    System.out.println("archived");
  }
}
