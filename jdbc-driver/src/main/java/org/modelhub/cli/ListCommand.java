package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.ModelInfo;
import org.modelhub.store.catalog.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv list [MODEL]}: models, their versions and each version's parents. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List models and versions with their lineage (parents).")
final class ListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(arity = "0..1", paramLabel = "MODEL") String model;

  @Option(names = "--models", description = "Only the models, one line each.")
  boolean modelsOnly;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      if (modelsOnly) {
        TextTable t = new TextTable("MODEL", "VERSIONS", "LATEST", "CREATED").right(1);
        for (ModelInfo m : repo.catalog().models()) {
          t.row(m.name(), m.versionCount(), m.name() + "@" + m.latestVersion(),
              Fmt.time(m.created()));
        }
        t.print(out, "");
        return 0;
      }
      List<VersionInfo> versions;
      if (model != null) {
        repo.catalog().model(model).orElseThrow(() -> new org.modelhub.store.ModelHubException(
            "no model named '" + model + "'"));
        versions = repo.catalog().versions(model);
      } else {
        versions = repo.catalog().allVersions();
      }
      TextTable t = new TextTable("VERSION", "ID", "CREATED", "PARAMS", "PARENTS", "MESSAGE")
          .right(3);
      for (VersionInfo v : versions) {
        StringJoiner parents = new StringJoiner(", ");
        for (LineageEdge e : repo.catalog().parents(v.id())) {
          String label = repo.catalog().version(e.parentId()).map(VersionInfo::label)
              .orElse(e.parentId().substring(0, 12));
          parents.add(e.kind().equals(LineageEdge.COMMIT) ? label : e.kind() + " " + label);
        }
        t.row(v.label(), v.shortId(), Fmt.time(v.created()), Fmt.count(v.numParams()),
            parents.length() == 0 ? "-" : parents.toString(), firstLine(v.message()));
      }
      if (t.isEmpty()) {
        out.println("no versions yet: stage files with 'dlv add' and 'dlv commit -m ...'");
      } else {
        t.print(out, "");
      }
    }
    return 0;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " ...";
  }
}
