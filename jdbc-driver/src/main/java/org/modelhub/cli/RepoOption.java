package org.modelhub.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import picocli.CommandLine.Option;

/**
 * How a command finds its repository: {@code --repo DIR}, then {@code MODELHUB_REPO}, then a
 * {@code .dlv} folder here or in a parent (as git finds {@code .git}).
 */
final class RepoOption {
  @Option(names = "--repo", paramLabel = "DIR",
      description = "Repository folder (default: $MODELHUB_REPO, else .dlv here or above).")
  Path repo;

  /** The repository folder this command should use. */
  Path locate() {
    if (repo != null) {
      return withDlv(repo);
    }
    String env = System.getenv("MODELHUB_REPO");
    if (env != null && !env.isBlank()) {
      return withDlv(Paths.get(env));
    }
    Path cwd = Paths.get("").toAbsolutePath();
    return Repository.discover(cwd).orElseThrow(() -> new ModelHubException(
        "no repository found in " + cwd + " or its parents: run 'dlv init', set"
            + " MODELHUB_REPO or pass --repo DIR"));
  }

  /** A project folder holding {@code .dlv} names the repository inside it. */
  private static Path withDlv(Path dir) {
    Path inner = dir.resolve(Repository.DIR_NAME);
    return !Files.isRegularFile(dir.resolve(Repository.PROPERTIES))
        && Files.isRegularFile(inner.resolve(Repository.PROPERTIES)) ? inner : dir;
  }

  Repository open() {
    return Repository.open(locate());
  }
}
