package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.StagedFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv status}: the repository, the head model and the staged files. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the repository, the current model and what is staged.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      out.println("repository " + repo.root().orElseThrow());
      out.println("model      " + repo.headModel().orElse("(none yet)"));
      List<StagedFile> staged = repo.stage().files();
      if (staged.isEmpty()) {
        out.println("nothing staged");
      } else {
        TextTable t = new TextTable("ROLE", "SIZE", "PATH").right(1);
        staged.forEach(f -> t.row(AddCommand.describe(f), Fmt.bytes(f.size()), f.path()));
        out.println("staged for the next commit:");
        t.print(out, "  ");
      }
    }
    return 0;
  }
}
