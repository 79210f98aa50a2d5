package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
           SyncingChannel sc = new SyncingChannel(ch);
           HashingChannel hc = new HashingChannel(sc)) {
        writer.write(hc);
        sc.sync();
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

  /** Syncs of large objects, in the background while they are written. */
  private static final ExecutorService SYNCS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "object-sync");
    t.setDaemon(true);
    return t;
  });

  /**
   * A file being written, synced to disk in the background every {@link #SYNC_BYTES} bytes,
   * so that the disk writes a large object while its later parts are coded and the last
   * sync waits only for the rest. (An object is durable before the catalog names it: its
   * sync took a fifth of a large commit when it started only after the last byte.)
   */
  private static final class SyncingChannel implements WritableByteChannel {
    static final long SYNC_BYTES = 8L << 20;
    private final FileChannel ch;
    private long unsynced;
    private Future<?> syncing;

    SyncingChannel(FileChannel ch) {
      this.ch = ch;
    }

    @Override public int write(ByteBuffer src) throws IOException {
      int n = ch.write(src);
      unsynced += n;
      if (unsynced >= SYNC_BYTES && (syncing == null || syncing.isDone())) {
        awaitSync();
        unsynced = 0;
        syncing = SYNCS.submit(() -> {
          ch.force(false);
          return null;
        });
      }
      return n;
    }

    /** Waits for a background sync, then syncs what is left: the file is on disk. */
    void sync() throws IOException {
      awaitSync();
      ch.force(false);
    }

    private void awaitSync() throws IOException {
      if (syncing == null) {
        return;
      }
      try {
        syncing.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while syncing an object");
      } finally {
        syncing = null;
      }
    }

    @Override public boolean isOpen() {
      return ch.isOpen();
    }

    @Override public void close() throws IOException {
      // a sync still running when the write failed is let finish before the file closes
      try {
        awaitSync();
      } catch (IOException e) {
        // the write's own failure is what the caller sees
      }
    }
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
