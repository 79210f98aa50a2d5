package org.modelhub.store.format.tfjs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.NetworkJson;

/**
 * A Keras model configuration, the {@code modelTopology} of a TF.js layers-model, read into
 * layers: Sequential (each layer feeds the next) or functional (Model, Functional: inputs from
 * {@code inbound_nodes}), either at the top of the topology or under {@code model_config}.
 */
final class KerasTopology {
  static final String SEQUENTIAL = "Sequential";
  static final String MODEL_CONFIG = "model_config";
  /** Network name when the configuration has none (old list-form Sequential). */
  static final String DEFAULT_NAME = "model";

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  /** A Keras layer's class and configuration, kept to check weight shapes against. */
  record KerasLayer(String className, JsonNode config) {
    KerasLayer {
      requireNonNull(className, "className");
      requireNonNull(config, "config");
    }
  }

  private final String name;
  private final List<Layer> layers;
  private final ObjectNode stripped;
  private final Map<String, KerasLayer> kerasLayers;

  private KerasTopology(String name, List<Layer> layers, ObjectNode stripped,
      Map<String, KerasLayer> kerasLayers) {
    this.name = requireNonNull(name, "name");
    this.layers = List.copyOf(layers);
    this.stripped = requireNonNull(stripped, "stripped");
    this.kerasLayers = kerasLayers;
  }

  String name() {
    return name;
  }

  List<Layer> layers() {
    return layers;
  }

  /** The topology without its layers (they live in the network's layers). */
  ObjectNode stripped() {
    return stripped;
  }

  KerasLayer kerasLayer(String layerName) {
    return kerasLayers.get(layerName);
  }

  /**
   * Reads a topology.
   *
   * @throws FormatException naming the layer and field that are malformed
   */
  static KerasTopology parse(Path file, JsonNode topology) {
    String where = "modelTopology";
    if (!topology.isObject()) {
      throw new FormatException(file, where, "must be an object, got "
          + WeightsManifest.kind(topology));
    }
    ObjectNode stripped = topology.deepCopy();
    JsonNode holder = topology;
    ObjectNode strippedHolder = stripped;
    if (topology.has(MODEL_CONFIG)) {
      holder = topology.get(MODEL_CONFIG);
      where += "." + MODEL_CONFIG;
      if (!holder.isObject()) {
        throw new FormatException(file, where, "must be an object, got "
            + WeightsManifest.kind(holder));
      }
      strippedHolder = (ObjectNode) stripped.get(MODEL_CONFIG);
    }
    JsonNode classNode = holder.path("class_name");
    if (!classNode.isTextual()) {
      throw new FormatException(file, where + ".class_name", "the model class must be a string"
          + " (Sequential, Model or Functional)");
    }
    String modelClass = classNode.asText();
    JsonNode config = holder.path("config");
    boolean sequential = SEQUENTIAL.equals(modelClass);
    if (!sequential && !"Model".equals(modelClass) && !"Functional".equals(modelClass)) {
      throw new FormatException(file, where + ".class_name", "unsupported model class '"
          + modelClass + "' (expected Sequential, Model or Functional)");
    }
    JsonNode layersNode;
    if (sequential && config.isArray()) {
      // Keras 2.0 wrote a Sequential's configuration as the bare list of its layers
      layersNode = config;
      strippedHolder.putArray("config");
    } else {
      layersNode = config.path("layers");
      if (!config.isObject() || !layersNode.isArray()) {
        throw new FormatException(file, where + ".config", "a " + modelClass
            + " configuration needs a \"layers\" list");
      }
      ((ObjectNode) strippedHolder.get("config")).remove("layers");
    }
    String networkName = config.path("name").isTextual() ? config.path("name").asText()
        : DEFAULT_NAME;
    where += ".config" + (config.isArray() ? "" : ".layers");
    Builder b = new Builder(file);
    for (int i = 0; i < layersNode.size(); i++) {
      b.add(where + "[" + i + "]", layersNode.get(i), sequential, i == 0);
    }
    b.checkInputs();
    return new KerasTopology(networkName, b.layers, stripped, b.kerasLayers);
  }

  /** Collects layers, wiring Sequential ones into a chain. */
  private static final class Builder {
    private final Path file;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, KerasLayer> kerasLayers = new LinkedHashMap<>();
    private final Map<String, String> whereOf = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();

    Builder(Path file) {
      this.file = file;
    }

    void add(String where, JsonNode node, boolean sequential, boolean first) {
      if (!node.isObject()) {
        throw new FormatException(file, where, "a layer must be an object, got "
            + WeightsManifest.kind(node));
      }
      JsonNode classNode = node.path("class_name");
      JsonNode config = node.path("config");
      String layerName = node.path("name").isTextual() ? node.path("name").asText()
          : config.path("name").asText("");
      if (layerName.isEmpty()) {
        throw new FormatException(file, where, "a layer needs a \"name\"");
      }
      String at = where + " (" + layerName + ")";
      if (!classNode.isTextual() || classNode.asText().isEmpty()) {
        throw new FormatException(file, at, "layer '" + layerName
            + "' needs a \"class_name\"");
      }
      if (!config.isObject()) {
        throw new FormatException(file, at, "layer '" + layerName
            + "' needs a \"config\" object, got " + WeightsManifest.kind(config));
      }
      String className = classNode.asText();
      List<String> inputs = new ArrayList<>();
      if (sequential) {
        if (first && !"InputLayer".equals(className)) {
          JsonNode shape = config.has("batch_input_shape") ? config.get("batch_input_shape")
              : config.path("batch_shape");
          if (shape.isArray()) {
            // Keras builds the input a Sequential's first layer declares; name it as Keras does
            String inputName = unique(layerName + "_input");
            KerasLayers.Mapped in = KerasLayers.map("InputLayer", config);
            addLayer(where, new Layer(inputName, in.type(), in.attrs(), List.of()));
          }
        }
        if (!layers.isEmpty()) {
          inputs.add(layers.get(layers.size() - 1).name());
        }
      } else {
        try {
          inputs.addAll(InboundNodes.inputs(node.get("inbound_nodes")));
        } catch (IllegalArgumentException e) {
          throw new FormatException(file, at, "layer '" + layerName + "': " + e.getMessage());
        }
      }
      KerasLayers.Mapped mapped = KerasLayers.map(className, config);
      Map<String, Object> attrs = new LinkedHashMap<>(mapped.attrs());
      attrs.put("keras", NetworkJson.MAPPER.convertValue(node, MAP));
      addLayer(at, new Layer(layerName, mapped.type(), attrs, inputs));
      kerasLayers.put(layerName, new KerasLayer(className, config));
    }

    private void addLayer(String where, Layer layer) {
      if (!names.add(layer.name())) {
        throw new FormatException(file, where, "duplicate layer name '" + layer.name() + "'");
      }
      layers.add(layer);
      whereOf.put(layer.name(), where);
    }

    private String unique(String base) {
      String n = base;
      for (int i = 1; names.contains(n); i++) {
        n = base + "_" + i;
      }
      return n;
    }

    void checkInputs() {
      for (Layer l : layers) {
        for (String in : l.inputs()) {
          if (!names.contains(in)) {
            throw new FormatException(file, whereOf.get(l.name()), "layer '" + l.name()
                + "' takes input from unknown layer '" + in + "'");
          }
        }
        if (LayerTypes.INPUT.equals(l.type()) && !l.inputs().isEmpty()) {
          throw new FormatException(file, whereOf.get(l.name()), "input layer '" + l.name()
              + "' cannot have inbound layers " + l.inputs());
        }
      }
    }
  }
}
