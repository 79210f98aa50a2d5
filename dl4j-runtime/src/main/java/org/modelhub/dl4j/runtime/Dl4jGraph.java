package org.modelhub.dl4j.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.runtime.TrainingConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J ComputationGraph built from a stored version ({@link Dl4jGraphBuilder}), and the way
 * back: its parameters as the version's tensors, in the version's names, layouts and order.
 */
public final class Dl4jGraph {
  private final Network network;
  private final ComputationGraph graph;
  private final List<ParamBinding> bindings;
  private final List<Tensor> sourceTensors;
  private final List<Tensor> extraTensors;
  private final String inputName;
  private final long[] inputShape;
  private final String outputName;

  Dl4jGraph(Network network, ComputationGraph graph, List<ParamBinding> bindings,
      List<Tensor> sourceTensors, List<Tensor> extraTensors, String inputName,
      long[] inputShape, String outputName) {
    this.network = requireNonNull(network, "network");
    this.graph = requireNonNull(graph, "graph");
    this.bindings = List.copyOf(bindings);
    this.sourceTensors = List.copyOf(sourceTensors);
    this.extraTensors = List.copyOf(extraTensors);
    this.inputName = inputName;
    this.inputShape = inputShape.clone();
    this.outputName = outputName;
  }

  /**
   * Builds the graph of a stored version for data whose examples have shape
   * {@code exampleShape} (null: the INPUT layer's) in {@code classes} classes (0: any).
   *
   * @throws org.modelhub.store.ModelHubException naming the layer and type it cannot build
   */
  public static Dl4jGraph build(ModelContent content, long[] exampleShape, int classes,
      TrainingConfig config) {
    return Dl4jGraphBuilder.build(content.network(), content.tensors(), exampleShape, classes,
        config);
  }

  /** The stored network this graph was built from (the trained version keeps it). */
  public Network network() {
    return network;
  }

  public ComputationGraph graph() {
    return graph;
  }

  /** The shape of one example the graph reads, channels first: {@code [1,28,28]}, {@code [4]}. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The network's INPUT layer the data goes to. */
  public String inputName() {
    return inputName;
  }

  /** The graph's output vertex. */
  public String outputName() {
    return outputName;
  }

  /** Class probabilities (or the loss's outputs) for a batch of examples. */
  public INDArray output(INDArray features) {
    return graph.output(false, features)[0];
  }

  /**
   * The current parameters as tensors: the source version's tensors in their order (each
   * unchanged one is the original tensor itself, so identical values are stored once), those
   * of no DL4J parameter carried over as they were, then the tensors of layers that had
   * none, in layer order.
   */
  public List<Tensor> tensors() {
    Map<String, Tensor> current = new HashMap<>();
    List<Tensor> fresh = new ArrayList<>();
    for (ParamBinding b : bindings) {
      Tensor t = b.store(graph.getLayer(b.vertex()).getParam(b.key()));
      current.put(b.tensorName(), t);
      if (b.original() == null) {
        fresh.add(t);
      }
    }
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : sourceTensors) {
      out.add(current.getOrDefault(t.name(), t));
    }
    out.addAll(fresh);
    out.addAll(extraTensors);
    return out;
  }

  /** Names of the tensors the graph reads (the others are carried over untouched). */
  public List<String> boundTensors() {
    List<String> out = new ArrayList<>();
    bindings.forEach(b -> out.add(b.tensorName()));
    return out;
  }
}
