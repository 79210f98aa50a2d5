package org.modelhub.dl4j.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.modelhub.store.model.NetworkJson;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J network configuration read from its JSON: a MultiLayerConfiguration or a
 * ComputationGraphConfiguration, not yet instantiated.
 */
final class Dl4jConfig {
  /** The two kinds of DL4J network, named as DL4J names their classes. */
  enum Kind {
    MULTI_LAYER_NETWORK("MultiLayerNetwork"),
    COMPUTATION_GRAPH("ComputationGraph");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    static Kind of(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      return null;
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  private final Kind kind;
  private final MultiLayerConfiguration mlc;
  private final ComputationGraphConfiguration cgc;

  private Dl4jConfig(MultiLayerConfiguration mlc, ComputationGraphConfiguration cgc) {
    this.kind = mlc != null ? Kind.MULTI_LAYER_NETWORK : Kind.COMPUTATION_GRAPH;
    this.mlc = mlc;
    this.cgc = cgc;
  }

  Kind kind() {
    return kind;
  }

  /**
   * Whether a JSON file is a DL4J configuration, judged by its top-level keys without building
   * a tree: {@code confs} for a MultiLayerConfiguration, {@code vertices} with
   * {@code vertexInputs} or {@code networkInputs} for a ComputationGraphConfiguration.
   */
  static boolean looksLikeConfig(Path file) throws IOException {
    boolean vertices = false;
    boolean graphKeys = false;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
         JsonParser p = JSON.createParser(r)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if ("confs".equals(key) && value == JsonToken.START_ARRAY) {
          return true;
        }
        vertices |= "vertices".equals(key) && value == JsonToken.START_OBJECT;
        graphKeys |= "vertexInputs".equals(key) || "networkInputs".equals(key);
        if (vertices && graphKeys) {
          return true;
        }
        p.skipChildren();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON, or not UTF-8 text: then not a DL4J configuration either
      return false;
    }
    return false;
  }

  /**
   * Parses a configuration JSON as DL4J does ({@code fromJson}, which also reads the layouts
   * of DL4J releases before 1.0).
   *
   * @throws Dl4jInputException with the line and column of a syntax or mapping error
   */
  static Dl4jConfig parse(String json) {
    JsonNode root;
    try {
      root = NetworkJson.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new Dl4jInputException(location(e.getLocation()),
          "invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new Dl4jInputException(null, "a DL4J configuration must be a JSON object");
    }
    boolean multiLayer = root.path("confs").isArray();
    if (!multiLayer && !root.path("vertices").isObject()) {
      throw new Dl4jInputException(null, "not a DL4J network configuration: no \"confs\" array"
          + " (MultiLayerConfiguration) and no \"vertices\" object"
          + " (ComputationGraphConfiguration) at the top level");
    }
    try {
      return multiLayer
          ? new Dl4jConfig(MultiLayerConfiguration.fromJson(json), null)
          : new Dl4jConfig(null, ComputationGraphConfiguration.fromJson(json));
    } catch (RuntimeException e) {
      throw mappingError(multiLayer ? Kind.MULTI_LAYER_NETWORK : Kind.COMPUTATION_GRAPH, e);
    }
  }

  /** Names the place DL4J's (shaded) Jackson failed at, and what it said. */
  private static Dl4jInputException mappingError(Kind kind, RuntimeException e) {
    String where = null;
    String detail = null;
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof org.nd4j.shade.jackson.core.JsonProcessingException) {
        org.nd4j.shade.jackson.core.JsonProcessingException j =
            (org.nd4j.shade.jackson.core.JsonProcessingException) t;
        org.nd4j.shade.jackson.core.JsonLocation loc = j.getLocation();
        if (loc != null && loc.getLineNr() > 0) {
          where = "line " + loc.getLineNr() + ":" + loc.getColumnNr();
        }
        detail = j.getOriginalMessage();
        if (t instanceof org.nd4j.shade.jackson.databind.JsonMappingException) {
          String path = path((org.nd4j.shade.jackson.databind.JsonMappingException) t);
          if (!path.isEmpty()) {
            detail += " (at " + path + ")";
          }
        }
        break;
      }
    }
    if (detail == null) {
      detail = Dl4jInputException.rootMessage(e);
    }
    return new Dl4jInputException(where, "invalid DL4J " + kind.label + " configuration: "
        + detail, e);
  }

  /** The JSON path of a mapping error, as {@code confs[0].layer}. */
  private static String path(org.nd4j.shade.jackson.databind.JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (org.nd4j.shade.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String location(JsonLocation loc) {
    return loc == null || loc.getLineNr() <= 0
        ? null : "line " + loc.getLineNr() + ":" + loc.getColumnNr();
  }

  /** Number of parameters the network needs, counted from the configuration alone. */
  long numParams() {
    try {
      long n = 0;
      if (mlc != null) {
        for (NeuralNetConfiguration c : mlc.getConfs()) {
          n += c.getLayer().initializer().numParams(c);
        }
      } else {
        for (GraphVertex v : cgc.getVertices().values()) {
          n += v.numParams(true);
        }
      }
      return n;
    } catch (RuntimeException e) {
      throw new Dl4jInputException(null, "cannot count the parameters of this "
          + kind.label + " configuration: " + Dl4jInputException.rootMessage(e), e);
    }
  }

  DataType dataType() {
    return mlc != null ? mlc.getDataType() : cgc.getDataType();
  }

  /**
   * Instantiates the network over {@code params} (a flat vector of {@link #numParams()}
   * values, kept as the network's storage), or over zeros when null. As ModelSerializer does,
   * the network takes the data type of the parameters it is given.
   */
  Dl4jModel init(INDArray params) {
    long n = numParams();
    INDArray flat = params;
    if (flat != null && flat.length() != n) {
      throw new Dl4jInputException(null, String.format(Locale.ROOT,
          "the parameter vector has %d values but the %s configuration needs %d",
          flat.length(), kind.label, n));
    }
    if (flat == null && n > 0) {
      flat = Nd4j.zeros(dataType(), 1, n);
    }
    if (flat != null && (flat.rank() != 2 || flat.rows() != 1)) {
      flat = flat.reshape('c', 1, n);
    }
    try {
      Model model;
      if (mlc != null) {
        if (flat != null) {
          mlc.setDataType(flat.dataType());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(mlc);
        net.init(flat, false);
        model = net;
      } else {
        if (flat != null) {
          cgc.setDataType(flat.dataType());
        }
        ComputationGraph graph = new ComputationGraph(cgc);
        graph.init(flat, false);
        model = graph;
      }
      return new Dl4jModel(kind, model);
    } catch (RuntimeException e) {
      throw new Dl4jInputException(null, "DL4J cannot build this " + kind.label + ": "
          + Dl4jInputException.rootMessage(e), e);
    }
  }
}
