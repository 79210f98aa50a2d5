package org.modelhub.cli;

import java.nio.file.Path;
import java.util.List;
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

  @Override public Integer call() {
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.resolve(version);
      List<Path> files = Checkout.run(repo, v, format, out, force,
          TerminalProgress.forConsole());
      spec.commandLine().getOut().println("checked out " + v.label() + " into " + out + ":");
      files.forEach(f -> spec.commandLine().getOut().println("  " + f));
    }
    return 0;
  }
}
