package org.modelhub.store;

import java.nio.file.Paths;

/**
 * Commits a small model into the repository named by {@code args[0]}, prints {@code committed}
 * and halts at once, as a killed process would: no shutdown hook runs, nothing is closed.
 */
public final class CommitThenHalt {
  private CommitThenHalt() {
  }

  public static void main(String[] args) {
    Repository repo = Repository.open(Paths.get(args[0]));
    repo.newCommit().model("m").content(TestModels.lenetContent(1)).run(Progress.NONE);
    System.out.println("committed");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
