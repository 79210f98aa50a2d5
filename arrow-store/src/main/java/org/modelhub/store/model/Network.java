package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network definition (N): a DAG of layers kept in definition order, plus network-level
 * attributes (source format details a faithful export needs).
 */
public final class Network {
  private final String name;
  private final List<Layer> layers;
  private final Map<String, Object> attrs;
  private final Map<String, Layer> byName;

  public Network(String name, List<Layer> layers, Map<String, Object> attrs) {
    this.name = requireNonNull(name, "name");
    this.layers = List.copyOf(layers);
    this.attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    Map<String, Layer> map = new HashMap<>();
    for (Layer layer : this.layers) {
      if (map.put(layer.name(), layer) != null) {
        throw new IllegalArgumentException("duplicate layer name '" + layer.name() + "'");
      }
    }
    for (Layer layer : this.layers) {
      for (String in : layer.inputs()) {
        if (!map.containsKey(in)) {
          throw new IllegalArgumentException("layer '" + layer.name()
              + "' has unknown input '" + in + "'");
        }
      }
    }
    this.byName = map;
  }

  public String name() {
    return name;
  }

  public List<Layer> layers() {
    return layers;
  }

  public Map<String, Object> attrs() {
    return attrs;
  }

  public Layer layer(String layerName) {
    return byName.get(layerName);
  }

  public boolean hasLayer(String layerName) {
    return byName.containsKey(layerName);
  }

  /** Layers that take {@code layerName} as an input, in definition order. */
  public List<Layer> successors(String layerName) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : layers) {
      if (l.inputs().contains(layerName)) {
        out.add(l);
      }
    }
    return out;
  }

  public List<Layer> predecessors(String layerName) {
    List<Layer> out = new ArrayList<>();
    for (String in : byName.get(layerName).inputs()) {
      out.add(byName.get(in));
    }
    return out;
  }

  /** Number of edges of the DAG. */
  public int edgeCount() {
    return layers.stream().mapToInt(l -> l.inputs().size()).sum();
  }

  /**
   * Layers on some path from {@code from} to {@code to} (both included), in definition order;
   * empty when {@code to} is not reachable from {@code from}.
   */
  public List<Layer> between(String from, String to) {
    Set<String> down = reach(from, true);
    Set<String> up = reach(to, false);
    List<Layer> out = new ArrayList<>();
    for (Layer l : layers) {
      if (down.contains(l.name()) && up.contains(l.name())) {
        out.add(l);
      }
    }
    return out;
  }

  private Set<String> reach(String start, boolean forward) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    todo.add(start);
    while (!todo.isEmpty()) {
      String n = todo.poll();
      if (!seen.add(n)) {
        continue;
      }
      if (forward) {
        successors(n).forEach(l -> todo.add(l.name()));
      } else {
        todo.addAll(byName.get(n).inputs());
      }
    }
    return seen;
  }

  public Network withLayers(List<Layer> newLayers) {
    return new Network(name, newLayers, attrs);
  }

  public Network withAttrs(Map<String, Object> newAttrs) {
    return new Network(name, layers, newAttrs);
  }

  @Override public boolean equals(Object o) {
    return o instanceof Network
        && ((Network) o).name.equals(name)
        && ((Network) o).layers.equals(layers)
        && ((Network) o).attrs.equals(attrs);
  }

  @Override public int hashCode() {
    return layers.hashCode();
  }

  @Override public String toString() {
    return name + layers;
  }
}
