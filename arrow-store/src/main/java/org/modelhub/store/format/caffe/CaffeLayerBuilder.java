package org.modelhub.store.format.caffe;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.caffe.proto.CaffeProto.BatchNormParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobShape;
import org.modelhub.store.format.caffe.proto.CaffeProto.ConvolutionParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.EltwiseParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.InnerProductParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LRNParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.PoolingParameter;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Tensor;

/**
 * Builds Caffe layers for network layers that did not come from Caffe (no
 * {@code attrs.caffe}), from their vocabulary type, normalised attributes and tensors.
 */
final class CaffeLayerBuilder {
  /** Caffe types a vocabulary type is written as, where the names differ. */
  private static final Map<String, String> CAFFE_TYPES = new HashMap<>();

  /** Caffe layer types with no vocabulary equivalent, by upper-case name. */
  private static final Map<String, String> OWN_TYPES = new HashMap<>();

  static {
    CAFFE_TYPES.put(LayerTypes.INPUT, "Input");
    CAFFE_TYPES.put(LayerTypes.CONV, "Convolution");
    CAFFE_TYPES.put(LayerTypes.DECONV, "Deconvolution");
    CAFFE_TYPES.put(LayerTypes.POOL, "Pooling");
    CAFFE_TYPES.put(LayerTypes.FC, "InnerProduct");
    CAFFE_TYPES.put(LayerTypes.OUTPUT, "InnerProduct");
    CAFFE_TYPES.put(LayerTypes.RELU, "ReLU");
    CAFFE_TYPES.put(LayerTypes.PRELU, "PReLU");
    CAFFE_TYPES.put(LayerTypes.SIGMOID, "Sigmoid");
    CAFFE_TYPES.put(LayerTypes.TANH, "TanH");
    CAFFE_TYPES.put(LayerTypes.LRN, "LRN");
    CAFFE_TYPES.put(LayerTypes.DROPOUT, "Dropout");
    CAFFE_TYPES.put(LayerTypes.BATCHNORM, "BatchNorm");
    CAFFE_TYPES.put(LayerTypes.SCALE, "Scale");
    CAFFE_TYPES.put(LayerTypes.SOFTMAX, "Softmax");
    CAFFE_TYPES.put(LayerTypes.CONCAT, "Concat");
    CAFFE_TYPES.put(LayerTypes.ELTWISE, "Eltwise");
    CAFFE_TYPES.put(LayerTypes.FLATTEN, "Flatten");
    CAFFE_TYPES.put(LayerTypes.RESHAPE, "Reshape");
    CAFFE_TYPES.put(LayerTypes.EMBEDDING, "Embed");
    CAFFE_TYPES.put(LayerTypes.CONSTANT, "Parameter");
    for (String t : List.of("AbsVal", "Accuracy", "ArgMax", "BNLL", "Bias", "Clip", "Crop",
        "ELU", "Exp", "Filter", "Im2col", "Log", "LSTM", "MVN", "Power", "Python",
        "Reduction", "RNN", "Silence", "Slice", "SPP", "Split", "Swish", "Threshold",
        "Tile")) {
      OWN_TYPES.put(t.toUpperCase(Locale.ROOT), t);
    }
  }

  private static final List<String> WEIGHT = List.of("W", "kernel", "weight", "weights", "w",
      "filter", "filters");
  private static final List<String> BIAS = List.of("b", "bias", "B", "biases");
  private static final List<String> MEAN = List.of("mean", "moving_mean", "running_mean");
  private static final List<String> VARIANCE = List.of("variance", "var", "moving_variance",
      "running_var");
  private static final List<String> GAMMA = List.of("gamma", "scale", "weight", "W");
  private static final List<String> BETA = List.of("beta", "bias", "B", "b");

  /** One Caffe layer to write, with its blobs. */
  record Built(LayerParameter layer, List<CaffeBlob> blobs) { }

  private final Layer layer;
  private final List<String> bottoms;
  private final Map<String, Tensor> tensors;
  private final Set<String> usedNames;
  private final List<Built> out = new ArrayList<>();

  private CaffeLayerBuilder(Layer layer, List<String> bottoms, List<Tensor> tensors,
      Set<String> usedNames) {
    this.layer = requireNonNull(layer, "layer");
    this.bottoms = List.copyOf(bottoms);
    this.tensors = new LinkedHashMap<>();
    tensors.forEach(t -> this.tensors.put(t.param(), t));
    this.usedNames = requireNonNull(usedNames, "usedNames");
  }

  /** The Caffe type a vocabulary type is written as (the type itself when unknown). */
  static String caffeType(String vocabularyType) {
    return CAFFE_TYPES.getOrDefault(vocabularyType,
        OWN_TYPES.getOrDefault(vocabularyType, vocabularyType));
  }

  /**
   * The Caffe layers expressing {@code layer}: usually one, two when it has a fused
   * activation or is a batch normalisation with scale and shift. The last one's first top
   * is the layer's output.
   *
   * @throws ModelHubException naming the layer when Caffe cannot express it
   */
  static List<Built> build(Layer layer, List<String> bottoms, List<Tensor> tensors,
      Set<String> usedNames) {
    CaffeLayerBuilder b = new CaffeLayerBuilder(layer, bottoms, tensors, usedNames);
    b.main();
    if (!b.tensors.isEmpty()) {
      throw b.error("tensor '" + b.tensors.values().iterator().next().name()
          + "' has no place in the Caffe " + b.out.get(0).layer.getType() + " layer");
    }
    return b.out;
  }

  private void main() {
    String type = layer.type();
    LayerParameter.Builder lp = start(layer.name(), caffeType(type), bottoms);
    List<CaffeBlob> blobs = new ArrayList<>();
    switch (type) {
      case LayerTypes.INPUT: {
        lp.clearBottom();
        List<Long> shape = longs("shape", -1);
        if (shape != null) {
          BlobShape.Builder s = BlobShape.newBuilder();
          // Caffe needs every dimension; an unknown one (the batch) becomes 1.
          shape.forEach(d -> s.addDim(d < 0 ? 1 : d));
          lp.getInputParamBuilder().addShape(s);
        }
        break;
      }
      case LayerTypes.CONV:
      case LayerTypes.DECONV:
        convolution(lp, blobs, type.equals(LayerTypes.DECONV));
        break;
      case LayerTypes.FC:
      case LayerTypes.OUTPUT:
        innerProduct(lp, blobs);
        break;
      case LayerTypes.POOL:
        pooling(lp);
        break;
      case LayerTypes.PRELU: {
        Tensor slope = takeAny();
        if (slope != null) {
          boolean shared = slope.numValues() == 1;
          lp.getPreluParamBuilder().setChannelShared(shared);
          blobs.add(blob(slope, shared ? new long[0] : new long[] {slope.numValues()}));
        }
        break;
      }
      case LayerTypes.LRN: {
        LRNParameter.Builder p = lp.getLrnParamBuilder();
        ifInt("size", v -> p.setLocalSize(v));
        ifFloat("alpha", p::setAlpha);
        ifFloat("beta", p::setBeta);
        ifFloat("k", p::setK);
        String region = string("region");
        if (region != null) {
          try {
            p.setNormRegion(LRNParameter.NormRegion.valueOf(region.toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            throw error("LRN region '" + region + "' is neither ACROSS_CHANNELS nor"
                + " WITHIN_CHANNEL");
          }
        }
        break;
      }
      case LayerTypes.DROPOUT:
        ifFloat("ratio", v -> lp.getDropoutParamBuilder().setDropoutRatio(v));
        break;
      case LayerTypes.BATCHNORM:
        batchNorm(lp, blobs);
        return;
      case LayerTypes.SCALE: {
        Tensor gamma = take(GAMMA);
        Tensor beta = take(BETA);
        lp.getScaleParamBuilder().setBiasTerm(beta != null
            || (gamma == null && Boolean.TRUE.equals(layer.attr("bias"))));
        if (gamma != null) {
          blobs.add(blob(gamma, flat(gamma)));
        }
        if (beta != null) {
          blobs.add(blob(beta, flat(beta)));
        }
        break;
      }
      case LayerTypes.SOFTMAX:
        ifInt("axis", v -> lp.getSoftmaxParamBuilder().setAxis(v));
        break;
      case LayerTypes.CONCAT:
        ifInt("axis", v -> lp.getConcatParamBuilder().setAxis(v));
        break;
      case LayerTypes.FLATTEN:
        ifInt("axis", v -> lp.getFlattenParamBuilder().setAxis(v));
        break;
      case LayerTypes.ELTWISE: {
        String op = string("op");
        if (op != null) {
          try {
            lp.getEltwiseParamBuilder().setOperation(
                EltwiseParameter.EltwiseOp.valueOf(op.toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            throw error("Caffe's Eltwise has no operation " + op + " (only SUM, PROD, MAX)");
          }
        }
        break;
      }
      case LayerTypes.RESHAPE: {
        List<Long> shape = longs("shape", -1);
        if (shape != null) {
          lp.getReshapeParamBuilder().getShapeBuilder().addAllDim(shape);
        }
        break;
      }
      case LayerTypes.EMBEDDING: {
        Tensor w = take(WEIGHT);
        Tensor b = take(BIAS);
        if (w != null && w.shape().length == 2) {
          lp.getEmbedParamBuilder().setInputDim((int) w.shape()[0])
              .setNumOutput((int) w.shape()[1]);
          blobs.add(blob(w, w.shape()));
        }
        lp.getEmbedParamBuilder().setBiasTerm(b != null);
        if (b != null) {
          blobs.add(blob(b, flat(b)));
        }
        break;
      }
      case LayerTypes.CONSTANT: {
        Tensor value = takeAny();
        if (value == null) {
          throw error("a constant without a tensor cannot be written as a Caffe Parameter");
        }
        BlobShape.Builder s = lp.getParameterParamBuilder().getShapeBuilder();
        for (long d : value.shape()) {
          s.addDim(d);
        }
        blobs.add(blob(value, value.shape()));
        break;
      }
      case LayerTypes.LOSS:
        lp.setType(lossType());
        break;
      case LayerTypes.ACTIVATION: {
        String act = string("activation");
        String t = act == null ? null : activationType(act);
        if (t == null) {
          throw error("activation " + (act == null ? "(none given)" : act)
              + " has no Caffe layer");
        }
        lp.setType(t);
        emit(lp, blobs);
        return;
      }
      case LayerTypes.RELU:
      case LayerTypes.SIGMOID:
      case LayerTypes.TANH:
        break;
      default:
        if (!OWN_TYPES.containsKey(type)) {
          throw error("Caffe has no layer of type " + type);
        }
        for (int i = 0; tensors.containsKey("blob" + i); i++) {
          Tensor t = takeParam("blob" + i);
          blobs.add(blob(t, t.shape()));
        }
        break;
    }
    emit(lp, blobs);
    fusedActivation();
  }

  private void convolution(LayerParameter.Builder lp, List<CaffeBlob> blobs, boolean deconv) {
    ConvolutionParameter.Builder p = lp.getConvolutionParamBuilder();
    List<Long> kernel = longs("kernel", 0);
    Tensor w = take(WEIGHT);
    Tensor b = take(BIAS);
    long[] shape = w == null ? null : w.shape();
    Long filters = number("filters");
    ByteBuffer data = null;
    if (shape != null && shape.length == 4 && kernel != null && kernel.size() == 2
        && !(shape[2] == kernel.get(0) && shape[3] == kernel.get(1))
        && shape[0] == kernel.get(0) && shape[1] == kernel.get(1)) {
      // [kh, kw, in, out] (TensorFlow, Keras) to Caffe's [out, in, kh, kw]; the same
      // permutation takes Keras' transposed kernels [kh, kw, out, in] to Caffe's deconv form.
      data = permute(w, new int[] {3, 2, 0, 1});
      shape = new long[] {shape[3], shape[2], shape[0], shape[1]};
    }
    if (kernel == null && shape != null && shape.length >= 3) {
      kernel = new ArrayList<>();
      for (int i = 2; i < shape.length; i++) {
        kernel.add(shape[i]);
      }
    }
    long group = number("group") == null ? 1 : number("group");
    if (filters == null && shape != null) {
      filters = deconv ? shape[1] * group : shape[0];
    }
    if (filters != null) {
      p.setNumOutput(Math.toIntExact(filters));
    }
    if (kernel != null) {
      if (kernel.size() == 2 && !kernel.get(0).equals(kernel.get(1))) {
        p.setKernelH(kernel.get(0).intValue()).setKernelW(kernel.get(1).intValue());
      } else {
        p.addKernelSize(kernel.get(0).intValue());
        for (int i = 1; i < kernel.size() && kernel.size() != 2; i++) {
          p.addKernelSize(kernel.get(i).intValue());
        }
      }
    }
    sizes(longs("stride", 0), 1, p::addStride);
    sizes(longs("dilation", 0), 1, p::addDilation);
    List<Long> pad = padding(kernel);
    if (pad != null) {
      sizes(pad, 0, p::addPad);
    }
    if (group != 1) {
      p.setGroup((int) group);
    }
    boolean bias = b != null || (w == null && !Boolean.FALSE.equals(layer.attr("bias")));
    if (!bias) {
      p.setBiasTerm(false);
    }
    if (w != null) {
      blobs.add(new CaffeBlob(shape, CaffeBlob.blobType(w), data != null ? data : floats(w),
          null));
    }
    if (b != null) {
      blobs.add(blob(b, flat(b)));
    }
  }

  private void innerProduct(LayerParameter.Builder lp, List<CaffeBlob> blobs) {
    InnerProductParameter.Builder p = lp.getInnerProductParamBuilder();
    Tensor w = take(WEIGHT);
    Tensor b = take(BIAS);
    Long units = number("units");
    if (units == null && b != null) {
      units = b.numValues();
    }
    long[] shape = w == null ? null : w.shape();
    if (shape != null && shape.length == 2 && units != null && shape[0] != units
        && shape[1] == units) {
      // [in, out] (Keras, DL4J, ONNX MatMul): Caffe reads it as is with transpose set.
      p.setTranspose(true);
    }
    if (units == null && shape != null && shape.length == 2) {
      units = shape[0];
    }
    if (units != null) {
      p.setNumOutput(Math.toIntExact(units));
    }
    boolean bias = b != null || (w == null && !Boolean.FALSE.equals(layer.attr("bias")));
    if (!bias) {
      p.setBiasTerm(false);
    }
    if (w != null) {
      blobs.add(blob(w, shape));
    }
    if (b != null) {
      blobs.add(blob(b, flat(b)));
    }
  }

  private void pooling(LayerParameter.Builder lp) {
    PoolingParameter.Builder p = lp.getPoolingParamBuilder();
    String method = string("method");
    if (method != null) {
      switch (method.toUpperCase(Locale.ROOT)) {
        case LayerTypes.MAX:
          p.setPool(PoolingParameter.PoolMethod.MAX);
          break;
        case LayerTypes.AVG:
        case "AVE":
          p.setPool(PoolingParameter.PoolMethod.AVE);
          break;
        case "STOCHASTIC":
          p.setPool(PoolingParameter.PoolMethod.STOCHASTIC);
          break;
        default:
          throw error("Caffe has no " + method + " pooling");
      }
    }
    if (Boolean.TRUE.equals(layer.attr("global"))) {
      p.setGlobalPooling(true);
      return;
    }
    List<Long> kernel = longs("kernel", 2);
    if (kernel != null) {
      if (kernel.get(0).equals(kernel.get(1))) {
        p.setKernelSize(kernel.get(0).intValue());
      } else {
        p.setKernelH(kernel.get(0).intValue()).setKernelW(kernel.get(1).intValue());
      }
    }
    List<Long> stride = longs("stride", 2);
    if (stride != null) {
      if (stride.get(0).equals(stride.get(1))) {
        p.setStride(stride.get(0).intValue());
      } else {
        p.setStrideH(stride.get(0).intValue()).setStrideW(stride.get(1).intValue());
      }
    }
    List<Long> pad = padding(kernel);
    if (pad != null && pad.size() == 2) {
      if (pad.get(0).equals(pad.get(1))) {
        if (pad.get(0) != 0) {
          p.setPad(pad.get(0).intValue());
        }
      } else {
        p.setPadH(pad.get(0).intValue()).setPadW(pad.get(1).intValue());
      }
    }
  }

  /** Caffe's BatchNorm only normalises; a learned scale and shift is a Scale layer after. */
  private void batchNorm(LayerParameter.Builder lp, List<CaffeBlob> blobs) {
    BatchNormParameter.Builder p = lp.getBatchNormParamBuilder();
    ifFloat("eps", p::setEps);
    ifFloat("momentum", p::setMovingAverageFraction);
    Tensor mean = take(MEAN);
    Tensor variance = take(VARIANCE);
    Tensor gamma = take(GAMMA);
    Tensor beta = take(BETA);
    if (mean != null && variance != null) {
      blobs.add(blob(mean, flat(mean)));
      blobs.add(blob(variance, flat(variance)));
      ByteBuffer one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1f);
      blobs.add(new CaffeBlob(new long[] {1}, DType.FLOAT32, one, null));
    } else if (mean != null || variance != null) {
      throw error("batch normalisation needs both a mean and a variance tensor");
    }
    emit(lp, blobs);
    if (gamma != null || beta != null) {
      String top = lp.getTop(0);
      LayerParameter.Builder scale = start(unique(layer.name() + "_scale"), "Scale",
          List.of(top));
      scale.getScaleParamBuilder().setBiasTerm(beta != null);
      List<CaffeBlob> sb = new ArrayList<>();
      if (gamma != null) {
        sb.add(blob(gamma, flat(gamma)));
      } else {
        ByteBuffer ones = ByteBuffer.allocate(Math.toIntExact(beta.numValues() * 4))
            .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < beta.numValues(); i++) {
          ones.putFloat(i * 4, 1f);
        }
        sb.add(new CaffeBlob(flat(beta), DType.FLOAT32, ones, null));
      }
      if (beta != null) {
        sb.add(blob(beta, flat(beta)));
      }
      emit(scale, sb);
    }
    fusedActivation();
  }

  private void fusedActivation() {
    String act = string("activation");
    if (act == null || layer.type().equals(LayerTypes.ACTIVATION)) {
      return;
    }
    String type = activationType(act);
    if (type == null) {
      throw error("fused activation " + act + " has no Caffe layer");
    }
    if (type.isEmpty()) {
      return;
    }
    String top = out.get(out.size() - 1).layer.getTop(0);
    emit(start(unique(layer.name() + "_" + act.toLowerCase(Locale.ROOT)), type, List.of(top)),
        List.of());
  }

  /** The Caffe type of an activation; "" for identity, null when Caffe has none. */
  private static String activationType(String activation) {
    switch (activation.toUpperCase(Locale.ROOT)) {
      case "RELU":
        return "ReLU";
      case "SIGMOID":
        return "Sigmoid";
      case "TANH":
        return "TanH";
      case "SOFTMAX":
        return "Softmax";
      case "ELU":
        return "ELU";
      case "SWISH":
        return "Swish";
      case "IDENTITY":
      case "LINEAR":
      case "NONE":
        return "";
      default:
        return null;
    }
  }

  private String lossType() {
    String loss = string("loss");
    if (loss == null) {
      return "SoftmaxWithLoss";
    }
    String key = loss.toUpperCase(Locale.ROOT);
    for (Map.Entry<String, String> e : CaffeLayers.LOSSES.entrySet()) {
      if (e.getValue().equals(key)) {
        return e.getKey();
      }
    }
    switch (key) {
      case "MCXENT":
      case "NEGATIVELOGLIKELIHOOD":
      case "CATEGORICAL_CROSSENTROPY":
      case "SPARSE_CATEGORICAL_CROSSENTROPY":
        return "SoftmaxWithLoss";
      case "XENT":
      case "BINARY_CROSSENTROPY":
        return "SigmoidCrossEntropyLoss";
      case "MSE":
      case "MEAN_SQUARED_ERROR":
      case "SQUARED_LOSS":
        return "EuclideanLoss";
      case "HINGE":
        return "HingeLoss";
      default:
        throw error("Caffe has no loss layer for " + loss);
    }
  }

  private LayerParameter.Builder start(String name, String type, List<String> bottom) {
    usedNames.add(name);
    return LayerParameter.newBuilder().setName(name).setType(type).addAllBottom(bottom)
        .addTop(name);
  }

  private void emit(LayerParameter.Builder lp, List<CaffeBlob> blobs) {
    out.add(new Built(lp.buildPartial(), List.copyOf(blobs)));
  }

  private String unique(String base) {
    String name = base;
    for (int k = 2; usedNames.contains(name); k++) {
      name = base + "_" + k;
    }
    return name;
  }

  // Tensors ------------------------------------------------------------------------------

  private Tensor take(List<String> names) {
    for (String n : names) {
      Tensor t = takeParam(n);
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private Tensor takeParam(String name) {
    return tensors.remove(name);
  }

  private Tensor takeAny() {
    if (tensors.size() > 1) {
      throw error("expected one tensor, found " + tensors.keySet());
    }
    return tensors.isEmpty() ? null : takeParam(tensors.keySet().iterator().next());
  }

  private static long[] flat(Tensor t) {
    return new long[] {t.numValues()};
  }

  private CaffeBlob blob(Tensor t, long[] shape) {
    return new CaffeBlob(shape, CaffeBlob.blobType(t), floats(t), null);
  }

  private ByteBuffer floats(Tensor t) {
    try {
      return CaffeBlob.values(t);
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  /** Reorders a tensor's axes: output axis i is input axis {@code perm[i]}. */
  private ByteBuffer permute(Tensor t, int[] perm) {
    ByteBuffer src = floats(t);
    int size = CaffeBlob.blobType(t).size();
    long[] shape = t.shape();
    int rank = shape.length;
    long[] stride = new long[rank];
    long s = 1;
    for (int i = rank - 1; i >= 0; i--) {
      stride[i] = s;
      s *= shape[i];
    }
    int n = Math.toIntExact(t.numValues());
    ByteBuffer dst = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
    long[] idx = new long[rank];
    for (int o = 0; o < n; o++) {
      long from = 0;
      for (int i = 0; i < rank; i++) {
        from += idx[i] * stride[perm[i]];
      }
      for (int b = 0; b < size; b++) {
        dst.put(o * size + b, src.get((int) from * size + b));
      }
      for (int i = rank - 1; i >= 0; i--) {
        if (++idx[i] < shape[perm[i]]) {
          break;
        }
        idx[i] = 0;
      }
    }
    return dst;
  }

  // Attributes ---------------------------------------------------------------------------

  private String string(String key) {
    Object v = layer.attr(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String)) {
      throw error("attribute '" + key + "' should be a string, is " + v);
    }
    return (String) v;
  }

  private Long number(String key) {
    Object v = layer.attr(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number)) {
      throw error("attribute '" + key + "' should be a number, is " + v);
    }
    return ((Number) v).longValue();
  }

  private void ifInt(String key, IntConsumer set) {
    Long v = number(key);
    if (v != null) {
      set.accept(v.intValue());
    }
  }

  private void ifFloat(String key, FloatSetter set) {
    Object v = layer.attr(key);
    if (v != null) {
      try {
        set.accept(CaffeJson.toFloat(v, key));
      } catch (IllegalArgumentException e) {
        throw error("attribute " + e.getMessage());
      }
    }
  }

  /** Accepts a float; protobuf builders' float setters return the builder. */
  private interface FloatSetter {
    Object accept(float v);
  }

  /** A list attribute of integers, a single number standing for {@code n} copies. */
  private List<Long> longs(String key, int n) {
    Object v = layer.attr(key);
    if (v == null) {
      return null;
    }
    List<Long> out = new ArrayList<>();
    if (v instanceof Number) {
      for (int i = 0; i < Math.max(n, 1); i++) {
        out.add(((Number) v).longValue());
      }
      return out;
    }
    if (v instanceof List) {
      for (Object x : (List<?>) v) {
        if (!(x instanceof Number)) {
          throw error("attribute '" + key + "' should hold numbers, holds " + x);
        }
        out.add(((Number) x).longValue());
      }
      if (n > 0 && out.size() != n) {
        throw error("attribute '" + key + "' should have " + n + " values, has " + out);
      }
      return out.isEmpty() ? null : out;
    }
    throw error("attribute '" + key + "' should be a list of numbers, is " + v);
  }

  /** Padding as numbers; "same" pads half the kernel (exact for odd kernels, stride 1). */
  private List<Long> padding(List<Long> kernel) {
    Object v = layer.attr("pad");
    if (v instanceof String) {
      String mode = ((String) v).toLowerCase(Locale.ROOT);
      if (mode.equals("valid")) {
        return null;
      }
      if (mode.equals("same") && kernel != null) {
        List<Long> pad = new ArrayList<>();
        kernel.forEach(k -> pad.add((k - 1) / 2));
        return pad;
      }
      throw error("padding '" + v + "' cannot be written for Caffe");
    }
    return longs("pad", 0);
  }

  /** Writes a repeated size the short way: nothing for the default, one value if all agree. */
  private static void sizes(List<Long> values, long dflt,
      IntConsumer add) {
    if (values == null || values.stream().allMatch(x -> x == dflt)) {
      return;
    }
    if (values.stream().distinct().count() == 1) {
      add.accept(values.get(0).intValue());
    } else {
      values.forEach(x -> add.accept(x.intValue()));
    }
  }

  private ModelHubException error(String what) {
    return new ModelHubException("cannot write layer '" + layer.name() + "' of type "
        + layer.type() + " as Caffe: " + what);
  }
}
