package org.modelhub.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv init [DIR]}: makes DIR (default {@code ./.dlv}) a new repository. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Create a repository in DIR (default: ./.dlv).")
final class InitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "DIR", description = "Folder to create.")
  Path dir;

  @Override public Integer call() {
    Path d = dir != null ? dir : Paths.get(Repository.DIR_NAME);
    try (Repository repo = Repository.init(d)) {
      spec.commandLine().getOut().println("Initialized empty ModelHub repository in "
          + repo.root().orElseThrow());
    }
    return 0;
  }
}
