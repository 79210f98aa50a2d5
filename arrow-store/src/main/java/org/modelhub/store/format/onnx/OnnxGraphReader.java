package org.modelhub.store.format.onnx;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.GraphProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.SparseTensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.StringStringEntryProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorShapeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TypeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ValueInfoProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/** Turns one parsed ONNX model into a ModelHub network and its weight tensors. */
final class OnnxGraphReader implements OnnxOperators.Facts {
  static final String KEY = "onnx";
  static final String KIND_INPUT = "input";
  static final String KIND_INITIALIZERS = "initializers";
  private static final int MAX_DEPTH = 64;

  private final Path file;
  private final ModelProto model;
  private final GraphProto graph;

  private final Map<String, Integer> initializerIndex = new HashMap<>();
  private final List<ByteBuffer> initializerValues = new ArrayList<>();
  private final Set<String> sparseInitializers = new HashSet<>();
  private final Map<String, Integer> producerNode = new HashMap<>();
  private final Map<String, String> tensorLayer = new HashMap<>();
  private final Map<String, ValueInfoProto> valueInfo = new HashMap<>();
  private final Set<String> usedNames = new HashSet<>();
  private final List<String> inputLayerNames = new ArrayList<>();
  private final List<String> nodeLayerNames = new ArrayList<>();
  private final Map<String, String> initializerOwner = new HashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private final Map<String, Boolean> constants = new HashMap<>();

  OnnxGraphReader(Path file, ModelProto model) {
    this.file = requireNonNull(file, "file");
    this.model = requireNonNull(model, "model");
    this.graph = model.getGraph();
  }

  ModelContent read() throws IOException {
    indexInitializers();
    List<ValueInfoProto> inputs = graphInputs();
    indexProducers(inputs);
    nameLayers(inputs);
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      layers.add(inputLayer(inputLayerNames.get(i), inputs.get(i)));
    }
    for (int i = 0; i < graph.getNodeCount(); i++) {
      layers.add(nodeLayer(i));
    }
    Layer rest = unusedInitializers();
    if (rest != null) {
      layers.add(rest);
    }
    String name = graph.hasName() && !graph.getName().isEmpty() ? graph.getName() : baseName();
    return new ModelContent(new Network(name, layers, normalised(networkAttrs())), tensors);
  }

  private String baseName() {
    String f = file.getFileName().toString();
    return f.toLowerCase(Locale.ROOT).endsWith(".onnx") ? f.substring(0, f.length() - 5) : f;
  }

  private void indexInitializers() throws IOException {
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      String where = "graph.initializer[" + i + "]";
      if (t.getName().isEmpty()) {
        throw new FormatException(file, where, "initializer has no name");
      }
      if (initializerIndex.put(t.getName(), i) != null) {
        throw new FormatException(file, where, "initializer '" + t.getName()
            + "' is defined twice");
      }
      initializerValues.add(OnnxTensors.values(t, file, "initializer '" + t.getName() + "'"));
    }
    for (SparseTensorProto s : graph.getSparseInitializerList()) {
      sparseInitializers.add(s.getValues().getName());
    }
  }

  private boolean isInitializer(String name) {
    return initializerIndex.containsKey(name) || sparseInitializers.contains(name);
  }

  /** Graph inputs that are not initializers: the network's INPUT layers. */
  private List<ValueInfoProto> graphInputs() {
    List<ValueInfoProto> inputs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < graph.getInputCount(); i++) {
      ValueInfoProto v = graph.getInput(i);
      if (!seen.add(v.getName())) {
        throw new FormatException(file, "graph.input[" + i + "]", "graph input '"
            + v.getName() + "' is listed twice");
      }
      if (v.getName().isEmpty()) {
        throw new FormatException(file, "graph.input[" + i + "]", "graph input has no name");
      }
      valueInfo.put(v.getName(), v);
      if (!isInitializer(v.getName())) {
        inputs.add(v);
      }
    }
    graph.getValueInfoList().forEach(v -> valueInfo.putIfAbsent(v.getName(), v));
    graph.getOutputList().forEach(v -> valueInfo.putIfAbsent(v.getName(), v));
    return inputs;
  }

  private void indexProducers(List<ValueInfoProto> inputs) {
    Set<String> inputNames = new HashSet<>();
    inputs.forEach(v -> inputNames.add(v.getName()));
    for (int i = 0; i < graph.getNodeCount(); i++) {
      NodeProto node = graph.getNode(i);
      if (!node.hasOpType() || node.getOpType().isEmpty()) {
        throw new FormatException(file, nodeWhere(i), "node has no op_type");
      }
      for (String out : node.getOutputList()) {
        if (out.isEmpty()) {
          continue;
        }
        Integer other = producerNode.put(out, i);
        if (other != null && other != i) {
          throw new FormatException(file, nodeWhere(i), "output '" + out
              + "' is also produced by " + nodeWhere(other));
        }
        if (inputNames.contains(out) || isInitializer(out)) {
          throw new FormatException(file, nodeWhere(i), "output '" + out
              + "' is also a graph input or initializer");
        }
      }
    }
  }

  private String nodeWhere(int i) {
    NodeProto node = graph.getNode(i);
    return "graph.node[" + i + "]" + (node.getName().isEmpty() ? "" : " '" + node.getName()
        + "'") + " (" + node.getOpType() + ")";
  }

  /**
   * Names layers: graph inputs and named nodes first, so that a generated name
   * ({@code relu_3}) never takes a name the file gave to something else.
   */
  private void nameLayers(List<ValueInfoProto> inputs) {
    for (ValueInfoProto v : inputs) {
      String name = unique(v.getName());
      inputLayerNames.add(name);
      tensorLayer.put(v.getName(), name);
    }
    String[] names = new String[graph.getNodeCount()];
    for (int i = 0; i < names.length; i++) {
      if (!graph.getNode(i).getName().isEmpty()) {
        names[i] = unique(graph.getNode(i).getName());
      }
    }
    for (int i = 0; i < names.length; i++) {
      if (names[i] == null) {
        names[i] = unique(graph.getNode(i).getOpType().toLowerCase(Locale.ROOT) + "_" + i);
      }
      nodeLayerNames.add(names[i]);
      for (String out : graph.getNode(i).getOutputList()) {
        if (!out.isEmpty()) {
          tensorLayer.put(out, names[i]);
        }
      }
    }
  }

  private String unique(String base) {
    String name = base;
    for (int k = 1; !usedNames.add(name); k++) {
      name = base + "_" + k;
    }
    return name;
  }

  private Layer inputLayer(String name, ValueInfoProto v) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    List<Long> shape = shapeList(v);
    if (shape != null) {
      attrs.put("shape", shape);
    }
    Map<String, Object> onnx = new LinkedHashMap<>();
    onnx.put("kind", KIND_INPUT);
    onnx.put("outputs", List.of(v.getName()));
    attrs.put(KEY, onnx);
    return new Layer(name, LayerTypes.INPUT, normalised(attrs), List.of());
  }

  /** The dims of a tensor type, -1 for a symbolic or unknown dimension; null without shape. */
  private static List<Long> shapeList(ValueInfoProto v) {
    if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
      return null;
    }
    List<Long> dims = new ArrayList<>();
    for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
      dims.add(d.hasDimValue() ? d.getDimValue() : -1L);
    }
    return dims;
  }

  private Layer nodeLayer(int index) throws IOException {
    NodeProto node = graph.getNode(index);
    String name = nodeLayerNames.get(index);
    Set<String> inputs = new LinkedHashSet<>();
    Map<String, Object> params = new LinkedHashMap<>();
    Set<String> paramNames = new HashSet<>();
    for (int slot = 0; slot < node.getInputCount(); slot++) {
      String in = node.getInput(slot);
      if (in.isEmpty()) {
        continue;
      }
      Integer init = initializerIndex.get(in);
      if (init != null) {
        if (initializerValues.get(init) != null && !initializerOwner.containsKey(in)) {
          String slotName = OnnxOperators.slotName(node, slot);
          String param = uniqueParam(slotName != null ? slotName : paramName(name, in),
              paramNames);
          addTensor(name, param, graph.getInitializer(init), initializerValues.get(init));
          initializerOwner.put(in, name + "/" + param);
          params.put(param, in);
        }
      } else if (tensorLayer.containsKey(in)) {
        inputs.add(tensorLayer.get(in));
      } else if (!sparseInitializers.contains(in)) {
        throw new FormatException(file, nodeWhere(index), "input '" + in
            + "' is not produced by any node, graph input or initializer");
      }
    }
    List<Object> attributes = new ArrayList<>();
    for (AttributeProto a : node.getAttributeList()) {
      attributes.add(OnnxAttributes.toJson(a, (attrName, t) -> {
        String where = nodeWhere(index) + " attribute '" + attrName + "'";
        ByteBuffer values = OnnxTensors.values(t, file, where);
        if (values == null) {
          return null;
        }
        String param = uniqueParam(sanitise(attrName), paramNames);
        addTensor(name, param, t, values);
        return param;
      }));
    }
    String type = OnnxOperators.layerType(node, this);
    Map<String, Object> attrs = OnnxOperators.normalise(node, type, this);
    attrs.put(KEY, nodeAttrs(node, attributes, params));
    return new Layer(name, type, normalised(attrs), new ArrayList<>(inputs));
  }

  private Map<String, Object> nodeAttrs(NodeProto node, List<Object> attributes,
      Map<String, Object> params) {
    Map<String, Object> onnx = new LinkedHashMap<>();
    onnx.put("op_type", node.getOpType());
    if (node.hasDomain()) {
      onnx.put("domain", node.getDomain());
    }
    if (node.hasName()) {
      onnx.put("name", node.getName());
    }
    if (node.hasOverload()) {
      onnx.put("overload", node.getOverload());
    }
    onnx.put("inputs", new ArrayList<>(node.getInputList()));
    onnx.put("outputs", new ArrayList<>(node.getOutputList()));
    if (!attributes.isEmpty()) {
      onnx.put("attributes", attributes);
    }
    if (!params.isEmpty()) {
      onnx.put("params", params);
    }
    if (node.hasDocString()) {
      onnx.put("doc_string", node.getDocString());
    }
    NodeProto rest = node.toBuilder().clearInput().clearOutput().clearName().clearOpType()
        .clearDomain().clearOverload().clearAttribute().clearDocString().build();
    if (rest.getSerializedSize() > 0) {
      onnx.put("extra", OnnxAttributes.b64(rest.toByteArray()));
    }
    return onnx;
  }

  private void addTensor(String layer, String param, TensorProto t, ByteBuffer values) {
    DType dtype = OnnxTensors.dtypeOf(t.getDataType());
    tensors.add(new Tensor(layer + "/" + param, dtype, OnnxTensors.shapeOf(t), values));
  }

  /**
   * The parameter name of an initializer without a slot name: its own name, relative to the
   * layer when it starts with {@code <layer>/} (as the exporter and TensorFlow name them).
   */
  private static String paramName(String layer, String initializer) {
    String prefix = layer + "/";
    return sanitise(initializer.startsWith(prefix) && initializer.length() > prefix.length()
        ? initializer.substring(prefix.length()) : initializer);
  }

  /** Parameter names are the part after the last '/' of a tensor name, so '/' cannot stay. */
  static String sanitise(String name) {
    String s = name.replace('/', '_');
    return s.isEmpty() ? "param" : s;
  }

  private static String uniqueParam(String base, Set<String> used) {
    String name = base;
    for (int k = 1; !used.add(name); k++) {
      name = base + "_" + k;
    }
    return name;
  }

  /** Initializers no node consumes still travel, as tensors of one pseudo layer. */
  private Layer unusedInitializers() {
    Map<String, Object> params = new LinkedHashMap<>();
    Set<String> paramNames = new HashSet<>();
    String name = null;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      if (initializerValues.get(i) == null || initializerOwner.containsKey(t.getName())) {
        continue;
      }
      if (name == null) {
        name = unique(KIND_INITIALIZERS);
      }
      String param = uniqueParam(sanitise(t.getName()), paramNames);
      addTensor(name, param, t, initializerValues.get(i));
      initializerOwner.put(t.getName(), name + "/" + param);
      params.put(param, t.getName());
    }
    if (name == null) {
      return null;
    }
    Map<String, Object> onnx = new LinkedHashMap<>();
    onnx.put("kind", KIND_INITIALIZERS);
    onnx.put("params", params);
    return new Layer(name, LayerTypes.CONSTANT, normalised(Map.of(KEY, onnx)), List.of());
  }

  private Map<String, Object> networkAttrs() {
    Map<String, Object> onnx = new LinkedHashMap<>();
    if (model.hasIrVersion()) {
      onnx.put("ir_version", model.getIrVersion());
    }
    List<Object> opsets = new ArrayList<>();
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("domain", o.getDomain());
      m.put("version", o.getVersion());
      opsets.add(m);
    }
    onnx.put("opset_import", opsets);
    if (model.hasProducerName()) {
      onnx.put("producer_name", model.getProducerName());
    }
    if (model.hasProducerVersion()) {
      onnx.put("producer_version", model.getProducerVersion());
    }
    if (model.hasDomain()) {
      onnx.put("domain", model.getDomain());
    }
    if (model.hasModelVersion()) {
      onnx.put("model_version", model.getModelVersion());
    }
    if (model.hasDocString()) {
      onnx.put("doc_string", model.getDocString());
    }
    if (graph.hasName()) {
      onnx.put("graph_name", graph.getName());
    }
    if (graph.hasDocString()) {
      onnx.put("graph_doc_string", graph.getDocString());
    }
    onnx.put("inputs", valueInfos(graph.getInputList()));
    onnx.put("outputs", valueInfos(graph.getOutputList()));
    if (model.getMetadataPropsCount() > 0) {
      List<Object> props = new ArrayList<>();
      for (StringStringEntryProto e : model.getMetadataPropsList()) {
        props.add(Map.of("key", e.getKey(), "value", e.getValue()));
      }
      onnx.put("metadata_props", props);
    }
    onnx.put("model", OnnxAttributes.b64(skeleton().toByteArray()));
    return Map.of(KEY, onnx);
  }

  private static List<Object> valueInfos(List<ValueInfoProto> infos) {
    List<Object> out = new ArrayList<>();
    for (ValueInfoProto v : infos) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.getName());
      TypeProto type = v.getType();
      if (type.hasTensorType()) {
        m.put("elem_type", elemTypeName(type.getTensorType().getElemType()));
        List<Long> shape = shapeList(v);
        if (shape != null) {
          m.put("shape", shape);
        }
      } else {
        m.put("type", type.getValueCase().name().toLowerCase(Locale.ROOT));
      }
      out.add(m);
    }
    return out;
  }

  private static String elemTypeName(int code) {
    DType dtype = OnnxTensors.dtypeOf(code);
    if (dtype != null) {
      return dtype.label();
    }
    TensorProto.DataType known = TensorProto.DataType.forNumber(code);
    return known != null ? known.name().toLowerCase(Locale.ROOT) : Integer.toString(code);
  }

  /**
   * The model without its nodes and without the values of the initializers that became
   * tensors: everything else of the file (inputs, outputs, value_info, functions, training
   * info, unknown fields...) comes back from it on export, exactly.
   */
  private ModelProto skeleton() {
    ModelProto.Builder b = model.toBuilder();
    GraphProto.Builder g = b.getGraphBuilder().clearNode();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      if (initializerValues.get(i) != null) {
        g.setInitializer(i, OnnxTensors.stub(g.getInitializer(i)));
      }
    }
    return b.build();
  }

  /** Attribute values as the catalog gives them back (JSON numbers, lists and maps). */
  private static Map<String, Object> normalised(Map<String, Object> attrs) {
    return NetworkJson.parseAttrs(NetworkJson.attrsToJson(attrs));
  }

  // Facts about tensors, for the operator mapping.

  @Override public boolean isConstant(String tensor) {
    return isConstant(tensor, 0);
  }

  private boolean isConstant(String tensor, int depth) {
    if (isInitializer(tensor)) {
      return true;
    }
    Integer producer = producerNode.get(tensor);
    // the depth bound also ends cycles, which a broken file may have
    if (producer == null || depth > MAX_DEPTH) {
      return false;
    }
    Boolean known = constants.get(tensor);
    if (known == null) {
      known = computedFromConstants(graph.getNode(producer), depth);
      constants.put(tensor, known);
    }
    return known;
  }

  private boolean computedFromConstants(NodeProto node, int depth) {
    if (!OnnxOperators.isStandard(node)) {
      return false;
    }
    String op = node.getOpType();
    if (op.equals("Constant")) {
      return true;
    }
    if (node.getInputCount() == 0 || op.startsWith("Random") || op.equals("Multinomial")
        || op.equals("Bernoulli")) {
      return false;
    }
    // Computed from constants only (a reshaped or transposed weight) is constant too.
    for (String in : node.getInputList()) {
      if (!in.isEmpty() && !isConstant(in, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  @Override public long[] shape(String tensor) {
    return shape(tensor, 0);
  }

  private long[] shape(String tensor, int depth) {
    Integer init = initializerIndex.get(tensor);
    if (init != null) {
      return OnnxTensors.shapeOf(graph.getInitializer(init));
    }
    Integer producer = producerNode.get(tensor);
    if (producer != null && depth <= MAX_DEPTH) {
      NodeProto node = graph.getNode(producer);
      if (OnnxOperators.isStandard(node) && node.getOpType().equals("Constant")) {
        AttributeProto value = OnnxOperators.attribute(node, "value");
        if (value != null && value.hasT()) {
          return OnnxTensors.shapeOf(value.getT());
        }
      }
      if (OnnxOperators.isStandard(node) && node.getOpType().equals("ConstantOfShape")
          && node.getInputCount() > 0) {
        double[] dims = values(node.getInput(0));
        if (dims != null) {
          long[] shape = new long[dims.length];
          for (int i = 0; i < dims.length; i++) {
            shape[i] = (long) dims[i];
          }
          return shape;
        }
      }
      if (OnnxOperators.isStandard(node) && node.getOpType().equals("Reshape")
          && node.getInputCount() > 1) {
        long[] reshaped = reshaped(shape(node.getInput(0), depth + 1),
            values(node.getInput(1)));
        if (reshaped != null) {
          return reshaped;
        }
      }
    }
    ValueInfoProto v = valueInfo.get(tensor);
    List<Long> dims = v == null ? null : shapeList(v);
    if (dims == null || dims.contains(-1L)) {
      return null;
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  /** Reshape's output shape: 0 copies the input dimension, -1 takes what is left. */
  private static long[] reshaped(long[] from, double[] to) {
    if (from == null || to == null) {
      return null;
    }
    long[] shape = new long[to.length];
    long known = 1;
    int infer = -1;
    for (int i = 0; i < to.length; i++) {
      long d = (long) to[i];
      if (d == 0 && i < from.length) {
        d = from[i];
      }
      if (d == -1 && infer < 0) {
        infer = i;
      } else if (d < 0) {
        return null;
      } else {
        known *= d;
      }
      shape[i] = d;
    }
    if (infer >= 0) {
      long total = Tensor.numValues(from);
      if (known == 0 || total % known != 0) {
        return null;
      }
      shape[infer] = total / known;
    }
    return shape;
  }

  @Override public double[] values(String tensor) {
    TensorProto t = null;
    ByteBuffer data = null;
    Integer init = initializerIndex.get(tensor);
    if (init != null) {
      t = graph.getInitializer(init);
      data = initializerValues.get(init);
    } else if (producerNode.containsKey(tensor)) {
      NodeProto node = graph.getNode(producerNode.get(tensor));
      AttributeProto value = OnnxOperators.attribute(node, "value");
      if (OnnxOperators.isStandard(node) && node.getOpType().equals("Constant")
          && value != null && value.hasT()) {
        t = value.getT();
        try {
          data = OnnxTensors.values(t, file, nodeWhere(producerNode.get(tensor)));
        } catch (IOException | RuntimeException e) {
          // reading the Constant node itself reports the problem, with its place
          return null;
        }
      }
    }
    if (data == null) {
      return null;
    }
    Tensor view = new Tensor(tensor, OnnxTensors.dtypeOf(t.getDataType()),
        OnnxTensors.shapeOf(t), data);
    if (view.numValues() > 64) {
      return null;
    }
    double[] out = new double[(int) view.numValues()];
    for (int i = 0; i < out.length; i++) {
      out[i] = view.dtype() == DType.FLOAT32
          ? Double.parseDouble(Float.toString((float) view.valueAt(i))) : view.valueAt(i);
    }
    return out;
  }
}
