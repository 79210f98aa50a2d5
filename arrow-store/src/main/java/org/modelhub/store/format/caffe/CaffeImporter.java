package org.modelhub.store.format.caffe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Imports Caffe models: a network from a {@code .prototxt}, weights from a
 * {@code .caffemodel} (matched to the network's layers by name), or both from a caffemodel
 * alone, which also carries the layer definitions.
 */
public final class CaffeImporter implements ModelImporter {
  static final String FORMAT = "caffe";

  /** Top-level fields of a solver prototxt, which names a network but is not one. */
  private static final Pattern SOLVER = Pattern.compile(
      "(?m)^\\s*(net|net_param|train_net|test_net|base_lr|lr_policy|max_iter|solver_mode"
          + "|snapshot_prefix)\\s*[:{]");

  @Override public String format() {
    return FORMAT;
  }

  @Override public Optional<FileRole> recognize(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".caffemodel")) {
      return Optional.of(FileRole.WEIGHTS);
    }
    if (name.endsWith(".prototxt") && !isSolver(file)) {
      return Optional.of(FileRole.NETWORK);
    }
    return Optional.empty();
  }

  @Override public void check(Path file, FileRole role) throws IOException {
    if (role != FileRole.NETWORK && role != FileRole.WEIGHTS) {
      throw new FormatException(file, "", "a Caffe file is a network (.prototxt) or weights"
          + " (.caffemodel), not " + role.name().toLowerCase(Locale.ROOT));
    }
    read(ImportInput.of(file, role));
  }

  @Override public ModelContent read(ImportInput input) throws IOException {
    if (!input.models().isEmpty()) {
      throw new FormatException(input.models().get(0), "", "Caffe keeps network and weights"
          + " in separate .prototxt and .caffemodel files");
    }
    Path netFile = single(input.networks(), "network (.prototxt)");
    Path weightsFile = single(input.weights(), "weights (.caffemodel)");
    if (netFile == null && weightsFile == null) {
      throw new ModelHubException("no Caffe file to import: stage a .prototxt and/or a"
          + " .caffemodel");
    }
    CaffeNet weights = weightsFile == null ? null : nonEmpty(CaffeReader.readBinary(weightsFile));
    if (netFile != null) {
      CaffeNet def = nonEmpty(CaffeReader.readText(netFile));
      CaffeGraph graph = CaffeGraph.of(def, stem(netFile));
      Targets t = Targets.of(def, graph);
      Map<String, List<CaffeBlob>> blobs = t.own(def);
      if (weights != null) {
        blobs.putAll(t.match(weights, netFile));
      }
      return content(t.withLegacyForms(graph.network(), blobs), t, blobs);
    }
    if (input.baseNetwork().isPresent()) {
      Targets t = Targets.of(input.baseNetwork().get());
      return content(input.baseNetwork().get(), t, t.match(weights, null));
    }
    CaffeGraph graph = CaffeGraph.of(weights, stem(weightsFile));
    Targets t = Targets.of(weights, graph);
    Map<String, List<CaffeBlob>> blobs = t.own(weights);
    return content(t.withLegacyForms(graph.network(), blobs), t, blobs);
  }

  private static ModelContent content(Network network, Targets t,
      Map<String, List<CaffeBlob>> blobs) {
    List<Tensor> tensors = new ArrayList<>();
    for (Target target : t.targets) {
      List<CaffeBlob> list = blobs.get(target.node());
      if (list == null) {
        continue;
      }
      List<String> names = CaffeLayers.blobNames(target.lp(), list.size());
      for (int i = 0; i < list.size(); i++) {
        tensors.add(list.get(i).toTensor(target.node() + "/" + names.get(i)));
      }
    }
    return new ModelContent(network, tensors);
  }

  /** An empty message parses fine; for a model file it means truncated or not Caffe. */
  private static CaffeNet nonEmpty(CaffeNet net) {
    if (net.layers().isEmpty() && net.header().getInputCount() == 0) {
      throw new FormatException(net.file(), "", "defines no layers: the file is empty,"
          + " truncated or not a Caffe network");
    }
    return net;
  }

  private static Path single(List<Path> files, String what) {
    if (files.size() > 1) {
      throw new FormatException(files.get(1), "", "a second " + what + " file; a Caffe model"
          + " has one (the first is " + files.get(0) + ")");
    }
    return files.isEmpty() ? null : files.get(0);
  }

  static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static boolean isSolver(Path file) throws IOException {
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).contains("solver")) {
      return true;
    }
    if (!Files.isRegularFile(file)) {
      return false;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(8192);
    }
    return SOLVER.matcher(new String(head, StandardCharsets.UTF_8)).find();
  }

  /** A layer that can receive blobs: its node name and its Caffe definition. */
  private record Target(String node, String caffeName, LayerParameter lp) { }

  /** The layers of the network being imported, in order, with what checks blobs against. */
  private static final class Targets {
    final List<Target> targets = new ArrayList<>();
    final Map<String, Integer> byCaffeName = new HashMap<>();
    /** Expected blob shapes per target (null: unknown), or null when not inferred. */
    List<List<long[]>> expected;
    Path definedBy;

    static Targets of(CaffeNet net, CaffeGraph graph) {
      Targets t = new Targets();
      for (int i = 0; i < net.layers().size(); i++) {
        LayerParameter lp = net.layers().get(i);
        t.add(new Target(graph.node(i), lp.getName(), lp));
      }
      t.expected = CaffeShapes.expectedBlobs(net.header(), net.layers());
      t.definedBy = net.file();
      return t;
    }

    /** Targets of a parent version's network, for a commit that stages weights only. */
    static Targets of(Network base) {
      Targets t = new Targets();
      List<LayerParameter> defined = new ArrayList<>();
      boolean all = true;
      for (Layer l : base.layers()) {
        LayerParameter lp = CaffeGraph.definition(l);
        if (lp == null) {
          all = all && l.type().equals(LayerTypes.INPUT);
          lp = LayerParameter.newBuilder().setName(l.name())
              .setType(CaffeLayerBuilder.caffeType(l.type())).build();
        } else {
          defined.add(lp);
        }
        t.add(new Target(l.name(), lp.getName().isEmpty() ? l.name() : lp.getName(), lp));
      }
      if (all && base.attrs().get(CaffeGraph.KEY) instanceof Map) {
        NetParameter.Builder h = NetParameter.newBuilder();
        try {
          CaffeJson.merge((Map<?, ?>) base.attrs().get(CaffeGraph.KEY), h, "");
          List<List<long[]>> inferred = CaffeShapes.expectedBlobs(h.buildPartial(), defined);
          t.expected = new ArrayList<>();
          int k = 0;
          for (Layer l : base.layers()) {
            t.expected.add(CaffeGraph.definition(l) == null ? null : inferred.get(k++));
          }
        } catch (IllegalArgumentException e) {
          t.expected = null;
        }
      }
      return t;
    }

    private void add(Target target) {
      byCaffeName.putIfAbsent(target.caffeName(), targets.size());
      targets.add(target);
    }

    /** The blobs a definition file holds itself (a caffemodel, or a prototxt with values). */
    Map<String, List<CaffeBlob>> own(CaffeNet net) {
      Map<String, List<CaffeBlob>> out = new LinkedHashMap<>();
      for (int i = 0; i < net.blobs().size(); i++) {
        if (!net.blobs().get(i).isEmpty()) {
          check(i, net.blobs().get(i), net.file());
          out.put(targets.get(i).node(), net.blobs().get(i));
        }
      }
      return out;
    }

    /** The blobs of {@code weights} whose layer names match a target. */
    Map<String, List<CaffeBlob>> match(CaffeNet weights, Path netFile) {
      Map<String, List<CaffeBlob>> out = new LinkedHashMap<>();
      int withBlobs = 0;
      for (int j = 0; j < weights.layers().size(); j++) {
        List<CaffeBlob> blobs = weights.blobs().get(j);
        if (blobs.isEmpty()) {
          continue;
        }
        withBlobs++;
        String name = weights.layers().get(j).getName();
        Integer i = byCaffeName.get(name);
        if (i == null) {
          // Caffe ignores source layers the target net lacks (fine-tuning relies on it).
          continue;
        }
        if (out.containsKey(targets.get(i).node())) {
          throw new FormatException(weights.file(), "layer '" + name + "'",
              "appears twice with weights");
        }
        check(i, blobs, weights.file());
        out.put(targets.get(i).node(), blobs);
      }
      if (withBlobs > 0 && out.isEmpty()) {
        throw new FormatException(weights.file(), "", "none of its " + withBlobs
            + " layers with weights matches a layer of "
            + (netFile == null ? "the network" : netFile.toString()) + " by name");
      }
      return out;
    }

    private void check(int i, List<CaffeBlob> blobs, Path file) {
      List<long[]> want = expected == null ? null : expected.get(i);
      if (want == null) {
        return;
      }
      Target t = targets.get(i);
      String source = definedBy == null ? "the parent version's network"
          : definedBy.equals(file) ? "its own definition" : definedBy.getFileName().toString();
      if (want.size() != blobs.size()) {
        throw new FormatException(file, "layer '" + t.caffeName() + "'", "holds "
            + blobs.size() + " blobs but the " + t.lp().getType() + " layer of " + source
            + " needs " + want.size());
      }
      List<String> names = CaffeLayers.blobNames(t.lp(), blobs.size());
      for (int k = 0; k < blobs.size(); k++) {
        long[] shape = want.get(k);
        if (shape != null && !CaffeShapes.compatible(blobs.get(k), shape)) {
          throw new FormatException(file, "layer '" + t.caffeName() + "' blob " + k + " ("
              + names.get(k) + ")", "has shape " + Tensor.shapeString(blobs.get(k).shape())
              + (blobs.get(k).legacy() ? " (legacy 4-D form)" : "") + " but the "
              + t.lp().getType() + " layer of " + source + " needs " + shapeString(shape));
        }
      }
    }

    /** Records in attrs.caffe which blobs were written in the legacy 4-D form. */
    Network withLegacyForms(Network network, Map<String, List<CaffeBlob>> blobs) {
      List<Layer> layers = new ArrayList<>(network.layers().size());
      boolean changed = false;
      for (Layer l : network.layers()) {
        List<CaffeBlob> list = blobs.get(l.name());
        if (list == null || list.stream().noneMatch(CaffeBlob::legacy)
            || !(l.attr(CaffeGraph.KEY) instanceof Map)) {
          layers.add(l);
          continue;
        }
        List<Object> forms = new ArrayList<>();
        for (CaffeBlob b : list) {
          forms.add(b.legacy() ? CaffeJson.toMap(b.legacyHeader()) : Map.of());
        }
        Map<String, Object> caffe = new LinkedHashMap<>();
        ((Map<?, ?>) l.attr(CaffeGraph.KEY)).forEach((k, v) -> caffe.put(String.valueOf(k), v));
        caffe.put("blobs", forms);
        Map<String, Object> attrs = new LinkedHashMap<>(l.attrs());
        attrs.put(CaffeGraph.KEY, caffe);
        layers.add(new Layer(l.name(), l.type(), attrs, l.inputs()));
        changed = true;
      }
      return changed ? network.withLayers(layers) : network;
    }
  }

  private static String shapeString(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i > 0 ? "," : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
    }
    return sb.append(']').toString();
  }
}
