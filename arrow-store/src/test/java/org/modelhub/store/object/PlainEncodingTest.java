package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.TestModels;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Tensor;

class PlainEncodingTest {
  @TempDir Path dir;

  /** Our files read back bit-exact, and Arrow's own reader reads the same values. */
  @ParameterizedTest
  @EnumSource(Compression.class)
  void roundTripsAndIsStandardArrow(Compression compression) throws Exception {
    // more than one record batch
    Tensor t = TestModels.random("fc/W", new long[] {PlainEncoding.BATCH_VALUES + 1000},
        new Random(7));
    PlainEncoding enc = new PlainEncoding(compression);
    Path file = dir.resolve("t.arrow");
    try (RootAllocator alloc = new RootAllocator();
         FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
             StandardOpenOption.WRITE)) {
      enc.write(t, alloc, out);
    }
    try (RootAllocator alloc = new RootAllocator();
         FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer raw = enc.read(in, alloc, t.numBytes());
      assertEquals(t.sha256(), Hashing.sha256Hex(raw));
    }
    double sum = 0;
    for (int i = 0; i < t.numValues(); i++) {
      sum += t.valueAt(i);
    }
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), ArrowFileCheck.class.getName(),
        file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    String[] parts = out.split("\n");
    String[] f = parts[parts.length - 1].split(" ");
    assertEquals(t.sha256(), f[0]);
    assertEquals(t.numValues(), Long.parseLong(f[1]));
    assertEquals(sum, Double.parseDouble(f[2]), 1e-6 * Math.abs(sum) + 1e-9);
  }

}
