package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.modelhub.store.TestModels;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/** Packs read and written at scale: their footers, and many tiny tensors. */
class PackReadTest {
  /** Objects in memory, counting the bytes read from them. */
  private static final class CountingStore implements ObjectStore {
    final MemoryObjectStore objects = new MemoryObjectStore();
    final AtomicLong read = new AtomicLong();

    @Override public StoredObject put(ObjectWriter writer) throws IOException {
      return objects.put(writer);
    }

    @Override public boolean contains(String id) {
      return objects.contains(id);
    }

    @Override public SeekableByteChannel open(String id) throws IOException {
      SeekableByteChannel in = objects.open(id);
      return new SeekableByteChannel() {
        @Override public int read(ByteBuffer dst) throws IOException {
          int n = in.read(dst);
          read.addAndGet(Math.max(0, n));
          return n;
        }

        @Override public int write(ByteBuffer src) throws IOException {
          return in.write(src);
        }

        @Override public long position() throws IOException {
          return in.position();
        }

        @Override public SeekableByteChannel position(long p) throws IOException {
          in.position(p);
          return this;
        }

        @Override public long size() throws IOException {
          return in.size();
        }

        @Override public SeekableByteChannel truncate(long size) throws IOException {
          in.truncate(size);
          return this;
        }

        @Override public boolean isOpen() {
          return in.isOpen();
        }

        @Override public void close() throws IOException {
          in.close();
        }
      };
    }

    @Override public long size(String id) throws IOException {
      return objects.size(id);
    }

    @Override public void delete(String id) {
      objects.delete(id);
    }

    @Override public Stream<String> ids() {
      return objects.ids();
    }

    @Override public long temporaries() {
      return 0;
    }

    @Override public void removeTemporaries() {
    }
  }

  /**
   * Reading every tensor of a pack reads its footer once: the footer holds 24 bytes for each
   * tensor, and read anew for each one it came to O(N^2) bytes for a pack of N tensors.
   */
  @Test void readsAPacksFooterOnce() throws Exception {
    CountingStore objects = new CountingStore();
    try (TensorStore store = new TensorStore(objects, Compression.NONE)) {
      Random r = new Random(1);
      List<Tensor> tensors = new ArrayList<>();
      List<Supplier<ObjectInfo>> infos = new ArrayList<>();
      TensorStore.Writes writes = store.writes();
      for (int i = 0; i < 1000; i++) {
        Tensor t = TestModels.random("l" + i + "/b", new long[] {16}, r);
        tensors.add(t);
        infos.add(writes.put(t));
      }
      writes.finish();
      String pack = infos.get(0).get().objectId();
      for (int i = 0; i < tensors.size(); i++) {
        assertEquals(pack, infos.get(i).get().objectId(), "one pack");
      }
      long size = objects.size(pack);
      objects.read.set(0);
      for (int i = 0; i < tensors.size(); i++) {
        Tensor t = tensors.get(i);
        assertEquals(t.sha256(), store.get(infos.get(i).get(), t.name(), DType.FLOAT32,
            t.shape(), "v@1 " + t.name()).sha256());
      }
      assertTrue(objects.read.get() < 2 * size, objects.read.get() + " bytes read of a pack of "
          + size);
    }
  }

  /**
   * Tiny tensors written together are stored as one byte column each, in a pack of their
   * own, about 200 bytes a tensor smaller than as four planes (a quarter, at 128 values);
   * they read back exactly, whole and by top planes. A few of them stay in the planes pack, and so does a tiny delta (its op works on
   * whole values).
   */
  @Test void tinyTensorsShareAPackOfOneColumn() throws Exception {
    Random r = new Random(2);
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      List<Tensor> tiny = new ArrayList<>();
      List<Supplier<ObjectInfo>> infos = new ArrayList<>();
      TensorStore.Writes writes = store.writes();
      Tensor large = TestModels.random("fc/W", new long[] {5000}, r);
      Supplier<ObjectInfo> largeInfo = writes.put(large);
      for (int i = 0; i < 300; i++) {
        Tensor t = TestModels.random("l" + i + "/b", new long[] {TensorStore.TINY_VALUES}, r);
        tiny.add(t);
        infos.add(writes.put(t));
      }
      writes.finish();
      String pack = infos.get(0).get().objectId();
      assertTrue(!pack.equals(largeInfo.get().objectId()), "a pack of their own");
      long tinyPack = store.objects().size(pack);
      for (int i = 0; i < tiny.size(); i++) {
        Tensor t = tiny.get(i);
        ObjectInfo o = infos.get(i).get();
        assertEquals(pack, o.objectId());
        assertEquals(1, PlanesEncoding.parseList(o.planeBytes(), false).length, "one column");
        assertEquals(t.sha256(), store.get(o, t.name(), DType.FLOAT32, t.shape(), "v@1 "
            + t.name()).sha256());
        byte[] all = TensorStore.bytes(t);
        for (int k = 1; k <= 4; k++) {
          byte[] expected = all.clone();
          TensorStore.cut(expected, k, 4);
          org.junit.jupiter.api.Assertions.assertArrayEquals(expected, store.top(o, k, "x"),
              "k=" + k);
        }
      }

      // tensors as large, in packs with fewer tiny tensors than a pack of their own takes, are
      // stored as planes: a third more
      long asPlanes = 0;
      for (int from = 0; from < tiny.size(); from += TensorStore.TINY_PACK_MIN - 1) {
        TensorStore.Writes few = store.writes();
        List<Supplier<ObjectInfo>> got = new ArrayList<>();
        for (int i = from; i < Math.min(tiny.size(), from + TensorStore.TINY_PACK_MIN - 1);
            i++) {
          got.add(few.put(TestModels.random("m" + i + "/b",
              new long[] {TensorStore.TINY_VALUES}, r)));
        }
        few.finish();
        for (Supplier<ObjectInfo> g : got) {
          assertEquals(4, PlanesEncoding.parseList(g.get().planeBytes(), false).length);
          asPlanes += g.get().storedBytes();
        }
      }
      long asColumns = 0;
      for (Supplier<ObjectInfo> i : infos) {
        asColumns += i.get().storedBytes();
      }
      assertTrue(asColumns < 0.8 * asPlanes, asColumns + " bytes as columns, " + asPlanes
          + " as planes");
      assertTrue(tinyPack < asColumns + 1000 + 24 * tiny.size(), "pack " + tinyPack);

      // a tiny delta keeps the planes of its values' width
      Tensor base = tiny.get(0);
      Tensor next = TestModels.random(base.name(), base.shape(), r);
      TensorStore.Writes d = store.writes();
      List<Supplier<ObjectInfo>> deltas = new ArrayList<>();
      for (int i = 0; i < TensorStore.TINY_PACK_MIN; i++) {
        deltas.add(d.putDelta(next, TensorStore.bytes(base), infos.get(0).get(), DeltaOp.XOR));
      }
      d.finish();
      ObjectInfo delta = deltas.get(0).get();
      store.setLookup(sha -> sha.equals(base.sha256()) ? infos.get(0).get() : null);
      assertEquals(4, PlanesEncoding.parseList(delta.planeBytes(), false).length);
      assertEquals(next.sha256(), store.get(delta, next.name(), DType.FLOAT32, next.shape(),
          "v@2").sha256());
    }
  }
}
