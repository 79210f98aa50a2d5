package org.modelhub.store.pas;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's storage graph: node 0 is the empty root, every other node a distinct stored
 * tensor (by logical hash); an edge from the root stores a tensor materialised, an edge
 * between two tensors stores one as a delta of the other. Each edge has a storage cost
 * (estimated bytes) and a recreation cost (bytes read plus bytes rebuilt: the work of
 * recreating the tensor from its parent). A version needs a set of nodes.
 */
public final class StorageGraph {
  /** How a version's recreation cost combines its tensors' costs. */
  public enum Scheme {
    /** Tensors recreated one after another: the sum of their path costs. */
    INDEPENDENT,
    /** Tensors recreated in parallel: the largest path cost. */
    PARALLEL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Scheme parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown scheme '" + s
            + "' (known: independent, parallel)");
      }
    }
  }

  /** An edge: {@code child} stored from {@code parent} (0: materialised). */
  public record Edge(int parent, int child, long storage, double recreation, String op) { }

  /** A version and the nodes of its tensors (a node may appear once per tensor). */
  public record Version(String id, String label, int[] nodes) { }

  private final List<String> keys = new ArrayList<>();
  private final List<Long> rawBytes = new ArrayList<>();
  private final List<List<Edge>> edges = new ArrayList<>();
  private final List<Version> versions = new ArrayList<>();

  public StorageGraph() {
    keys.add("");
    rawBytes.add(0L);
    edges.add(new ArrayList<>());
  }

  /** Adds a tensor node; its materialised edge comes with {@link #materialise}. */
  public int addNode(String key, long raw) {
    keys.add(key);
    rawBytes.add(raw);
    edges.add(new ArrayList<>());
    return keys.size() - 1;
  }

  /** The root edge of node {@code n}: materialised in {@code storage} bytes. */
  public void materialise(int n, long storage) {
    addEdge(new Edge(0, n, storage, storage + rawBytes.get(n), null));
  }

  /** A delta edge both ways (the costs of xor and sub deltas are symmetric). */
  public void delta(int a, int b, long storage, String op) {
    addEdge(new Edge(a, b, storage, storage + rawBytes.get(b), op));
    addEdge(new Edge(b, a, storage, storage + rawBytes.get(a), op));
  }

  private void addEdge(Edge e) {
    edges.get(e.child()).add(e);
  }

  public void addVersion(String id, String label, int[] nodes) {
    versions.add(new Version(id, label, nodes.clone()));
  }

  /** Nodes, the root included. */
  public int size() {
    return keys.size();
  }

  public String key(int n) {
    return keys.get(n);
  }

  public long raw(int n) {
    return rawBytes.get(n);
  }

  /** Edges into node {@code n}: its possible parents. */
  public List<Edge> into(int n) {
    return edges.get(n);
  }

  /** The root edge of {@code n}. */
  public Edge rootEdge(int n) {
    for (Edge e : edges.get(n)) {
      if (e.parent() == 0) {
        return e;
      }
    }
    throw new IllegalStateException("node " + n + " has no materialised edge");
  }

  public List<Version> versions() {
    return versions;
  }
}
