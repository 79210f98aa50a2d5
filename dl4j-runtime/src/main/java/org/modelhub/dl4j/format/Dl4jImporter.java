package org.modelhub.dl4j.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Imports DL4J models: a ModelSerializer zip (configuration and parameters), or a
 * configuration JSON with an Nd4j parameter vector, or a vector alone on top of a parent
 * version imported from DL4J.
 *
 * <p>A MultiLayerNetwork becomes an INPUT layer followed by its layers, chained; a
 * ComputationGraph becomes its vertices in topological order, network inputs as INPUT layers.
 * Layers unnamed in the configuration are called {@code layer<i>}, as DL4J calls them. Each
 * parameter of a layer's parameter table becomes tensor {@code <layer>/<key>} ({@code W},
 * {@code b}, {@code gamma}, {@code beta}, {@code mean}, {@code var}...), with the shape DL4J
 * gives it and its values in C order of that shape. The network's {@code dl4j} attribute keeps
 * the network kind and the configuration JSON as DL4J writes it, for a faithful export.
 * Hyperparameters take the keys documented in {@code Dl4jHyperparams} ({@code updater},
 * {@code learning_rate}, {@code seed}, {@code l2}...).
 */
public final class Dl4jImporter implements ModelImporter {
  @Override public String format() {
    return "dl4j";
  }

  @Override public Optional<FileRole> recognize(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return Dl4jZip.isModelZip(file) ? Optional.of(FileRole.MODEL) : Optional.empty();
    }
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
      return Dl4jConfig.looksLikeConfig(file) ? Optional.of(FileRole.NETWORK) : Optional.empty();
    }
    return Nd4jArrays.looksLikeArray(file) ? Optional.of(FileRole.WEIGHTS) : Optional.empty();
  }

  @Override public void check(Path file, FileRole role) throws IOException {
    switch (role) {
      case MODEL:
        Dl4jZip.read(file);
        break;
      case NETWORK:
        readConfig(file).numParams();
        break;
      case WEIGHTS:
        Nd4jArrays.readVector(file);
        break;
      default:
        throw new FormatException(file, null, "the dl4j format has no " + role
            + " files (it reads model zips, configuration JSON and parameter vectors)");
    }
  }

  @Override public ModelContent read(ImportInput input) throws IOException {
    validate(input);
    if (!input.models().isEmpty()) {
      Path zipFile = input.models().get(0);
      Dl4jZip zip = Dl4jZip.read(zipFile);
      Dl4jModel model = init(zip.config(), zip.params(), zipFile,
          "entry " + Dl4jZip.CONFIGURATION);
      return content(model, stem(zipFile), true);
    }
    Path bin = input.weights().isEmpty() ? null : input.weights().get(0);
    INDArray vector = bin == null ? null : Nd4jArrays.readVector(bin);
    if (!input.networks().isEmpty()) {
      Path json = input.networks().get(0);
      Dl4jConfig config = readConfig(json);
      checkLength(vector, bin, config, json, null, "the configuration " + json.getFileName());
      return content(init(config, vector, json, null), stem(json), bin != null);
    }
    Network base = input.baseNetwork().orElseThrow(() -> new FormatException(bin, null,
        "an Nd4j parameter vector needs its DL4J network: stage the configuration JSON with"
            + " it, or commit it on top of a version imported from DL4J"));
    String json = configurationOf(base);
    if (json == null) {
      throw new FormatException(bin, null, "the parent network '" + base.name()
          + "' was not imported from DL4J (it has no DL4J configuration), so the parameter"
          + " vector cannot be laid out; stage the DL4J configuration JSON with it");
    }
    String where = "DL4J configuration of the parent network '" + base.name() + "'";
    Dl4jConfig config;
    try {
      config = Dl4jConfig.parse(json);
    } catch (Dl4jInputException e) {
      throw e.in(bin, where);
    }
    checkLength(vector, bin, config, bin, where, "the " + where);
    return content(init(config, vector, bin, where), base.name(), true);
  }

  /** A vector of the wrong length is the vector's fault; the message names both sides. */
  private static void checkLength(INDArray vector, Path bin, Dl4jConfig config,
      Path configFile, String configWhere, String configName) {
    long expected;
    try {
      expected = config.numParams();
    } catch (Dl4jInputException e) {
      throw e.in(configFile, configWhere);
    }
    if (vector != null && vector.length() != expected) {
      throw new FormatException(bin, null, String.format(Locale.ROOT,
          "the parameter vector has %d values but %s needs %d", vector.length(), configName,
          expected));
    }
  }

  /** The DL4J configuration JSON a network imported from DL4J keeps, or null. */
  static String configurationOf(Network network) {
    Object dl4j = network.attrs().get(Dl4jModel.ATTR);
    if (dl4j instanceof Map) {
      Object conf = ((Map<?, ?>) dl4j).get("configuration");
      if (conf instanceof String) {
        return (String) conf;
      }
    }
    return null;
  }

  private static void validate(ImportInput input) {
    List<Path> models = input.models();
    if (models.size() > 1) {
      throw new FormatException(models.get(1), null, "only one DL4J model zip per commit ("
          + models.get(0).getFileName() + " is staged too)");
    }
    if (!models.isEmpty()) {
      Path other = !input.networks().isEmpty() ? input.networks().get(0)
          : !input.weights().isEmpty() ? input.weights().get(0) : null;
      if (other != null) {
        throw new FormatException(other, null, "the DL4J model zip "
            + models.get(0).getFileName() + " carries its own configuration and parameters;"
            + " commit this file separately");
      }
      return;
    }
    if (input.networks().size() > 1) {
      throw new FormatException(input.networks().get(1), null, "only one DL4J configuration"
          + " per commit (" + input.networks().get(0).getFileName() + " is staged too)");
    }
    if (input.weights().size() > 1) {
      throw new FormatException(input.weights().get(1), null, "only one Nd4j parameter vector"
          + " per commit (" + input.weights().get(0).getFileName() + " is staged too)");
    }
    if (input.networks().isEmpty() && input.weights().isEmpty()) {
      throw new ModelHubException("no DL4J file staged");
    }
  }

  private static Dl4jConfig readConfig(Path file) throws IOException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new FormatException(file, null, "not UTF-8 text", e);
    }
    try {
      return Dl4jConfig.parse(json);
    } catch (Dl4jInputException e) {
      throw e.in(file, null);
    }
  }

  private static Dl4jModel init(Dl4jConfig config, INDArray params, Path file, String where) {
    try {
      return config.init(params);
    } catch (Dl4jInputException e) {
      throw e.in(file, where);
    }
  }

  private static ModelContent content(Dl4jModel model, String name, boolean withWeights) {
    return new ModelContent(model.network(name), withWeights ? model.tensors() : List.of(),
        Dl4jHyperparams.of(model), List.of());
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
