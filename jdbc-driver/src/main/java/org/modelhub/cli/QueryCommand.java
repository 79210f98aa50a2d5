package org.modelhub.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.apache.calcite.jdbc.CalciteConnection;
import org.modelhub.dql.DqlEvaluate;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import org.modelhub.store.runtime.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv query "SQL"} or {@code dlv query -f FILE}: runs statements through the driver. */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = {"Run SQL or DQL statements on the repository through the jdbc:modelhub:"
        + " driver.",
        "DQL: select m1 where ..., slice m2 from m1 ..., construct m2 from m1 ...,"
            + " evaluate m from \"NAME\" with config = \"FILE\" ...;"
            + " --name saves a statement and the versions it returned, for 'from \"NAME\"'.",
        "Tables: MODELS, VERSIONS, LINEAGE, LAYERS, EDGES, TENSORS, WEIGHTS, METRICS,"
            + " HYPERPARAMS, FILES, QUERIES; functions: LINEAGE_OF, DIFF, WEIGHT_STATS."})
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(arity = "0..1", paramLabel = "SQL", description = "Statement(s), ';'-separated.")
  String sql;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read statements from"
      + " FILE.")
  Path file;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Save the (single) statement and the versions it returned under NAME.")
  String name;

  @Option(names = "--format", defaultValue = "table",
      description = "Output: table, csv or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Override public Integer call() throws IOException {
    if ((sql == null) == (file == null)) {
      throw new ParameterException(spec.commandLine(), "give either SQL or -f FILE");
    }
    ResultPrinter.Format fmt;
    try {
      fmt = ResultPrinter.parse(format);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "unknown --format '" + format
          + "' (table, csv, json)");
    }
    String text = sql != null ? sql : Files.readString(file, StandardCharsets.UTF_8);
    List<String> statements = new ArrayList<>(SqlScripts.split(text));
    if (name != null) {
      Repository.checkModelName(name);
      if (statements.size() != 1) {
        throw new ParameterException(spec.commandLine(), "--name saves one statement; "
            + statements.size() + " were given");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    // an evaluate shows a progress line per candidate and stops cleanly on Ctrl-C
    Cancellation cancel = new Cancellation();
    try (Connection c = Connections.open(repoOption.locate());
         CtrlC ignored = CtrlC.cancels(cancel, System.err)) {
      for (int i = 0; i < statements.size(); i++) {
        if (i > 0 && fmt == ResultPrinter.Format.TABLE) {
          out.println();
        }
        String statement = statements.get(i);
        List<String> ids = DqlEvaluate.withCaller(EvaluateProgress.forConsole(), cancel,
            () -> run(c, statement, fmt, out));
        if (name != null) {
          Repository repo = c.unwrap(CalciteConnection.class).getRootSchema()
              .getSubSchema("MODELHUB").unwrap(Repository.class);
          repo.catalog().saveQuery(name, statements.get(i), Instant.now(), ids);
          spec.commandLine().getErr().println("saved as \"" + name + "\" with " + ids.size()
              + " version" + (ids.size() == 1 ? "" : "s"));
        }
      }
    } catch (SQLException e) {
      if (cancel.isCancelled()) {
        spec.commandLine().getErr().println("dlv query: " + Connections.message(e));
        return 130;
      }
      throw new ModelHubException(Connections.message(e), e);
    }
    return 0;
  }

  /** Runs one statement and prints its result; returns the values of its ID column. */
  private static List<String> run(Connection c, String sql, ResultPrinter.Format fmt,
      PrintWriter out) throws SQLException {
    try (Statement s = c.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          return ResultPrinter.print(rs, fmt, out, "ID");
        }
      }
      out.println(s.getUpdateCount() + " rows affected");
      return List.of();
    }
  }
}
