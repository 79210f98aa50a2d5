package org.modelhub.store.format.onnx;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Builds ONNX nodes and initializers for layers that carry no ONNX node of their own (layers
 * of other formats, layers DQL inserted), from their vocabulary type and normalised
 * attributes. Weights keep their bytes; their layout must already be ONNX's
 * ({@code [out, in/group, kh, kw]} for convolutions, which Caffe shares).
 */
final class OnnxNodeBuilder {
  private final Network network;
  private final Map<String, Tensor> tensors;
  private final int opset;
  private final UnaryOperator<String> freshName;
  private final List<NodeProto> nodes;
  private final List<TensorProto> initializers;
  private final Map<String, Integer> ranks = new HashMap<>();

  OnnxNodeBuilder(Network network, Map<String, Tensor> tensors, int opset,
      UnaryOperator<String> freshName, List<NodeProto> nodes, List<TensorProto> initializers) {
    this.network = requireNonNull(network, "network");
    this.tensors = requireNonNull(tensors, "tensors");
    this.opset = opset;
    this.freshName = requireNonNull(freshName, "freshName");
    this.nodes = requireNonNull(nodes, "nodes");
    this.initializers = requireNonNull(initializers, "initializers");
  }

  /**
   * Appends the nodes computing {@code layer} from tensors {@code in} into tensor {@code out}.
   *
   * @throws ModelHubException naming the layer and its type when ONNX cannot express it
   */
  void emit(Layer layer, List<String> in, String out) {
    String type = layer.type();
    String act = activation(layer);
    boolean fused = act != null && (type.equals(LayerTypes.CONV) || type.equals(LayerTypes.DECONV)
        || type.equals(LayerTypes.FC) || type.equals(LayerTypes.OUTPUT));
    String main = fused ? freshName.apply(out + "_preact") : out;
    switch (type) {
      case LayerTypes.CONV: convolution(layer, in, main, false); break;
      case LayerTypes.DECONV: convolution(layer, in, main, true); break;
      case LayerTypes.POOL: pool(layer, in, main); break;
      case LayerTypes.FC: case LayerTypes.OUTPUT: fullyConnected(layer, in, main); break;
      case LayerTypes.RELU: unary(layer, in, "Relu", out); break;
      case LayerTypes.SIGMOID: unary(layer, in, "Sigmoid", out); break;
      case LayerTypes.TANH: unary(layer, in, "Tanh", out); break;
      case LayerTypes.PRELU: prelu(layer, in, out); break;
      case LayerTypes.LRN: lrn(layer, in, out); break;
      case LayerTypes.DROPOUT: dropout(layer, in, out); break;
      case LayerTypes.BATCHNORM: batchNorm(layer, in, out); break;
      case LayerTypes.SCALE: scale(layer, in, out); break;
      case LayerTypes.SOFTMAX:
        node(layer.name(), "Softmax", List.of(one(layer, in)), out,
            intAttr("axis", longAttr(layer, "axis", 1)));
        break;
      case LayerTypes.CONCAT:
        need(layer, in, in.size() >= 1);
        node(layer.name(), "Concat", in, out, intAttr("axis", longAttr(layer, "axis", 1)));
        break;
      case LayerTypes.ELTWISE: eltwise(layer, in, out); break;
      case LayerTypes.FLATTEN:
        node(layer.name(), "Flatten", List.of(one(layer, in)), out,
            intAttr("axis", longAttr(layer, "axis", 1)));
        break;
      case LayerTypes.RESHAPE: reshape(layer, in, out); break;
      case LayerTypes.ACTIVATION:
        if (act == null) {
          unary(layer, in, "Identity", out);
        } else {
          activationNode(layer, layer.name(), one(layer, in), out, act);
        }
        break;
      case LayerTypes.CONSTANT: constant(layer, in, out); break;
      default:
        throw unsupported(layer, "ONNX export has no operator for it");
    }
    if (fused) {
      activationNode(layer, layer.name() + "_" + act.toLowerCase(Locale.ROOT), main, out, act);
    }
  }

  private static ModelHubException unsupported(Layer layer, String why) {
    return new ModelHubException("layer '" + layer.name() + "' of type " + layer.type()
        + " cannot be exported to ONNX: " + why);
  }

  private static void need(Layer layer, List<String> in, boolean ok) {
    if (!ok) {
      throw unsupported(layer, "unexpected number of inputs (" + in.size() + ")");
    }
  }

  private static String one(Layer layer, List<String> in) {
    if (in.size() != 1) {
      throw unsupported(layer, "it needs exactly one input, has " + in.size());
    }
    return in.get(0);
  }

  private void convolution(Layer layer, List<String> in, String out, boolean transposed) {
    Tensor w = param(layer, true, "W");
    long[] ws = w.shape();
    if (ws.length < 3) {
      throw unsupported(layer, "weight " + w.name() + " has shape " + Tensor.shapeString(ws)
          + ", not [out, in/group, k...]");
    }
    long group = longAttr(layer, "group", 1);
    Object filters = layer.attr("filters");
    long[] kernel = Arrays.copyOfRange(ws, 2, ws.length);
    long wantFilters = transposed ? ws[1] * group : ws[0];
    List<Long> kernelAttr = ints(layer, "kernel", kernel.length);
    if (filters instanceof Number && ((Number) filters).longValue() != wantFilters
        || kernelAttr != null && !kernelAttr.equals(boxed(kernel))) {
      throw unsupported(layer, "weight " + w.name() + " of shape " + Tensor.shapeString(ws)
          + " is not in ONNX's layout for filters=" + filters + ", kernel=" + kernelAttr);
    }
    List<String> inputs = new ArrayList<>(List.of(one(layer, in), init(w)));
    Tensor b = param(layer, false, "b");
    if (b != null) {
      inputs.add(init(b));
    }
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intsAttr("kernel_shape", boxed(kernel)));
    spatial(layer, kernel.length, attrs);
    List<Long> dilation = ints(layer, "dilation", kernel.length);
    if (dilation != null) {
      attrs.add(intsAttr("dilations", dilation));
    }
    if (group != 1) {
      attrs.add(intAttr("group", group));
    }
    node(layer.name(), transposed ? "ConvTranspose" : "Conv", inputs, out,
        attrs.toArray(new AttributeProto[0]));
  }

  /** strides and pads (or auto_pad) from {@code stride} and {@code pad}. */
  private void spatial(Layer layer, int rank, List<AttributeProto> attrs) {
    List<Long> stride = ints(layer, "stride", rank);
    if (stride != null) {
      attrs.add(intsAttr("strides", stride));
    }
    Object pad = layer.attr("pad");
    if ("same".equals(pad)) {
      attrs.add(stringAttr("auto_pad", "SAME_UPPER"));
    } else if ("valid".equals(pad)) {
      attrs.add(stringAttr("auto_pad", "VALID"));
    } else if (pad != null) {
      List<Long> p = ints(layer, "pad", rank);
      if (p != null && p.size() == rank) {
        List<Long> both = new ArrayList<>(p);
        both.addAll(p);
        p = both;
      }
      if (p == null || p.size() != 2 * rank) {
        throw unsupported(layer, "pad " + pad + " does not fit a " + rank + "-d kernel");
      }
      attrs.add(intsAttr("pads", p));
    }
  }

  private void pool(Layer layer, List<String> in, String out) {
    String method = String.valueOf(layer.attr("method")).toUpperCase(Locale.ROOT);
    boolean max = method.equals(LayerTypes.MAX);
    if (!max && !method.equals(LayerTypes.AVG) && !method.equals("AVE")) {
      throw unsupported(layer, "pooling method " + layer.attr("method"));
    }
    if (Boolean.TRUE.equals(layer.attr("global"))) {
      node(layer.name(), max ? "GlobalMaxPool" : "GlobalAveragePool", List.of(one(layer, in)),
          out);
      return;
    }
    List<Long> kernel = ints(layer, "kernel", 2);
    if (kernel == null) {
      throw unsupported(layer, "no kernel size");
    }
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intsAttr("kernel_shape", kernel));
    spatial(layer, kernel.size(), attrs);
    node(layer.name(), max ? "MaxPool" : "AveragePool", List.of(one(layer, in)), out,
        attrs.toArray(new AttributeProto[0]));
  }

  private void fullyConnected(Layer layer, List<String> in, String out) {
    Tensor w = param(layer, true, "W");
    long[] ws = w.shape();
    if (ws.length != 2) {
      throw unsupported(layer, "weight " + w.name() + " has shape " + Tensor.shapeString(ws));
    }
    Object unitsAttr = layer.attr("units");
    long units = unitsAttr instanceof Number ? ((Number) unitsAttr).longValue() : ws[0];
    boolean transB;
    if (ws[0] == units) {
      transB = true;
    } else if (ws[1] == units) {
      transB = false;
    } else {
      throw unsupported(layer, "weight " + w.name() + " of shape " + Tensor.shapeString(ws)
          + " does not have " + units + " units");
    }
    String x = one(layer, in);
    if (rank(layer.inputs().get(0)) != 2) {
      String flat = freshName.apply(x + "_flat");
      node(layer.name() + "_flatten", "Flatten", List.of(x), flat, intAttr("axis", 1));
      x = flat;
    }
    List<String> inputs = new ArrayList<>(List.of(x, init(w)));
    Tensor b = param(layer, false, "b");
    if (b != null) {
      inputs.add(init(b));
    }
    if (transB) {
      node(layer.name(), "Gemm", inputs, out, intAttr("transB", 1));
    } else {
      node(layer.name(), "Gemm", inputs, out);
    }
  }

  private void unary(Layer layer, List<String> in, String op, String out) {
    node(layer.name(), op, List.of(one(layer, in)), out);
  }

  private void prelu(Layer layer, List<String> in, String out) {
    List<Tensor> own = layerTensors(layer);
    if (own.size() != 1) {
      throw unsupported(layer, "expected one slope tensor, found " + own.size());
    }
    Tensor slope = channelwise(layer, own.get(0));
    node(layer.name(), "PRelu", List.of(one(layer, in), init(slope)), out);
  }

  private void lrn(Layer layer, List<String> in, String out) {
    Object region = layer.attr("region");
    if (region != null && !"ACROSS_CHANNELS".equals(region)) {
      throw unsupported(layer, "region " + region + " (ONNX's LRN is across channels)");
    }
    if (!(layer.attr("size") instanceof Number)) {
      throw unsupported(layer, "no size");
    }
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intAttr("size", longAttr(layer, "size", 0)));
    addFloat(attrs, layer, "alpha", "alpha");
    addFloat(attrs, layer, "beta", "beta");
    addFloat(attrs, layer, "k", "bias");
    node(layer.name(), "LRN", List.of(one(layer, in)), out,
        attrs.toArray(new AttributeProto[0]));
  }

  private void dropout(Layer layer, List<String> in, String out) {
    String x = one(layer, in);
    Object ratio = layer.attr("ratio");
    if (!(ratio instanceof Number)) {
      node(layer.name(), "Dropout", List.of(x), out);
    } else if (opset >= 12) {
      Tensor r = scalar(layer.name() + "/ratio", ((Number) ratio).floatValue());
      node(layer.name(), "Dropout", List.of(x, init(r)), out);
    } else {
      node(layer.name(), "Dropout", List.of(x), out,
          floatAttr("ratio", ((Number) ratio).floatValue()));
    }
  }

  private void batchNorm(Layer layer, List<String> in, String out) {
    Tensor mean = param(layer, true, "mean");
    Tensor var = param(layer, true, "var", "variance");
    Tensor scale = param(layer, false, "scale", "gamma");
    Tensor bias = param(layer, false, "B", "beta", "bias");
    Tensor factor = param(layer, false, "scale_factor");
    if (factor != null) {
      // Caffe keeps running sums; the statistics are the sums divided by the factor.
      float f = (float) factor.valueAt(0);
      float k = f == 0 ? 0 : 1 / f;
      mean = scaled(layer.name() + "/mean", mean, k);
      var = scaled(layer.name() + "/var", var, k);
    }
    long channels = mean.numValues();
    if (scale == null) {
      scale = filled(layer.name() + "/scale", channels, 1f);
    }
    if (bias == null) {
      bias = filled(layer.name() + "/B", channels, 0f);
    }
    List<AttributeProto> attrs = new ArrayList<>();
    addFloat(attrs, layer, "eps", "epsilon");
    addFloat(attrs, layer, "momentum", "momentum");
    node(layer.name(), "BatchNormalization",
        List.of(one(layer, in), init(scale), init(bias), init(mean), init(var)), out,
        attrs.toArray(new AttributeProto[0]));
  }

  private void scale(Layer layer, List<String> in, String out) {
    Tensor gamma = param(layer, true, "gamma", "scale", "W");
    Tensor beta = param(layer, false, "beta", "B", "b", "bias");
    String x = one(layer, in);
    if (beta == null) {
      node(layer.name(), "Mul", List.of(x, init(channelwise(layer, gamma))), out);
      return;
    }
    String scaled = freshName.apply(out + "_scaled");
    node(layer.name(), "Mul", List.of(x, init(channelwise(layer, gamma))), scaled);
    node(layer.name() + "_bias", "Add", List.of(scaled, init(channelwise(layer, beta))), out);
  }

  private void eltwise(Layer layer, List<String> in, String out) {
    String op = layer.attr("op") == null ? "SUM"
        : String.valueOf(layer.attr("op")).toUpperCase(Locale.ROOT);
    need(layer, in, in.size() >= 2);
    switch (op) {
      case "SUM": node(layer.name(), "Sum", in, out); break;
      case "MAX": node(layer.name(), "Max", in, out); break;
      case "MIN": node(layer.name(), "Min", in, out); break;
      case "SUB": need(layer, in, in.size() == 2); node(layer.name(), "Sub", in, out); break;
      case "DIV": need(layer, in, in.size() == 2); node(layer.name(), "Div", in, out); break;
      case "PROD":
        // Mul is binary: a chain, whose last node carries the layer's name and output.
        String acc = in.get(0);
        for (int i = 1; i < in.size(); i++) {
          boolean last = i == in.size() - 1;
          String next = last ? out : freshName.apply(out + "_" + i);
          node(last ? layer.name() : layer.name() + "_" + i, "Mul", List.of(acc, in.get(i)),
              next);
          acc = next;
        }
        break;
      default:
        throw unsupported(layer, "element-wise operation " + op);
    }
  }

  private void reshape(Layer layer, List<String> in, String out) {
    List<Long> shape = ints(layer, "shape", -1);
    if (shape == null) {
      throw unsupported(layer, "no target shape");
    }
    ByteBuffer buf = ByteBuffer.allocate(shape.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    shape.forEach(buf::putLong);
    buf.flip();
    Tensor t = new Tensor(layer.name() + "/shape", DType.INT64, new long[] {shape.size()}, buf);
    node(layer.name(), "Reshape", List.of(one(layer, in), init(t)), out);
  }

  private void constant(Layer layer, List<String> in, String out) {
    List<Tensor> own = layerTensors(layer);
    if (!in.isEmpty() || own.size() != 1) {
      throw unsupported(layer, "a constant needs exactly one tensor and no inputs");
    }
    TensorProto value = OnnxTensors.newInitializer(own.get(0).name(), own.get(0)).toBuilder()
        .clearName().build();
    node(layer.name(), "Constant", List.of(), out, AttributeProto.newBuilder().setName("value")
        .setType(AttributeProto.AttributeType.TENSOR).setT(value).build());
  }

  private void activationNode(Layer layer, String name, String x, String out, String act) {
    switch (act) {
      case "RELU": node(name, "Relu", List.of(x), out); break;
      case "SIGMOID": node(name, "Sigmoid", List.of(x), out); break;
      case "TANH": node(name, "Tanh", List.of(x), out); break;
      case "SOFTMAX": node(name, "Softmax", List.of(x), out, intAttr("axis", -1)); break;
      case "ELU": node(name, "Elu", List.of(x), out); break;
      case "SELU": node(name, "Selu", List.of(x), out); break;
      case "SOFTPLUS": node(name, "Softplus", List.of(x), out); break;
      case "SOFTSIGN": node(name, "Softsign", List.of(x), out); break;
      case "IDENTITY": case "LINEAR": node(name, "Identity", List.of(x), out); break;
      default: throw unsupported(layer, "activation " + act);
    }
  }

  /** The fused activation, or null when there is none (or it is the identity). */
  private static String activation(Layer layer) {
    Object a = layer.attr("activation");
    if (a == null) {
      return null;
    }
    String act = String.valueOf(a).toUpperCase(Locale.ROOT);
    return act.equals("IDENTITY") || act.equals("LINEAR") || act.equals("NONE") ? null : act;
  }

  /**
   * Rank of the tensor a layer outputs, -1 when unknown; decides whether a fully connected
   * layer needs a Flatten and how per-channel parameters broadcast.
   */
  int rank(String layerName) {
    Integer known = ranks.get(layerName);
    if (known != null) {
      return known;
    }
    ranks.put(layerName, -1);
    Layer l = network.layer(layerName);
    int r = -1;
    if (l != null) {
      switch (l.type()) {
        case LayerTypes.INPUT:
          r = l.attr("shape") instanceof List ? ((List<?>) l.attr("shape")).size() : -1;
          break;
        case LayerTypes.CONV: case LayerTypes.DECONV: case LayerTypes.POOL:
          List<?> k = l.attr("kernel") instanceof List ? (List<?>) l.attr("kernel") : null;
          r = k != null ? k.size() + 2 : 4;
          break;
        case LayerTypes.FC: case LayerTypes.OUTPUT:
          r = 2;
          break;
        case LayerTypes.FLATTEN:
          r = longAttr(l, "axis", 1) == 1 ? 2 : -1;
          break;
        case LayerTypes.RESHAPE:
          r = l.attr("shape") instanceof List ? ((List<?>) l.attr("shape")).size() : -1;
          break;
        case LayerTypes.RELU: case LayerTypes.PRELU: case LayerTypes.SIGMOID:
        case LayerTypes.TANH: case LayerTypes.LRN: case LayerTypes.DROPOUT:
        case LayerTypes.BATCHNORM: case LayerTypes.SCALE: case LayerTypes.SOFTMAX:
        case LayerTypes.ELTWISE: case LayerTypes.ACTIVATION: case LayerTypes.CONCAT:
          r = l.inputs().isEmpty() ? -1 : rank(l.inputs().get(0));
          break;
        default:
          r = -1;
      }
    }
    ranks.put(layerName, r);
    return r;
  }

  /** A per-channel parameter reshaped to [C, 1, ...] so it broadcasts over the channel axis. */
  private Tensor channelwise(Layer layer, Tensor t) {
    if (t.numValues() == 1 || t.shape().length != 1) {
      return t;
    }
    int r = layer.inputs().isEmpty() ? -1 : rank(layer.inputs().get(0));
    if (r < 2) {
      throw unsupported(layer, "cannot tell which axis per-channel tensor " + t.name()
          + " applies to");
    }
    long[] shape = new long[r - 1];
    Arrays.fill(shape, 1);
    shape[0] = t.numValues();
    return new Tensor(t.name(), t.dtype(), shape, t.data(), t.sha256());
  }

  private List<Tensor> layerTensors(Layer layer) {
    List<Tensor> own = new ArrayList<>();
    for (Tensor t : tensors.values()) {
      if (t.layer().equals(layer.name())) {
        own.add(t);
      }
    }
    return own;
  }

  private Tensor param(Layer layer, boolean required, String... names) {
    for (String n : names) {
      Tensor t = tensors.get(layer.name() + "/" + n);
      if (t != null) {
        return t;
      }
    }
    if (required) {
      throw unsupported(layer, "no weight tensor " + layer.name() + "/" + names[0]);
    }
    return null;
  }

  private String init(Tensor t) {
    String name = freshName.apply(t.name());
    initializers.add(OnnxTensors.newInitializer(name, t));
    return name;
  }

  private static Tensor scaled(String name, Tensor t, float k) {
    float[] v = t.toFloats();
    for (int i = 0; i < v.length; i++) {
      v[i] *= k;
    }
    return Tensor.ofFloats(name, t.shape(), v);
  }

  private static Tensor filled(String name, long n, float value) {
    float[] v = new float[Math.toIntExact(n)];
    Arrays.fill(v, value);
    return Tensor.ofFloats(name, new long[] {n}, v);
  }

  private static Tensor scalar(String name, float value) {
    return Tensor.ofFloats(name, new long[0], new float[] {value});
  }

  private void node(String name, String op, List<String> in, String out,
      AttributeProto... attrs) {
    nodes.add(NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(in)
        .addOutput(out).addAllAttribute(Arrays.asList(attrs)).build());
  }

  /**
   * An integer list attribute; a single number stands for the same value on every axis
   * ({@code rank} axes, or one when the rank is not known).
   */
  private static List<Long> ints(Layer layer, String key, int rank) {
    Object v = layer.attr(key);
    if (v instanceof Number) {
      List<Long> out = new ArrayList<>();
      for (int i = 0; i < Math.max(rank, 1); i++) {
        out.add(((Number) v).longValue());
      }
      return out;
    }
    if (v instanceof List) {
      List<Long> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        if (!(o instanceof Number)) {
          throw unsupported(layer, "attribute " + key + " is not a list of integers: " + v);
        }
        out.add(((Number) o).longValue());
      }
      return out;
    }
    return null;
  }

  private static long longAttr(Layer layer, String key, long dflt) {
    Object v = layer.attr(key);
    return v instanceof Number ? ((Number) v).longValue() : dflt;
  }

  private static void addFloat(List<AttributeProto> attrs, Layer layer, String key,
      String name) {
    Object v = layer.attr(key);
    if (v instanceof Number) {
      attrs.add(floatAttr(name, ((Number) v).floatValue()));
    }
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  private static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
        .setI(value).build();
  }

  private static AttributeProto intsAttr(String name, List<Long> values) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
        .addAllInts(values).build();
  }

  private static AttributeProto floatAttr(String name, float value) {
    return AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  private static AttributeProto stringAttr(String name, String value) {
    return AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value)).build();
  }
}
