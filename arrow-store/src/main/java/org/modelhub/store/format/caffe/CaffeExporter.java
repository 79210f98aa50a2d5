package org.modelhub.store.format.caffe;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Writes a model as Caffe's {@code <name>.prototxt} (the network, no values) and
 * {@code <name>.caffemodel} (the network with its blobs). Layers imported from Caffe are
 * written back from their {@code attrs.caffe}; others are built from their vocabulary type
 * and normalised attributes.
 */
public final class CaffeExporter implements ModelExporter {
  @Override public String format() {
    return CaffeImporter.FORMAT;
  }

  @Override public List<Path> write(ModelContent content, Path dir) throws IOException {
    Network net = content.network();
    Map<String, List<Tensor>> byLayer = new LinkedHashMap<>();
    for (Tensor t : content.tensors()) {
      if (!net.hasLayer(t.layer())) {
        throw new ModelHubException("tensor '" + t.name() + "' belongs to no layer of network '"
            + net.name() + "'");
      }
      byLayer.computeIfAbsent(t.layer(), k -> new ArrayList<>()).add(t);
    }
    NetParameter.Builder header = header(net);
    Set<String> netInputs = new HashSet<>(header.getInputList());
    Set<String> used = new HashSet<>();
    net.layers().forEach(l -> used.add(l.name()));
    Map<String, String> lastWriter = new HashMap<>();
    Map<String, String> output = new HashMap<>();
    List<CaffeLayerBuilder.Built> layers = new ArrayList<>();
    for (Layer l : net.layers()) {
      List<Tensor> tensors = byLayer.getOrDefault(l.name(), List.of());
      LayerParameter lp = CaffeGraph.definition(l);
      List<CaffeLayerBuilder.Built> built;
      if (lp == null && l.type().equals(LayerTypes.INPUT) && netInputs.contains(l.name())
          && tensors.isEmpty()) {
        // A legacy net-level input: the header declares it.
        lastWriter.put(l.name(), l.name());
        output.put(l.name(), l.name());
        continue;
      }
      if (lp != null) {
        lp = rewire(l, lp, lastWriter, output);
        built = List.of(new CaffeLayerBuilder.Built(lp, blobs(l, lp, tensors)));
      } else {
        built = CaffeLayerBuilder.build(l, bottoms(l, output), tensors, used);
      }
      for (CaffeLayerBuilder.Built b : built) {
        layers.add(b);
        b.layer().getTopList().forEach(top -> lastWriter.put(top, l.name()));
      }
      LayerParameter last = built.get(built.size() - 1).layer();
      if (last.getTopCount() > 0) {
        output.put(l.name(), last.getTop(0));
      }
    }
    String base = fileName(net.name());
    Path prototxt = dir.resolve(base + ".prototxt");
    Path caffemodel = dir.resolve(base + ".caffemodel");
    NetParameter.Builder text = header.clone();
    layers.forEach(b -> text.addLayer(b.layer()));
    Files.writeString(prototxt, TextFormat.printer().printToString(text.buildPartial()),
        StandardCharsets.UTF_8);
    CaffeModelWriter.write(caffemodel, header.buildPartial(), layers);
    return List.of(prototxt, caffemodel);
  }

  private static NetParameter.Builder header(Network net) {
    NetParameter.Builder header = NetParameter.newBuilder();
    Object caffe = net.attrs().get(CaffeGraph.KEY);
    if (caffe instanceof Map) {
      Map<Object, Object> fields = new LinkedHashMap<>((Map<?, ?>) caffe);
      fields.remove("layer");
      fields.remove("layers");
      try {
        CaffeJson.merge(fields, header, "");
      } catch (IllegalArgumentException e) {
        throw new ModelHubException("network '" + net.name() + "': attrs.caffe: "
            + e.getMessage(), e);
      }
    } else {
      header.setName(net.name());
    }
    return header;
  }

  /**
   * Keeps a Caffe layer's bottoms when they still name its inputs, else reads the outputs of
   * its current inputs (the network was edited: a layer inserted, deleted or renamed).
   */
  private static LayerParameter rewire(Layer l, LayerParameter lp,
      Map<String, String> lastWriter, Map<String, String> output) {
    LayerParameter.Builder b = lp.toBuilder();
    String caffeName = lp.getName();
    if (!caffeName.isEmpty() && !l.name().equals(caffeName)
        && !l.name().startsWith(caffeName + "#")) {
      b.setName(l.name());
    }
    List<String> writers = new ArrayList<>();
    lp.getBottomList().forEach(bottom -> writers.add(lastWriter.get(bottom)));
    if (!writers.equals(l.inputs())) {
      b.clearBottom().addAllBottom(bottoms(l, output));
    }
    return b.buildPartial();
  }

  private static List<String> bottoms(Layer l, Map<String, String> output) {
    List<String> out = new ArrayList<>();
    for (String in : l.inputs()) {
      String blob = output.get(in);
      if (blob == null) {
        throw new ModelHubException("cannot write layer '" + l.name() + "' as Caffe: its"
            + " input '" + in + "' has no output blob");
      }
      out.add(blob);
    }
    return out;
  }

  /** A Caffe layer's tensors in blob order, in the 4-D form where they were read so. */
  private static List<CaffeBlob> blobs(Layer l, LayerParameter lp, List<Tensor> tensors) {
    CaffeBlob[] slots = new CaffeBlob[tensors.size()];
    List<?> forms = ((Map<?, ?>) l.attr(CaffeGraph.KEY)).get("blobs") instanceof List
        ? (List<?>) ((Map<?, ?>) l.attr(CaffeGraph.KEY)).get("blobs") : List.of();
    for (Tensor t : tensors) {
      int i = CaffeLayers.blobIndex(lp, t.param());
      if (i < 0 || i >= slots.length || slots[i] != null) {
        throw new ModelHubException("cannot write layer '" + l.name() + "' as Caffe: tensor '"
            + t.name() + "' is not one of its blobs "
            + CaffeLayers.blobNames(lp, tensors.size()));
      }
      BlobProto legacy = i < forms.size() ? legacyHeader(forms.get(i), t.shape()) : null;
      try {
        slots[i] = CaffeBlob.of(t, t.shape(), legacy);
      } catch (IllegalArgumentException e) {
        throw new ModelHubException("cannot write layer '" + l.name() + "' as Caffe: "
            + e.getMessage(), e);
      }
    }
    return Arrays.asList(slots);
  }

  private static BlobProto legacyHeader(Object form, long[] shape) {
    if (!(form instanceof Map) || ((Map<?, ?>) form).isEmpty() || shape.length != 4) {
      return null;
    }
    BlobProto.Builder b = BlobProto.newBuilder();
    try {
      CaffeJson.merge((Map<?, ?>) form, b, "blobs");
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean same = b.getNum() == shape[0] && b.getChannels() == shape[1]
        && b.getHeight() == shape[2] && b.getWidth() == shape[3];
    return same ? b.build() : null;
  }

  /** The network name as a file name. */
  static String fileName(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return s.isEmpty() || s.startsWith(".") ? "model" + s : s;
  }
}
