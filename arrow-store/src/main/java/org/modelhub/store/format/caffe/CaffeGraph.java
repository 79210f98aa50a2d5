package org.modelhub.store.format.caffe;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Network;

/**
 * The network DAG of a parsed Caffe net: one node per layer, in-place layers chained in file
 * order (a layer reading blob {@code b} takes the last layer that wrote {@code b}), and one
 * INPUT node per legacy net-level {@code input}.
 */
final class CaffeGraph {
  /** Key of the format's own attributes, in layers and in the network. */
  static final String KEY = "caffe";

  private final Network network;
  private final List<String> nodes;

  private CaffeGraph(Network network, List<String> nodes) {
    this.network = requireNonNull(network, "network");
    this.nodes = List.copyOf(nodes);
  }

  Network network() {
    return network;
  }

  /** The node name of layer {@code i} of the net (names are made unique with "#2"...). */
  String node(int i) {
    return nodes.get(i);
  }

  /**
   * Builds the DAG.
   *
   * @throws FormatException for a layer without type or reading a blob nothing wrote
   */
  static CaffeGraph of(CaffeNet net, String fallbackName) {
    NetParameter h = net.header();
    Map<String, String> lastWriter = new HashMap<>();
    Set<String> used = new HashSet<>();
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < h.getInputCount(); i++) {
      String name = h.getInput(i);
      if (!used.add(name)) {
        throw new FormatException(net.file(), "", "net input '" + name + "' is declared twice");
      }
      Map<String, Object> attrs = new LinkedHashMap<>();
      List<Number> shape = inputShape(h, i);
      if (shape != null) {
        attrs.put("shape", shape);
      }
      layers.add(new Layer(name, LayerTypes.INPUT, attrs, List.of()));
      lastWriter.put(name, name);
    }
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < net.layers().size(); i++) {
      LayerParameter lp = net.layers().get(i);
      String where = lp.getName().isEmpty() ? "layer #" + (i + 1) : "layer '" + lp.getName()
          + "'";
      if (lp.getType().isEmpty()) {
        throw new FormatException(net.file(), where, "has no type");
      }
      String base = lp.getName().isEmpty()
          ? lp.getType().toLowerCase(Locale.ROOT) + (i + 1) : lp.getName();
      String node = base;
      for (int k = 2; !used.add(node); k++) {
        node = base + "#" + k;
      }
      List<String> inputs = new ArrayList<>();
      for (String bottom : lp.getBottomList()) {
        String from = lastWriter.get(bottom);
        if (from == null) {
          throw new FormatException(net.file(), where, "bottom blob '" + bottom
              + "' is not produced by an earlier layer or a net input");
        }
        inputs.add(from);
      }
      Map<String, Object> attrs = CaffeLayers.normalisedAttrs(lp);
      attrs.put(KEY, CaffeJson.toMap(lp));
      layers.add(new Layer(node, CaffeLayers.vocabularyType(lp.getType()), attrs, inputs));
      for (String top : lp.getTopList()) {
        lastWriter.put(top, node);
      }
      nodes.add(node);
    }
    String name = h.getName().isEmpty() ? fallbackName : h.getName();
    Map<String, Object> netAttrs = new LinkedHashMap<>();
    netAttrs.put(KEY, CaffeJson.toMap(h));
    return new CaffeGraph(new Network(name, layers, netAttrs), nodes);
  }

  /** The LayerParameter a layer imported from Caffe keeps in attrs.caffe, or null. */
  static LayerParameter definition(Layer l) {
    Object caffe = l.attr(KEY);
    if (!(caffe instanceof Map)) {
      return null;
    }
    LayerParameter.Builder b = LayerParameter.newBuilder();
    Map<Object, Object> fields = new LinkedHashMap<>((Map<?, ?>) caffe);
    fields.remove("blobs");
    try {
      CaffeJson.merge(fields, b, "");
    } catch (IllegalArgumentException e) {
      return null;
    }
    LayerParameter lp = b.buildPartial();
    return CaffeLayers.vocabularyType(lp.getType()).equals(l.type()) ? lp : null;
  }

  private static List<Number> inputShape(NetParameter h, int i) {
    if (i < h.getInputShapeCount()) {
      return CaffeLayers.dims(h.getInputShape(i));
    }
    if (h.getInputShapeCount() == 0 && h.getInputDimCount() >= 4 * (i + 1)) {
      List<Number> dims = new ArrayList<>(4);
      for (int j = 0; j < 4; j++) {
        dims.add(h.getInputDim(4 * i + j));
      }
      return dims;
    }
    return null;
  }
}
