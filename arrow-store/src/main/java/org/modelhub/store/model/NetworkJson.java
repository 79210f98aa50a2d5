package org.modelhub.store.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The neutral JSON form of a network (DESIGN.md's vocabulary), used beside safetensors weights
 * and as the canonical text whose hash identifies a network.
 *
 * <pre>{"format": "modelhub-network", "version": 1, "name": "LeNet",
 *  "layers": [{"name": "conv1", "type": "CONV", "inputs": ["data"],
 *              "attrs": {"filters": 20, "kernel": [5, 5]}}], "attrs": {}}</pre>
 */
public final class NetworkJson {
  public static final String FORMAT = "modelhub-network";

  /** Shared mapper: sorted map keys so the same network always prints the same text. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  private NetworkJson() {
  }

  public static ObjectNode toTree(Network network) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", 1);
    root.put("name", network.name());
    ArrayNode layers = root.putArray("layers");
    for (Layer l : network.layers()) {
      ObjectNode n = layers.addObject();
      n.put("name", l.name());
      n.put("type", l.type());
      ArrayNode in = n.putArray("inputs");
      l.inputs().forEach(in::add);
      n.set("attrs", MAPPER.valueToTree(l.attrs()));
    }
    root.set("attrs", MAPPER.valueToTree(network.attrs()));
    return root;
  }

  public static String toJson(Network network, boolean pretty) {
    try {
      return pretty
          ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toTree(network))
          : MAPPER.writeValueAsString(toTree(network));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a parsed JSON document is a neutral network file. */
  public static boolean isNetwork(JsonNode root) {
    return root.isObject() && FORMAT.equals(root.path("format").asText());
  }

  /**
   * Reads a network from its JSON tree.
   *
   * @throws IllegalArgumentException naming the layer and field that is wrong
   */
  public static Network fromTree(JsonNode root) {
    if (!isNetwork(root)) {
      throw new IllegalArgumentException("not a modelhub network: field \"format\" must be \""
          + FORMAT + "\"");
    }
    JsonNode layersNode = root.path("layers");
    if (!layersNode.isArray()) {
      throw new IllegalArgumentException("field \"layers\" must be an array");
    }
    List<Layer> layers = new ArrayList<>();
    int i = 0;
    for (JsonNode n : layersNode) {
      String where = "layers[" + i++ + "]";
      String name = requireText(n, "name", where);
      String type = requireText(n, "type", where + " (" + name + ")");
      List<String> inputs = new ArrayList<>();
      for (JsonNode in : n.path("inputs")) {
        inputs.add(in.asText());
      }
      layers.add(new Layer(name, type, toMap(n.path("attrs")), inputs));
    }
    return new Network(root.path("name").asText("network"), layers, toMap(root.path("attrs")));
  }

  public static Network fromJson(String json) {
    try {
      return fromTree(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  /** Parses a JSON object text into attributes. */
  public static Map<String, Object> parseAttrs(String json) {
    if (json == null || json.isEmpty()) {
      return new LinkedHashMap<>();
    }
    try {
      return MAPPER.readValue(json, MAP);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  public static String attrsToJson(Map<String, Object> attrs) {
    try {
      return MAPPER.writeValueAsString(attrs);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Any attribute value (map, list, scalar) as compact JSON. */
  public static String attrsToJsonValue(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> toMap(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return new LinkedHashMap<>();
    }
    return MAPPER.convertValue(node, MAP);
  }

  private static String requireText(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException(where + ": field \"" + field
          + "\" must be a non-empty string");
    }
    return v.asText();
  }
}
