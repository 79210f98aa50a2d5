package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
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
      out.println("Ancestors of " + v.label());
      out.println(label(v, null));
      tree(repo, v, true, "", new HashSet<>(Set.of(v.id())), out);
      out.println();
      out.println("Descendants of " + v.label());
      out.println(label(v, null));
      tree(repo, v, false, "", new HashSet<>(Set.of(v.id())), out);
    }
    return 0;
  }

  private static void tree(Repository repo, VersionInfo v, boolean up, String indent,
      Set<String> seen, PrintWriter out) {
    List<LineageEdge> edges = up ? repo.catalog().parents(v.id())
        : repo.catalog().children(v.id());
    for (int i = 0; i < edges.size(); i++) {
      LineageEdge e = edges.get(i);
      boolean last = i == edges.size() - 1;
      VersionInfo next = repo.catalog().version(up ? e.parentId() : e.childId()).orElseThrow();
      boolean again = !seen.add(next.id());
      out.println(indent + (last ? "`-- " : "|-- ") + label(next, e.kind())
          + (again ? " (shown above)" : ""));
      if (!again) {
        tree(repo, next, up, indent + (last ? "    " : "|   "), seen, out);
      }
    }
  }

  private static String label(VersionInfo v, String kind) {
    return (kind == null ? "" : "[" + kind + "] ") + v.label() + "  " + v.shortId() + "  "
        + Fmt.time(v.created()) + "  " + v.message();
  }
}
