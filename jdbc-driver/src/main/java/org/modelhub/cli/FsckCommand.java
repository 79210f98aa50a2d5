package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.modelhub.store.Fsck;
import org.modelhub.store.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv fsck}: verifies every object and every catalog reference. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    description = {"Verify every stored object (its bytes and the values it rebuilds) and every"
        + " catalog reference. Exit code 1 when something is corrupt.",
        "Objects no version uses (left by an interrupted commit) are reported as dangling."})
final class FsckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Option(names = "--prune", description = "Delete dangling objects and leftover temporaries.")
  boolean prune;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      Fsck fsck = new Fsck(repo);
      Fsck.Report r = fsck.run(TerminalProgress.forConsole());
      out.println("checked " + r.objectsChecked() + " objects and " + r.versionsChecked()
          + " versions");
      r.errors().forEach(e -> out.println("error: " + e));
      if (!r.dangling().isEmpty() || r.temporaries() > 0) {
        out.println(r.dangling().size() + " dangling objects (" + Fmt.bytes(r.danglingBytes())
            + ") and " + r.temporaries() + " temporary files from interrupted writes"
            + (prune ? "" : "; remove them with 'dlv fsck --prune'"));
        if (prune) {
          out.println("removed " + Fmt.bytes(fsck.removeDangling(r)));
        }
      }
      out.println(r.ok() ? "ok" : r.errors().size() + " errors");
      return r.ok() ? 0 : 1;
    }
  }
}
