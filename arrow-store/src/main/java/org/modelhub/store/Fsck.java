package org.modelhub.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.catalog.Catalog;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.object.CorruptObjectException;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.ObjectStore;

/**
 * Verifies a repository: every object's bytes against its name, every tensor object's
 * rebuilt values against their logical hash, every blob, and every catalog reference.
 * Objects no version refers to (left by an interrupted commit) are reported as dangling, not
 * as errors; {@link #removeDangling} removes them.
 */
public final class Fsck {
  /** What fsck found: errors (corruption), and dangling objects and temporaries. */
  public record Report(List<String> errors, List<String> dangling, long danglingBytes,
      long temporaries, int objectsChecked, int versionsChecked) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  private final Repository repo;

  public Fsck(Repository repo) {
    this.repo = repo;
  }

  public Report run(Progress progress) {
    Catalog c = repo.catalog();
    List<String> errors = new ArrayList<>();
    List<ObjectInfo> objects = c.objects();
    progress.begin("checking objects", objects.stream().mapToLong(ObjectInfo::storedBytes).sum());
    ObjectStore store = repo.tensorStore().objects();
    Set<String> referenced = new HashSet<>();
    // a pack holds several tensors: its bytes are hashed once, and its tensors' record
    // batches must fit in it
    Map<String, String> hashes = new HashMap<>();
    Map<String, Long> packed = new HashMap<>();
    for (ObjectInfo o : objects) {
      referenced.add(o.objectId());
      String what = "object " + o.objectId() + (o.isPacked() ? " batch " + o.batch() : "")
          + " (tensor values " + o.sha256().substring(0, 12) + ")";
      try {
        if (!store.contains(o.objectId())) {
          errors.add(what + ": missing");
          continue;
        }
        String actual = hashes.get(o.objectId());
        if (actual == null) {
          actual = sha256(store, o.objectId());
          hashes.put(o.objectId(), actual);
        }
        if (!actual.equals(o.objectId())) {
          errors.add(what + ": bytes hash to " + actual + " (corrupt)");
          continue;
        }
        if (o.isPacked()) {
          packed.merge(o.objectId(), o.storedBytes(), Long::sum);
        } else if (store.size(o.objectId()) != o.storedBytes()) {
          errors.add(what + ": size " + store.size(o.objectId()) + ", catalog says "
              + o.storedBytes());
        }
        repo.tensorStore().get(o, "check", DType.UINT8, new long[] {o.rawBytes()}, what);
      } catch (CorruptObjectException e) {
        errors.add(e.getMessage());
      } catch (IOException e) {
        errors.add(what + ": " + e.getMessage());
      } finally {
        progress.advance(o.storedBytes());
      }
    }
    for (Map.Entry<String, Long> p : packed.entrySet()) {
      try {
        long size = store.size(p.getKey());
        if (size < p.getValue()) {
          errors.add("object " + p.getKey() + ": size " + size + ", but the catalog's tensors"
              + " in it take " + p.getValue());
        }
      } catch (IOException e) {
        errors.add("object " + p.getKey() + ": " + e.getMessage());
      }
    }
    progress.end();

    List<VersionInfo> versions = c.allVersions();
    for (VersionInfo v : versions) {
      checkVersion(v, errors);
    }
    checkModels(errors);

    Set<String> blobRefs = new HashSet<>(c.blobIds());
    for (String id : blobRefs) {
      try {
        if (!repo.blobs().contains(id)) {
          errors.add("blob " + id + ": missing");
        } else if (!sha256(repo.blobs(), id).equals(id)) {
          errors.add("blob " + id + ": corrupt (bytes do not hash to its name)");
        }
      } catch (IOException e) {
        errors.add("blob " + id + ": " + e.getMessage());
      }
    }

    List<String> dangling = new ArrayList<>();
    long danglingBytes = 0;
    long temporaries;
    try {
      for (String id : (Iterable<String>) store.ids()::iterator) {
        if (!referenced.contains(id)) {
          dangling.add("objects/" + id);
          danglingBytes += store.size(id);
        }
      }
      for (String id : (Iterable<String>) repo.blobs().ids()::iterator) {
        if (!blobRefs.contains(id)) {
          dangling.add("blobs/" + id);
          danglingBytes += repo.blobs().size(id);
        }
      }
      temporaries = store.temporaries();
    } catch (IOException e) {
      errors.add("cannot list objects: " + e.getMessage());
      temporaries = 0;
    }
    return new Report(List.copyOf(errors), List.copyOf(dangling), danglingBytes, temporaries,
        objects.size(), versions.size());
  }

  private void checkVersion(VersionInfo v, List<String> errors) {
    Catalog c = repo.catalog();
    Set<String> layers = new HashSet<>(c.query(
        "SELECT NAME FROM LAYERS WHERE VERSION_ID = ?", rs -> rs.getString(1), v.id()));
    if (layers.size() != v.numLayers()) {
      errors.add(v.label() + ": " + layers.size() + " layers, VERSIONS says " + v.numLayers());
    }
    for (String[] e : c.query("SELECT SRC, DST FROM EDGES WHERE VERSION_ID = ?",
        rs -> new String[] {rs.getString(1), rs.getString(2)}, v.id())) {
      if (!layers.contains(e[0]) || !layers.contains(e[1])) {
        errors.add(v.label() + ": edge " + e[0] + " -> " + e[1] + " names a missing layer");
      }
    }
    long params = 0;
    for (TensorEntry t : c.tensors(v.id())) {
      params += t.numValues();
      if (t.numValues() * t.dtype().size() != t.object().rawBytes()) {
        errors.add(v.label() + " " + t.name() + ": " + t.numValues() + " " + t.dtype().label()
            + " values but its object rebuilds " + t.object().rawBytes() + " bytes");
      }
    }
    if (params != v.numParams()) {
      errors.add(v.label() + ": tensors hold " + params + " values, VERSIONS says "
          + v.numParams());
    }
  }

  private void checkModels(List<String> errors) {
    for (Object[] r : repo.catalog().query("SELECT m.NAME, m.LATEST_VERSION, m.VERSION_COUNT,"
        + " MAX(v.VERSION), COUNT(v.ID) FROM MODELS m LEFT JOIN VERSIONS v ON v.MODEL = m.NAME"
        + " GROUP BY m.NAME, m.LATEST_VERSION, m.VERSION_COUNT",
        rs -> new Object[] {rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getInt(4),
            rs.getInt(5)})) {
      if (!r[1].equals(r[3]) || !r[2].equals(r[4])) {
        errors.add("model " + r[0] + ": catalog says latest " + r[1] + " of " + r[2]
            + " versions, found latest " + r[3] + " of " + r[4]);
      }
    }
  }

  /** Deletes dangling objects and blobs and leftover temporaries; returns bytes freed. */
  public long removeDangling(Report report) {
    long freed = report.danglingBytes();
    // the catalog that names none of them must be on disk before they go
    repo.catalog().sync();
    try {
      for (String d : report.dangling()) {
        String id = d.substring(d.indexOf('/') + 1);
        (d.startsWith("objects/") ? repo.tensorStore().objects() : repo.blobs()).delete(id);
      }
      repo.tensorStore().objects().removeTemporaries();
    } catch (IOException e) {
      throw new ModelHubException("cannot remove dangling objects: " + e.getMessage(), e);
    }
    return freed;
  }

  private static String sha256(ObjectStore store, String id) throws IOException {
    try (SeekableByteChannel ch = store.open(id); InputStream in = Channels.newInputStream(ch)) {
      return Hashing.sha256Hex(in);
    }
  }
}
