package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.FileEntry;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dlv desc VERSION}: layers, tensor shapes and parameter counts, hyperparameters, a
 * metric summary, files, raw and stored bytes.
 */
@Command(name = "desc", mixinStandardHelpOptions = true,
    description = "Describe a version: layers, tensors, hyperparameters, metrics, files.")
final class DescCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(paramLabel = "VERSION", description = "model@N, a model name or an id prefix.")
  String version;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.resolve(version);
      Network n = repo.network(v);
      List<TensorEntry> tensors = repo.catalog().tensors(v.id());
      long stored = tensors.stream().mapToLong(t -> t.object().storedBytes()).sum();

      out.println(v.label() + "  " + v.id());
      out.println("  created   " + Fmt.time(v.created()) + " UTC by " + v.author());
      out.println("  message   " + v.message());
      out.println("  network   " + n.name() + (v.format() == null ? "" : " (" + v.format() + ")")
          + ", " + n.layers().size() + " layers, " + n.edgeCount() + " edges");
      StringJoiner parents = new StringJoiner(", ");
      for (LineageEdge e : repo.catalog().parents(v.id())) {
        parents.add(e.kind() + " of " + repo.catalog().version(e.parentId())
            .map(VersionInfo::label).orElse(e.parentId()));
      }
      out.println("  parents   " + (parents.length() == 0 ? "-" : parents.toString()));
      out.println("  weights   " + Fmt.count(v.numParams()) + " parameters in " + tensors.size()
          + " tensors; " + Fmt.bytes(v.rawBytes()) + " raw, " + Fmt.bytes(stored)
          + " stored (" + Fmt.bytes(v.storedBytes()) + " new in this version)");

      Map<String, Long> paramsByLayer = repo.catalog().layerParams(v.id());
      out.println();
      out.println("Layers");
      TextTable lt = new TextTable("#", "NAME", "TYPE", "INPUTS", "ATTRIBUTES", "PARAMS")
          .right(0, 5);
      int i = 0;
      for (Layer l : n.layers()) {
        lt.row(i++, l.name(), l.type(), String.join(",", l.inputs()), attrs(l),
            Fmt.count(paramsByLayer.getOrDefault(l.name(), 0L)));
      }
      lt.print(out, "  ");

      if (!tensors.isEmpty()) {
        out.println();
        out.println("Tensors");
        TextTable tt = new TextTable("NAME", "SHAPE", "DTYPE", "VALUES", "ENCODING", "STORED")
            .right(3, 5);
        for (TensorEntry t : tensors) {
          tt.row(t.name(), Tensor.shapeString(t.shape()), t.dtype().label(),
              Fmt.count(t.numValues()), encoding(t), Fmt.bytes(t.object().storedBytes()));
        }
        tt.print(out, "  ");
      }

      Map<String, String> hp = repo.catalog().hyperparams(v.id());
      if (!hp.isEmpty()) {
        out.println();
        out.println("Hyperparameters");
        TextTable ht = new TextTable("NAME", "VALUE");
        hp.forEach(ht::row);
        ht.print(out, "  ");
      }

      List<Metric> metrics = repo.catalog().metrics(v.id());
      if (!metrics.isEmpty()) {
        out.println();
        out.println("Metrics");
        TextTable mt = new TextTable("NAME", "STEPS", "FIRST", "LAST", "MIN", "MAX")
            .right(1, 2, 3, 4, 5);
        Map<String, List<Metric>> byName = new LinkedHashMap<>();
        metrics.forEach(m -> byName.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m));
        byName.forEach((name, ms) -> mt.row(name,
            ms.get(0).step() + ".." + ms.get(ms.size() - 1).step(),
            Fmt.num(ms.get(0).value()), Fmt.num(ms.get(ms.size() - 1).value()),
            Fmt.num(ms.stream().mapToDouble(Metric::value).min().orElse(0)),
            Fmt.num(ms.stream().mapToDouble(Metric::value).max().orElse(0))));
        mt.print(out, "  ");
      }

      List<FileEntry> files = repo.catalog().files(v.id());
      if (!files.isEmpty()) {
        out.println();
        out.println("Files");
        TextTable ft = new TextTable("PATH", "SIZE", "SHA256").right(1);
        files.forEach(f -> ft.row(f.path(), Fmt.bytes(f.size()), f.sha256().substring(0, 12)));
        ft.print(out, "  ");
      }
    }
    return 0;
  }

  static String encoding(TensorEntry t) {
    String c = t.object().compression();
    return t.object().encoding() + ("none".equals(c) ? "" : "+" + c);
  }

  /** The normalised attributes, {@code key=value} (format-specific ones are nested maps). */
  static String attrs(Layer l) {
    StringJoiner j = new StringJoiner(" ");
    l.attrs().forEach((k, v) -> {
      if (!(v instanceof Map)) {
        String s = String.valueOf(v).replace(" ", "");
        j.add(k + "=" + (s.length() > 40 ? s.substring(0, 37) + "..." : s));
      }
    });
    return j.toString();
  }
}
