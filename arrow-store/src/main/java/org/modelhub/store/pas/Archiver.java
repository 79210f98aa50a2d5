package org.modelhub.store.pas;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.Catalog;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.DeltaOp;
import org.modelhub.store.object.LossyScheme;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.ObjectStore;
import org.modelhub.store.object.PlaneStats;
import org.modelhub.store.object.TensorStore;

/**
 * {@code dlv archive}: computes a storage plan for the whole repository and rewrites the
 * objects to follow it. New objects are written first (content-addressed, so a crash leaves
 * only dangling files), then one catalog transaction switches every tensor to its new object
 * and records the plan (STORAGE_PLANS, STORAGE_PLAN_VERSIONS), and only then are the old
 * objects deleted; a crash before that leaves them dangling for {@code fsck --prune}.
 *
 * <p>Lossy archival happens only when asked: the named versions' float32 tensors are stored
 * approximately (the error recorded per object) and take no part in delta chains.
 */
public final class Archiver {
  /** What to archive and how. */
  public record Options(double alpha, StorageGraph.Scheme scheme, LossyScheme lossy,
      List<VersionInfo> lossyVersions) {
    public Options {
      requireNonNull(scheme, "scheme");
      lossyVersions = List.copyOf(lossyVersions);
    }
  }

  /** One version's recreation cost under the new plan, against its budget. */
  public record VersionCost(VersionInfo version, double cost, double materialised,
      double budget, int maxChain) {
    public boolean withinBudget() {
      return cost <= budget * (1 + 1e-9);
    }
  }

  /** What the archive did. */
  public record Report(int planId, String algorithm, long rawBytes, long storedBefore,
      long storedAfter, long mstBytes, long sptBytes, long planBytes, int rewritten,
      int lossyObjects, List<VersionCost> versions) { }

  private final Repository repo;
  private final Options options;

  public Archiver(Repository repo, Options options) {
    this.repo = requireNonNull(repo, "repo");
    this.options = requireNonNull(options, "options");
  }

  public Report run(Progress progress) {
    Catalog c = repo.catalog();
    TensorStore store = repo.tensorStore();
    List<VersionInfo> versions = c.allVersions();
    Map<String, List<TensorEntry>> entries = new LinkedHashMap<>();
    Map<String, TensorEntry> bySha = new LinkedHashMap<>();
    for (VersionInfo v : versions) {
      List<TensorEntry> es = c.tensors(v.id());
      entries.put(v.id(), es);
      es.forEach(e -> bySha.putIfAbsent(e.sha256(), e));
    }
    Map<String, VersionInfo> byId = new HashMap<>();
    versions.forEach(v -> byId.put(v.id(), v));
    long rawTotal = bySha.values().stream().mapToLong(e -> e.object().rawBytes()).sum();
    long before = bySha.values().stream().mapToLong(e -> e.object().storedBytes()).sum();

    // 1. lossy objects, written first: their sizes are the cost of their root edges
    Map<String, ObjectInfo> changed = new LinkedHashMap<>();
    Set<String> lossy = new HashSet<>();
    bySha.values().stream().filter(e -> e.object().isLossy()).forEach(e -> lossy.add(e.sha256()));
    if (options.lossy() != null) {
      List<VersionInfo> chosen = options.lossyVersions().isEmpty() ? versions
          : options.lossyVersions();
      Set<String> shas = new LinkedHashSet<>();
      for (VersionInfo v : chosen) {
        for (TensorEntry e : entries.get(v.id())) {
          if (e.dtype() == DType.FLOAT32 && !options.lossy().label().equals(e.object().lossy())) {
            shas.add(e.sha256());
          }
        }
      }
      progress.begin("lossy " + options.lossy().label(), shas.size());
      for (String sha : shas) {
        TensorEntry e = bySha.get(sha);
        ObjectInfo o = e.object().isLossy() ? null : e.object();
        if (o == null) {
          throw new ModelHubException(e.name() + " is already stored lossy ("
              + e.object().lossy() + "); its exact values are gone");
        }
        byte[] raw = store.raw(o, "tensor " + e.name() + " (" + sha.substring(0, 12) + ")");
        try {
          changed.put(sha, store.putLossy(tensor(e, raw), options.lossy()));
        } catch (IOException ex) {
          throw new ModelHubException("cannot write a lossy object: " + ex.getMessage(), ex);
        }
        lossy.add(sha);
        progress.advance(1);
      }
      progress.end();
    }

    // 2. the storage graph: nodes, materialised and delta edges with estimated sizes
    StorageGraph g = new StorageGraph();
    Map<String, Integer> node = new LinkedHashMap<>();
    progress.begin("estimating", rawTotal);
    for (TensorEntry e : bySha.values()) {
      int n = g.addNode(e.sha256(), e.object().rawBytes());
      node.put(e.sha256(), n);
      if (lossy.contains(e.sha256())) {
        ObjectInfo o = changed.getOrDefault(e.sha256(), e.object());
        g.materialise(n, o.storedBytes());
      } else {
        byte[] raw = raw(e);
        g.materialise(n, PlaneStats.of(raw, null, e.dtype().size(), null, false)
            .estimate(e.numValues()));
      }
      progress.advance(e.object().rawBytes());
    }
    progress.end();
    Set<String> pairs = new HashSet<>();
    List<LineageEdge> lineage = c.lineage();
    progress.begin("estimating deltas", lineage.size());
    for (LineageEdge l : lineage) {
      Map<String, TensorEntry> parentEntries = new HashMap<>();
      entries.getOrDefault(l.parentId(), List.of()).forEach(e -> parentEntries.put(e.name(), e));
      for (TensorEntry ce : entries.getOrDefault(l.childId(), List.of())) {
        TensorEntry pe = parentEntries.get(ce.name());
        if (pe == null || pe.sha256().equals(ce.sha256()) || pe.dtype() != ce.dtype()
            || !Arrays.equals(pe.shape(), ce.shape()) || lossy.contains(pe.sha256())
            || lossy.contains(ce.sha256()) || ce.numValues() == 0) {
          continue;
        }
        String key = pe.sha256().compareTo(ce.sha256()) < 0 ? pe.sha256() + ce.sha256()
            : ce.sha256() + pe.sha256();
        if (!pairs.add(key)) {
          continue;
        }
        byte[] a = raw(ce);
        byte[] b = raw(pe);
        PlaneStats.Delta d = PlaneStats.bestDelta(a, b, ce.dtype().size(), ce.numValues(),
            false);
        g.delta(node.get(pe.sha256()), node.get(ce.sha256()), d.bytes(), d.op().label());
      }
      progress.advance(1);
    }
    progress.end();
    for (VersionInfo v : versions) {
      g.addVersion(v.id(), v.label(), entries.get(v.id()).stream()
          .mapToInt(e -> node.get(e.sha256())).toArray());
    }

    // 3. the plan
    StoragePlanner planner = new StoragePlanner(g, options.scheme(), options.alpha());
    long mst = planner.minimumSpanningTree().storage();
    long spt = planner.shortestPathTree().storage();
    StoragePlanner.Plan plan = planner.best();
    int[] depth = plan.depths();

    // 4. new objects: a node is rewritten when its encoding or base changes, or when it
    // shares a pack with one that is rewritten (else the old pack would stay, for it alone)
    boolean[] same = new boolean[g.size()];
    Set<String> leaving = new HashSet<>();
    for (int n = 1; n < g.size(); n++) {
      String sha = g.key(n);
      ObjectInfo cur = bySha.get(sha).object();
      if (lossy.contains(sha)) {
        same[n] = !changed.containsKey(sha);
      } else {
        StorageGraph.Edge edge = plan.edge(n);
        String base = edge.parent() == 0 ? null : g.key(edge.parent());
        same[n] = base == null ? "planes".equals(cur.encoding()) && cur.base() == null
            : "delta".equals(cur.encoding()) && base.equals(cur.base())
                && edge.op().equals(cur.deltaOp());
      }
      if (!same[n]) {
        leaving.add(cur.objectId());
      }
    }
    List<String> oldObjects = new ArrayList<>();
    Map<String, Supplier<ObjectInfo>> written = new LinkedHashMap<>();
    int rewritten = 0;
    TensorStore.Writes writes = store.writes();
    progress.begin("rewriting", rawTotal);
    for (int n = 1; n < g.size(); n++) {
      String sha = g.key(n);
      TensorEntry e = bySha.get(sha);
      ObjectInfo cur = e.object();
      progress.advance(cur.rawBytes());
      if (lossy.contains(sha)) {
        if (!same[n]) {
          oldObjects.add(cur.objectId());
          rewritten++;
        }
        continue;
      }
      if (same[n] && !(cur.isPacked() && leaving.contains(cur.objectId()))) {
        if (cur.chainDepth() != depth[n]) {
          changed.put(sha, cur.withChainDepth(depth[n]));
        }
        continue;
      }
      StorageGraph.Edge edge = plan.edge(n);
      byte[] raw = raw(e);
      try {
        if (edge.parent() == 0) {
          written.put(sha, writes.put(tensor(e, raw)));
        } else {
          TensorEntry be = bySha.get(g.key(edge.parent()));
          written.put(sha, writes.putDelta(tensor(e, raw), raw(be), be.object(),
              DeltaOp.parse(edge.op())));
        }
      } catch (IOException ex) {
        throw new ModelHubException("cannot write object for tensor " + e.name() + ": "
            + ex.getMessage(), ex);
      }
      oldObjects.add(cur.objectId());
      rewritten++;
    }
    try {
      writes.finish();
    } catch (IOException ex) {
      throw new ModelHubException("cannot write objects: " + ex.getMessage(), ex);
    }
    for (int n = 1; n < g.size(); n++) {
      Supplier<ObjectInfo> w = written.get(g.key(n));
      if (w != null) {
        changed.put(g.key(n), w.get().withChainDepth(depth[n]));
      }
    }
    progress.end();

    // 5. one transaction: objects, plan, stored bytes per version
    Map<String, ObjectInfo> after = new HashMap<>();
    bySha.forEach((sha, e) -> after.put(sha, changed.getOrDefault(sha, e.object())));
    // costs and budgets in the planner's own estimates, so they compare like with like
    List<VersionCost> costs = new ArrayList<>();
    double[] mat = planner.materialisedCosts();
    double[] planned = plan.versionCosts();
    List<StorageGraph.Version> gv = g.versions();
    for (int v = 0; v < gv.size(); v++) {
      int maxChain = 0;
      for (int n : gv.get(v).nodes()) {
        maxChain = Math.max(maxChain, after.get(g.key(n)).chainDepth());
      }
      costs.add(new VersionCost(byId.get(gv.get(v).id()), planned[v], mat[v],
          mat[v] * options.alpha(), maxChain));
    }
    long afterBytes = after.values().stream().mapToLong(ObjectInfo::storedBytes).sum();
    int planId = c.queryOne("SELECT COALESCE(MAX(ID), 0) + 1 FROM STORAGE_PLANS",
        rs -> rs.getInt(1)).orElse(1);
    int rewrittenCount = rewritten;
    int lossyCount = options.lossy() == null ? 0 : (int) changed.values().stream()
        .filter(o -> options.lossy().label().equals(o.lossy())).count();
    c.inTransaction(() -> {
      for (ObjectInfo o : changed.values()) {
        c.putObject(o);
      }
      c.update("INSERT INTO STORAGE_PLANS (ID, CREATED, BUDGET, SCHEME, ALGORITHM, LOSSY,"
          + " MST_BYTES, SPT_BYTES, PLAN_BYTES, STORED_BEFORE, STORED_AFTER, OBJECTS_REWRITTEN)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", planId,
          LocalDateTime.ofInstant(Instant.now().truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC),
          options.alpha(), options.scheme().label(), plan.algorithm(),
          options.lossy() == null ? null : options.lossy().label(), mst, spt, plan.storage(),
          before, afterBytes, rewrittenCount);
      for (VersionCost vc : costs) {
        c.update("INSERT INTO STORAGE_PLAN_VERSIONS (PLAN_ID, VERSION_ID, RECREATION_COST,"
            + " MATERIALISED_COST, BUDGET_COST, MAX_CHAIN) VALUES (?, ?, ?, ?, ?, ?)", planId,
            vc.version().id(), vc.cost(), vc.materialised(), vc.budget(), vc.maxChain());
      }
      // each object's bytes count for the first version (in commit order) that uses it
      Set<String> counted = new HashSet<>();
      List<VersionInfo> ordered = new ArrayList<>(versions);
      ordered.sort((a, b) -> a.created().compareTo(b.created()));
      for (VersionInfo v : ordered) {
        long bytes = 0;
        for (TensorEntry e : entries.get(v.id())) {
          if (counted.add(e.sha256())) {
            bytes += after.get(e.sha256()).storedBytes();
          }
        }
        c.update("UPDATE VERSIONS SET STORED_BYTES = ? WHERE ID = ?", bytes, v.id());
      }
      return null;
    });

    // 6. the old objects go only now that the catalog no longer names them, on disk
    c.sync();
    Set<String> referenced = new HashSet<>();
    c.objects().forEach(o -> referenced.add(o.objectId()));
    ObjectStore objects = store.objects();
    for (String id : oldObjects) {
      if (!referenced.contains(id)) {
        try {
          objects.delete(id);
        } catch (IOException ex) {
          // left dangling: fsck --prune removes it
        }
      }
    }
    return new Report(planId, plan.algorithm(), rawTotal, before, afterBytes, mst, spt,
        plan.storage(), rewrittenCount, lossyCount, costs);
  }

  private byte[] raw(TensorEntry e) {
    return repo.tensorStore().raw(e.object(), "tensor " + e.name() + " ("
        + e.sha256().substring(0, 12) + ")");
  }

  private static Tensor tensor(TensorEntry e, byte[] raw) {
    return new Tensor(e.name(), e.dtype(), e.shape(), ByteBuffer.wrap(raw), e.sha256());
  }
}
