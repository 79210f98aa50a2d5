package org.modelhub.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.modelhub.store.model.Hashing;

/** What every benchmark needs: timing, medians, load averages, scratch folders. */
final class BenchSupport {
  private BenchSupport() {
  }

  /** Seconds since {@code t0}, a {@link System#nanoTime()} reading. */
  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The median (the mean of the middle two for an even count). */
  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine skews timings. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * MB/s of a durable write on the disk of {@code dir}: 64 MB written to a new file there and
   * synced (fsync), median of three. A commit's objects are on disk before it returns, so no
   * commit writes its stored bytes faster.
   */
  static double durableWriteMbps(Path dir) throws IOException {
    byte[] bytes = new byte[64 << 20];
    new Random(1).nextBytes(bytes);
    double[] s = new double[3];
    for (int r = 0; r < s.length; r++) {
      s[r] = writeAndSync(dir.resolve("durable-write-" + r), bytes);
    }
    return bytes.length / 1e6 / median(s);
  }

  /**
   * Milliseconds to write 256 KB to a new file in {@code dir} and sync it, median of eleven:
   * the least a commit that writes an object waits for it.
   */
  static double syncLatencyMs(Path dir) throws IOException {
    byte[] bytes = new byte[256 << 10];
    new Random(3).nextBytes(bytes);
    double[] s = new double[11];
    for (int r = 0; r < s.length; r++) {
      s[r] = writeAndSync(dir.resolve("sync-latency-" + r), bytes) * 1e3;
    }
    return median(s);
  }

  /** Seconds to write {@code bytes} to the new file {@code f} and sync it; then deletes it. */
  private static double writeAndSync(Path f, byte[] bytes) throws IOException {
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(false);
    }
    double s = seconds(t0);
    Files.delete(f);
    return s;
  }

  /** MB/s of sha256 on one core (64 MB, median of five after two). */
  static double sha256Mbps() {
    byte[] bytes = new byte[64 << 20];
    new Random(2).nextBytes(bytes);
    double[] s = new double[5];
    for (int r = -2; r < s.length; r++) {
      long t0 = System.nanoTime();
      Hashing.sha256().digest(bytes);
      if (r >= 0) {
        s[r] = seconds(t0);
      }
    }
    return bytes.length / 1e6 / median(s);
  }

  /** Deletes {@code root} and everything below it, if it exists. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
