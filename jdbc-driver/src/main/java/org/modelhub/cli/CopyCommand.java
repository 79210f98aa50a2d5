package org.modelhub.cli;

import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv copy VERSION NEWNAME}: scaffolds a new model from an existing version. */
@Command(name = "copy", mixinStandardHelpOptions = true,
    description = {"Start a new model from a version: same network, weights (stored once),"
        + " hyperparameters and files; lineage kind 'copy'.",
        "Later commits to NEWNAME record its own training."})
final class CopyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(index = "0", paramLabel = "VERSION") String version;
  @Parameters(index = "1", paramLabel = "NEWNAME") String newName;

  @Option(names = {"-m", "--message"}) String message;

  @Override public Integer call() {
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.copy(repo.resolve(version), newName, message);
      spec.commandLine().getOut().println(CommitCommand.summary(repo, v));
    }
    return 0;
  }
}
