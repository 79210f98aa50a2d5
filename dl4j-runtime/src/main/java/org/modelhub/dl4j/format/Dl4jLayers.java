package org.modelhub.dl4j.format;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.BaseUpsamplingLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Subsampling3DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.Cnn3DToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.NetworkJson;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Maps DL4J layer and graph-vertex configurations onto the shared layer vocabulary
 * (docs/formats.md): normalised attributes at the top level, DL4J's own settings (nIn, weight
 * init, updater, dropout...) under {@code dl4j}.
 */
final class Dl4jLayers {
  private static final Map<Class<?>, String> ACTIVATIONS = new HashMap<>();
  private static final Map<Class<?>, String> LOSSES = new HashMap<>();
  private static final Map<Class<?>, String> WEIGHT_INITS = new HashMap<>();

  static {
    // enum order decides between aliases (MSE before SQUARED_LOSS)
    for (Activation a : Activation.values()) {
      try {
        ACTIVATIONS.putIfAbsent(a.getActivationFunction().getClass(), a.name());
      } catch (RuntimeException e) {
        // an activation this build of nd4j cannot instantiate is named by its class instead
      }
    }
    for (LossFunctions.LossFunction l : LossFunctions.LossFunction.values()) {
      try {
        LOSSES.putIfAbsent(l.getILossFunction().getClass(), l.name());
      } catch (RuntimeException e) {
        // as above: named by its class
      }
    }
    for (WeightInit w : WeightInit.values()) {
      if (w != WeightInit.DISTRIBUTION) {
        try {
          WEIGHT_INITS.putIfAbsent(w.getWeightInitFunction().getClass(), w.name());
        } catch (RuntimeException e) {
          // written out as JSON instead
        }
      }
    }
  }

  private Dl4jLayers() {
  }

  /** A network input, shaped after the layer that reads it when that layer tells. */
  static Layer input(String name, org.deeplearning4j.nn.conf.layers.Layer consumer,
      InputPreProcessor pp) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    List<Long> shape = inputShape(consumer, pp);
    if (shape != null) {
      attrs.put("shape", shape);
    }
    return new Layer(name, LayerTypes.INPUT, canonical(attrs), List.of());
  }

  private static List<Long> inputShape(org.deeplearning4j.nn.conf.layers.Layer consumer,
      InputPreProcessor pp) {
    if (pp instanceof FeedForwardToCnnPreProcessor) {
      FeedForwardToCnnPreProcessor f = (FeedForwardToCnnPreProcessor) pp;
      return List.of(-1L, f.getInputHeight() * f.getInputWidth() * f.getNumChannels());
    }
    org.deeplearning4j.nn.conf.layers.Layer l = unwrap(consumer, null);
    if (pp != null || !(l instanceof FeedForwardLayer) || l instanceof BatchNormalization) {
      // other preprocessors, and batch normalisation, accept several input ranks
      return null;
    }
    long nIn = ((FeedForwardLayer) l).getNIn();
    if (nIn <= 0) {
      return null;
    }
    if (l instanceof EmbeddingLayer) {
      // one index per example; nIn is the vocabulary size
      return List.of(-1L, 1L);
    }
    if (l instanceof EmbeddingSequenceLayer) {
      // indices as [batch, time] or [batch, 1, time]: the rank is not fixed
      return null;
    }
    if (l instanceof Convolution1DLayer) {
      return ((Convolution1DLayer) l).getRnnDataFormat() == RNNFormat.NWC
          ? List.of(-1L, -1L, nIn) : List.of(-1L, nIn, -1L);
    }
    if (l instanceof BaseRecurrentLayer) {
      return ((BaseRecurrentLayer) l).getRnnDataFormat() == RNNFormat.NWC
          ? List.of(-1L, -1L, nIn) : List.of(-1L, nIn, -1L);
    }
    if (l instanceof Convolution3D) {
      return ((Convolution3D) l).getDataFormat() == Convolution3D.DataFormat.NDHWC
          ? List.of(-1L, -1L, -1L, -1L, nIn) : List.of(-1L, nIn, -1L, -1L, -1L);
    }
    if (l instanceof ConvolutionLayer) {
      return ((ConvolutionLayer) l).getCnn2dDataFormat() == CNN2DFormat.NHWC
          ? List.of(-1L, -1L, -1L, nIn) : List.of(-1L, nIn, -1L, -1L);
    }
    return List.of(-1L, nIn);
  }

  /** A layer of a MultiLayerNetwork or the layer of a graph's LayerVertex. */
  static Layer layer(String name, org.deeplearning4j.nn.conf.layers.Layer conf,
      InputPreProcessor pp, List<String> inputs, Map<String, Object> extra) {
    Map<String, Object> dl4j = new LinkedHashMap<>(extra);
    org.deeplearning4j.nn.conf.layers.Layer l = unwrap(conf, dl4j);
    dl4j.put("class", l.getClass().getSimpleName());
    Map<String, Object> attrs = new LinkedHashMap<>();
    String type = map(l, attrs, dl4j);
    if (l instanceof BaseLayer && !attrs.containsKey("activation")) {
      IActivation act = ((BaseLayer) l).getActivationFn();
      String name1 = act == null ? null : activationName(act);
      boolean plain = type.equals(LayerTypes.BATCHNORM) || type.equals(LayerTypes.DROPOUT);
      if (name1 != null && !(plain && name1.equals("IDENTITY"))) {
        attrs.put("activation", name1);
      }
    }
    if (l instanceof FeedForwardLayer) {
      dl4j.put("nIn", ((FeedForwardLayer) l).getNIn());
      dl4j.put("nOut", ((FeedForwardLayer) l).getNOut());
    }
    if (l instanceof BaseLayer) {
      BaseLayer b = (BaseLayer) l;
      if (b.getWeightInitFn() != null) {
        dl4j.put("weightInit", weightInit(b.getWeightInitFn()));
      }
      if (b.getIUpdater() != null) {
        dl4j.put("updater", json(b.getIUpdater()));
      }
      if (b.getBiasUpdater() != null) {
        dl4j.put("biasUpdater", json(b.getBiasUpdater()));
      }
      putRegularization(dl4j, "regularization", b.getRegularization());
      putRegularization(dl4j, "regularizationBias", b.getRegularizationBias());
    }
    if (l.getIDropout() != null) {
      dl4j.put("dropout", json(l.getIDropout()));
    }
    if (pp != null) {
      dl4j.put("preProcessor", json(pp));
    }
    attrs.put(Dl4jModel.ATTR, dl4j);
    return new Layer(name, type, canonical(attrs), inputs);
  }

  static boolean isFrozen(org.deeplearning4j.nn.conf.layers.Layer l) {
    return l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop;
  }

  /** Strips frozen wrappers, noting them in {@code dl4j} when given. */
  private static org.deeplearning4j.nn.conf.layers.Layer unwrap(
      org.deeplearning4j.nn.conf.layers.Layer conf, Map<String, Object> dl4j) {
    org.deeplearning4j.nn.conf.layers.Layer l = conf;
    while (isFrozen(l)) {
      if (dl4j != null) {
        dl4j.put("frozen", true);
        dl4j.putIfAbsent("wrapper", l.getClass().getSimpleName());
      }
      l = l instanceof FrozenLayer ? ((FrozenLayer) l).getLayer()
          : ((FrozenLayerWithBackprop) l).getUnderlying();
    }
    return l;
  }

  /** Fills the normalised attributes of {@code l} and returns its type. */
  private static String map(org.deeplearning4j.nn.conf.layers.Layer l,
      Map<String, Object> attrs, Map<String, Object> dl4j) {
    if (l instanceof DenseLayer) {
      DenseLayer d = (DenseLayer) l;
      attrs.put("units", d.getNOut());
      attrs.put("bias", d.hasBias());
      return LayerTypes.FC;
    }
    if (l instanceof BaseOutputLayer) {
      BaseOutputLayer o = (BaseOutputLayer) l;
      attrs.put("units", o.getNOut());
      attrs.put("bias", o.hasBias());
      putLoss(attrs, o.getLossFn());
      return LayerTypes.OUTPUT;
    }
    if (l instanceof LossLayer) {
      putLoss(attrs, ((LossLayer) l).getLossFn());
      return LayerTypes.LOSS;
    }
    if (l instanceof CnnLossLayer) {
      putLoss(attrs, ((CnnLossLayer) l).getLossFn());
      return LayerTypes.LOSS;
    }
    if (l instanceof RnnLossLayer) {
      putLoss(attrs, ((RnnLossLayer) l).getLossFn());
      return LayerTypes.LOSS;
    }
    if (l instanceof Cnn3DLossLayer) {
      putLoss(attrs, ((Cnn3DLossLayer) l).getLossFn());
      return LayerTypes.LOSS;
    }
    if (l instanceof ConvolutionLayer) {
      ConvolutionLayer c = (ConvolutionLayer) l;
      attrs.put("filters", c.getNOut());
      attrs.put("kernel", ints(c.getKernelSize()));
      attrs.put("stride", ints(c.getStride()));
      attrs.put("pad", pad(c.getConvolutionMode(), c.getPadding()));
      attrs.put("dilation", ints(c.getDilation()));
      if (l instanceof DepthwiseConvolution2D) {
        attrs.put("group", c.getNIn());
      }
      attrs.put("bias", c.hasBias());
      dl4j.put("convolutionMode", String.valueOf(c.getConvolutionMode()));
      return l instanceof Deconvolution2D || l instanceof Deconvolution3D
          ? LayerTypes.DECONV : LayerTypes.CONV;
    }
    if (l instanceof SubsamplingLayer) {
      SubsamplingLayer s = (SubsamplingLayer) l;
      attrs.put("method", method(s.getPoolingType()));
      attrs.put("kernel", ints(s.getKernelSize()));
      attrs.put("stride", ints(s.getStride()));
      attrs.put("pad", pad(s.getConvolutionMode(), s.getPadding()));
      attrs.put("global", false);
      dl4j.put("convolutionMode", String.valueOf(s.getConvolutionMode()));
      return LayerTypes.POOL;
    }
    if (l instanceof Subsampling3DLayer) {
      Subsampling3DLayer s = (Subsampling3DLayer) l;
      attrs.put("method", method(s.getPoolingType()));
      attrs.put("kernel", ints(s.getKernelSize()));
      attrs.put("stride", ints(s.getStride()));
      attrs.put("pad", pad(s.getConvolutionMode(), s.getPadding()));
      attrs.put("global", false);
      dl4j.put("convolutionMode", String.valueOf(s.getConvolutionMode()));
      return LayerTypes.POOL;
    }
    if (l instanceof GlobalPoolingLayer) {
      attrs.put("method", method(((GlobalPoolingLayer) l).getPoolingType()));
      attrs.put("global", true);
      return LayerTypes.POOL;
    }
    if (l instanceof BatchNormalization) {
      BatchNormalization b = (BatchNormalization) l;
      attrs.put("eps", b.getEps());
      attrs.put("momentum", b.getDecay());
      return LayerTypes.BATCHNORM;
    }
    if (l instanceof DropoutLayer) {
      Double ratio = dropRatio(l.getIDropout());
      if (ratio != null) {
        attrs.put("ratio", ratio);
      }
      return LayerTypes.DROPOUT;
    }
    if (l instanceof LocalResponseNormalization) {
      LocalResponseNormalization r = (LocalResponseNormalization) l;
      attrs.put("size", number(r.getN()));
      attrs.put("alpha", r.getAlpha());
      attrs.put("beta", r.getBeta());
      attrs.put("k", number(r.getK()));
      attrs.put("region", "ACROSS_CHANNELS");
      return LayerTypes.LRN;
    }
    if (l instanceof ActivationLayer) {
      String act = activationName(((ActivationLayer) l).getActivationFn());
      attrs.put("activation", act);
      switch (act) {
        case LayerTypes.RELU: case LayerTypes.SIGMOID: case LayerTypes.TANH:
        case LayerTypes.SOFTMAX:
          return act;
        default:
          return LayerTypes.ACTIVATION;
      }
    }
    if (l instanceof PReLULayer) {
      return LayerTypes.PRELU;
    }
    if (l instanceof EmbeddingLayer || l instanceof EmbeddingSequenceLayer) {
      FeedForwardLayer e = (FeedForwardLayer) l;
      attrs.put("units", e.getNOut());
      attrs.put("bias", l instanceof EmbeddingLayer ? ((EmbeddingLayer) l).hasBias()
          : ((EmbeddingSequenceLayer) l).hasBias());
      return LayerTypes.EMBEDDING;
    }
    if (l instanceof BaseUpsamplingLayer) {
      return LayerTypes.UPSAMPLE;
    }
    // no equivalent: the operator keeps its own name (LSTM, ZEROPADDINGLAYER...)
    return l.getClass().getSimpleName().toUpperCase(Locale.ROOT);
  }

  /** A graph vertex; layer vertices map as layers do. */
  static Layer vertex(String name, GraphVertex v, List<String> inputs) {
    if (v instanceof LayerVertex) {
      LayerVertex lv = (LayerVertex) v;
      return layer(name, lv.getLayerConf().getLayer(), lv.getPreProcessor(), inputs, Map.of());
    }
    if (v instanceof FrozenVertex) {
      Layer inner = vertex(name, ((FrozenVertex) v).getUnderlying(), inputs);
      Map<String, Object> attrs = new LinkedHashMap<>(inner.attrs());
      @SuppressWarnings("unchecked")
      Map<String, Object> dl4j = new LinkedHashMap<>(
          (Map<String, Object>) attrs.getOrDefault(Dl4jModel.ATTR, Map.of()));
      dl4j.put("frozen", true);
      attrs.put(Dl4jModel.ATTR, dl4j);
      return new Layer(name, inner.type(), canonical(attrs), inputs);
    }
    Map<String, Object> attrs = new LinkedHashMap<>();
    Map<String, Object> dl4j = new LinkedHashMap<>();
    String simple = v.getClass().getSimpleName();
    dl4j.put("vertex", simple);
    Object config = json(v);
    if (config instanceof Map) {
      Map<?, ?> m = new LinkedHashMap<>((Map<?, ?>) config);
      m.remove("@class");
      if (!m.isEmpty()) {
        dl4j.put("config", m);
      }
    }
    String type;
    if (v instanceof MergeVertex) {
      attrs.put("axis", ((MergeVertex) v).getMergeAxis());
      type = LayerTypes.CONCAT;
    } else if (v instanceof ElementWiseVertex) {
      attrs.put("op", op(((ElementWiseVertex) v).getOp()));
      type = LayerTypes.ELTWISE;
    } else if (v instanceof ReshapeVertex) {
      attrs.put("shape", ints(((ReshapeVertex) v).getNewShape()));
      type = LayerTypes.RESHAPE;
    } else if (v instanceof PreprocessorVertex) {
      InputPreProcessor pp = ((PreprocessorVertex) v).getPreProcessor();
      if (pp instanceof CnnToFeedForwardPreProcessor
          || pp instanceof Cnn3DToFeedForwardPreProcessor) {
        attrs.put("axis", 1);
        type = LayerTypes.FLATTEN;
      } else {
        type = "PREPROCESSOR";
      }
    } else {
      String base = simple.endsWith("Vertex") && simple.length() > 6
          ? simple.substring(0, simple.length() - 6) : simple;
      type = base.toUpperCase(Locale.ROOT);
    }
    attrs.put(Dl4jModel.ATTR, dl4j);
    return new Layer(name, type, canonical(attrs), inputs);
  }

  private static String op(ElementWiseVertex.Op op) {
    switch (op) {
      case Add: return "SUM";
      case Subtract: return "SUB";
      case Product: return "PROD";
      case Average: return "AVG";
      case Max: return "MAX";
      default: return op.name().toUpperCase(Locale.ROOT);
    }
  }

  private static String method(PoolingType t) {
    return t == null ? null : t.name();
  }

  private static Object pad(ConvolutionMode mode, int[] padding) {
    return mode == ConvolutionMode.Same ? "same" : ints(padding);
  }

  /** The probability of dropping (DL4J's {@code p} is the probability of keeping). */
  private static Double dropRatio(IDropout d) {
    if (!(d instanceof Dropout)) {
      return null;
    }
    Dropout dropout = (Dropout) d;
    double keep = dropout.getPSchedule() != null
        ? dropout.getPSchedule().valueAt(0, 0) : dropout.getP();
    // decimal arithmetic so that keeping 0.8 reads as dropping 0.2, not 0.19999999999999996
    return BigDecimal.ONE.subtract(new BigDecimal(Double.toString(keep))).doubleValue();
  }

  private static void putLoss(Map<String, Object> attrs, ILossFunction loss) {
    if (loss != null) {
      attrs.put("loss", lossName(loss));
    }
  }

  private static void putRegularization(Map<String, Object> dl4j, String key,
      List<Regularization> list) {
    if (list == null || list.isEmpty()) {
      return;
    }
    List<Object> out = new ArrayList<>();
    for (Regularization r : list) {
      out.add(json(r));
    }
    dl4j.put(key, out);
  }

  /** DL4J's name of an activation function ({@code RELU}, {@code SOFTMAX}...). */
  static String activationName(IActivation a) {
    String name = ACTIVATIONS.get(a.getClass());
    return name != null ? name : strip(a.getClass().getSimpleName(), "Activation");
  }

  /** DL4J's name of a loss function ({@code MCXENT}, {@code MSE}...). */
  static String lossName(ILossFunction l) {
    String name = LOSSES.get(l.getClass());
    return name != null ? name : strip(l.getClass().getSimpleName(), "Loss");
  }

  private static Object weightInit(IWeightInit w) {
    Object j = json(w);
    String name = WEIGHT_INITS.get(w.getClass());
    // only a bare class stands for the enum value; otherwise keep its settings
    return name != null && j instanceof Map && ((Map<?, ?>) j).size() == 1 ? name : j;
  }

  private static String strip(String simpleName, String prefix) {
    String s = simpleName.startsWith(prefix) && simpleName.length() > prefix.length()
        ? simpleName.substring(prefix.length()) : simpleName;
    return s.toUpperCase(Locale.ROOT);
  }

  /** A DL4J configuration object as DL4J writes it in JSON, read back as plain values. */
  static Object json(Object dl4jObject) {
    try {
      String text = NeuralNetConfiguration.mapper().writeValueAsString(dl4jObject);
      return NetworkJson.MAPPER.readValue(text, Object.class);
    } catch (IOException e) {
      return String.valueOf(dl4jObject);
    }
  }

  private static List<Integer> ints(int[] values) {
    List<Integer> out = new ArrayList<>();
    if (values != null) {
      for (int v : values) {
        out.add(v);
      }
    }
    return out;
  }

  private static Object number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
  }

  /** Attributes as JSON gives them back, so a network equals itself after storage. */
  static Map<String, Object> canonical(Map<String, Object> attrs) {
    return NetworkJson.parseAttrs(NetworkJson.attrsToJson(attrs));
  }
}
