package org.modelhub.dl4j.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.runtime.TrainingConfig;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Builds a DL4J ComputationGraph from a stored network and its weights, for any format whose
 * layers use the shared vocabulary (docs/evaluate.md lists what maps to what). Images run
 * channels first inside DL4J whatever the source; each weight tensor is bound to its DL4J
 * parameter through its format's layout ({@link SourceFormat}); layers that need weights and
 * have none are initialised by DL4J (Xavier, seeded by the config's {@code seed}).
 *
 * <p>The graph classifies: its one output is a softmax (a final SOFTMAX, LOGSOFTMAX or
 * softmax loss fused into the FC before it; a final FC of logits gets one) or the loss a
 * DL4J OUTPUT or LOSS layer names. Layers that only compute shapes (ONNX's constant
 * subgraphs feeding a Reshape) are left out.
 */
final class Dl4jGraphBuilder {
  private static final Set<String> ACTIVATIONS = Set.of(LayerTypes.RELU, LayerTypes.SIGMOID,
      LayerTypes.TANH, LayerTypes.ACTIVATION, LayerTypes.SOFTMAX);
  /** Layers with no part in a classifier's forward pass. */
  private static final Set<String> SKIPPED = Set.of("ACCURACY", "SILENCE");
  private static final List<String> WEIGHT_KEYS = List.of("W", "kernel", "weight", "weights",
      "blob0");
  private static final List<String> BIAS_KEYS = List.of("b", "bias", "B", "blob1");

  /** What flows out of a layer: {@code [c,h,w]} or {@code [features]}, channels first. */
  private record Act(long[] dims, long[] flattenedFrom, boolean channelsLast) {
    boolean spatial() {
      return dims.length == 3;
    }

    long size() {
      return Tensor.numValues(dims);
    }
  }

  private final Network network;
  private final SourceFormat netFormat;
  private final Map<String, Map<String, Tensor>> tensors = new HashMap<>();
  private final List<Tensor> allTensors;
  private final long[] dataShape;
  private final int classes;
  private final TrainingConfig config;

  private final Map<String, List<String>> liveInputs = new HashMap<>();
  private final Map<String, List<String>> liveOutputs = new HashMap<>();
  private final Map<String, String> vertexOf = new HashMap<>();
  private final Map<String, Act> acts = new HashMap<>();
  private final List<ParamBinding> bindings = new ArrayList<>();
  private final List<Tensor> extraTensors = new ArrayList<>();
  private final Set<String> consumed = new HashSet<>();
  private ComputationGraphConfiguration.GraphBuilder gb;
  private String inputLayer;
  private long[] inputShape;
  private Layer head;
  private Layer fusedHead;

  private Dl4jGraphBuilder(Network network, List<Tensor> tensorList, long[] dataShape,
      int classes, TrainingConfig config) {
    this.network = network;
    this.netFormat = SourceFormat.of(network);
    this.allTensors = List.copyOf(tensorList);
    this.dataShape = dataShape == null ? null : dataShape.clone();
    this.classes = classes;
    this.config = config;
    for (Tensor t : tensorList) {
      tensors.computeIfAbsent(t.layer(), k -> new LinkedHashMap<>()).put(t.param(), t);
    }
  }

  /**
   * Builds and initialises the graph.
   *
   * @param dataShape the shape of one example of the data to feed, or null to take the
   *     INPUT layer's
   * @param classes the number of classes of the data (the output size), or 0 for any
   * @throws ModelHubException naming the layer and its type when it cannot be built
   */
  static Dl4jGraph build(Network network, List<Tensor> tensors, long[] dataShape, int classes,
      TrainingConfig config) {
    return new Dl4jGraphBuilder(network, tensors, dataShape, classes, config).build();
  }

  private Dl4jGraph build() {
    List<Layer> order = analyse();
    gb = new NeuralNetConfiguration.Builder()
        .seed(config.count(TrainingConfig.SEED))
        .dataType(DataType.FLOAT)
        .weightInit(WeightInit.XAVIER)
        .updater(Updaters.updater(config, config.number(TrainingConfig.BASE_LR)))
        .l2(config.number(TrainingConfig.WEIGHT_DECAY))
        .graphBuilder();
    for (Layer l : order) {
      if (!consumed.contains(l.name())) {
        add(l);
      }
    }
    String out = vertexOf.get(head.name());
    Act outAct = acts.get(head.name());
    if (classes > 0 && (outAct.spatial() || outAct.size() != classes)) {
      throw fail(fusedHead != null ? fusedHead : head, "the network's output has "
          + shape(outAct.dims) + " values per example but the data has " + classes
          + " classes");
    }
    gb.setOutputs(out);
    gb.setInputTypes(inputType(inputShape));
    ComputationGraph graph;
    try {
      ComputationGraphConfiguration conf = gb.build();
      graph = new ComputationGraph(conf);
      graph.init();
    } catch (RuntimeException e) {
      throw new ModelHubException("network '" + network.name() + "': DL4J cannot build it: "
          + rootMessage(e), e);
    }
    for (ParamBinding b : bindings) {
      org.deeplearning4j.nn.api.Layer layer = graph.getLayer(b.vertex());
      b.load(layer.getParam(b.key()));
    }
    return new Dl4jGraph(network, graph, bindings, allTensors, extraTensors, inputLayer,
        inputShape, out);
  }

  // ---- which layers take part, in what order -------------------------------------------

  /** Edges a classifier's forward pass does not follow: shape inputs, label inputs. */
  private static boolean ignoredEdge(Layer dst, int slot) {
    String t = dst.type();
    return slot > 0 && (t.equals(LayerTypes.RESHAPE) || t.equals(LayerTypes.LOSS)
        || t.equals("ACCURACY"));
  }

  private List<Layer> analyse() {
    Map<String, List<String>> outs = new HashMap<>();
    for (Layer l : network.layers()) {
      if (SKIPPED.contains(l.type())) {
        continue;
      }
      for (int s = 0; s < l.inputs().size(); s++) {
        if (!ignoredEdge(l, s)) {
          outs.computeIfAbsent(l.inputs().get(s), k -> new ArrayList<>()).add(l.name());
        }
      }
    }
    List<Layer> inputs = new ArrayList<>();
    for (Layer l : network.layers()) {
      if (l.type().equals(LayerTypes.INPUT)) {
        inputs.add(l);
      }
    }
    if (inputs.isEmpty()) {
      throw new ModelHubException("network '" + network.name() + "' has no INPUT layer");
    }
    Set<String> reached = new LinkedHashSet<>();
    for (Layer in : inputs) {
      reached.addAll(reach(in.name(), outs));
    }
    List<String> sinks = new ArrayList<>();
    for (String n : reached) {
      if (outs.getOrDefault(n, List.of()).isEmpty()
          && !network.layer(n).type().equals(LayerTypes.INPUT)) {
        sinks.add(n);
      }
    }
    if (sinks.size() != 1) {
      throw new ModelHubException("network '" + network.name() + "' has " + (sinks.isEmpty()
          ? "no output layer" : sinks.size() + " output layers (" + String.join(", ", sinks)
              + ")") + ": training needs one classifier output");
    }
    head = network.layer(sinks.get(0));
    Map<String, List<String>> ins = new HashMap<>();
    for (Layer l : network.layers()) {
      List<String> live = new ArrayList<>();
      for (int s = 0; s < l.inputs().size(); s++) {
        if (!ignoredEdge(l, s)) {
          live.add(l.inputs().get(s));
        }
      }
      ins.put(l.name(), live);
    }
    Set<String> up = reach(head.name(), ins);
    List<Layer> data = new ArrayList<>();
    for (Layer in : inputs) {
      if (up.contains(in.name())) {
        data.add(in);
      }
    }
    if (data.size() != 1) {
      List<String> names = new ArrayList<>();
      data.forEach(l -> names.add(l.name()));
      throw new ModelHubException("network '" + network.name() + "' reads " + data.size()
          + " inputs (" + String.join(", ", names) + "): training feeds one");
    }
    inputLayer = data.get(0).name();
    Set<String> live = new HashSet<>(reach(inputLayer, outs));
    live.retainAll(up);
    List<Layer> order = new ArrayList<>();
    for (Layer l : network.layers()) {
      if (!live.contains(l.name())) {
        continue;
      }
      List<String> li = new ArrayList<>();
      for (String in : ins.get(l.name())) {
        if (!live.contains(in)) {
          throw fail(l, "reads '" + in + "' (" + network.layer(in).type() + "), which does not"
              + " depend on the input; constant inputs have no DL4J equivalent here");
        }
        li.add(in);
        liveOutputs.computeIfAbsent(in, k -> new ArrayList<>()).add(l.name());
      }
      liveInputs.put(l.name(), li);
      order.add(l);
    }
    // a final softmax right after an FC that feeds nothing else: the FC becomes the output
    List<String> headIn = liveInputs.get(head.name());
    if (softmaxHead(head) && headIn.size() == 1) {
      Layer p = network.layer(headIn.get(0));
      if (p.type().equals(LayerTypes.FC) && liveOutputs.get(p.name()).size() == 1
          && activationOf(p).equals("IDENTITY")) {
        fusedHead = p;
      }
    }
    return topological(order);
  }

  private static Set<String> reach(String start, Map<String, List<String>> next) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(start));
    while (!todo.isEmpty()) {
      String n = todo.poll();
      if (seen.add(n)) {
        todo.addAll(next.getOrDefault(n, List.of()));
      }
    }
    return seen;
  }

  /** Definition order, moved only where a layer comes before one of its inputs. */
  private List<Layer> topological(List<Layer> layers) {
    List<Layer> out = new ArrayList<>();
    Set<String> done = new HashSet<>();
    List<Layer> pending = new ArrayList<>(layers);
    while (!pending.isEmpty()) {
      boolean progress = false;
      for (int i = 0; i < pending.size(); i++) {
        Layer l = pending.get(i);
        if (done.containsAll(liveInputs.get(l.name()))) {
          out.add(l);
          done.add(l.name());
          pending.remove(i);
          progress = true;
          break;
        }
      }
      if (!progress) {
        throw fail(pending.get(0), "is part of a cycle");
      }
    }
    return out;
  }

  // ---- layers --------------------------------------------------------------------------

  private void add(Layer l) {
    SourceFormat fmt = SourceFormat.of(l, netFormat);
    switch (l.type()) {
      case LayerTypes.INPUT:
        input(l, fmt);
        return;
      case LayerTypes.CONV:
        conv(l, fmt);
        return;
      case LayerTypes.POOL:
        pool(l, fmt);
        return;
      case LayerTypes.FC:
        dense(l, fmt, l == head || l == fusedHead ? headLoss(l) : null);
        return;
      case LayerTypes.OUTPUT:
        dense(l, fmt, headLoss(l));
        return;
      case LayerTypes.DROPOUT:
        dropout(l);
        return;
      case LayerTypes.LRN:
        lrn(l, fmt);
        return;
      case LayerTypes.BATCHNORM:
        batchNorm(l, fmt);
        return;
      case LayerTypes.CONCAT:
        concat(l, fmt);
        return;
      case LayerTypes.ELTWISE:
        eltwise(l);
        return;
      case LayerTypes.FLATTEN:
      case LayerTypes.RESHAPE:
        flatten(l, fmt);
        return;
      case LayerTypes.LOSS:
      case "LOGSOFTMAX":
        if (l == head) {
          lossHead(l);
          return;
        }
        throw fail(l, "only the last layer of the network may be a loss or a log-softmax");
      case LayerTypes.SCALE:
        throw fail(l, "a SCALE layer is supported right after a BATCHNORM only (the two"
            + " become one DL4J batch normalisation)");
      default:
        if (ACTIVATIONS.contains(l.type())) {
          if (l == head && l.type().equals(LayerTypes.SOFTMAX)) {
            lossHead(l);
          } else {
            activation(l);
          }
          return;
        }
        throw fail(l, "has no DL4J equivalent here (supported: INPUT, CONV, POOL, FC,"
            + " OUTPUT, RELU, SIGMOID, TANH, ACTIVATION, SOFTMAX, LOGSOFTMAX, DROPOUT, LRN,"
            + " BATCHNORM (+SCALE), CONCAT, ELTWISE, FLATTEN, RESHAPE to flat, LOSS)");
    }
  }

  private void input(Layer l, SourceFormat fmt) {
    long[] attr = longs(l.attr("shape"));
    long[] want = null;
    if (attr != null) {
      switch (attr.length) {
        case 4:
          want = fmt.channelsLast() ? new long[] {attr[3], attr[1], attr[2]}
              : new long[] {attr[1], attr[2], attr[3]};
          break;
        case 2:
          want = new long[] {attr[1]};
          break;
        default:
          throw fail(l, "has shape " + shape(attr) + "; training feeds images [n,c,h,w] or"
              + " rows [n,features]");
      }
    }
    long[] data = dataShape;
    if (data != null && data.length == 2) {
      data = new long[] {1, data[0], data[1]};
    }
    if (want == null) {
      if (data == null) {
        throw fail(l, "has no shape, and no data gives one");
      }
      want = data.clone();
    } else if (data != null) {
      long dataSize = Tensor.numValues(data);
      if (want.length == data.length) {
        for (int i = 0; i < want.length; i++) {
          if (want[i] < 0) {
            want[i] = data[i];
          } else if (want[i] != data[i]) {
            throw fail(l, "takes examples of shape " + shape(want) + " but the data's have"
                + " shape " + shape(data));
          }
        }
      } else if (want.length == 1 && (want[0] < 0 || want[0] == dataSize)) {
        // images fed to a network of flat rows: flattened
        want = new long[] {dataSize};
      } else if (want.length == 3 && allKnown(want) && Tensor.numValues(want) == dataSize) {
        // rows of pixels fed to a network of images: reshaped
      } else {
        throw fail(l, "takes examples of shape " + shape(want) + " but the data's have"
            + " shape " + shape(data));
      }
    }
    if (!allKnown(want)) {
      throw fail(l, "has shape " + shape(want) + " with unknown sizes, and no data gives them");
    }
    inputShape = want;
    gb.addInputs(l.name());
    vertexOf.put(l.name(), l.name());
    acts.put(l.name(), new Act(want, null, false));
  }

  private void conv(Layer l, SourceFormat fmt) {
    Act in = spatialInput(l);
    long cin = in.dims()[0];
    int[] k = pair(l, "kernel", null);
    int[] s = pair(l, "stride", new int[] {1, 1});
    int[] d = pair(l, "dilation", new int[] {1, 1});
    Object groupAttr = l.attr("group");
    if (groupAttr instanceof Number && ((Number) groupAttr).intValue() != 1) {
      throw fail(l, "grouped convolution (group " + groupAttr + ") has no DL4J layer here");
    }
    Map<String, Tensor> own = tensorsOf(l);
    Tensor w = pick(own, WEIGHT_KEYS);
    Tensor b = pick(own, BIAS_KEYS);
    long filters = l.attr("filters") instanceof Number ? ((Number) l.attr("filters")).longValue()
        : w != null && w.shape().length == 4 ? (fmt.channelsLast() ? w.shape()[3]
            : w.shape()[0]) : -1;
    if (filters <= 0) {
      throw fail(l, "says neither its number of filters nor has weights to tell");
    }
    Padding pad = padding(l, fmt, k, s, d, in.dims());
    boolean bias = bias(l, w, b);
    String act = activationOf(l);
    gb.addLayer(l.name(), new ConvolutionLayer.Builder(k[0], k[1]).stride(s[0], s[1])
        .padding(pad.pad[0], pad.pad[1]).dilation(d[0], d[1]).convolutionMode(pad.mode)
        .nIn(cin).nOut(filters).hasBias(bias).activation(Activation.valueOf(act))
        .updater(Updaters.forLayer(config, l.name())).build(), vertexOf.get(input(l)));
    long[] oihw = {filters, cin, k[0], k[1]};
    long[] hwio = {k[0], k[1], cin, filters};
    if (w != null) {
      long[] ws = w.shape();
      boolean asOihw = Arrays.equals(ws, oihw)
          && !(fmt.channelsLast() && Arrays.equals(ws, hwio));
      if (asOihw) {
        bind(w.name(), l, "W", w, ParamBinding.SAME);
      } else if (Arrays.equals(ws, hwio)) {
        bind(w.name(), l, "W", w, ParamBinding.permute(ws, new int[] {3, 2, 0, 1}));
      } else {
        throw fail(l, "tensor '" + w.name() + "' has shape " + shape(ws) + " but "
            + filters + " filters of " + k[0] + "x" + k[1] + " over " + cin + " channels need "
            + shape(oihw) + " (or " + shape(hwio) + " as Keras lays them out)");
      }
    } else if (fmt.channelsLast()) {
      fresh(l, "kernel", "W", hwio, ParamBinding.permute(hwio, new int[] {3, 2, 0, 1}));
    } else {
      fresh(l, "W", "W", oihw, ParamBinding.SAME);
    }
    if (bias) {
      bindVector(l, b, fmt.channelsLast() ? "bias" : "b", "b", filters);
    }
    long[] out = {filters, pad.out[0], pad.out[1]};
    output(l, l.name(), new Act(out, null, false));
  }

  /** How DL4J pads a convolution or pooling, and the output size it gives. */
  private record Padding(ConvolutionMode mode, int[] pad, long[] out) { }

  private Padding padding(Layer l, SourceFormat fmt, int[] k, int[] s, int[] d, long[] in) {
    Object p = l.attr("pad");
    long[] out = new long[2];
    if ("same".equals(p)) {
      for (int i = 0; i < 2; i++) {
        out[i] = (in[i + 1] + s[i] - 1) / s[i];
      }
      return new Padding(ConvolutionMode.Same, new int[] {0, 0}, out);
    }
    int[] pad = "valid".equals(p) || p == null ? new int[] {0, 0} : pair(l, "pad", null);
    for (int i = 0; i < 2; i++) {
      long span = (long) d[i] * (k[i] - 1) + 1;
      long size = in[i + 1] + 2L * pad[i] - span;
      if (size < 0) {
        throw fail(l, "a " + k[0] + "x" + k[1] + " window does not fit its input of "
            + shape(in));
      }
      out[i] = size / s[i] + 1;
    }
    return new Padding(ConvolutionMode.Truncate, pad, out);
  }

  private void pool(Layer l, SourceFormat fmt) {
    Act in = spatialInput(l);
    String method = String.valueOf(l.attr("method")).toUpperCase(Locale.ROOT);
    PoolingType type;
    switch (method) {
      case "MAX": type = PoolingType.MAX; break;
      case "AVG": case "AVE": type = PoolingType.AVG; break;
      default: throw fail(l, "pooling method '" + l.attr("method") + "' (MAX and AVG work)");
    }
    if (Boolean.TRUE.equals(l.attr("global"))) {
      gb.addLayer(l.name(), new GlobalPoolingLayer.Builder(type).build(),
          vertexOf.get(input(l)));
      output(l, l.name(), new Act(new long[] {in.dims()[0]}, null, false));
      return;
    }
    int[] k = pair(l, "kernel", null);
    int[] s = pair(l, "stride", k);
    Padding pad = padding(l, fmt, k, s, new int[] {1, 1}, in.dims());
    boolean includePad = fmt == SourceFormat.CAFFE;
    if (fmt == SourceFormat.CAFFE && pad.mode() == ConvolutionMode.Truncate) {
      // Caffe rounds the output size up where DL4J rounds down
      long[] ceil = new long[2];
      long[] same = new long[2];
      boolean differs = false;
      for (int i = 0; i < 2; i++) {
        long h = in.dims()[i + 1];
        ceil[i] = -Math.floorDiv(-(h + 2L * pad.pad()[i] - k[i]), s[i]) + 1;
        if (pad.pad()[i] > 0 && (ceil[i] - 1) * s[i] >= h + pad.pad()[i]) {
          ceil[i]--;
        }
        same[i] = (h + s[i] - 1) / s[i];
        differs |= ceil[i] != pad.out()[i];
      }
      if (differs) {
        if (pad.pad()[0] != 0 || pad.pad()[1] != 0 || !Arrays.equals(ceil, same)) {
          throw fail(l, "Caffe rounds its output up to " + ceil[0] + "x" + ceil[1]
              + ", which DL4J pooling cannot reproduce");
        }
        // with no padding, DL4J's 'same' mode gives Caffe's windows: extra rows at the end
        pad = new Padding(ConvolutionMode.Same, new int[] {0, 0}, ceil);
        includePad = false;
      }
    }
    gb.addLayer(l.name(), new SubsamplingLayer.Builder(type).kernelSize(k[0], k[1])
        .stride(s[0], s[1]).padding(pad.pad()[0], pad.pad()[1]).convolutionMode(pad.mode())
        .avgPoolIncludePadInDivisor(includePad).build(), vertexOf.get(input(l)));
    output(l, l.name(), new Act(new long[] {in.dims()[0], pad.out()[0], pad.out()[1]}, null,
        false));
  }

  /** The loss and activation of the head that {@code l} becomes, or null. */
  private record HeadLoss(LossFunction loss, Activation activation) { }

  private HeadLoss headLoss(Layer l) {
    if (l.type().equals(LayerTypes.OUTPUT)) {
      Object loss = l.attr("loss");
      Object act = l.attr("activation");
      return new HeadLoss(loss == null ? LossFunction.MCXENT : lossFunction(l, loss.toString()),
          act == null ? Activation.SOFTMAX : Activation.valueOf(activationName(l, act)));
    }
    if (l == head) {
      String act = activationOf(l);
      if (!act.equals("IDENTITY") && !act.equals("SOFTMAX")) {
        throw fail(l, "the last layer is an FC with activation " + act + "; a classifier's"
            + " ends in logits or a softmax");
      }
    }
    return new HeadLoss(LossFunction.MCXENT, Activation.SOFTMAX);
  }

  private void dense(Layer l, SourceFormat fmt, HeadLoss headLoss) {
    Act in = acts.get(input(l));
    long[] from = in.flattenedFrom();
    boolean channelsLast = in.channelsLast();
    if (in.spatial()) {
      if (fmt.channelsLast()) {
        throw fail(l, "a Keras Dense layer on an image applies per position; DL4J needs a"
            + " Flatten before it");
      }
      from = in.dims();
      channelsLast = false;
    }
    long nIn = in.size();
    Map<String, Tensor> own = tensorsOf(l);
    Tensor w = pick(own, WEIGHT_KEYS);
    Tensor b = pick(own, BIAS_KEYS);
    long units = l.attr("units") instanceof Number ? ((Number) l.attr("units")).longValue()
        : w != null && w.shape().length == 2
            ? (w.shape()[0] == nIn ? w.shape()[1] : w.shape()[0]) : -1;
    if (units <= 0) {
      throw fail(l, "says neither its number of units nor has weights to tell");
    }
    boolean bias = bias(l, w, b);
    org.deeplearning4j.nn.conf.layers.Layer conf;
    if (headLoss != null) {
      conf = new OutputLayer.Builder(headLoss.loss()).nIn(nIn).nOut(units).hasBias(bias)
          .activation(headLoss.activation()).updater(Updaters.forLayer(config, l.name()))
          .build();
    } else {
      conf = new DenseLayer.Builder().nIn(nIn).nOut(units).hasBias(bias)
          .activation(Activation.valueOf(activationOf(l)))
          .updater(Updaters.forLayer(config, l.name())).build();
    }
    gb.addLayer(l.name(), conf, vertexOf.get(input(l)));
    long[] inOut = {nIn, units};
    long[] outIn = {units, nIn};
    ParamBinding.Transform rows = ParamBinding.SAME;
    if (channelsLast && from != null) {
      rows = rowsChannelsFirst(from, units);
    }
    if (w != null) {
      long[] ws = w.shape();
      boolean square = nIn == units;
      boolean inputsFirst = square ? inputsFirst(l, fmt) : Arrays.equals(ws, inOut);
      if (ws.length != 2 || !Arrays.equals(ws, inOut) && !Arrays.equals(ws, outIn)) {
        throw fail(l, "tensor '" + w.name() + "' has shape " + shape(ws) + " but " + units
            + " units over " + nIn + " inputs need " + shape(outIn) + " or " + shape(inOut));
      }
      bind(w.name(), l, "W", w, inputsFirst ? rows
          : ParamBinding.then(ParamBinding.permute(ws, new int[] {1, 0}), rows));
    } else if (fmt.denseInputsFirst()) {
      fresh(l, fmt.channelsLast() ? "kernel" : "W", "W", inOut, rows);
    } else {
      fresh(l, "W", "W", outIn, ParamBinding.permute(outIn, new int[] {1, 0}));
    }
    if (bias) {
      bindVector(l, b, fmt.channelsLast() ? "bias" : "b", "b", units);
    }
    output(l, l.name(), new Act(new long[] {units}, null, false));
  }

  /** For a square FC, whether its stored weights are {@code [in,out]}. */
  private static boolean inputsFirst(Layer l, SourceFormat fmt) {
    if (fmt == SourceFormat.ONNX) {
      Object onnx = l.attr("onnx");
      if (onnx instanceof Map && ((Map<?, ?>) onnx).get("attributes") instanceof List) {
        for (Object a : (List<?>) ((Map<?, ?>) onnx).get("attributes")) {
          if (a instanceof Map && "transB".equals(((Map<?, ?>) a).get("name"))) {
            Object i = ((Map<?, ?>) a).get("i");
            return !(i instanceof Number && ((Number) i).intValue() == 1);
          }
        }
      }
      // Gemm without transB multiplies by [in,out]; MatMul too
      return true;
    }
    return fmt.denseInputsFirst();
  }

  private static ParamBinding.Transform rowsChannelsFirst(long[] chw, long units) {
    return new ParamBinding.Transform() {
      @Override public float[] toDl4j(float[] stored) {
        return Layouts.flattenedRows(stored, chw[0], chw[1], chw[2], units, true);
      }

      @Override public float[] fromDl4j(float[] dl4j) {
        return Layouts.flattenedRows(dl4j, chw[0], chw[1], chw[2], units, false);
      }
    };
  }

  /** A final SOFTMAX, LOGSOFTMAX or LOSS: fused into the FC before it, or a loss layer. */
  private void lossHead(Layer l) {
    if (fusedHead != null) {
      // the FC before it is the output layer already: this layer adds nothing
      vertexOf.put(l.name(), fusedHead.name());
      acts.put(l.name(), acts.get(fusedHead.name()));
      return;
    }
    LossFunction loss = LossFunction.MCXENT;
    Activation act = Activation.SOFTMAX;
    if (l.type().equals(LayerTypes.LOSS)) {
      String name = String.valueOf(l.attr("loss")).toUpperCase(Locale.ROOT);
      switch (name) {
        case "SOFTMAX_CROSS_ENTROPY":
          break;
        case "SIGMOID_CROSS_ENTROPY":
          loss = LossFunction.XENT;
          act = Activation.SIGMOID;
          break;
        case "EUCLIDEAN":
          loss = LossFunction.MSE;
          act = Activation.IDENTITY;
          break;
        case "MULTINOMIAL_LOGISTIC":
          loss = LossFunction.NEGATIVELOGLIKELIHOOD;
          act = Activation.IDENTITY;
          break;
        default:
          loss = lossFunction(l, name);
          act = Activation.IDENTITY;
      }
    }
    Act in = acts.get(input(l));
    if (in.spatial()) {
      throw fail(l, "its input has shape " + shape(in.dims()) + "; the loss of a classifier"
          + " reads one row per example");
    }
    gb.addLayer(l.name(), new LossLayer.Builder(loss).activation(act).build(),
        vertexOf.get(input(l)));
    output(l, l.name(), new Act(in.dims(), null, false));
  }

  private void activation(Layer l) {
    String act = l.type().equals(LayerTypes.ACTIVATION) ? activationName(l, l.attr("activation"))
        : l.type();
    gb.addLayer(l.name(), new ActivationLayer.Builder().activation(Activation.valueOf(act))
        .build(), vertexOf.get(input(l)));
    output(l, l.name(), acts.get(input(l)));
  }

  private void dropout(Layer l) {
    double ratio = l.attr("ratio") instanceof Number ? ((Number) l.attr("ratio")).doubleValue()
        : 0.5;
    if (ratio < 0 || ratio >= 1) {
      throw fail(l, "dropout ratio " + ratio + " is not in [0, 1)");
    }
    // DL4J's argument is the probability of keeping a value
    gb.addLayer(l.name(), new DropoutLayer.Builder(1 - ratio).build(), vertexOf.get(input(l)));
    output(l, l.name(), acts.get(input(l)));
  }

  private void lrn(Layer l, SourceFormat fmt) {
    spatialInput(l);
    Object region = l.attr("region");
    if (region != null && !String.valueOf(region).toUpperCase(Locale.ROOT)
        .startsWith("ACROSS")) {
      throw fail(l, "LRN within channels has no DL4J layer (across channels works)");
    }
    double size = number(l, "size", 5);
    double alpha = number(l, "alpha", 1e-4);
    double beta = number(l, "beta", 0.75);
    double k = number(l, "k", 1);
    // Caffe and ONNX divide alpha by the window size; DL4J does not
    double a = fmt == SourceFormat.DL4J ? alpha : alpha / size;
    gb.addLayer(l.name(), new LocalResponseNormalization.Builder(k, size, a, beta).build(),
        vertexOf.get(input(l)));
    output(l, l.name(), acts.get(input(l)));
  }

  private void batchNorm(Layer l, SourceFormat fmt) {
    Act in = acts.get(input(l));
    long c = in.dims()[0];
    Map<String, Tensor> own = tensorsOf(l);
    Layer scale = null;
    List<String> next = liveOutputs.getOrDefault(l.name(), List.of());
    if (next.size() == 1 && network.layer(next.get(0)).type().equals(LayerTypes.SCALE)
        && liveInputs.get(next.get(0)).size() == 1) {
      scale = network.layer(next.get(0));
    }
    Tensor gamma = pick(own, List.of("gamma", "scale"));
    Tensor beta = pick(own, List.of("beta", "B", "bias"));
    if (scale != null) {
      Map<String, Tensor> st = tensorsOf(scale);
      gamma = pick(st, List.of("gamma", "W", "blob0", "scale"));
      beta = pick(st, List.of("beta", "b", "bias", "blob1"));
      if (gamma == null || beta == null) {
        throw fail(scale, "a SCALE after a BATCHNORM needs its scale and bias tensors");
      }
    }
    Tensor mean = pick(own, List.of("mean", "moving_mean", "running_mean", "blob0"));
    Tensor var = pick(own, List.of("var", "variance", "moving_variance", "running_var",
        "blob1"));
    Tensor logStd = pick(own, List.of("log10stdev"));
    Tensor factor = pick(own, List.of("scale_factor", "blob2"));
    boolean fresh = own.isEmpty() && scale == null;
    boolean lock = fresh ? fmt == SourceFormat.CAFFE : gamma == null && beta == null;
    double eps = number(l, "eps", 1e-5);
    double decay = number(l, "momentum", 0.9);
    gb.addLayer(l.name(), new BatchNormalization.Builder().nIn(c).nOut(c).eps(eps)
        .decay(decay).lockGammaBeta(lock).useLogStd(false)
        .updater(Updaters.forLayer(config, l.name())).build(), vertexOf.get(input(l)));
    if (!lock) {
      bindVector(l, gamma, names(fmt)[0], "gamma", c);
      bindVector(l, beta, names(fmt)[1], "beta", c);
    }
    float sf = 1f;
    if (factor != null) {
      float f = factor.toFloats()[0];
      sf = f == 0 ? 1f : f;
    }
    ParamBinding.Transform stat = sf == 1f ? ParamBinding.SAME : ParamBinding.scaled(sf);
    bindVector(l, mean, names(fmt)[2], "mean", c, stat);
    if (var == null && logStd != null) {
      bindVector(l, logStd, "log10stdev", "var", c, ParamBinding.LOG10_STD);
    } else {
      bindVector(l, var, names(fmt)[3], "var", c, stat);
    }
    if (fresh && fmt == SourceFormat.CAFFE) {
      extraTensors.add(Tensor.ofFloats(l.name() + "/scale_factor", new long[] {1},
          new float[] {1f}));
    }
    output(l, l.name(), in);
    if (scale != null) {
      consumed.add(scale.name());
      vertexOf.put(scale.name(), l.name());
      acts.put(scale.name(), in);
    }
  }

  /** Batch-norm tensor names a format gives: gamma, beta, mean, variance. */
  private static String[] names(SourceFormat fmt) {
    switch (fmt) {
      case CAFFE: return new String[] {"gamma", "beta", "mean", "variance"};
      case ONNX: return new String[] {"scale", "B", "mean", "var"};
      case KERAS: return new String[] {"gamma", "beta", "moving_mean", "moving_variance"};
      default: return new String[] {"gamma", "beta", "mean", "var"};
    }
  }

  private void concat(Layer l, SourceFormat fmt) {
    List<String> ins = liveInputs.get(l.name());
    Act first = acts.get(ins.get(0));
    int rank = first.dims().length + 1;
    int axis = l.attr("axis") instanceof Number ? ((Number) l.attr("axis")).intValue() : 1;
    int canonical = axis < 0 ? axis + rank : axis;
    boolean channel = first.spatial() && fmt.channelsLast() ? canonical == 3 : canonical == 1;
    if (!channel) {
      throw fail(l, "concatenates along axis " + axis + "; DL4J concatenates channels (or"
          + " features) only");
    }
    long total = 0;
    String[] vertices = new String[ins.size()];
    for (int i = 0; i < ins.size(); i++) {
      Act a = acts.get(ins.get(i));
      if (a.dims().length != first.dims().length || a.spatial() && (a.dims()[1]
          != first.dims()[1] || a.dims()[2] != first.dims()[2])) {
        throw fail(l, "inputs of shapes " + shape(first.dims()) + " and " + shape(a.dims())
            + " cannot be concatenated");
      }
      total += a.dims()[0];
      vertices[i] = vertexOf.get(ins.get(i));
    }
    gb.addVertex(l.name(), new MergeVertex(), vertices);
    long[] out = first.dims().clone();
    out[0] = total;
    output(l, l.name(), new Act(out, null, false));
  }

  private void eltwise(Layer l) {
    String op = String.valueOf(l.attr("op") == null ? "SUM" : l.attr("op"))
        .toUpperCase(Locale.ROOT);
    ElementWiseVertex.Op dl4j;
    switch (op) {
      case "SUM": dl4j = ElementWiseVertex.Op.Add; break;
      case "SUB": dl4j = ElementWiseVertex.Op.Subtract; break;
      case "PROD": dl4j = ElementWiseVertex.Op.Product; break;
      case "MAX": dl4j = ElementWiseVertex.Op.Max; break;
      case "AVG": dl4j = ElementWiseVertex.Op.Average; break;
      default: throw fail(l, "element-wise " + op + " has no DL4J vertex (SUM, SUB, PROD,"
          + " MAX, AVG work)");
    }
    Object caffe = l.attr("caffe");
    if (caffe instanceof Map && ((Map<?, ?>) caffe).get("eltwise_param") instanceof Map) {
      Object coeff = ((Map<?, ?>) ((Map<?, ?>) caffe).get("eltwise_param")).get("coeff");
      if (coeff instanceof List && ((List<?>) coeff).stream()
          .anyMatch(x -> ((Number) x).doubleValue() != 1)) {
        throw fail(l, "weighted sums (coeff " + coeff + ") have no DL4J vertex");
      }
    }
    List<String> ins = liveInputs.get(l.name());
    Act first = acts.get(ins.get(0));
    String[] vertices = new String[ins.size()];
    for (int i = 0; i < ins.size(); i++) {
      if (!Arrays.equals(acts.get(ins.get(i)).dims(), first.dims())) {
        throw fail(l, "inputs of shapes " + shape(first.dims()) + " and "
            + shape(acts.get(ins.get(i)).dims()) + " differ");
      }
      vertices[i] = vertexOf.get(ins.get(i));
    }
    gb.addVertex(l.name(), new ElementWiseVertex(dl4j), vertices);
    output(l, l.name(), new Act(first.dims(), null, false));
  }

  private void flatten(Layer l, SourceFormat fmt) {
    Act in = acts.get(input(l));
    if (l.type().equals(LayerTypes.RESHAPE) && !flattens(l, in)) {
      throw fail(l, "reshapes to " + l.attr("shape") + "; only flattening (to [batch, -1])"
          + " has a DL4J equivalent here");
    }
    Object axis = l.attr("axis");
    if (axis instanceof Number && ((Number) axis).intValue() != 1) {
      throw fail(l, "flattens from axis " + axis + "; only axis 1 (all but the batch) works");
    }
    if (!in.spatial()) {
      // already flat: the layer changes nothing
      vertexOf.put(l.name(), vertexOf.get(input(l)));
      acts.put(l.name(), in);
      return;
    }
    long[] d = in.dims();
    gb.addVertex(l.name(), new PreprocessorVertex(new CnnToFeedForwardPreProcessor(d[1], d[2],
        d[0])), vertexOf.get(input(l)));
    output(l, l.name(), new Act(new long[] {in.size()}, d, fmt.channelsLast()));
  }

  /** Whether a RESHAPE flattens: to {@code [batch, -1]}, or computed and read by FCs. */
  private boolean flattens(Layer l, Act in) {
    long[] target = longs(l.attr("shape"));
    if (target != null) {
      return target.length == 2 && (target[0] <= 0 || target[1] < 0
          || target[1] == in.size());
    }
    List<String> next = liveOutputs.getOrDefault(l.name(), List.of());
    return !next.isEmpty() && next.stream().map(n -> network.layer(n).type())
        .allMatch(t -> t.equals(LayerTypes.FC) || t.equals(LayerTypes.OUTPUT));
  }

  // ---- helpers -------------------------------------------------------------------------

  private void output(Layer l, String vertex, Act act) {
    vertexOf.put(l.name(), vertex);
    acts.put(l.name(), act);
  }

  private static boolean softmaxHead(Layer h) {
    switch (h.type()) {
      case LayerTypes.SOFTMAX:
      case "LOGSOFTMAX":
        return true;
      case LayerTypes.LOSS:
        return "SOFTMAX_CROSS_ENTROPY".equalsIgnoreCase(String.valueOf(h.attr("loss")));
      default:
        return false;
    }
  }

  private String input(Layer l) {
    List<String> ins = liveInputs.get(l.name());
    if (ins.size() != 1) {
      throw fail(l, "has " + ins.size() + " inputs; it takes one");
    }
    return ins.get(0);
  }

  private Act spatialInput(Layer l) {
    Act in = acts.get(input(l));
    if (!in.spatial()) {
      throw fail(l, "works on images, but its input has shape " + shape(in.dims()));
    }
    return in;
  }

  /** The tensors of a layer by parameter name (Keras names may carry a scope prefix). */
  private Map<String, Tensor> tensorsOf(Layer l) {
    Map<String, Tensor> own = tensors.get(l.name());
    if (own != null) {
      return own;
    }
    for (Map.Entry<String, Map<String, Tensor>> e : tensors.entrySet()) {
      if (e.getKey().endsWith("/" + l.name())) {
        return e.getValue();
      }
    }
    return Map.of();
  }

  private static Tensor pick(Map<String, Tensor> own, List<String> keys) {
    for (String k : keys) {
      Tensor t = own.get(k);
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private boolean bias(Layer l, Tensor w, Tensor b) {
    Object attr = l.attr("bias");
    if (attr instanceof Boolean) {
      return (Boolean) attr || b != null;
    }
    return b != null || w == null;
  }

  private void bind(String tensorName, Layer l, String key, Tensor t,
      ParamBinding.Transform transform) {
    bindings.add(new ParamBinding(tensorName, l.name(), key, t, t.shape(), transform));
  }

  private void fresh(Layer l, String param, String key, long[] storedShape,
      ParamBinding.Transform transform) {
    bindings.add(new ParamBinding(l.name() + "/" + param, l.name(), key, null, storedShape,
        transform));
  }

  private void bindVector(Layer l, Tensor t, String param, String key, long n) {
    bindVector(l, t, param, key, n, ParamBinding.SAME);
  }

  private void bindVector(Layer l, Tensor t, String param, String key, long n,
      ParamBinding.Transform transform) {
    if (t == null) {
      fresh(l, param, key, new long[] {n}, ParamBinding.SAME);
      return;
    }
    if (t.numValues() != n) {
      throw fail(l, "tensor '" + t.name() + "' has " + t.numValues() + " values; " + n
          + " are needed");
    }
    bind(t.name(), l, key, t, transform);
  }

  private String activationOf(Layer l) {
    Object a = l.attr("activation");
    return a == null ? "IDENTITY" : activationName(l, a);
  }

  private String activationName(Layer l, Object a) {
    String name = String.valueOf(a).toUpperCase(Locale.ROOT);
    if (name.equals("LINEAR") || name.equals("NONE")) {
      name = "IDENTITY";
    }
    try {
      Activation.valueOf(name);
      return name;
    } catch (IllegalArgumentException e) {
      throw fail(l, "activation '" + a + "' has no DL4J equivalent");
    }
  }

  private LossFunction lossFunction(Layer l, String name) {
    String n = name.toUpperCase(Locale.ROOT);
    switch (n) {
      case "CATEGORICAL_CROSSENTROPY": case "CROSS_ENTROPY": case "SOFTMAX_CROSS_ENTROPY":
        return LossFunction.MCXENT;
      case "BINARY_CROSSENTROPY":
        return LossFunction.XENT;
      default:
        try {
          return LossFunction.valueOf(n);
        } catch (IllegalArgumentException e) {
          throw fail(l, "loss '" + name + "' has no DL4J equivalent");
        }
    }
  }

  private int[] pair(Layer l, String attr, int[] def) {
    Object v = l.attr(attr);
    if (v == null) {
      if (def == null) {
        throw fail(l, "has no '" + attr + "' attribute");
      }
      return def;
    }
    long[] a = longs(v);
    if (a == null && v instanceof Number) {
      a = new long[] {((Number) v).longValue()};
    }
    if (a == null || a.length == 0) {
      throw fail(l, "attribute '" + attr + "' is " + v + "; expected [h, w]");
    }
    if (a.length == 4 && attr.equals("pad")) {
      if (a[0] != a[2] || a[1] != a[3]) {
        throw fail(l, "uneven padding " + v + " has no DL4J equivalent");
      }
    }
    return new int[] {(int) a[0], (int) (a.length > 1 ? a[1] : a[0])};
  }

  private double number(Layer l, String attr, double def) {
    Object v = l.attr(attr);
    return v instanceof Number ? ((Number) v).doubleValue() : def;
  }

  private static long[] longs(Object v) {
    if (!(v instanceof List)) {
      return null;
    }
    List<?> list = (List<?>) v;
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object x = list.get(i);
      out[i] = x instanceof Number ? ((Number) x).longValue() : -1;
    }
    return out;
  }

  private static boolean allKnown(long[] shape) {
    return Arrays.stream(shape).allMatch(d -> d > 0);
  }

  private static InputType inputType(long[] shape) {
    return shape.length == 3 ? InputType.convolutional(shape[1], shape[2], shape[0])
        : InputType.feedForward(shape[0]);
  }

  private static String shape(long[] s) {
    return Tensor.shapeString(s);
  }

  private ModelHubException fail(Layer l, String what) {
    return new ModelHubException("network '" + network.name() + "', layer '" + l.name()
        + "' (" + l.type() + "): " + what);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
