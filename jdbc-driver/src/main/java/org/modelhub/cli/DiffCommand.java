package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.modelhub.store.ModelDiff;
import org.modelhub.store.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dlv diff V1 V2}: layers added, removed and changed; per shared tensor the largest
 * absolute difference, the L2 distance and the fraction of values changed; metadata changes.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Compare two versions: layers, weights (max |a-b|, L2 distance, fraction"
        + " changed), hyperparameters and metrics.")
final class DiffCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(index = "0", paramLabel = "V1") String v1;
  @Parameters(index = "1", paramLabel = "V2") String v2;

  @Option(names = "--all", description = "Also list tensors whose values are identical.")
  boolean all;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      ModelDiff d = ModelDiff.compute(repo, repo.resolve(v1), repo.resolve(v2));
      out.println("diff " + d.a().label() + " (" + d.a().shortId() + ") " + d.b().label()
          + " (" + d.b().shortId() + ")");
      out.println();
      if (!d.network().isEmpty()) {
        out.println("Network:");
        d.network().forEach(c -> out.println("  ~ " + c));
        out.println();
      }
      long added = d.layers().stream().filter(l -> l.change().equals("added")).count();
      long removed = d.layers().stream().filter(l -> l.change().equals("removed")).count();
      out.println("Layers: " + added + " added, " + removed + " removed, "
          + (d.layers().size() - added - removed) + " changed");
      for (ModelDiff.LayerChange l : d.layers()) {
        String mark = l.change().equals("added") ? "+" : l.change().equals("removed") ? "-" : "~";
        out.println("  " + mark + " " + l.name() + "  " + l.detail());
      }
      out.println();
      long same = d.tensors().stream().filter(t -> t.status().equals("same")).count();
      out.println("Tensors: " + d.tensors().size() + " names, " + same + " identical, "
          + (d.tensors().size() - same) + " differ");
      TextTable t = new TextTable("TENSOR", "STATUS", "SHAPE", "MAX_ABS_DIFF", "L2_DISTANCE",
          "CHANGED").right(3, 4, 5);
      for (ModelDiff.TensorDiff x : d.tensors()) {
        if (!all && x.status().equals("same")) {
          continue;
        }
        String shape = x.shapeA() == null ? x.shapeB()
            : x.shapeB() == null || x.shapeA().equals(x.shapeB()) ? x.shapeA()
            : x.shapeA() + " -> " + x.shapeB();
        t.row(x.name(), x.status(), shape, Fmt.num(x.maxAbsDiff()), Fmt.num(x.l2Distance()),
            Fmt.percent(x.fractionChanged()));
      }
      if (!t.isEmpty()) {
        t.print(out, "  ");
      }
      if (!d.hyperparams().isEmpty()) {
        out.println();
        out.println("Hyperparameters");
        TextTable h = new TextTable("NAME", d.a().label(), d.b().label());
        d.hyperparams().forEach(c -> h.row(c.name(), c.a() == null ? "-" : c.a(),
            c.b() == null ? "-" : c.b()));
        h.print(out, "  ");
      }
      if (!d.metrics().isEmpty()) {
        out.println();
        out.println("Metrics (last logged value)");
        TextTable m = new TextTable("NAME", d.a().label(), d.b().label()).right(1, 2);
        d.metrics().forEach(c -> m.row(c.name(), last(c.lastA(), c.stepA()),
            last(c.lastB(), c.stepB())));
        m.print(out, "  ");
      }
    }
    return 0;
  }

  private static String last(Double value, Long step) {
    return value == null ? "-" : Fmt.num(value) + " @" + step;
  }
}
