package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.modelhub.store.TestModels;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Tensor;

class PlanesEncodingTest {
  @TempDir Path dir;

  private static Tensor random(DType dtype, int n, long seed) {
    byte[] b = new byte[n * dtype.size()];
    new Random(seed).nextBytes(b);
    if (dtype == DType.FLOAT32) {
      return TestModels.random("t", new long[] {n}, new Random(seed));
    }
    return new Tensor("t", dtype, new long[] {n}, ByteBuffer.wrap(b));
  }

  /** Every dtype width round-trips bit-exact, across a record batch boundary. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "FLOAT16", "INT8"})
  void roundTripsBitExact(DType dtype) throws Exception {
    Tensor t = random(dtype, PlanesEncoding.CHUNK_VALUES + 777, 3);
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      ObjectInfo o = store.put(t);
      assertEquals("planes", o.encoding());
      assertEquals(dtype.size(), o.planeBytes().split(",").length);
      Tensor back = store.get(o, "t", dtype, t.shape(), "v@1 t");
      assertEquals(t.sha256(), Hashing.sha256Hex(back.data()));
    }
  }

  /**
   * A tensor of several record batches is coded and decoded a group of batches at a time, in
   * parallel: the values, each plane's CRC32C and progressive reads are those of batches
   * taken one by one, whether the values come from the heap or from a direct buffer.
   */
  @Test void batchesCodedInParallelKeepTheirOrder() throws Exception {
    int n = 3 * PlanesEncoding.CHUNK_VALUES + 12_345;
    Tensor t = TestModels.random("fc/W", new long[] {n}, new Random(21));
    ByteBuffer direct = ByteBuffer.allocateDirect(n * 4).put(t.data()).flip();
    Tensor fromDirect = new Tensor("fc/W", DType.FLOAT32, t.shape(), direct);
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      ObjectInfo a = store.put(t);
      ObjectInfo b = store.put(fromDirect);
      assertEquals(a.objectId(), b.objectId(), "the same bytes either way");
      long[] crc = PlanesEncoding.parseList(a.planeCrc(), true);
      byte[] all = TensorStore.bytes(t);
      for (int p = 0; p < 4; p++) {
        CRC32C c = new CRC32C();
        for (int i = 0; i < n; i++) {
          c.update(all[4 * i + 3 - p]);
        }
        assertEquals(c.getValue(), crc[p], "plane " + p);
      }
      assertEquals(t.sha256(), store.get(a, "t", DType.FLOAT32, t.shape(), "x").sha256());
      assertEquals(t.sha256(), Hashing.sha256Hex(
          store.get(a, "t", DType.FLOAT32, t.shape(), "x").data()));
      for (int k = 1; k < 4; k++) {
        byte[] expected = all.clone();
        TensorStore.cut(expected, k, 4);
        assertArrayEquals(expected, store.top(a, k, "x"), "k=" + k);
      }
    }
  }

  /**
   * The values of a tensor of several batches are hashed as they decode, in order: a bit
   * flipped in a low mantissa plane of a middle batch (stored raw, so no codec sees it) is
   * caught by that sha256, and no values are returned.
   */
  @Test void aFlippedBitInAMiddleBatchFailsTheValuesHash() throws Exception {
    int n = 3 * PlanesEncoding.CHUNK_VALUES;
    Tensor t = TestModels.random("fc/W", new long[] {n}, new Random(8));
    try (TensorStore store = new TensorStore(
        new FileObjectStore(dir.resolve("objects"), dir.resolve("tmp")), Compression.ZSTD)) {
      ObjectInfo o = store.put(t);
      assertEquals(t.sha256(), store.get(o, "t", DType.FLOAT32, t.shape(), "x").sha256());
      // the lowest plane's bytes of some values of the second batch, found in the object
      byte[] all = TensorStore.bytes(t);
      int from = PlanesEncoding.CHUNK_VALUES + 1000;
      byte[] run = new byte[32];
      for (int i = 0; i < run.length; i++) {
        run[i] = all[4 * (from + i)];
      }
      Path file = ((FileObjectStore) store.objects()).path(o.objectId());
      byte[] object = Files.readAllBytes(file);
      int at = indexOf(object, run);
      assertTrue(at > 0 && indexOf(java.util.Arrays.copyOfRange(object, at + 1, object.length),
          run) < 0, "the run occurs once");
      object[at + 16] ^= 1;
      file.toFile().setWritable(true);
      Files.write(file, object);
      CorruptObjectException e = assertThrows(CorruptObjectException.class,
          () -> store.get(o, "t", DType.FLOAT32, t.shape(), "x"));
      assertTrue(e.getMessage().contains("rebuilds values with sha256")
          && e.getMessage().contains("expected " + t.sha256()), e.getMessage());
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test void emptyAndTinyTensors() {
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      for (int n : new int[] {0, 1, 5}) {
        Tensor t = random(DType.FLOAT32, n, n);
        ObjectInfo o = store.put(t);
        assertEquals(t.sha256(), store.get(o, "t", DType.FLOAT32, t.shape(), "x").sha256());
        assertEquals(t.sha256(), Hashing.sha256Hex(
            store.get(o, "t", DType.FLOAT32, t.shape(), "x").data()));
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The first two planes of Gaussian weights are coded as one symbol of each value's top bits
   * (the sign, the whole exponent and the mantissa's top bits) to within 0.03 bits of those
   * bits' order-0 entropy (the tables take most of that at this size), plus the rest of the
   * second plane as it is; that is well
   * below coding the exponent plane at its entropy and keeping the second plane raw. The low
   * mantissa stays raw.
   */
  @Test void codesTheTopBitsAtTheirJointEntropy() throws Exception {
    int n = 200_000;
    Tensor t = TestModels.random("fc/W", new long[] {n}, new Random(5));
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      ObjectInfo o = store.put(t);
      assertEquals("joint,packed,raw,raw", o.compression());
      long[] bytes = PlanesEncoding.parseList(o.planeBytes(), false);
      double bits = 8.0 * (bytes[0] + bytes[1]) / n;
      double apart = PlaneStats.of(TensorStore.bytes(t), null, 4, null, false).bits(0) + 8;
      double joint = Double.MAX_VALUE;
      FloatBuffer values = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (int j = 1; j <= JointCoder.MAX_J; j++) {
        long[] counts = new long[1 << (8 + j)];
        for (int i = 0; i < n; i++) {
          counts[Float.floatToRawIntBits(values.get(i)) >>> (24 - j)]++;
        }
        joint = Math.min(joint, BytePlanes.entropy(counts, n) + 8 - j);
      }
      assertTrue(bits < joint + 0.03, bits + " bits per value, joint entropy " + joint);
      assertTrue(bits < apart - 0.1, bits + " bits per value, coded apart " + apart);
      assertTrue(bytes[3] >= n, "low mantissa stays raw");
      assertTrue(o.storedBytes() < 0.83 * t.numBytes(), o.storedBytes() + " of " + t.numBytes());
    }
  }

  /** Arrow's own reader reads the object: a standard Arrow IPC file, coded and raw planes. */
  @ParameterizedTest
  @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4", "NONE"})
  void isStandardArrow(Compression codec) throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {PlanesEncoding.CHUNK_VALUES + 10},
        new Random(11));
    Path file = dir.resolve("t.arrow");
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      PlanesEncoding.write(out, java.util.Map.of("modelhub.encoding", "planes"), t.data(), 4,
          codec);
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      byte[] raw = PlanesEncoding.read(in, t.numBytes(), 4, null, null).values();
      assertEquals(t.sha256(), Hashing.sha256Hex(raw));
    }
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), PlanesFileCheck.class.getName(),
        file.toString(), Long.toString(t.numValues())).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    String[] lines = out.split("\n");
    assertEquals(t.sha256() + " " + t.numValues(), lines[lines.length - 1]);
  }

  /** The top k planes read exactly the top k bytes, reading only those planes. */
  @Test void progressiveReadReadsOnlyTopPlanes() throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {300_000}, new Random(8));
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      store.setPlanesCodec(Compression.NONE); // raw planes: the test flips known bytes
      ObjectInfo o = store.put(t);
      byte[] all = TensorStore.bytes(t);
      for (int k = 1; k <= 4; k++) {
        byte[] top = store.top(o, k, "x");
        byte[] expected = all.clone();
        TensorStore.cut(expected, k, 4);
        assertArrayEquals(expected, top, "k=" + k);
      }
      // a corrupt low plane does not disturb a read of the top plane; a corrupt top plane
      // fails its CRC
      MemoryObjectStore objects = (MemoryObjectStore) store.objects();
      byte[] file = objects.bytes(o.objectId());
      file[file.length - 5000] ^= 1; // inside plane 3, the last in the body
      byte[] top1 = all.clone();
      TensorStore.cut(top1, 1, 4);
      assertArrayEquals(top1, top(store, o, 1));
      CorruptObjectException e = assertThrows(CorruptObjectException.class,
          () -> store.get(o, "t", DType.FLOAT32, t.shape(), "v@1 t"));
      assertTrue(e.getMessage().startsWith("v@1 t: "), e.getMessage());
      // plane 0's bytes: a flipped bit there fails the CRC of a top-1 read
      long[] bytes = PlanesEncoding.parseList(o.planeBytes(), false);
      file[file.length - 5000] ^= 1;
      int firstPlane = indexOfPlane0(file, all);
      file[firstPlane] ^= 0x10;
      assertThrows(CorruptObjectException.class, () -> top(store, o, 1));
      assertTrue(bytes[0] > 0);
    }
  }

  /** Where plane 0 starts in an uncompressed planes file (the exponents of the values). */
  private static int indexOfPlane0(byte[] file, byte[] values) {
    byte[] head = new byte[16];
    for (int i = 0; i < head.length; i++) {
      head[i] = values[4 * i + 3];
    }
    outer:
    for (int at = 0; at + head.length < file.length; at++) {
      for (int i = 0; i < head.length; i++) {
        if (file[at + i] != head[i]) {
          continue outer;
        }
      }
      return at + 3;
    }
    throw new AssertionError("plane 0 not found");
  }

  private static byte[] top(TensorStore store, ObjectInfo o, int k) {
    return store.top(o, k, "x");
  }

  /**
   * Planes objects written before coded planes (uint8 columns under Arrow's zstd batch
   * compression) keep reading.
   */
  @Test void uint8PlanesObjectsStillRead() throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {3000}, new Random(4));
    byte[][] planes = new byte[4][3000];
    BytePlanes.split(TensorStore.bytes(t), 0, 3000, 4, planes);
    java.util.List<org.apache.arrow.vector.types.pojo.Field> fields = new java.util.ArrayList<>();
    for (int p = 0; p < 4; p++) {
      fields.add(new org.apache.arrow.vector.types.pojo.Field("b" + p,
          org.apache.arrow.vector.types.pojo.FieldType.notNullable(
              new org.apache.arrow.vector.types.pojo.ArrowType.Int(8, false)), null));
    }
    Path file = dir.resolve("old.arrow");
    try (org.apache.arrow.memory.RootAllocator alloc = new org.apache.arrow.memory.RootAllocator();
         org.apache.arrow.vector.VectorSchemaRoot root = org.apache.arrow.vector.VectorSchemaRoot
             .create(new org.apache.arrow.vector.types.pojo.Schema(fields), alloc);
         FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
             StandardOpenOption.WRITE)) {
      for (int p = 0; p < 4; p++) {
        org.apache.arrow.vector.UInt1Vector v =
            (org.apache.arrow.vector.UInt1Vector) root.getVector(p);
        v.allocateNew(3000);
        for (int i = 0; i < 3000; i++) {
          v.set(i, planes[p][i]);
        }
      }
      root.setRowCount(3000);
      ArrowIpc.Writer w = new ArrowIpc.Writer(out, root.getSchema(), Compression.ZSTD);
      w.writeBatch(root);
      w.finish();
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      assertEquals(t.sha256(), Hashing.sha256Hex(
          PlanesEncoding.read(in, t.numBytes(), 4, null, null).values()));
    }
  }

  /** Old repositories' plain objects keep reading. */
  @Test void plainObjectsStillRead() throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {1000}, new Random(9));
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.ZSTD)) {
      store.setEncoding("plain");
      ObjectInfo o = store.put(t);
      assertEquals("plain", o.encoding());
      store.setEncoding("planes");
      assertEquals(t.sha256(), Hashing.sha256Hex(
          store.get(o, "t", DType.FLOAT32, t.shape(), "x").data()));
      byte[] top = store.top(o, 2, "x");
      ByteBuffer b = ByteBuffer.wrap(top).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(Float.floatToRawIntBits(t.data().getFloat(0)) & 0xffff0000, b.getInt(0));
    }
  }

  /**
   * A progressive read of an object read whole (plain, or one byte column) cuts a copy: the
   * values read are kept for the deltas that name them, which must get them exact.
   */
  @Test void aProgressiveReadLeavesTheKeptValuesExact() throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {1000}, new Random(10));
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.ZSTD)) {
      store.setEncoding("plain");
      ObjectInfo o = store.put(t);
      store.top(o, 1, "x");
      assertEquals(t.sha256(), Hashing.sha256Hex(store.raw(o, "x")));
    }
  }

  @Test void writesToFilesToo() throws Exception {
    Tensor t = TestModels.random("fc/W", new long[] {5000}, new Random(2));
    try (TensorStore store = new TensorStore(
        new FileObjectStore(dir.resolve("objects"), dir.resolve("tmp")), Compression.NONE)) {
      ObjectInfo o = store.put(t);
      assertEquals(o.storedBytes(), Files.size(((FileObjectStore) store.objects())
          .path(o.objectId())));
      assertEquals(t.sha256(), store.get(o, "t", DType.FLOAT32, t.shape(), "x").sha256());
    }
  }
}
