package org.modelhub.store.object;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.modelhub.store.model.Hashing;

/** Objects kept in memory, for {@code jdbc:modelhub:mem:} repositories and tests. */
public final class MemoryObjectStore implements ObjectStore {
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

  @Override public StoredObject put(ObjectWriter writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    writer.write(Channels.newChannel(bytes));
    byte[] b = bytes.toByteArray();
    String id = Hashing.sha256Hex(b);
    objects.putIfAbsent(id, b);
    return new StoredObject(id, b.length);
  }

  /** The live bytes of an object (tests corrupt them). */
  byte[] bytes(String id) {
    return objects.get(id);
  }

  @Override public boolean contains(String id) {
    return objects.containsKey(id);
  }

  @Override public SeekableByteChannel open(String id) throws IOException {
    byte[] b = objects.get(id);
    if (b == null) {
      throw new NoSuchFileException("object " + id + " is missing");
    }
    return new ByteArraySeekableChannel(b);
  }

  @Override public long size(String id) throws IOException {
    byte[] b = objects.get(id);
    if (b == null) {
      throw new NoSuchFileException("object " + id + " is missing");
    }
    return b.length;
  }

  @Override public void delete(String id) {
    objects.remove(id);
  }

  @Override public Stream<String> ids() {
    return objects.keySet().stream().sorted();
  }

  @Override public long temporaries() {
    return 0;
  }

  @Override public void removeTemporaries() {
  }
}
