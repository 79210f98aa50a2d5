package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.model.Hashing;

/**
 * Objects larger than the background sync's step: synced to disk while they are written,
 * named by the sha256 of all their bytes; a write that fails midway, with a sync running,
 * leaves nothing behind and reports its own error.
 */
class FileObjectStoreTest {
  @TempDir Path dir;

  @Test void largeObjectsAreWholeAndNamedByTheirBytes() throws IOException {
    FileObjectStore store = new FileObjectStore(dir.resolve("objects"), dir.resolve("tmp"));
    byte[] bytes = new byte[20 << 20];
    new Random(5).nextBytes(bytes);
    ObjectStore.StoredObject o = store.put(out -> {
      for (int at = 0; at < bytes.length; at += 1 << 20) {
        ByteBuffer b = ByteBuffer.wrap(bytes, at, 1 << 20);
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
    });
    assertEquals(Hashing.sha256Hex(bytes), o.id());
    assertEquals(bytes.length, o.size());
    assertArrayEquals(bytes, Files.readAllBytes(store.path(o.id())));
    assertEquals(0, store.temporaries());
  }

  @Test void aFailedWriteLeavesNothing() throws IOException {
    FileObjectStore store = new FileObjectStore(dir.resolve("objects"), dir.resolve("tmp"));
    IOException failure = new IOException("disk on fire");
    IOException e = assertThrows(IOException.class, () -> store.put(out -> {
      // past two sync steps, so that a background sync has started
      for (int i = 0; i < 20; i++) {
        out.write(ByteBuffer.allocate(1 << 20));
      }
      throw failure;
    }));
    assertSame(failure, e);
    assertEquals(0, store.temporaries());
    assertEquals(0, store.ids().count());
  }
}
