package org.modelhub.store;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * What changed between two versions: layers added, removed or changed; per tensor of the
 * same name the largest absolute difference, the L2 distance and the fraction of values
 * changed; hyperparameter and metric differences. {@code dlv diff} prints it and SQL's
 * {@code DIFF(v1, v2)} returns its tensor rows.
 */
public record ModelDiff(VersionInfo a, VersionInfo b, List<String> network,
    List<LayerChange> layers, List<TensorDiff> tensors, List<ValueChange> hyperparams,
    List<MetricChange> metrics) {

  /** Differences shown per layer (and for the network's own attributes) before a count. */
  private static final int MAX_ATTR_CHANGES = 6;

  /** A layer present in one version only, or in both with another type, inputs or attrs. */
  public record LayerChange(String name, String change, String detail) { }

  /**
   * One tensor name compared. {@code status}: {@code same} (identical values), {@code changed},
   * {@code added}, {@code removed}, or {@code reshaped} (shape or dtype differ, figures null).
   */
  public record TensorDiff(String name, String status, String shapeA, String shapeB,
      long numValues, Double maxAbsDiff, Double l2Distance, Double fractionChanged) { }

  /** A hyperparameter whose value differs (null where absent). */
  public record ValueChange(String name, String a, String b) { }

  /** A metric's last logged value (and step) in each version (null where absent). */
  public record MetricChange(String name, Long stepA, Double lastA, Long stepB, Double lastB) { }

  /** Compares two versions, reading only tensors whose values differ. */
  public static ModelDiff compute(Repository repo, VersionInfo a, VersionInfo b) {
    Network na = repo.network(a);
    Network nb = repo.network(b);
    List<LayerChange> layers = diffLayers(na, nb);
    List<String> network = new ArrayList<>();
    if (!na.name().equals(nb.name())) {
      network.add("name " + na.name() + " -> " + nb.name());
    }
    network.addAll(AttrDiff.between(na.attrs(), nb.attrs(), "", MAX_ATTR_CHANGES));

    Map<String, TensorEntry> ta = byName(repo.catalog().tensors(a.id()));
    Map<String, TensorEntry> tb = byName(repo.catalog().tensors(b.id()));
    Set<String> names = new LinkedHashSet<>(ta.keySet());
    names.addAll(tb.keySet());
    List<TensorDiff> tensors = new ArrayList<>();
    for (String name : names) {
      TensorEntry ea = ta.get(name);
      TensorEntry eb = tb.get(name);
      if (ea == null || eb == null) {
        TensorEntry e = ea != null ? ea : eb;
        tensors.add(new TensorDiff(name, ea == null ? "added" : "removed",
            ea == null ? null : Tensor.shapeString(ea.shape()),
            eb == null ? null : Tensor.shapeString(eb.shape()), e.numValues(), null, null,
            null));
      } else if (!java.util.Arrays.equals(ea.shape(), eb.shape())
          || ea.dtype() != eb.dtype()) {
        tensors.add(new TensorDiff(name, "reshaped", Tensor.shapeString(ea.shape()) + " "
            + ea.dtype().label(), Tensor.shapeString(eb.shape()) + " " + eb.dtype().label(),
            ea.numValues(), null, null, null));
      } else if (ea.sha256().equals(eb.sha256())) {
        tensors.add(new TensorDiff(name, "same", Tensor.shapeString(ea.shape()),
            Tensor.shapeString(eb.shape()), ea.numValues(), 0.0, 0.0, 0.0));
      } else {
        tensors.add(compare(name, repo.tensor(a, ea), repo.tensor(b, eb)));
      }
    }

    Map<String, String> ha = repo.catalog().hyperparams(a.id());
    Map<String, String> hb = repo.catalog().hyperparams(b.id());
    List<ValueChange> hyper = new ArrayList<>();
    Set<String> keys = new TreeSet<>(ha.keySet());
    keys.addAll(hb.keySet());
    for (String k : keys) {
      if (!Objects.equals(ha.get(k), hb.get(k))) {
        hyper.add(new ValueChange(k, ha.get(k), hb.get(k)));
      }
    }

    Map<String, Metric> ma = lastByName(repo.catalog().metrics(a.id()));
    Map<String, Metric> mb = lastByName(repo.catalog().metrics(b.id()));
    List<MetricChange> metrics = new ArrayList<>();
    Set<String> mnames = new TreeSet<>(ma.keySet());
    mnames.addAll(mb.keySet());
    for (String m : mnames) {
      Metric x = ma.get(m);
      Metric y = mb.get(m);
      metrics.add(new MetricChange(m, x == null ? null : x.step(), x == null ? null : x.value(),
          y == null ? null : y.step(), y == null ? null : y.value()));
    }
    return new ModelDiff(a, b, network, layers, tensors, hyper, metrics);
  }

  /** Compares two tensors of equal shape and dtype value by value. */
  public static TensorDiff compare(String name, Tensor x, Tensor y) {
    long n = x.numValues();
    double max = 0;
    double sum = 0;
    long changed = 0;
    if (x.dtype() == DType.FLOAT32) {
      FloatBuffer fx = x.data().asFloatBuffer();
      FloatBuffer fy = y.data().asFloatBuffer();
      for (int i = 0; i < n; i++) {
        float u = fx.get(i);
        float v = fy.get(i);
        if (Float.floatToIntBits(u) != Float.floatToIntBits(v)) {
          changed++;
          double d = Math.abs((double) u - (double) v);
          max = Math.max(max, d);
          sum += d * d;
        }
      }
    } else {
      ByteBuffer bx = x.data();
      ByteBuffer by = y.data();
      int w = x.dtype().size();
      for (long i = 0; i < n; i++) {
        boolean same = true;
        for (int k = 0; k < w; k++) {
          int p = (int) (i * w + k);
          if (bx.get(p) != by.get(p)) {
            same = false;
            break;
          }
        }
        if (!same) {
          changed++;
          double d = Math.abs(x.valueAt(i) - y.valueAt(i));
          max = Math.max(max, d);
          sum += d * d;
        }
      }
    }
    return new TensorDiff(name, changed == 0 ? "same" : "changed", Tensor.shapeString(x.shape()),
        Tensor.shapeString(y.shape()), n, max, Math.sqrt(sum), n == 0 ? 0.0 : changed / (double) n);
  }

  private static List<LayerChange> diffLayers(Network na, Network nb) {
    List<LayerChange> out = new ArrayList<>();
    for (Layer l : na.layers()) {
      if (!nb.hasLayer(l.name())) {
        out.add(new LayerChange(l.name(), "removed", l.type()));
      }
    }
    for (Layer l : nb.layers()) {
      Layer old = na.layer(l.name());
      if (old == null) {
        out.add(new LayerChange(l.name(), "added", l.type() + " after "
            + (l.inputs().isEmpty() ? "(input)" : String.join(",", l.inputs()))));
        continue;
      }
      List<String> what = new ArrayList<>();
      if (!old.type().equals(l.type())) {
        what.add("type " + old.type() + " -> " + l.type());
      }
      if (!old.inputs().equals(l.inputs())) {
        what.add("inputs " + old.inputs() + " -> " + l.inputs());
      }
      what.addAll(AttrDiff.between(old.attrs(), l.attrs(), "", MAX_ATTR_CHANGES));
      if (!what.isEmpty()) {
        out.add(new LayerChange(l.name(), "changed", String.join("; ", what)));
      }
    }
    return out;
  }

  private static Map<String, TensorEntry> byName(List<TensorEntry> entries) {
    Map<String, TensorEntry> m = new LinkedHashMap<>();
    entries.forEach(e -> m.put(e.name(), e));
    return m;
  }

  private static Map<String, Metric> lastByName(List<Metric> metrics) {
    Map<String, Metric> m = new LinkedHashMap<>();
    for (Metric x : metrics) {
      m.merge(x.name(), x, (p, q) -> q.step() >= p.step() ? q : p);
    }
    return m;
  }
}
