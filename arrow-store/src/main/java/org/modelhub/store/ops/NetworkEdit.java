package org.modelhub.store.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Structural edits of a model, the operators behind DQL's slice and construct: the
 * sub-network between two layers, inserting a layer after another (splitting its
 * out-edges) and deleting a layer (joining its input to its outputs). Weights of kept layers
 * are carried over untouched, so the store keeps them once.
 */
public final class NetworkEdit {
  private NetworkEdit() {
  }

  /**
   * The sub-network of all paths from {@code from} to {@code to} with the weights of its
   * layers. Inputs from outside the slice are replaced by one new INPUT layer.
   *
   * @throws ModelHubException when a layer is missing or {@code to} is not reachable
   */
  public static ModelContent slice(ModelContent m, String from, String to) {
    Network n = m.network();
    for (String name : List.of(from, to)) {
      if (!n.hasLayer(name)) {
        throw new ModelHubException("network " + n.name() + " has no layer '" + name + "'");
      }
    }
    List<Layer> kept = n.between(from, to);
    if (kept.isEmpty()) {
      throw new ModelHubException("layer '" + to + "' is not reachable from '" + from
          + "' in network " + n.name());
    }
    Set<String> names = new LinkedHashSet<>();
    kept.forEach(l -> names.add(l.name()));
    String input = unique(n, "input");
    List<String> outside = new ArrayList<>();
    List<Layer> layers = new ArrayList<>();
    for (Layer l : kept) {
      List<String> inputs = new ArrayList<>();
      boolean external = false;
      for (String in : l.inputs()) {
        if (names.contains(in)) {
          inputs.add(in);
        } else {
          external = true;
          if (!outside.contains(in)) {
            outside.add(in);
          }
        }
      }
      if (external || (l.name().equals(from) && l.inputs().isEmpty()
          && !l.type().equals(LayerTypes.INPUT))) {
        inputs.add(0, input);
      }
      layers.add(inputs.equals(l.inputs()) ? l : l.withInputs(dedupe(inputs)));
    }
    if (!outside.isEmpty() || !layers.get(0).type().equals(LayerTypes.INPUT)) {
      boolean needed = layers.stream().anyMatch(l -> l.inputs().contains(input));
      if (needed) {
        layers.add(0, new Layer(input, LayerTypes.INPUT, Map.of("from", outside), List.of()));
      }
    }
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : m.tensors()) {
      if (names.contains(t.layer())) {
        tensors.add(t);
      }
    }
    return new ModelContent(n.withLayers(layers), tensors, m.hyperparams(), List.of());
  }

  /**
   * Inserts {@code layer} after {@code after}: it takes {@code after} as input and every
   * layer that read {@code after} reads it instead. {@code weights} are the new layer's
   * tensors (possibly none).
   */
  public static ModelContent insertAfter(ModelContent m, String after, Layer layer,
      List<Tensor> weights) {
    Network n = m.network();
    if (!n.hasLayer(after)) {
      throw new ModelHubException("network " + n.name() + " has no layer '" + after + "'");
    }
    if (n.hasLayer(layer.name())) {
      throw new ModelHubException("cannot insert layer '" + layer.name() + "' after '" + after
          + "': network " + n.name() + " already has a layer of that name");
    }
    List<Layer> layers = new ArrayList<>();
    for (Layer l : n.layers()) {
      if (l.inputs().contains(after)) {
        List<String> inputs = new ArrayList<>();
        for (String in : l.inputs()) {
          inputs.add(in.equals(after) ? layer.name() : in);
        }
        layers.add(l.withInputs(inputs));
      } else {
        layers.add(l);
      }
      if (l.name().equals(after)) {
        layers.add(layer.withInputs(List.of(after)));
      }
    }
    List<Tensor> tensors = new ArrayList<>(m.tensors());
    tensors.addAll(weights);
    return new ModelContent(n.withLayers(layers), tensors, m.hyperparams(), List.of());
  }

  /** Removes {@code name}: its outputs read its single input instead; its weights go. */
  public static ModelContent delete(ModelContent m, String name) {
    Network n = m.network();
    Layer gone = n.layer(name);
    if (gone == null) {
      throw new ModelHubException("network " + n.name() + " has no layer '" + name + "'");
    }
    if (gone.inputs().size() > 1 && !n.successors(name).isEmpty()) {
      throw new ModelHubException("cannot delete layer '" + name + "': it joins "
          + gone.inputs().size() + " inputs, so its outputs would not know which to read");
    }
    List<Layer> layers = new ArrayList<>();
    for (Layer l : n.layers()) {
      if (l.name().equals(name)) {
        continue;
      }
      if (l.inputs().contains(name)) {
        List<String> inputs = new ArrayList<>();
        for (String in : l.inputs()) {
          if (in.equals(name)) {
            inputs.addAll(gone.inputs());
          } else {
            inputs.add(in);
          }
        }
        layers.add(l.withInputs(dedupe(inputs)));
      } else {
        layers.add(l);
      }
    }
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : m.tensors()) {
      if (!t.layer().equals(name)) {
        tensors.add(t);
      }
    }
    return new ModelContent(n.withLayers(layers), tensors, m.hyperparams(), List.of());
  }

  private static List<String> dedupe(List<String> names) {
    return new ArrayList<>(new LinkedHashSet<>(names));
  }

  private static String unique(Network n, String base) {
    String name = base;
    for (int i = 2; n.hasLayer(name); i++) {
      name = base + i;
    }
    return name;
  }

}
