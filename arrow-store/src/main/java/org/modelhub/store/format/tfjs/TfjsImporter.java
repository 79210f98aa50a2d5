package org.modelhub.store.format.tfjs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/**
 * Imports TF.js layers-models: a {@code model.json} whose {@code modelTopology} is a Keras
 * model configuration and whose {@code weightsManifest} lists the weights and the binary
 * shards (beside the model.json) that hold them.
 *
 * <p>Each Keras layer becomes one layer with its vocabulary type and normalised attributes,
 * and keeps its whole Keras object (class_name, config, name, inbound_nodes) under
 * {@code attrs.keras}. The network's {@code attrs.tfjs} holds the rest of the model.json: its
 * top-level fields, the topology without its layers, and the manifest as one group without
 * paths (every weight entry, in order, with its quantization). Weights keep their manifest
 * names and stored dtype (see {@link WeightsManifest} for quantized weights).
 *
 * <p>A bare weights manifest ({@code *weights_manifest.json}: a JSON array of groups) is a
 * {@link FileRole#WEIGHTS} file: on top of a base network it replaces the weights, alone it
 * imports as a network of {@value #PARAMS} layers, one per weight name prefix.
 */
public final class TfjsImporter implements ModelImporter {
  /** The type of a layer that only holds parameters (a network read from weights alone). */
  public static final String PARAMS = "PARAMS";
  /** Network name of a network read from weights alone. */
  static final String WEIGHTS_NETWORK = "weights";
  static final String TFJS = "tfjs";
  static final String TOPOLOGY = "modelTopology";
  static final String MANIFEST = "weightsManifest";
  static final String LAYERS_MODEL = "layers-model";

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  @Override public String format() {
    return TFJS;
  }

  @Override public Optional<FileRole> recognize(Path file) throws IOException {
    String fileName = file.getFileName() == null ? ""
        : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!fileName.endsWith(".json") || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    // Streams over the top level only, skipping values: a large topology is never built
    boolean topology = false;
    boolean manifest = false;
    try (JsonParser p = NetworkJson.MAPPER.getFactory().createParser(file.toFile())) {
      JsonToken first = p.nextToken();
      if (first == JsonToken.START_ARRAY) {
        return looksLikeManifest(p) ? Optional.of(FileRole.WEIGHTS) : Optional.empty();
      }
      if (first != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        topology |= TOPOLOGY.equals(field);
        manifest |= MANIFEST.equals(field);
        if (topology && manifest) {
          return Optional.of(FileRole.MODEL);
        }
        p.nextToken();
        p.skipChildren();
      }
      return Optional.empty();
    } catch (JsonProcessingException e) {
      // a broken file that was clearly meant as a TF.js model is ours, so check() reports it
      return topology || manifest ? Optional.of(FileRole.MODEL) : Optional.empty();
    }
  }

  private static boolean looksLikeManifest(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return false;
    }
    boolean paths = false;
    boolean weights = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      paths |= "paths".equals(p.currentName());
      weights |= "weights".equals(p.currentName());
      p.nextToken();
      p.skipChildren();
    }
    return paths && weights;
  }

  @Override public void check(Path file, FileRole role) throws IOException {
    switch (role) {
      case MODEL:
        parseModel(file).manifest().checkShards();
        break;
      case WEIGHTS:
        parseManifest(file).checkShards();
        break;
      default:
        throw new FormatException(file, null, "a TF.js file is a model.json (model) or a"
            + " weights manifest (weights), not a " + role.name().toLowerCase(Locale.ROOT)
            + " file");
    }
  }

  @Override public ModelContent read(ImportInput input) throws IOException {
    if (!input.networks().isEmpty()) {
      throw new FormatException(input.networks().get(0), null, "TF.js has no network-only"
          + " file: a model.json carries its topology and its weights manifest");
    }
    if (input.models().size() > 1) {
      throw new FormatException(input.models().get(1), null, "one TF.js model.json per"
          + " version, but " + input.models().size() + " are staged");
    }
    if (input.models().size() == 1) {
      if (!input.weights().isEmpty()) {
        throw new FormatException(input.weights().get(0), null, "a TF.js model.json carries"
            + " its own weights manifest; stage " + input.models().get(0).getFileName()
            + " alone");
      }
      return readModel(input.models().get(0));
    }
    if (input.weights().isEmpty()) {
      throw new ModelHubException("nothing to import: no TF.js model.json or weights manifest");
    }
    return readWeights(input.weights(), input.baseNetwork().orElse(null));
  }

  /** A parsed model.json: its network (without weights) and its manifest. */
  private record ParsedModel(Network network, WeightsManifest manifest) { }

  private static ModelContent readModel(Path file) throws IOException {
    ParsedModel m = parseModel(file);
    return new ModelContent(m.network(), m.manifest().read());
  }

  private static ParsedModel parseModel(Path file) throws IOException {
    JsonNode root = parseJson(file);
    if (!root.isObject() || !root.has(MANIFEST)) {
      throw new FormatException(file, null, "not a TF.js model: expected a JSON object with \""
          + TOPOLOGY + "\" and \"" + MANIFEST + "\"");
    }
    JsonNode format = root.get("format");
    if (format != null && !format.isNull() && !LAYERS_MODEL.equals(format.asText())) {
      throw new FormatException(file, "format", "TF.js format '" + format.asText()
          + "' is not supported, only '" + LAYERS_MODEL + "' (a Keras model)");
    }
    WeightsManifest manifest = WeightsManifest.parse(file, MANIFEST, root.get(MANIFEST),
        baseDir(file));
    JsonNode topologyNode = root.get(TOPOLOGY);
    ObjectNode kept = NetworkJson.MAPPER.createObjectNode();
    Network network;
    if (topologyNode == null || topologyNode.isNull()) {
      root.fields().forEachRemaining(f -> {
        if (!TOPOLOGY.equals(f.getKey())) {
          kept.set(f.getKey(), f.getValue());
        }
      });
      kept.set(MANIFEST, mergedManifest(manifest));
      network = paramsNetwork(manifest.entries(), attrsOf(kept));
    } else {
      KerasTopology topology = KerasTopology.parse(file, topologyNode);
      checkWeightShapes(file, topology, manifest);
      root.fields().forEachRemaining(f -> kept.set(f.getKey(), f.getValue()));
      kept.set(TOPOLOGY, topology.stripped());
      kept.set(MANIFEST, mergedManifest(manifest));
      try {
        network = new Network(topology.name(), topology.layers(), attrsOf(kept));
      } catch (IllegalArgumentException e) {
        throw new FormatException(file, TOPOLOGY, e.getMessage());
      }
    }
    return new ParsedModel(network, manifest);
  }

  private static void checkWeightShapes(Path file, KerasTopology topology,
      WeightsManifest manifest) {
    for (WeightsManifest.Entry e : manifest.entries()) {
      KerasTopology.KerasLayer owner = topology.kerasLayer(Tensor.layerOf(e.name()));
      if (owner == null) {
        continue;
      }
      int slash = e.name().lastIndexOf('/');
      String problem = KerasLayers.checkWeightShape(owner.className(), owner.config(),
          e.name().substring(slash + 1), e.shape());
      if (problem != null) {
        throw new FormatException(file, e.where(), "weight '" + e.name() + "' has shape "
            + Tensor.shapeString(e.shape()) + ", which does not fit layer '"
            + Tensor.layerOf(e.name()) + "' (" + owner.className() + "): " + problem);
      }
    }
  }

  private static ModelContent readWeights(List<Path> files, Network base) throws IOException {
    List<WeightsManifest.Entry> entries = new ArrayList<>();
    List<Tensor> tensors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    ArrayNode merged = NetworkJson.MAPPER.createArrayNode();
    for (Path file : files) {
      WeightsManifest manifest = parseManifest(file);
      for (WeightsManifest.Entry e : manifest.entries()) {
        if (!names.add(e.name())) {
          throw new FormatException(file, e.where(), "weight '" + e.name()
              + "' is also in another staged manifest");
        }
        entries.add(e);
        merged.add(e.json());
      }
      tensors.addAll(manifest.read());
    }
    ObjectNode group = NetworkJson.MAPPER.createObjectNode();
    group.set("weights", merged);
    ArrayNode manifestAttr = NetworkJson.MAPPER.createArrayNode().add(group);
    Network network;
    if (base == null) {
      ObjectNode kept = NetworkJson.MAPPER.createObjectNode();
      kept.set(MANIFEST, manifestAttr);
      network = paramsNetwork(entries, attrsOf(kept));
    } else {
      // the base network keeps its layers; its manifest entries now describe these weights
      Map<String, Object> attrs = new LinkedHashMap<>(base.attrs());
      Map<String, Object> tfjs = new LinkedHashMap<>();
      if (attrs.get(TFJS) instanceof Map) {
        ((Map<?, ?>) attrs.get(TFJS)).forEach((k, v) -> tfjs.put(k.toString(), v));
      }
      tfjs.put(MANIFEST, NetworkJson.MAPPER.convertValue(manifestAttr, List.class));
      attrs.put(TFJS, tfjs);
      network = base.withAttrs(attrs);
    }
    return new ModelContent(network, tensors);
  }

  private static WeightsManifest parseManifest(Path file) throws IOException {
    return WeightsManifest.parse(file, "", parseJson(file), baseDir(file));
  }

  /** One layer per weight-name prefix ({@code conv1} for {@code conv1/bias}), in order. */
  private static Network paramsNetwork(List<WeightsManifest.Entry> entries,
      Map<String, Object> attrs) {
    Map<String, Layer> layers = new LinkedHashMap<>();
    for (WeightsManifest.Entry e : entries) {
      String layer = Tensor.layerOf(e.name());
      layers.computeIfAbsent(layer, n -> new Layer(n, PARAMS, Map.of(), List.of()));
    }
    return new Network(WEIGHTS_NETWORK, new ArrayList<>(layers.values()), attrs);
  }

  private static ArrayNode mergedManifest(WeightsManifest manifest) {
    ArrayNode weights = NetworkJson.MAPPER.createArrayNode();
    manifest.entries().forEach(e -> weights.add(e.json()));
    ObjectNode group = NetworkJson.MAPPER.createObjectNode();
    group.set("weights", weights);
    return NetworkJson.MAPPER.createArrayNode().add(group);
  }

  private static Map<String, Object> attrsOf(ObjectNode tfjs) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put(TFJS, NetworkJson.MAPPER.convertValue(tfjs, MAP));
    return attrs;
  }

  private static Path baseDir(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? file.toAbsolutePath() : parent;
  }

  /**
   * Parses a whole JSON file.
   *
   * @throws FormatException with the line and column of a syntax error
   */
  static JsonNode parseJson(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      JsonNode root = NetworkJson.MAPPER.reader()
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .readTree(in);
      if (root == null || root.isMissingNode()) {
        throw new FormatException(file, null, "empty file, expected JSON");
      }
      return root;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? null : String.format(Locale.ROOT,
          "line %d:column %d", e.getLocation().getLineNr(), e.getLocation().getColumnNr());
      throw new FormatException(file, where, "malformed JSON: " + e.getOriginalMessage(), e);
    }
  }
}
