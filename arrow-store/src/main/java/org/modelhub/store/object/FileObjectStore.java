package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.stream.Stream;

/** Objects as files {@code root/ab/cdef...}, written through {@code tmp/} and renamed. */
public final class FileObjectStore implements ObjectStore {
  private final Path root;
  private final Path tmp;

  public FileObjectStore(Path root, Path tmp) throws IOException {
    this.root = requireNonNull(root, "root");
    this.tmp = requireNonNull(tmp, "tmp");
    Files.createDirectories(root);
    Files.createDirectories(tmp);
  }

  public Path root() {
    return root;
  }

  /** Where object {@code id} lives. */
  public Path path(String id) {
    return root.resolve(id.substring(0, 2)).resolve(id.substring(2));
  }

  @Override public StoredObject put(ObjectWriter writer) throws IOException {
    Path t = tmp.resolve(UUID.randomUUID() + ".tmp");
    String id;
    long size;
    try {
      try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
           HashingChannel hc = new HashingChannel(ch)) {
        writer.write(hc);
        ch.force(false);
        id = hc.sha256();
        size = hc.count();
      }
      Path target = path(id);
      if (Files.exists(target)) {
        Files.delete(t);
      } else {
        Files.createDirectories(target.getParent());
        try {
          Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          Files.deleteIfExists(t);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(t, target);
        }
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(t);
      throw e;
    }
    return new StoredObject(id, size);
  }

  @Override public boolean contains(String id) {
    return Files.exists(path(id));
  }

  @Override public SeekableByteChannel open(String id) throws IOException {
    try {
      return FileChannel.open(path(id), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path(id).toString(), null, "object " + id + " is missing");
    }
  }

  @Override public long size(String id) throws IOException {
    return Files.size(path(id));
  }

  @Override public void delete(String id) throws IOException {
    Files.deleteIfExists(path(id));
  }

  @Override public Stream<String> ids() throws IOException {
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).sorted().flatMap(d -> {
        try (Stream<Path> files = Files.list(d)) {
          return files.map(f -> d.getFileName().toString() + f.getFileName()).sorted()
              .toList().stream();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).toList().stream();
    }
  }

  @Override public long temporaries() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.count();
    }
  }

  @Override public void removeTemporaries() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      for (Path p : s.toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
