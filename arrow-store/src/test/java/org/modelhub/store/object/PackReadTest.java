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
}
