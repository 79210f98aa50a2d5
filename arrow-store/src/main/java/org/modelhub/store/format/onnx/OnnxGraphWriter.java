package org.modelhub.store.format.onnx;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.GraphProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorShapeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TypeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ValueInfoProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Builds the {@code ModelProto} of a network: from the file the importer kept (network
 * {@code attrs.onnx.model}) and each layer's {@code attrs.onnx} node when the network came
 * from ONNX, from the vocabulary ({@link OnnxNodeBuilder}) for every other layer.
 */
final class OnnxGraphWriter {
  static final String FILE_NAME = "model.onnx";
  private static final int DEFAULT_OPSET = 13;
  private static final long DEFAULT_IR_VERSION = 7;

  private final Network network;
  private final Map<String, Tensor> tensors;
  private final Path dir;
  private final OnnxExternalData external;
  private final ModelProto.Builder model;
  private final GraphProto.Builder graph;
  private final boolean fromOnnx;

  private final Set<String> tensorNames = new HashSet<>();
  private final Map<String, List<String>> layerOutputs = new HashMap<>();
  private final Map<String, String> tensorProducer = new HashMap<>();
  private final Map<String, Tensor> initializerTensors = new LinkedHashMap<>();
  private final Set<String> inputTensors = new LinkedHashSet<>();
  private final Set<String> keptInitializers = new HashSet<>();
  private final List<NodeProto> nodes = new ArrayList<>();
  private final List<TensorProto> newInitializers = new ArrayList<>();

  OnnxGraphWriter(ModelContent content, Path dir) {
    this.network = requireNonNull(content, "content").network();
    this.tensors = content.tensorMap();
    this.dir = requireNonNull(dir, "dir").toAbsolutePath().normalize();
    this.external = new OnnxExternalData(this.dir, FILE_NAME);
    Map<String, Object> onnx = onnx(network.attrs());
    this.fromOnnx = onnx.get("model") != null;
    this.model = fromOnnx ? skeleton(onnx.get("model")) : freshModel();
    this.graph = model.getGraphBuilder();
  }

  private static ModelProto.Builder skeleton(Object base64) {
    try {
      return ModelProto.parseFrom(OnnxAttributes.unb64(base64)).toBuilder();
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new ModelHubException("network attribute onnx.model is not a base64 ModelProto: "
          + e.getMessage(), e);
    }
  }

  private ModelProto.Builder freshModel() {
    ModelProto.Builder b = ModelProto.newBuilder().setIrVersion(DEFAULT_IR_VERSION)
        .setProducerName("modelhub")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(DEFAULT_OPSET));
    b.getGraphBuilder().setName(network.name());
    return b;
  }

  List<Path> write() throws IOException {
    collectTensorNames();
    collectInitializerTensors();
    OnnxNodeBuilder builder = new OnnxNodeBuilder(network, tensors, opset(), this::fresh,
        nodes, newInitializers);
    for (Layer layer : network.layers()) {
      Map<String, Object> onnx = onnx(layer.attrs());
      Object kind = onnx.get("kind");
      if (layer.type().equals(LayerTypes.INPUT) || OnnxGraphReader.KIND_INPUT.equals(kind)) {
        inputTensors.add(layerOutputs.get(layer.name()).get(0));
      } else if (OnnxGraphReader.KIND_INITIALIZERS.equals(kind)) {
        continue;
      } else if (onnx.get("op_type") != null) {
        nodes.add(rebuild(layer, onnx));
      } else {
        builder.emit(layer, inputsOf(layer), layerOutputs.get(layer.name()).get(0));
      }
    }
    graph.clearNode().addAllNode(nodes);
    rebuildInitializers();
    rebuildInputsAndOutputs(builder);
    Path out = dir.resolve(FILE_NAME);
    ModelProto built = model.build();
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
      built.writeTo(os);
    }
    List<Path> written = new ArrayList<>();
    written.add(out);
    written.addAll(external.writeAll());
    return written;
  }

  private int opset() {
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        return (int) o.getVersion();
      }
    }
    return DEFAULT_OPSET;
  }

  /** Every tensor name the kept file and the ONNX layers use, then names for the others. */
  private void collectTensorNames() {
    graph.getInputList().forEach(v -> tensorNames.add(v.getName()));
    graph.getOutputList().forEach(v -> tensorNames.add(v.getName()));
    graph.getValueInfoList().forEach(v -> tensorNames.add(v.getName()));
    graph.getInitializerList().forEach(t -> keptInitializers.add(t.getName()));
    graph.getSparseInitializerList().forEach(s -> keptInitializers.add(s.getValues().getName()));
    tensorNames.addAll(keptInitializers);
    for (Layer layer : network.layers()) {
      Map<String, Object> onnx = onnx(layer.attrs());
      strings(layer, onnx.get("inputs")).forEach(tensorNames::add);
      strings(layer, onnx.get("outputs")).forEach(tensorNames::add);
      if (onnx.get("params") != null) {
        map(layer, onnx.get("params")).values().forEach(v -> tensorNames.add(String.valueOf(v)));
      }
    }
    for (Layer layer : network.layers()) {
      List<String> outs = strings(layer, onnx(layer.attrs()).get("outputs"));
      if (outs.isEmpty()) {
        outs = List.of(fresh(layer.name()));
      }
      layerOutputs.put(layer.name(), outs);
      for (String o : outs) {
        if (!o.isEmpty()) {
          tensorProducer.put(o, layer.name());
        }
      }
    }
  }

  /** A tensor or initializer name not used yet, {@code base} itself when possible. */
  private String fresh(String base) {
    String name = base;
    for (int k = 1; !tensorNames.add(name); k++) {
      name = base + "_" + k;
    }
    return name;
  }

  private void collectInitializerTensors() {
    for (Layer layer : network.layers()) {
      Object params = onnx(layer.attrs()).get("params");
      if (params == null) {
        continue;
      }
      for (Map.Entry<String, Object> p : map(layer, params).entrySet()) {
        String tensorName = layer.name() + "/" + p.getKey();
        Tensor t = tensors.get(tensorName);
        if (t == null) {
          throw new ModelHubException("layer '" + layer.name() + "': tensor '" + tensorName
              + "' (ONNX initializer '" + p.getValue() + "') is missing");
        }
        initializerTensors.put(String.valueOf(p.getValue()), t);
      }
    }
  }

  /** Tensor names feeding a layer built from the vocabulary: each input layer's first output. */
  private List<String> inputsOf(Layer layer) {
    List<String> in = new ArrayList<>();
    for (String l : layer.inputs()) {
      in.add(layerOutputs.get(l).get(0));
    }
    return in;
  }

  private NodeProto rebuild(Layer layer, Map<String, Object> onnx) {
    NodeProto.Builder n = NodeProto.newBuilder();
    try {
      if (onnx.get("extra") != null) {
        n.mergeFrom(OnnxAttributes.unb64(onnx.get("extra")));
      }
      n.addAllInput(rewire(layer, strings(layer, onnx.get("inputs"))));
      n.addAllOutput(strings(layer, onnx.get("outputs")));
      n.setOpType(OnnxAttributes.str(onnx.get("op_type")));
      if (onnx.containsKey("name")) {
        n.setName(OnnxAttributes.str(onnx.get("name")));
      }
      if (onnx.containsKey("domain")) {
        n.setDomain(OnnxAttributes.str(onnx.get("domain")));
      }
      if (onnx.containsKey("overload")) {
        n.setOverload(OnnxAttributes.str(onnx.get("overload")));
      }
      if (onnx.containsKey("doc_string")) {
        n.setDocString(OnnxAttributes.str(onnx.get("doc_string")));
      }
      for (Object a : OnnxAttributes.list(onnx.get("attributes"))) {
        AttributeProto attr = OnnxAttributes.fromJson(OnnxAttributes.map(a),
            ref -> attributeTensor(layer, ref));
        n.addAttribute(attr);
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new ModelHubException("layer '" + layer.name() + "': attrs.onnx cannot be"
          + " turned back into a node: " + e.getMessage(), e);
    }
    return n.build();
  }

  private TensorProto attributeTensor(Layer layer, Map<String, Object> ref) {
    String tensorName = layer.name() + "/" + OnnxAttributes.str(ref.get("param"));
    Tensor t = tensors.get(tensorName);
    if (t == null) {
      throw new ModelHubException("layer '" + layer.name() + "': tensor '" + tensorName
          + "' is missing");
    }
    TensorProto.Builder b = TensorProto.newBuilder();
    if (ref.get("extra") != null) {
      try {
        b.mergeFrom(OnnxAttributes.unb64(ref.get("extra")));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("tensor '" + tensorName + "': bad extra", e);
      }
    }
    if (ref.containsKey("name")) {
      b.setName(OnnxAttributes.str(ref.get("name")));
    }
    if (OnnxTensors.RAW_DATA.equals(ref.get("field"))) {
      b.setRawData(ByteString.EMPTY);
    }
    OnnxTensors.fill(b, t, external);
    return b.build();
  }

  /**
   * The node's tensor-level inputs. When the layer's inputs still name the layers producing
   * them, the recorded list is kept as is; when the network was changed (DQL inserted or
   * removed a layer), data inputs are re-pointed at the outputs of the layers now feeding it.
   */
  private List<String> rewire(Layer layer, List<String> recorded) {
    List<String> data = new ArrayList<>();
    for (String t : recorded) {
      if (!t.isEmpty() && !isInitializer(t) && !data.contains(t)) {
        data.add(t);
      }
    }
    Set<String> producers = new LinkedHashSet<>();
    for (String t : data) {
      String p = tensorProducer.get(t);
      if (p != null) {
        producers.add(p);
      }
    }
    List<String> now = layer.inputs();
    if (new ArrayList<>(producers).equals(now)) {
      return recorded;
    }
    Map<String, String> replace = new HashMap<>();
    for (int k = 0; k < Math.min(data.size(), now.size()); k++) {
      if (!now.get(k).equals(tensorProducer.get(data.get(k)))) {
        replace.put(data.get(k), layerOutputs.get(now.get(k)).get(0));
      }
    }
    List<String> out = new ArrayList<>();
    for (String t : recorded) {
      out.add(replace.getOrDefault(t, t));
    }
    for (int k = data.size(); k < now.size(); k++) {
      out.add(layerOutputs.get(now.get(k)).get(0));
    }
    return out;
  }

  private boolean isInitializer(String name) {
    return initializerTensors.containsKey(name) || keptInitializers.contains(name);
  }

  /**
   * Initializers in the kept file's order with their values put back; kept stubs whose layer
   * is gone are left out; initializers of new layers follow.
   */
  private void rebuildInitializers() {
    List<TensorProto> out = new ArrayList<>();
    Set<String> done = new HashSet<>();
    for (TensorProto stub : graph.getInitializerList()) {
      Tensor t = initializerTensors.get(stub.getName());
      if (t != null) {
        TensorProto.Builder b = stub.toBuilder();
        OnnxTensors.fill(b, t, external);
        out.add(b.build());
        done.add(stub.getName());
      } else if (!isStub(stub)) {
        out.add(stub);
      }
    }
    for (Map.Entry<String, Tensor> e : initializerTensors.entrySet()) {
      if (!done.contains(e.getKey())) {
        out.add(OnnxTensors.newInitializer(e.getKey(), e.getValue()));
      }
    }
    out.addAll(newInitializers);
    graph.clearInitializer().addAllInitializer(out);
  }

  /** Whether a kept initializer lost its values to a tensor (see OnnxTensors.stub). */
  private static boolean isStub(TensorProto t) {
    if (OnnxTensors.dtypeOf(t.getDataType()) == null || t.hasSegment()
        || t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount()
        + t.getDoubleDataCount() > 0 || t.getRawData().size() > 0) {
      return false;
    }
    return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || Tensor.numValues(OnnxTensors.shapeOf(t)) > 0;
  }

  private void rebuildInputsAndOutputs(OnnxNodeBuilder builder) {
    Set<String> available = new HashSet<>(inputTensors);
    graph.getInitializerList().forEach(t -> available.add(t.getName()));
    graph.getSparseInitializerList().forEach(s -> available.add(s.getValues().getName()));
    List<ValueInfoProto> inputs = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (ValueInfoProto v : graph.getInputList()) {
      if (available.contains(v.getName())) {
        inputs.add(v);
        listed.add(v.getName());
      }
    }
    for (String t : inputTensors) {
      if (!listed.contains(t)) {
        inputs.add(inputInfo(t));
        listed.add(t);
      }
    }
    nodes.forEach(n -> n.getOutputList().forEach(available::add));
    for (NodeProto n : nodes) {
      for (String in : n.getInputList()) {
        if (!in.isEmpty() && !available.contains(in)) {
          // A slice cut this tensor's producer away: it becomes an input of the graph.
          inputs.add(knownInfo(in, -1));
          available.add(in);
        }
      }
    }
    graph.clearInput().addAllInput(inputs);
    List<ValueInfoProto> outputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getOutputList()) {
      if (available.contains(v.getName())) {
        outputs.add(v);
      }
    }
    if (outputs.isEmpty() || !fromOnnx) {
      outputs.clear();
      for (Layer l : network.layers()) {
        Object kind = onnx(l.attrs()).get("kind");
        if (network.successors(l.name()).isEmpty() && !l.type().equals(LayerTypes.INPUT)
            && kind == null) {
          outputs.add(knownInfo(layerOutputs.get(l.name()).get(0), builder.rank(l.name())));
        }
      }
    }
    graph.clearOutput().addAllOutput(outputs);
  }

  /**
   * The type the kept file gives a tensor, or float with {@code rank} unknown dimensions (the
   * checker wants a shape on graph outputs), or float of unknown shape when the rank is not
   * known either.
   */
  private ValueInfoProto knownInfo(String name, int rank) {
    for (ValueInfoProto v : graph.getValueInfoList()) {
      if (v.getName().equals(name)) {
        return v;
      }
    }
    for (ValueInfoProto v : graph.getOutputList()) {
      if (v.getName().equals(name)) {
        return v;
      }
    }
    TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(1);
    if (rank >= 0) {
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (int i = 0; i < rank; i++) {
        shape.addDim(TensorShapeProto.Dimension.getDefaultInstance());
      }
      tt.setShape(shape);
    }
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(tt)).build();
  }

  /** A graph input for an INPUT layer: dtype and shape from its attributes. */
  private ValueInfoProto inputInfo(String tensorName) {
    Layer layer = network.layer(tensorProducer.get(tensorName));
    int elemType = 1;
    Object dtype = layer.attr("dtype");
    if (dtype instanceof String) {
      try {
        elemType = OnnxTensors.dataTypeOf(DType.parse((String) dtype));
      } catch (IllegalArgumentException e) {
        throw new ModelHubException("layer '" + layer.name() + "': unknown dtype " + dtype, e);
      }
    }
    TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(elemType);
    if (layer.attr("shape") instanceof List) {
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (Object d : (List<?>) layer.attr("shape")) {
        TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
        if (d instanceof Number && ((Number) d).longValue() >= 0) {
          dim.setDimValue(((Number) d).longValue());
        }
        shape.addDim(dim);
      }
      tt.setShape(shape);
    }
    return ValueInfoProto.newBuilder().setName(tensorName)
        .setType(TypeProto.newBuilder().setTensorType(tt)).build();
  }

  private static Map<String, Object> onnx(Map<String, Object> attrs) {
    Object o = attrs.get(OnnxGraphReader.KEY);
    if (o == null) {
      return Map.of();
    }
    if (!(o instanceof Map)) {
      throw new ModelHubException("attribute onnx must be an object, got " + o);
    }
    return OnnxAttributes.map(o);
  }

  private static List<String> strings(Layer layer, Object v) {
    List<String> out = new ArrayList<>();
    try {
      for (Object o : OnnxAttributes.list(v)) {
        out.add(OnnxAttributes.str(o));
      }
    } catch (IllegalArgumentException e) {
      throw new ModelHubException("layer '" + layer.name() + "': attrs.onnx: "
          + e.getMessage(), e);
    }
    return out;
  }

  private static Map<String, Object> map(Layer layer, Object v) {
    try {
      return OnnxAttributes.map(v);
    } catch (IllegalArgumentException e) {
      throw new ModelHubException("layer '" + layer.name() + "': attrs.onnx: "
          + e.getMessage(), e);
    }
  }
}
