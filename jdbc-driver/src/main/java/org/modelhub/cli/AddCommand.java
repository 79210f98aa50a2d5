package org.modelhub.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.StagedFile;
import org.modelhub.store.format.FileRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dlv add PATH...}: checks and stages network definitions, weights, training logs and
 * other files for the next commit.
 */
@Command(name = "add", mixinStandardHelpOptions = true,
    description = {"Stage files for the next commit: a network definition, weights, a training"
        + " log (CSV or JSON: metrics per step, hyperparameters) and any other files.",
        "Each file is recognised and checked now; nothing is staged unless all pass."})
final class AddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Files to stage.")
  List<Path> paths = List.of();

  @Option(names = "--as", paramLabel = "ROLE",
      description = "Force the role of the files: network, weights, model, log or file.")
  String role;

  @Option(names = "--reset", description = "Unstage everything (or just the PATHs given).")
  boolean reset;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      if (reset) {
        if (paths.isEmpty()) {
          repo.stage().files().forEach(f -> repo.stage().remove(Path.of(f.path())));
        } else {
          paths.forEach(repo.stage()::remove);
        }
        out.println("Stage cleared.");
        return 0;
      }
      if (paths.isEmpty()) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "give at least one PATH to add");
      }
      FileRole forced = role == null ? null : parseRole(role);
      for (StagedFile f : repo.stage().add(paths, forced)) {
        out.println("staged " + describe(f) + "  " + f.path());
      }
    }
    return 0;
  }

  private FileRole parseRole(String s) {
    try {
      return FileRole.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "unknown role '" + s + "' (network, weights, model, log, file)");
    }
  }

  static String describe(StagedFile f) {
    String role = f.role().name().toLowerCase(Locale.ROOT);
    return f.format() == null ? role : f.format() + " " + role;
  }
}
