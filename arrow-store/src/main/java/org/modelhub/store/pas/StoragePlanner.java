package org.modelhub.store.pas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Storage plans over a {@link StorageGraph} (Miao et al., ModelHub, section V): the minimum
 * spanning tree (least storage, unbounded recreation) and the shortest path tree (every
 * tensor materialised: least recreation) bound the problem; PAS-MT starts from the MST and
 * moves tensors closer to the root until every version's recreation cost is within its
 * budget, PAS-PT starts from the SPT and turns tensors into deltas while every budget holds.
 * A version's budget is {@code alpha} times its cost when fully materialised.
 */
public final class StoragePlanner {
  private final StorageGraph g;
  private final StorageGraph.Scheme scheme;
  private final double alpha;
  /** Versions that use each node. */
  private final List<List<Integer>> users = new ArrayList<>();

  public StoragePlanner(StorageGraph g, StorageGraph.Scheme scheme, double alpha) {
    if (!(alpha >= 1)) {
      throw new IllegalArgumentException("the budget must be at least 1 (times the"
          + " materialised recreation cost), not " + alpha);
    }
    this.g = g;
    this.scheme = scheme;
    this.alpha = alpha;
    for (int n = 0; n < g.size(); n++) {
      users.add(new ArrayList<>());
    }
    List<StorageGraph.Version> vs = g.versions();
    for (int v = 0; v < vs.size(); v++) {
      for (int n : vs.get(v).nodes()) {
        List<Integer> u = users.get(n);
        if (u.isEmpty() || u.get(u.size() - 1) != v) {
          u.add(v);
        }
      }
    }
  }

  /** A plan: each node's parent edge (null for the root). */
  public final class Plan {
    final StorageGraph.Edge[] parent;
    private final String algorithm;

    Plan(StorageGraph.Edge[] parent, String algorithm) {
      this.parent = parent;
      this.algorithm = algorithm;
    }

    public String algorithm() {
      return algorithm;
    }

    public StorageGraph.Edge edge(int n) {
      return parent[n];
    }

    /** Estimated bytes of all objects. */
    public long storage() {
      long s = 0;
      for (int n = 1; n < parent.length; n++) {
        s += parent[n].storage();
      }
      return s;
    }

    /** Recreation cost of every node: its edges' costs summed up to the root. */
    public double[] pathCosts() {
      double[] c = new double[parent.length];
      Arrays.fill(c, -1);
      c[0] = 0;
      for (int n = 1; n < parent.length; n++) {
        path(n, c, 0);
      }
      return c;
    }

    private double path(int n, double[] c, int depth) {
      if (c[n] >= 0) {
        return c[n];
      }
      if (depth > parent.length) {
        throw new IllegalStateException("storage plan has a cycle through node " + n);
      }
      c[n] = path(parent[n].parent(), c, depth + 1) + parent[n].recreation();
      return c[n];
    }

    /** Delta chain length of every node (0: materialised). */
    public int[] depths() {
      int[] d = new int[parent.length];
      for (int n = 1; n < parent.length; n++) {
        int k = 0;
        for (int x = n; parent[x].parent() != 0; x = parent[x].parent()) {
          k++;
        }
        d[n] = k;
      }
      return d;
    }

    /** Recreation cost of each version under the planner's scheme. */
    public double[] versionCosts() {
      return costs(pathCosts());
    }

    /** Whether every version's recreation cost is within its budget. */
    public boolean feasible() {
      double[] c = versionCosts();
      double[] b = budgets();
      for (int v = 0; v < c.length; v++) {
        if (c[v] > b[v] * (1 + 1e-9)) {
          return false;
        }
      }
      return true;
    }

    Plan copy(String name) {
      return new Plan(parent.clone(), name);
    }
  }

  /** Recreation cost of each version when all its tensors are materialised. */
  public double[] materialisedCosts() {
    double[] c = new double[g.size()];
    for (int n = 1; n < g.size(); n++) {
      c[n] = g.rootEdge(n).recreation();
    }
    return costs(c);
  }

  /** Each version's budget: alpha times its materialised cost. */
  public double[] budgets() {
    double[] m = materialisedCosts();
    for (int i = 0; i < m.length; i++) {
      m[i] *= alpha;
    }
    return m;
  }

  private double[] costs(double[] nodeCosts) {
    List<StorageGraph.Version> vs = g.versions();
    double[] out = new double[vs.size()];
    for (int v = 0; v < out.length; v++) {
      double c = 0;
      for (int n : vs.get(v).nodes()) {
        c = scheme == StorageGraph.Scheme.INDEPENDENT ? c + nodeCosts[n]
            : Math.max(c, nodeCosts[n]);
      }
      out[v] = c;
    }
    return out;
  }

  /** Every tensor materialised: the shortest path tree (Dijkstra over recreation costs). */
  public Plan shortestPathTree() {
    int n = g.size();
    double[] dist = new double[n];
    Arrays.fill(dist, Double.POSITIVE_INFINITY);
    dist[0] = 0;
    StorageGraph.Edge[] parent = new StorageGraph.Edge[n];
    // edges are stored by child: build the forward lists once
    List<List<StorageGraph.Edge>> out = forward();
    PriorityQueue<double[]> q = new PriorityQueue<>(Comparator.comparingDouble(a -> a[0]));
    q.add(new double[] {0, 0});
    boolean[] done = new boolean[n];
    while (!q.isEmpty()) {
      int u = (int) q.poll()[1];
      if (done[u]) {
        continue;
      }
      done[u] = true;
      for (StorageGraph.Edge e : out.get(u)) {
        double d = dist[u] + e.recreation();
        if (d < dist[e.child()]) {
          dist[e.child()] = d;
          parent[e.child()] = e;
          q.add(new double[] {d, e.child()});
        }
      }
    }
    return new Plan(parent, "SPT");
  }

  private List<List<StorageGraph.Edge>> forward() {
    List<List<StorageGraph.Edge>> out = new ArrayList<>();
    for (int i = 0; i < g.size(); i++) {
      out.add(new ArrayList<>());
    }
    for (int c = 1; c < g.size(); c++) {
      for (StorageGraph.Edge e : g.into(c)) {
        out.get(e.parent()).add(e);
      }
    }
    return out;
  }

  /**
   * The minimum spanning tree over storage costs (Prim from the root; delta costs are
   * symmetric), oriented away from the root.
   */
  public Plan minimumSpanningTree() {
    int n = g.size();
    StorageGraph.Edge[] parent = new StorageGraph.Edge[n];
    boolean[] in = new boolean[n];
    List<List<StorageGraph.Edge>> out = forward();
    PriorityQueue<StorageGraph.Edge> q = new PriorityQueue<>(
        Comparator.comparingLong(StorageGraph.Edge::storage)
            .thenComparingDouble(StorageGraph.Edge::recreation));
    in[0] = true;
    q.addAll(out.get(0));
    while (!q.isEmpty()) {
      StorageGraph.Edge e = q.poll();
      if (in[e.child()]) {
        continue;
      }
      in[e.child()] = true;
      parent[e.child()] = e;
      for (StorageGraph.Edge f : out.get(e.child())) {
        if (!in[f.child()]) {
          q.add(f);
        }
      }
    }
    return new Plan(parent, "MST");
  }

  /**
   * PAS-MT: from the MST, repeatedly take the version furthest over its budget and give one
   * node on its paths a parent closer to the root, choosing the move that saves the most
   * recreation per byte of storage added, until every budget holds.
   */
  public Plan pasMt() {
    Plan p = minimumSpanningTree().copy("PAS-MT");
    double[] budgets = budgets();
    for (int guard = 0; guard < 4 * g.size() * g.size() + 16; guard++) {
      double[] path = p.pathCosts();
      double[] cost = costs(path);
      int worst = -1;
      double ratio = 1 + 1e-9;
      for (int v = 0; v < cost.length; v++) {
        if (budgets[v] > 0 && cost[v] / budgets[v] > ratio) {
          ratio = cost[v] / budgets[v];
          worst = v;
        }
      }
      if (worst < 0) {
        return p;
      }
      boolean[] onPath = new boolean[g.size()];
      int[] uses = new int[g.size()];
      for (int n : g.versions().get(worst).nodes()) {
        for (int x = n; x != 0; x = p.parent[x].parent()) {
          onPath[x] = true;
          uses[x]++;
        }
      }
      StorageGraph.Edge best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int x = 1; x < g.size(); x++) {
        if (!onPath[x]) {
          continue;
        }
        for (StorageGraph.Edge e : g.into(x)) {
          double now = path[e.parent()] + e.recreation();
          if (now >= path[x] - 1e-9 || inSubtree(p, e.parent(), x)) {
            continue;
          }
          double gain = (path[x] - now) * uses[x];
          double extra = e.storage() - p.parent[x].storage();
          double score = extra <= 0 ? Double.POSITIVE_INFINITY : gain / extra;
          if (score > bestScore) {
            bestScore = score;
            best = e;
          }
        }
      }
      if (best == null) {
        break;
      }
      p.parent[best.child()] = best;
    }
    // cannot happen while materialising is always possible; keep a feasible answer anyway
    return shortestPathTree().copy("PAS-MT");
  }

  /**
   * PAS-PT: from the SPT, repeatedly make the move (a new parent for one node) that saves
   * the most storage per unit of recreation added, among the moves that keep every version
   * within its budget.
   */
  public Plan pasPt() {
    Plan p = shortestPathTree().copy("PAS-PT");
    double[] budgets = budgets();
    for (int guard = 0; guard < 4 * g.size() + 16; guard++) {
      double[] path = p.pathCosts();
      StorageGraph.Edge best = null;
      double bestScore = 0;
      List<List<Integer>> children = children(p);
      for (int x = 1; x < g.size(); x++) {
        boolean[] sub = null;
        for (StorageGraph.Edge e : g.into(x)) {
          long saved = p.parent[x].storage() - e.storage();
          if (saved <= 0 || e == p.parent[x]) {
            continue;
          }
          if (sub == null) {
            sub = subtree(children, x);
          }
          if (sub[e.parent()]) {
            continue;
          }
          double added = path[e.parent()] + e.recreation() - path[x];
          if (!fits(sub, added, path, budgets)) {
            continue;
          }
          double score = saved / Math.max(added, 1.0);
          if (score > bestScore) {
            bestScore = score;
            best = e;
          }
        }
      }
      if (best == null) {
        break;
      }
      p.parent[best.child()] = best;
    }
    return p;
  }

  /** Whether adding {@code added} to the path cost of a subtree keeps every budget. */
  private boolean fits(boolean[] sub, double added, double[] path, double[] budgets) {
    if (added <= 0) {
      return true;
    }
    List<StorageGraph.Version> vs = g.versions();
    boolean[] seen = new boolean[vs.size()];
    for (int n = 1; n < sub.length; n++) {
      if (!sub[n]) {
        continue;
      }
      for (int v : users.get(n)) {
        if (seen[v]) {
          continue;
        }
        seen[v] = true;
        double c = 0;
        for (int m : vs.get(v).nodes()) {
          double pc = path[m] + (sub[m] ? added : 0);
          c = scheme == StorageGraph.Scheme.INDEPENDENT ? c + pc : Math.max(c, pc);
        }
        if (c > budgets[v] * (1 + 1e-9)) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<List<Integer>> children(Plan p) {
    List<List<Integer>> c = new ArrayList<>();
    for (int n = 0; n < p.parent.length; n++) {
      c.add(new ArrayList<>());
    }
    for (int n = 1; n < p.parent.length; n++) {
      c.get(p.parent[n].parent()).add(n);
    }
    return c;
  }

  private static boolean[] subtree(List<List<Integer>> children, int x) {
    boolean[] sub = new boolean[children.size()];
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
    todo.add(x);
    while (!todo.isEmpty()) {
      int n = todo.poll();
      sub[n] = true;
      todo.addAll(children.get(n));
    }
    return sub;
  }

  /** Whether {@code y} lies in the subtree of {@code x} (then y cannot become x's parent). */
  private static boolean inSubtree(Plan p, int y, int x) {
    for (int n = y; n != 0; n = p.parent[n].parent()) {
      if (n == x) {
        return true;
      }
    }
    return false;
  }

  /** PAS-MT and PAS-PT's plans, the one with less storage first (both hold every budget). */
  public Plan best() {
    Plan mt = pasMt();
    Plan pt = pasPt();
    return mt.feasible() && mt.storage() <= pt.storage() ? mt : pt;
  }
}
