package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.object.LossyScheme;
import org.modelhub.store.pas.Archiver;
import org.modelhub.store.pas.StorageGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv archive}: recomputes the storage plan of the whole repository (PAS). */
@Command(name = "archive", mixinStandardHelpOptions = true,
    description = {"Compute a storage plan for every version's weights and rewrite the objects"
        + " to follow it: deltas where they save bytes, while each version's recreation cost"
        + " stays within ALPHA times its cost when fully materialised.",
        "Lossless unless --lossy is given. The plan is in SQL: STORAGE_PLANS,"
        + " STORAGE_PLAN_VERSIONS, TENSORS.BASE."})
final class ArchiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Option(names = "--budget", paramLabel = "ALPHA", defaultValue = "2",
      description = "Recreation budget per version, times its materialised cost"
          + " (at least 1; default ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--scheme", defaultValue = "independent", paramLabel = "SCHEME",
      description = "How a version's tensors are recreated: independent (costs add up) or"
          + " parallel (the largest counts); default ${DEFAULT-VALUE}.")
  String scheme;

  @Option(names = "--lossy", paramLabel = "SCHEME",
      description = "Store float32 tensors approximately: float16, bfloat16, fixedK or quantK"
          + " (K bits); the error is recorded per tensor. Only with this option.")
  String lossy;

  @Option(names = "--only", paramLabel = "VERSION",
      description = "With --lossy: only these versions' tensors (repeatable; default all).")
  List<String> lossyVersions = new ArrayList<>();

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    StorageGraph.Scheme s;
    LossyScheme l;
    try {
      s = StorageGraph.Scheme.parse(scheme);
      l = lossy == null ? null : LossyScheme.parse(lossy);
    } catch (IllegalArgumentException e) {
      throw new ModelHubException(e.getMessage());
    }
    if (!(alpha >= 1)) {
      throw new ModelHubException("--budget must be at least 1 (times the materialised"
          + " recreation cost), not " + alpha);
    }
    if (l == null && !lossyVersions.isEmpty()) {
      throw new ModelHubException("--only chooses the versions of --lossy; give --lossy too");
    }
    try (Repository repo = repoOption.open()) {
      List<VersionInfo> versions = new ArrayList<>();
      lossyVersions.forEach(v -> versions.add(repo.resolve(v)));
      Archiver.Report r = new Archiver(repo, new Archiver.Options(alpha, s, l, versions))
          .run(TerminalProgress.forConsole());
      out.println("storage plan " + r.planId() + " (" + r.algorithm() + ", budget " + alpha
          + ", " + s.label() + " recreation" + (l == null ? "" : ", lossy " + l.label()) + ")");
      out.println("  raw weights       " + Fmt.bytes(r.rawBytes()));
      out.println("  stored before     " + Fmt.bytes(r.storedBefore()) + pct(r.storedBefore(),
          r.rawBytes()));
      out.println("  stored after      " + Fmt.bytes(r.storedAfter()) + pct(r.storedAfter(),
          r.rawBytes()));
      out.println("  bounds (estimated) MST " + Fmt.bytes(r.mstBytes()) + ", SPT "
          + Fmt.bytes(r.sptBytes()) + "; plan " + Fmt.bytes(r.planBytes()));
      out.println("  objects rewritten " + r.rewritten()
          + (l == null ? "" : " (" + r.lossyObjects() + " lossy)"));
      TextTable t = new TextTable("VERSION", "RECREATION", "BUDGET", "USED", "MAX_CHAIN")
          .right(1, 2, 3, 4);
      for (Archiver.VersionCost vc : r.versions()) {
        t.row(vc.version().label(), Fmt.bytes((long) vc.cost()), Fmt.bytes((long) vc.budget()),
            String.format(Locale.ROOT, "%.0f%%", 100 * vc.cost() / Math.max(1, vc.budget())),
            vc.maxChain());
      }
      t.print(out, "  ");
      return r.versions().stream().allMatch(Archiver.VersionCost::withinBudget) ? 0 : 1;
    }
  }

  private static String pct(long part, long whole) {
    return whole == 0 ? "" : String.format(Locale.ROOT, " (%.2f%% of raw)", 100.0 * part / whole);
  }
}
