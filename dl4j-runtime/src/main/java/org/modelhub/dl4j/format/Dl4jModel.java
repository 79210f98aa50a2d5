package org.modelhub.dl4j.format;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An instantiated DL4J network seen as ModelHub sees it: its layers in the shared vocabulary,
 * and one parameter view per tensor ({@code layer/paramKey}), in the order of the flat
 * parameter vector.
 */
final class Dl4jModel {
  /** Key of the network and layer attributes that hold what only DL4J needs. */
  static final String ATTR = "dl4j";

  private final Dl4jConfig.Kind kind;
  private final Model model;
  private final List<Layer> layers = new ArrayList<>();
  private final Map<String, INDArray> params = new LinkedHashMap<>();
  /** Per layer, its DL4J configuration and number of parameters, for hyperparameters. */
  private final List<Dl4jHyperparams.LayerConf> layerConfs = new ArrayList<>();

  Dl4jModel(Dl4jConfig.Kind kind, Model model) {
    this.kind = requireNonNull(kind, "kind");
    this.model = requireNonNull(model, "model");
    if (model instanceof MultiLayerNetwork) {
      describe((MultiLayerNetwork) model);
    } else {
      describe((ComputationGraph) model);
    }
  }

  private void describe(MultiLayerNetwork net) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    int n = net.getnLayers();
    Set<String> used = new HashSet<>();
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      String name = conf.getConf(i).getLayer().getLayerName();
      // DL4J before 0.8 left layers unnamed; DL4J itself then calls them layer<i>
      names[i] = unique(name == null || name.isEmpty() ? "layer" + i : name, used);
    }
    String input = unique("input", used);
    layers.add(Dl4jLayers.input(input, n == 0 ? null : conf.getConf(0).getLayer(),
        conf.getInputPreProcess(0)));
    String previous = input;
    for (int i = 0; i < n; i++) {
      NeuralNetConfiguration c = conf.getConf(i);
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("index", i);
      layers.add(Dl4jLayers.layer(names[i], c.getLayer(), conf.getInputPreProcess(i),
          List.of(previous), extra));
      org.deeplearning4j.nn.api.Layer runtime = net.getLayer(i);
      addParams(names[i], runtime.paramTable());
      layerConfs.add(new Dl4jHyperparams.LayerConf(names[i], c, runtime.numParams(),
          Dl4jLayers.isFrozen(c.getLayer())));
      previous = names[i];
    }
  }

  private void describe(ComputationGraph graph) {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
    for (int index : graph.topologicalSortOrder()) {
      org.deeplearning4j.nn.graph.vertex.GraphVertex v = vertices[index];
      String name = v.getVertexName();
      if (v.isInputVertex()) {
        layers.add(inputOf(conf, name));
        continue;
      }
      GraphVertex vc = conf.getVertices().get(name);
      layers.add(Dl4jLayers.vertex(name, vc, conf.getVertexInputs().get(name)));
      if (v.hasLayer()) {
        addParams(name, v.getLayer().paramTable());
        NeuralNetConfiguration c = layerConf(vc);
        if (c != null) {
          boolean frozen = vc instanceof FrozenVertex || Dl4jLayers.isFrozen(c.getLayer());
          layerConfs.add(new Dl4jHyperparams.LayerConf(name, c, v.getLayer().numParams(),
              frozen));
        }
      }
    }
  }

  /** A network input, shaped after the first layer that reads it. */
  private static Layer inputOf(ComputationGraphConfiguration conf, String name) {
    for (String consumer : conf.getTopologicalOrderStr()) {
      List<String> in = conf.getVertexInputs().get(consumer);
      if (in != null && in.contains(name)) {
        GraphVertex vc = conf.getVertices().get(consumer);
        if (vc instanceof LayerVertex) {
          LayerVertex lv = (LayerVertex) vc;
          return Dl4jLayers.input(name, lv.getLayerConf().getLayer(), lv.getPreProcessor());
        }
        break;
      }
    }
    return Dl4jLayers.input(name, null, null);
  }

  private static NeuralNetConfiguration layerConf(GraphVertex vc) {
    GraphVertex v = vc;
    while (v instanceof FrozenVertex) {
      v = ((FrozenVertex) v).getUnderlying();
    }
    return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf() : null;
  }

  private void addParams(String layer, Map<String, INDArray> table) {
    for (Map.Entry<String, INDArray> e : table.entrySet()) {
      params.put(layer + "/" + e.getKey(), e.getValue());
    }
  }

  private static String unique(String name, Set<String> used) {
    String n = name;
    for (int k = 1; !used.add(n); k++) {
      n = name + "_" + k;
    }
    return n;
  }

  Dl4jConfig.Kind kind() {
    return kind;
  }

  /** The DL4J network itself ({@code MultiLayerNetwork} or {@code ComputationGraph}). */
  Model model() {
    return model;
  }

  /** The configuration as DL4J writes it into a model zip (after init, with its data type). */
  String configurationJson() {
    return model instanceof MultiLayerNetwork
        ? ((MultiLayerNetwork) model).getLayerWiseConfigurations().toJson()
        : ((ComputationGraph) model).getConfiguration().toJson();
  }

  List<Layer> layers() {
    return List.copyOf(layers);
  }

  List<Dl4jHyperparams.LayerConf> layerConfs() {
    return List.copyOf(layerConfs);
  }

  /** The network: layers, and the configuration JSON and network kind for a faithful export. */
  Network network(String name) {
    Map<String, Object> dl4j = new LinkedHashMap<>();
    dl4j.put("kind", kind.label);
    dl4j.put("configuration", configurationJson());
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put(ATTR, dl4j);
    return new Network(name, layers, attrs);
  }

  /** One tensor per parameter, in the order of the flat parameter vector. */
  List<Tensor> tensors() {
    List<Tensor> out = new ArrayList<>(params.size());
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      out.add(Nd4jArrays.toTensor(e.getKey(), e.getValue()));
    }
    return out;
  }

  /**
   * Sets every parameter from the tensor of the same name.
   *
   * @throws ModelHubException naming a tensor that is unknown, missing, or of another shape or
   *     dtype than its parameter
   */
  void setParams(List<Tensor> tensors) {
    Set<String> seen = new HashSet<>();
    for (Tensor t : tensors) {
      INDArray view = params.get(t.name());
      if (view == null) {
        throw new ModelHubException("tensor '" + t.name() + "' is not a parameter of the DL4J "
            + kind.label + " (its parameters: " + String.join(", ", params.keySet()) + ")");
      }
      if (!Arrays.equals(view.shape(), t.shape())) {
        throw new ModelHubException("tensor '" + t.name() + "' has shape "
            + Tensor.shapeString(t.shape()) + " but the DL4J parameter has shape "
            + Tensor.shapeString(view.shape()));
      }
      DType expected = Nd4jArrays.dtype(view.dataType());
      if (expected != t.dtype()) {
        throw new ModelHubException("tensor '" + t.name() + "' is " + t.dtype().label()
            + " but the DL4J network holds " + view.dataType() + " parameters");
      }
      view.assign(Nd4jArrays.toArray(t));
      seen.add(t.name());
    }
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      if (!seen.contains(e.getKey())) {
        throw new ModelHubException("the DL4J " + kind.label + " needs tensor '" + e.getKey()
            + "' of shape " + Tensor.shapeString(e.getValue().shape())
            + ", which the model does not have");
      }
    }
  }

  /** Writes the network with ModelSerializer, without updater state. */
  void write(Path zip) throws IOException {
    ModelSerializer.writeModel(model, zip.toFile(), false);
  }
}
