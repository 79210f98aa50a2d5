package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.modelhub.store.Lineage;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv lineage VERSION}: ancestors and descendants drawn as trees. */
@Command(name = "lineage", mixinStandardHelpOptions = true,
    description = "Show the ancestors and descendants of a version as trees.")
final class LineageCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(paramLabel = "VERSION") String version;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.resolve(version);
      List<Lineage.Row> rows = Lineage.of(repo, v);
      out.println("Ancestors of " + v.label());
      out.println(label(v, null));
      tree(rows, Lineage.ANCESTOR, v.id(), "", out);
      out.println();
      out.println("Descendants of " + v.label());
      out.println(label(v, null));
      tree(rows, Lineage.DESCENDANT, v.id(), "", out);
    }
    return 0;
  }

  /** Draws the rows reached from {@code via}; each version appears once (breadth first). */
  private static void tree(List<Lineage.Row> rows, String direction, String via, String indent,
      PrintWriter out) {
    List<Lineage.Row> next = rows.stream()
        .filter(r -> r.direction().equals(direction) && r.via().equals(via)).toList();
    for (int i = 0; i < next.size(); i++) {
      Lineage.Row r = next.get(i);
      boolean last = i == next.size() - 1;
      out.println(indent + (last ? "`-- " : "|-- ") + label(r.version(), r.kind()));
      tree(rows, direction, r.version().id(), indent + (last ? "    " : "|   "), out);
    }
  }

  private static String label(VersionInfo v, String kind) {
    return (kind == null ? "" : "[" + kind + "] ") + v.label() + "  " + v.shortId() + "  "
        + Fmt.time(v.created()) + "  " + v.message();
  }
}
