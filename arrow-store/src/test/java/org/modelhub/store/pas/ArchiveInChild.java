package org.modelhub.store.pas;

import java.nio.file.Paths;
import java.util.List;
import org.modelhub.store.PausingProgress;
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
    Progress slow = new PausingProgress("rewriting", "rewriting", 100);
    try (Repository repo = Repository.open(Paths.get(args[0]))) {
      new Archiver(repo, new Archiver.Options(3, StorageGraph.Scheme.INDEPENDENT, null,
          List.of())).run(slow);
    }
    System.out.println("archived");
  }
}
