package org.modelhub.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sqlline.SqlLine;

/** {@code dlv sql}: an interactive SQL shell (sqlline) on the repository. */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"Open an interactive SQL shell (sqlline) on the repository.",
        "Type !tables to list tables, !quit to leave."})
final class SqlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Override public Integer call() throws IOException {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
        "-u", Connections.url(repoOption.locate()), "-n", "", "-p", "",
        "-d", org.modelhub.jdbc.Driver.class.getName(), "--isolation=TRANSACTION_NONE"));
    if (System.console() == null) {
      // piped: jline's dumb terminal reports width 0, which hides every column
      args.add("--maxWidth=200");
    }
    SqlLine.Status status = new SqlLine().begin(args.toArray(new String[0]), null,
        System.console() != null);
    return status == SqlLine.Status.OK ? 0 : 1;
  }
}
