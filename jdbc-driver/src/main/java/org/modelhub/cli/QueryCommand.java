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
import java.util.concurrent.Callable;
import org.modelhub.store.ModelHubException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv query "SQL"} or {@code dlv query -f FILE}: runs statements through the driver. */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = {"Run SQL statements on the repository through the jdbc:modelhub: driver.",
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
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = Connections.open(repoOption.locate())) {
      for (int i = 0; i < statements.size(); i++) {
        if (i > 0 && fmt == ResultPrinter.Format.TABLE) {
          out.println();
        }
        run(c, statements.get(i), fmt, out);
      }
    } catch (SQLException e) {
      throw new ModelHubException(Connections.message(e), e);
    }
    return 0;
  }

  private static void run(Connection c, String sql, ResultPrinter.Format fmt, PrintWriter out)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          ResultPrinter.print(rs, fmt, out);
        }
      } else {
        out.println(s.getUpdateCount() + " rows affected");
      }
    }
  }
}
