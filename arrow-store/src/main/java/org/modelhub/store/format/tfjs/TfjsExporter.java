package org.modelhub.store.format.tfjs;

import static org.modelhub.store.format.tfjs.TfjsImporter.MANIFEST;
import static org.modelhub.store.format.tfjs.TfjsImporter.TOPOLOGY;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/**
 * Exports a network as a TF.js layers-model: {@code model.json} and one shard
 * {@value #SHARD} holding every weight, in manifest order.
 *
 * <p>A network imported from TF.js comes back as it was: the Keras objects kept under each
 * layer's {@code attrs.keras}, the model.json fields and manifest entries (names, dtypes,
 * quantization) kept under the network's {@code attrs.tfjs}, so the shard bytes are the
 * original ones. Edits are followed: a layer whose inputs changed gets new
 * {@code inbound_nodes}, a Sequential model that no longer is a chain becomes a functional
 * {@code Model}, and parameter-free layers without a Keras configuration (INPUT, RELU,
 * SIGMOID, TANH, SOFTMAX, ACTIVATION, DROPOUT, FLATTEN, CONCAT, ELTWISE, POOL with same/valid
 * padding) get one. Any other layer must carry {@code attrs.keras}: weight layouts differ
 * between formats (a Caffe CONV is OIHW, a Keras kernel HWIO), so a network from another
 * format raises {@link ModelHubException} naming the first layer that cannot be expressed.
 * Normalised attributes are not written back; {@code attrs.keras} is what the export uses.
 */
public final class TfjsExporter implements ModelExporter {
  /** The single weight shard written beside model.json. */
  public static final String SHARD = "group1-shard1of1.bin";
  public static final String MODEL_JSON = "model.json";

  private static final String INPUT_LAYER = "InputLayer";

  @Override public String format() {
    return TfjsImporter.TFJS;
  }

  @Override public List<Path> write(ModelContent content, Path dir) throws IOException {
    Network net = content.network();
    Map<?, ?> tfjs = net.attrs().get(TfjsImporter.TFJS) instanceof Map
        ? (Map<?, ?>) net.attrs().get(TfjsImporter.TFJS) : null;
    // everything is built and checked before a file is touched
    List<Tensor> ordered = new ArrayList<>();
    ArrayNode entries = manifestEntries(content, tfjs, ordered);
    JsonNode topology = topology(content, tfjs);
    ObjectNode root = NetworkJson.MAPPER.createObjectNode();
    if (tfjs == null) {
      root.put("format", TfjsImporter.LAYERS_MODEL);
      root.put("generatedBy", "ModelHub");
      root.putNull("convertedBy");
    } else {
      tfjs.forEach((k, v) -> root.set(k.toString(), NetworkJson.MAPPER.valueToTree(v)));
    }
    root.set(TOPOLOGY, topology);
    ObjectNode group = NetworkJson.MAPPER.createObjectNode();
    group.putArray("paths").add(SHARD);
    group.set("weights", entries);
    root.putArray(MANIFEST).add(group);

    Path shard = dir.resolve(SHARD);
    try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      for (Tensor t : ordered) {
        ByteBuffer b = t.data();
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    }
    Path modelJson = dir.resolve(MODEL_JSON);
    NetworkJson.MAPPER.writeValue(modelJson.toFile(), root);
    return List.of(modelJson, shard);
  }

  /**
   * The manifest entries: first those the network kept from its TF.js source, in their order,
   * then the other tensors in content order; {@code ordered} receives the tensors likewise.
   */
  private static ArrayNode manifestEntries(ModelContent content, Map<?, ?> tfjs,
      List<Tensor> ordered) {
    Map<String, Tensor> byName = content.tensorMap();
    Set<String> done = new HashSet<>();
    ArrayNode entries = NetworkJson.MAPPER.createArrayNode();
    for (JsonNode stored : storedEntries(tfjs)) {
      Tensor t = byName.get(stored.path("name").asText());
      if (t != null && done.add(t.name())) {
        entries.add(entry(t, stored));
        ordered.add(t);
      }
    }
    for (Tensor t : content.tensors()) {
      if (done.add(t.name())) {
        entries.add(entry(t, null));
        ordered.add(t);
      }
    }
    return entries;
  }

  private static List<JsonNode> storedEntries(Map<?, ?> tfjs) {
    List<JsonNode> out = new ArrayList<>();
    if (tfjs == null) {
      return out;
    }
    JsonNode manifest = NetworkJson.MAPPER.valueToTree(tfjs.get(MANIFEST));
    if (manifest != null && manifest.isArray()) {
      for (JsonNode group : manifest) {
        for (JsonNode w : group.path("weights")) {
          if (w.isObject()) {
            out.add(w);
          }
        }
      }
    }
    return out;
  }

  private static JsonNode entry(Tensor t, JsonNode stored) {
    if (stored != null && storageDtypeOrNull(stored) == t.dtype()) {
      ObjectNode e = stored.deepCopy();
      if (!Arrays.equals(shapeOf(stored.path("shape")), t.shape())) {
        e.set("shape", shapeNode(t.shape()));
      }
      return e;
    }
    ObjectNode e = NetworkJson.MAPPER.createObjectNode();
    e.put("name", t.name());
    e.set("shape", shapeNode(t.shape()));
    switch (t.dtype()) {
      case FLOAT32: e.put("dtype", "float32"); break;
      case INT32: e.put("dtype", "int32"); break;
      case BOOL: e.put("dtype", "bool"); break;
      case FLOAT16:
        e.put("dtype", "float32");
        e.putObject("quantization").put("dtype", "float16");
        break;
      default:
        throw new ModelHubException("tensor '" + t.name() + "' has dtype " + t.dtype().label()
            + ", which TF.js weights cannot hold (float32, int32, bool, float16; uint8 and"
            + " uint16 codes only with the quantization of their TF.js manifest entry)");
    }
    return e;
  }

  private static DType storageDtypeOrNull(JsonNode stored) {
    try {
      return WeightsManifest.storageDtype(stored);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static long[] shapeOf(JsonNode shape) {
    long[] s = new long[shape.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape.get(i).asLong(-1);
    }
    return s;
  }

  private static ArrayNode shapeNode(long[] shape) {
    ArrayNode a = NetworkJson.MAPPER.createArrayNode();
    for (long d : shape) {
      a.add(d);
    }
    return a;
  }

  /** The modelTopology: null for weights alone, else a Sequential or functional model. */
  private static JsonNode topology(ModelContent content, Map<?, ?> tfjs) {
    Network net = content.network();
    boolean storedTopology = tfjs != null && tfjs.get(TOPOLOGY) instanceof Map;
    if (!storedTopology && net.layers().stream().allMatch(l ->
        TfjsImporter.PARAMS.equals(l.type()) && !(l.attr("keras") instanceof Map))) {
      return NullNode.getInstance();
    }
    ObjectNode topology;
    if (storedTopology) {
      topology = NetworkJson.MAPPER.valueToTree(tfjs.get(TOPOLOGY));
    } else {
      topology = NetworkJson.MAPPER.createObjectNode();
      topology.put("class_name", "Model");
      topology.putObject("config").put("name", net.name());
      topology.put("keras_version", "tfjs-layers");
      topology.put("backend", "tensor_flow.js");
    }
    ObjectNode holder = topology.path(KerasTopology.MODEL_CONFIG).isObject()
        ? (ObjectNode) topology.get(KerasTopology.MODEL_CONFIG) : topology;
    List<ObjectNode> objects = new ArrayList<>();
    for (Layer l : net.layers()) {
      objects.add(kerasObject(l, content.tensors()));
    }
    if (KerasTopology.SEQUENTIAL.equals(holder.path("class_name").asText())
        && isChain(net)) {
      holder.set("config", sequentialConfig(net, objects, holder.get("config")));
    } else {
      String cls = holder.path("class_name").asText();
      if (!"Model".equals(cls) && !"Functional".equals(cls)) {
        holder.put("class_name", "Model");
      }
      holder.set("config", functionalConfig(net, objects, holder.get("config")));
    }
    return topology;
  }

  /** The layer's Keras object, renamed if the layer was; synthesized when it has none. */
  private static ObjectNode kerasObject(Layer l, List<Tensor> tensors) {
    ObjectNode obj;
    if (l.attr("keras") instanceof Map) {
      obj = NetworkJson.MAPPER.valueToTree(l.attr("keras"));
    } else {
      Map<String, Object> made = KerasLayers.hasWeights(l, tensors) ? null
          : KerasLayers.synthesize(l);
      if (made == null) {
        throw new ModelHubException("layer '" + l.name() + "' of type " + l.type()
            + " cannot be expressed as a TF.js layers-model: it has no Keras configuration"
            + " (attrs.keras), and only parameter-free layers get one made");
      }
      obj = NetworkJson.MAPPER.valueToTree(made);
    }
    if (obj.path("config").isObject()
        && !l.name().equals(obj.path("config").path("name").asText(l.name()))) {
      ((ObjectNode) obj.get("config")).put("name", l.name());
    }
    if (obj.has("name")) {
      obj.put("name", l.name());
    }
    return obj;
  }

  private static boolean isChain(Network net) {
    List<Layer> layers = net.layers();
    for (int i = 0; i < layers.size(); i++) {
      List<String> expected = i == 0 ? List.of() : List.of(layers.get(i - 1).name());
      if (!layers.get(i).inputs().equals(expected)) {
        return false;
      }
      if (i > 0 && LayerTypes.INPUT.equals(layers.get(i).type())) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode sequentialConfig(Network net, List<ObjectNode> objects,
      JsonNode stored) {
    ArrayNode layers = NetworkJson.MAPPER.createArrayNode();
    for (int i = 0; i < objects.size(); i++) {
      Layer l = net.layers().get(i);
      ObjectNode obj = objects.get(i);
      // the importer made this input from the next layer's batch_input_shape: it is implied
      boolean impliedInput = i == 0 && objects.size() > 1
          && LayerTypes.INPUT.equals(l.type()) && !(l.attr("keras") instanceof Map)
          && declaresInput(objects.get(1));
      if (!impliedInput) {
        obj.remove("inbound_nodes");
        layers.add(obj);
      }
    }
    if (stored != null && stored.isArray()) {
      return layers;
    }
    ObjectNode config = stored != null && stored.isObject() ? ((ObjectNode) stored).deepCopy()
        : NetworkJson.MAPPER.createObjectNode().put("name", net.name());
    config.set("layers", layers);
    return config;
  }

  private static boolean declaresInput(ObjectNode obj) {
    JsonNode config = obj.path("config");
    return !INPUT_LAYER.equals(obj.path("class_name").asText())
        && (config.path("batch_input_shape").isArray() || config.path("batch_shape").isArray());
  }

  private static JsonNode functionalConfig(Network net, List<ObjectNode> objects,
      JsonNode stored) {
    Set<String> fed = new HashSet<>();
    List<String> sources = new ArrayList<>();
    ArrayNode layers = NetworkJson.MAPPER.createArrayNode();
    for (int i = 0; i < objects.size(); i++) {
      Layer l = net.layers().get(i);
      ObjectNode obj = objects.get(i);
      fed.addAll(l.inputs());
      if (l.inputs().isEmpty()) {
        if (!INPUT_LAYER.equals(obj.path("class_name").asText())) {
          throw new ModelHubException("layer '" + l.name() + "' of type " + l.type()
              + " has no inputs and is not an input layer; a TF.js functional model needs an"
              + " InputLayer in front of it");
        }
        sources.add(l.name());
      }
      List<String> storedInputs;
      try {
        storedInputs = InboundNodes.inputs(obj.get("inbound_nodes"));
      } catch (IllegalArgumentException e) {
        storedInputs = null;
      }
      // stored nodes keep node/tensor indices and kwargs; rewrite only when the graph changed
      if (!obj.has("inbound_nodes") || !l.inputs().equals(storedInputs)) {
        obj.set("inbound_nodes", NetworkJson.MAPPER.valueToTree(
            InboundNodes.listForm(l.inputs())));
      }
      obj.put("name", l.name());
      layers.add(obj);
    }
    List<String> sinks = new ArrayList<>();
    for (Layer l : net.layers()) {
      if (!fed.contains(l.name())) {
        sinks.add(l.name());
      }
    }
    ObjectNode config = stored != null && stored.isObject() ? ((ObjectNode) stored).deepCopy()
        : NetworkJson.MAPPER.createObjectNode().put("name", net.name());
    config.set("layers", layers);
    fixEnds(net, config, "input_layers", sources, true);
    fixEnds(net, config, "output_layers", sinks, false);
    return config;
  }

  /**
   * Keeps the stored input (output) layers while they name existing layers and cover every
   * source (sink) of the graph; otherwise lists the sources (sinks).
   */
  private static void fixEnds(Network net, ObjectNode config, String key, List<String> ends,
      boolean exact) {
    JsonNode stored = config.get(key);
    List<String> names = new ArrayList<>();
    if (stored != null && stored.isArray()) {
      if (stored.size() > 0 && stored.get(0).isTextual()) {
        names.add(stored.get(0).asText());
      } else {
        for (JsonNode ref : stored) {
          if (ref.isArray() && ref.size() > 0 && ref.get(0).isTextual()) {
            names.add(ref.get(0).asText());
          }
        }
      }
    }
    boolean keep = !names.isEmpty() && names.stream().allMatch(net::hasLayer)
        && names.containsAll(ends) && (!exact || ends.containsAll(names));
    if (!keep) {
      ArrayNode refs = config.putArray(key);
      for (String n : ends) {
        refs.addArray().add(n).add(0).add(0);
      }
    }
  }
}
