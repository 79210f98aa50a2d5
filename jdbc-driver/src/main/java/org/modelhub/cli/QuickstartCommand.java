package org.modelhub.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.Stage;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.runtime.QuickstartModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dlv quickstart}: creates a demo repository, trains real models (DL4J), commits their
 * versions with lineage through {@code add}/{@code commit}/{@code copy}, and shows
 * {@code list}, {@code desc}, {@code diff} and {@code lineage} on them.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Create a demo repository with real trained versions and tour the commands.")
final class QuickstartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where to create the demo repository (default: ./modelhub-demo).")
  Path dir = Paths.get("modelhub-demo");

  @Override public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
      throw new ModelHubException(dir.toAbsolutePath() + " already exists; remove it or pass"
          + " --dir");
    }
    QuickstartModels models = ServiceLoader.load(QuickstartModels.class).findFirst()
        .orElseThrow(() -> new ModelHubException("quickstart trains its models with DL4J:"
            + " put dl4j-runtime on the classpath (the ./dlv launcher does)"));
    String repoArg = dir.toString();
    step(out, "dlv init " + repoArg);
    try (Repository repo = Repository.init(dir)) {
      out.println("Initialized empty ModelHub repository in " + repo.root().orElseThrow());
    }
    Path work = Files.createTempDirectory("dlv-quickstart");
    try {
      out.println();
      out.println("# training a small MLP with DL4J (real training on generated data)");
      List<QuickstartModels.Step> steps = models.write(work, line -> out.println("  " + line));
      String previous = null;
      for (QuickstartModels.Step s : steps) {
        try (Repository repo = Repository.open(dir)) {
          VersionInfo v;
          if (s.copyOf() != null) {
            step(out, "dlv copy " + s.copyOf() + " " + s.model());
            v = repo.copy(repo.resolve(s.copyOf()), s.model(), s.message());
          } else {
            StringBuilder add = new StringBuilder("dlv add");
            s.files().forEach(f -> add.append(' ').append(f.getFileName()));
            step(out, add.toString());
            repo.stage().add(s.files(), null);
            step(out, "dlv commit --name " + s.model() + " -m \"" + s.message() + "\""
                + (s.kind().equals("commit") ? "" : " --kind " + s.kind()));
            v = repo.stage().commit(new Stage.CommitOptions(s.model(), s.message(), null,
                List.of(), s.kind()), Progress.NONE);
          }
          out.println(CommitCommand.summary(repo, v));
          previous = v.label();
        }
      }
      out.flush();
      tour(out, repoArg, previous);
    } finally {
      deleteTree(work);
    }
    return 0;
  }

  private void tour(PrintWriter out, String repo, String last) {
    String[][] commands = {
        {"list"},
        {"desc", "mlp-blobs@3"},
        {"diff", "mlp-blobs@1", "mlp-blobs@3"},
        {"diff", "mlp-blobs@3", last},
        {"lineage", "mlp-blobs@2"}};
    for (String[] c : commands) {
      step(out, "dlv " + String.join(" ", c));
      String[] args = new String[c.length + 1];
      args[0] = c[0];
      args[1] = "--repo=" + repo;
      System.arraycopy(c, 1, args, 2, c.length - 1);
      int code = Dlv.run(out, spec.commandLine().getErr(), args);
      if (code != 0) {
        throw new ModelHubException("quickstart step 'dlv " + String.join(" ", c)
            + "' failed");
      }
    }
    out.println();
    out.println("Done. Explore it yourself, e.g.:");
    out.println("  ./dlv --help");
    out.println("  ./dlv list --repo " + repo);
    out.println("  ./dlv checkout mlp-blobs@3 --format safetensors --out /tmp/mlp --repo " + repo);
  }

  private static void step(PrintWriter out, String command) {
    out.println();
    out.println("$ " + command);
    out.flush();
  }

  private static boolean isEmpty(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.findAny().isEmpty();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
