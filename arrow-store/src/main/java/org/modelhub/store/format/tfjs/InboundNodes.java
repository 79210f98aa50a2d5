package org.modelhub.store.format.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the layers feeding a Keras functional layer from its {@code inbound_nodes}, in the
 * Keras 2 / TF.js list form ({@code [[[name, node, tensor, kwargs], ...], ...]}) and the
 * Keras 3 dict form ({@code [{"args": [...], "kwargs": {...}}]} with {@code __keras_tensor__}
 * objects), and writes the list form back.
 */
final class InboundNodes {
  private static final String KERAS_TENSOR = "__keras_tensor__";

  private InboundNodes() {
  }

  /**
   * The names of the inbound layers over all nodes, in order (a shared layer called twice
   * lists the inputs of both calls).
   *
   * @throws IllegalArgumentException saying which node or entry is malformed
   */
  static List<String> inputs(JsonNode inboundNodes) {
    List<String> out = new ArrayList<>();
    if (inboundNodes == null || inboundNodes.isNull() || inboundNodes.isMissingNode()) {
      return out;
    }
    if (!inboundNodes.isArray()) {
      throw new IllegalArgumentException("inbound_nodes must be a list");
    }
    for (int n = 0; n < inboundNodes.size(); n++) {
      JsonNode node = inboundNodes.get(n);
      if (node.isObject()) {
        collectKerasTensors(node.path("args"), out);
        collectKerasTensors(node.path("kwargs"), out);
      } else if (node.isArray()) {
        for (int e = 0; e < node.size(); e++) {
          JsonNode entry = node.get(e);
          if (!entry.isArray() || entry.size() == 0 || !entry.get(0).isTextual()) {
            throw new IllegalArgumentException("inbound_nodes[" + n + "][" + e
                + "] must be [layer_name, node_index, tensor_index, kwargs], got " + entry);
          }
          out.add(entry.get(0).asText());
        }
      } else {
        throw new IllegalArgumentException("inbound_nodes[" + n
            + "] must be a list of inbound tensors or an {args, kwargs} object, got " + node);
      }
    }
    return out;
  }

  private static void collectKerasTensors(JsonNode v, List<String> out) {
    if (v.isObject()) {
      if (KERAS_TENSOR.equals(v.path("class_name").asText())) {
        JsonNode history = v.path("config").path("keras_history");
        if (!history.isArray() || history.size() == 0 || !history.get(0).isTextual()) {
          throw new IllegalArgumentException("a " + KERAS_TENSOR
              + " must have config.keras_history [layer_name, node_index, tensor_index], got "
              + v);
        }
        out.add(history.get(0).asText());
        return;
      }
      for (JsonNode child : v) {
        collectKerasTensors(child, out);
      }
    } else if (v.isArray()) {
      for (JsonNode child : v) {
        collectKerasTensors(child, out);
      }
    }
  }

  /** One call of the layer on {@code inputs}, in list form: {@code [[[in, 0, 0, {}], ...]]}. */
  static List<Object> listForm(List<String> inputs) {
    List<Object> nodes = new ArrayList<>();
    if (inputs.isEmpty()) {
      return nodes;
    }
    List<Object> node = new ArrayList<>();
    for (String in : inputs) {
      node.add(List.of(in, 0, 0, Map.of()));
    }
    nodes.add(node);
    return nodes;
  }
}
