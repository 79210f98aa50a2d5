package org.modelhub.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.Stage;
import org.modelhub.store.catalog.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv commit -m MSG}: records what is staged as a new version. */
@Command(name = "commit", mixinStandardHelpOptions = true,
    description = {"Record the staged files as a new version of a model.",
        "Without --parent the new version follows the model's latest version."})
final class CommitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Option(names = {"-m", "--message"}, required = true, description = "What this version is.")
  String message;

  @Option(names = "--name", paramLabel = "MODEL",
      description = "Model to commit to (default: the current model, else the network's name).")
  String model;

  @Option(names = "--parent", paramLabel = "VERSION",
      description = "Parent version(s) (model@N or id prefix); repeat for several.")
  List<String> parents = List.of();

  @Option(names = "--kind", description = "Lineage kind to the parents (default: commit).")
  String kind;

  @Option(names = "--author", description = "Author (default: the user name).")
  String author;

  @Override public Integer call() {
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.stage().commit(new Stage.CommitOptions(model, message, author,
          parents, kind), TerminalProgress.forConsole());
      spec.commandLine().getOut().println(summary(repo, v));
    }
    return 0;
  }

  static String summary(Repository repo, VersionInfo v) {
    StringBuilder sb = new StringBuilder("committed " + v.label() + " (" + v.shortId() + "): "
        + v.numLayers() + " layers, " + Fmt.count(v.numParams()) + " parameters, "
        + Fmt.bytes(v.rawBytes()) + " of weights, " + Fmt.bytes(v.storedBytes())
        + " newly stored");
    repo.catalog().parents(v.id()).forEach(p -> sb.append("; ").append(p.kind()).append(" of ")
        .append(repo.catalog().version(p.parentId()).orElseThrow().label()));
    return sb.toString();
  }
}
