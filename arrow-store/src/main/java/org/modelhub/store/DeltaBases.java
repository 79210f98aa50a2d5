package org.modelhub.store;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.PlaneStats;
import org.modelhub.store.object.TensorStore;

/**
 * The commit's choice of delta base (PAS): a new tensor is stored as a delta of the parent
 * version's tensor of the same name, dtype and shape when a sample says the delta's planes
 * take at most {@link #PAYS} of the materialised planes, with {@code xor} or {@code sub},
 * whichever is smaller, and while the base's chain is shorter than the repository's bound
 * ({@code pas.max_chain}, default {@link #DEFAULT_MAX_CHAIN}).
 */
final class DeltaBases {
  static final int DEFAULT_MAX_CHAIN = 4;
  static final double PAYS = 0.9;

  private final Repository repo;
  private final VersionInfo parent;
  private final Map<String, TensorEntry> entries = new HashMap<>();
  private final int maxChain;

  DeltaBases(Repository repo, String parentId) {
    this.repo = repo;
    this.parent = parentId == null ? null : repo.catalog().version(parentId).orElse(null);
    this.maxChain = repo.maxChain();
    if (parent != null && maxChain > 0) {
      for (TensorEntry e : repo.catalog().tensors(parent.id())) {
        entries.put(e.name(), e);
      }
    }
  }

  /** Stores a tensor not yet in the store, as a delta when that pays. */
  Supplier<ObjectInfo> store(Tensor t, TensorStore.Writes writes) throws IOException {
    TensorStore store = repo.tensorStore();
    TensorEntry e = entries.get(t.name());
    if (e == null || e.dtype() != t.dtype() || !java.util.Arrays.equals(e.shape(), t.shape())
        || e.object().isLossy() || e.object().chainDepth() + 1 > maxChain
        || t.numBytes() == 0) {
      Supplier<ObjectInfo> stored = writes.put(t);
      if (maxChain > 0 && t.numBytes() > 0) {
        // a version stored whole (the first, or one that starts a new chain) is the next
        // one's base as much as any: without this its values were read back from disk
        store.remember(t.sha256(), TensorStore.bytes(t));
      }
      return stored;
    }
    byte[] base = store.raw(e.object(), parent.label() + " " + e.name());
    byte[] value = TensorStore.bytes(t);
    int width = t.dtype().size();
    long n = t.numValues();
    long materialised = PlaneStats.of(value, null, width, null, true).estimate(n);
    PlaneStats.Delta delta = PlaneStats.bestDelta(value, base, width, n, true);
    Supplier<ObjectInfo> stored;
    if (delta.bytes() <= PAYS * materialised) {
      stored = writes.putDelta(t, base, e.object(), delta.op());
    } else {
      stored = writes.put(t);
    }
    // the next version's commit will likely want these values as its base
    store.remember(t.sha256(), value);
    return stored;
  }
}
