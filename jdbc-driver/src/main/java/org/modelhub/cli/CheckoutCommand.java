package org.modelhub.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.modelhub.store.Checkout;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dlv checkout VERSION --format F --out DIR}: exports a version. */
@Command(name = "checkout", mixinStandardHelpOptions = true,
    description = {"Export a version as model files (weights bit-exact) plus its files.",
        "Formats: caffe, onnx, dl4j, tfjs, safetensors (network.json + model.safetensors)."})
final class CheckoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(paramLabel = "VERSION") String version;

  @Option(names = "--format", description = "Format to write (default: the one imported from).")
  String format;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(names = "--force", description = "Write into a non-empty folder, replacing files.")
  boolean force;

  @Option(names = "--planes", paramLabel = "K", defaultValue = "4",
      description = "Read only the top K byte planes (1-4) of float32 weights: approximate"
          + " values (K=2 is about bfloat16) with a known error bound, read faster.")
  int planes;

  @Override public Integer call() {
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.resolve(version);
      Checkout.Result r = Checkout.export(repo, v, format, out, force, planes,
          TerminalProgress.forConsole());
      PrintWriter o = spec.commandLine().getOut();
      o.println("checked out " + v.label() + " into " + out + ":");
      r.files().forEach(f -> o.println("  " + f));
      if (planes < 4) {
        o.println("values are approximate: top " + planes + " of 4 byte planes, every value"
            + " within " + String.format(Locale.ROOT, "%.3g", r.maxErrorBound())
            + " of the committed one");
      }
      if (!r.lossyTensors().isEmpty()) {
        o.println("warning: " + r.lossyTensors().size() + " tensors are stored lossy, their"
            + " values are approximate:");
        r.lossyTensors().forEach(t -> o.println("  " + t));
      }
    }
    return 0;
  }
}
