package org.modelhub.store.object;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Bytewise segmentation (PAS): values of width w as w byte-plane columns {@code b0..b(w-1)},
 * most significant byte first, in record batches of {@link #CHUNK_VALUES} values. Each plane
 * of each batch is coded by what pays ({@link PlaneCodec}): the sign/exponent plane of
 * float32 weights with rANS to within about a hundredth of a bit of its order-0 entropy, a
 * nearly constant delta plane with rANS or zstd, the low mantissa planes as they are.
 *
 * <p>An object is a standard Arrow IPC file whose columns are binary, one row per batch:
 * row {@code i} of column {@code bp} is plane p of values {@code i * CHUNK_VALUES ...},
 * coded. Arrow's IPC buffer compression offers only zstd and LZ4 for a whole batch, and
 * Huffman coding (zstd's literals) cannot go below one bit per byte, which is what the top
 * plane of a delta needs; so the codec is per plane and inside the value. Columns come in
 * plane order, so a read of the top k planes reads only a prefix of each batch's body.
 *
 * <p>Objects written before (uint8 columns under Arrow's batch compression, a length of -1
 * marking a raw plane) still read.
 */
public final class PlanesEncoding {
  /** Values per record batch: batches bound memory and are the unit of parallel work. */
  public static final int CHUNK_VALUES = 1 << 20;
  private static final long RAW = -1L;

  private PlanesEncoding() {
  }

  /** What {@link #write} stored: bytes, codec and CRC32C of each plane (over all batches). */
  public record Written(long[] planeBytes, String[] planeCodecs, long[] planeCrc) {
    /** {@code zstd,raw,raw,raw}: a plane's codec, {@code raw} when never compressed. */
    public String codecs() {
      return String.join(",", planeCodecs);
    }

    public String bytes() {
      return join(planeBytes, false);
    }

    public String crcs() {
      return join(planeCrc, true);
    }
  }

  /** The Arrow schema of a planes object of width {@code width}. */
  static Schema schema(int width, Map<String, String> metadata) {
    List<Field> fields = new ArrayList<>();
    for (int p = 0; p < width; p++) {
      fields.add(new Field("b" + p, FieldType.notNullable(ArrowType.Binary.INSTANCE), null));
    }
    return new Schema(fields, metadata);
  }

  /**
   * Writes {@code raw} (little-endian values of {@code width} bytes) as a planes object.
   * {@code lz} is the LZ codec that nearly constant planes also try ({@link Compression#NONE}
   * keeps every plane raw).
   */
  static Written write(WritableByteChannel out, Map<String, String> metadata, ByteBuffer raw,
      int width, Compression lz) throws IOException {
    ArrowIpc.Writer writer = new ArrowIpc.Writer(out, schema(width, metadata), Compression.NONE);
    Written w = code(raw, width, lz, writer::writeBinaryBatch);
    writer.finish();
    return w;
  }

  /** A tensor's planes coded in memory, one list of coded planes per record batch. */
  record Coded(int width, List<List<byte[]>> batches, Written planes) {
    /** The coded bytes, without framing. */
    long bytes() {
      long n = 0;
      for (long b : planes.planeBytes()) {
        n += b;
      }
      return n;
    }
  }

  /** Codes {@code raw} in memory, for {@link #writePack}. */
  static Coded code(ByteBuffer raw, int width, Compression lz) throws IOException {
    List<List<byte[]>> batches = new ArrayList<>();
    Written w = code(raw, width, lz, batches::add);
    return new Coded(width, batches, w);
  }

  /**
   * Writes tensors coded by {@link #code}, all of one width, as the record batches of one
   * object (a pack): tensor i's batches follow tensor i-1's.
   *
   * @return per tensor, the index of its first record batch and the bytes of its batches
   *     (their metadata and bodies; the file's schema and footer are shared)
   */
  static long[][] writePack(WritableByteChannel out, List<Coded> tensors) throws IOException {
    int width = tensors.get(0).width();
    // no schema metadata: the schema is written twice (its header and its footer) in every
    // pack, and what a pack holds is the catalog's to say (OBJECT_BATCH of each tensor)
    ArrowIpc.Writer writer = new ArrowIpc.Writer(out, schema(width, Map.of()),
        Compression.NONE);
    long[][] placed = new long[tensors.size()][2];
    int batch = 0;
    for (int t = 0; t < tensors.size(); t++) {
      Coded c = tensors.get(t);
      if (c.width() != width) {
        throw new IllegalArgumentException("a pack holds values of one width");
      }
      placed[t][0] = batch;
      for (List<byte[]> planes : c.batches()) {
        ArrowBlock block = writer.writeBinaryBatch(planes);
        placed[t][1] += block.getMetadataLength() + block.getBodyLength();
        batch++;
      }
    }
    writer.finish();
    return placed;
  }

  /** Takes each record batch's coded planes. */
  private interface BatchSink {
    void accept(List<byte[]> planes) throws IOException;
  }

  /**
   * Splits and codes values a batch of {@link #CHUNK_VALUES} at a time, as many at once as
   * there are cores, and hands them to {@code sink} in order while the next ones are coded
   * ({@link BatchPipeline}): a large tensor is otherwise coded on one core while the others
   * wait (a commit's tensors run in parallel, but one large tensor is often most of a model).
   */
  private static Written code(ByteBuffer raw, int width, Compression lz, BatchSink sink)
      throws IOException {
    long total = raw.remaining() / width;
    int chunk = (int) Math.min(CHUNK_VALUES, Math.max(1, total));
    int count = batches(total);
    int slots = Math.min(count, BatchPipeline.SLOTS);
    // values on the heap are split where they are; others are copied a batch at a time
    boolean heap = raw.hasArray();
    byte[][] src = new byte[slots][];
    byte[][][] planes = new byte[slots][width][chunk];
    long[] planeBytes = new long[width];
    List<Set<String>> codecs = new ArrayList<>();
    CRC32C[] crcs = new CRC32C[width];
    for (int p = 0; p < width; p++) {
      crcs[p] = new CRC32C();
      codecs.add(new TreeSet<>());
    }
    BatchPipeline.run(count, new BatchPipeline.Stage<Void, List<byte[]>>() {
      @Override public Void take(int b) {
        return null;
      }

      @Override public void finish(int b, List<byte[]> coded) throws IOException {
        byte[][] split = planes[b % slots];
        int n = values(total, chunk, b);
        for (int p = 0; p < width; p++) {
          byte[] c = coded.get(p);
          crcs[p].update(split[p], 0, n);
          codecs.get(p).add(PlaneCodec.of(c, 0, c.length).label());
          planeBytes[p] += c.length;
        }
        sink.accept(coded);
      }
    }, (b, none) -> {
      int slot = b % slots;
      int n = values(total, chunk, b);
      int at = Math.toIntExact(raw.position() + (long) b * chunk * width);
      if (heap) {
        BytePlanes.split(raw.array(), raw.arrayOffset() + at, n, width, planes[slot]);
      } else {
        if (src[slot] == null) {
          src[slot] = new byte[chunk * width];
        }
        raw.duplicate().get(at, src[slot], 0, n * width);
        BytePlanes.split(src[slot], 0, n, width, planes[slot]);
      }
      return PlaneCodec.encode(planes[slot], n, width, lz);
    });
    String[] labels = new String[width];
    long[] crc = new long[width];
    for (int p = 0; p < width; p++) {
      labels[p] = String.join("+", codecs.get(p));
      crc[p] = crcs[p].getValue();
    }
    return new Written(planeBytes, labels, crc);
  }

  /** The values of batch {@code b} of {@code total} in batches of {@code chunk}. */
  private static int values(long total, int chunk, int b) {
    return (int) Math.min(chunk, total - (long) b * chunk);
  }

  /** Record batches of a tensor of {@code values} values (an empty one still has one). */
  static int batches(long values) {
    return (int) Math.max(1, (values + CHUNK_VALUES - 1) / CHUNK_VALUES);
  }

  /**
   * Codes little-endian values of {@code width} bytes as a planes object in memory (planes
   * that pay coded, zstd tried on nearly constant ones): the codec alone, without hashing or
   * I/O, for benchmarks and tools.
   */
  public static byte[] encode(ByteBuffer raw, int width) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.remaining() + 4096);
    write(Channels.newChannel(bytes), Map.of(), raw, width, Compression.ZSTD);
    return bytes.toByteArray();
  }

  /** The values of a planes object held in memory ({@link #encode}'s inverse). */
  public static byte[] decode(byte[] object, long rawBytes, int width) throws IOException {
    return read(new ByteArraySeekableChannel(object), rawBytes, width, null, null).values();
  }

  /**
   * Reads the values back: all planes ({@code k == width}), or the top {@code k} planes
   * with the others zero, reading only those planes' bytes. When {@code expectedCrc} is
   * given, each plane read is checked against it. {@code batch} is the first record batch of
   * a tensor in a pack, null for an object of its own (all its batches).
   *
   * @return little-endian values, {@code rawBytes} long, and the schema's metadata
   */
  static Decoded read(SeekableByteChannel channel, long rawBytes, int k, long[] expectedCrc,
      Integer batch) throws IOException {
    return read(channel, null, rawBytes, k, expectedCrc, batch, null);
  }

  /**
   * {@link #read(SeekableByteChannel, long, int, long[], Integer)} given the file's footer
   * (null to read it); {@code values}, when given, is updated with the values read, in order,
   * while later batches decode (a full read checks their sha256).
   */
  static Decoded read(SeekableByteChannel channel, ArrowIpc.Footer footer, long rawBytes, int k,
      long[] expectedCrc, Integer batch, MessageDigest values) throws IOException {
    ArrowIpc.Reader reader = footer == null ? new ArrowIpc.Reader(channel, null)
        : new ArrowIpc.Reader(channel, null, footer);
    int width = reader.schema().getFields().size();
    if (k < 1 || k > width) {
      throw new IOException("cannot read the top " + k + " of " + width + " planes");
    }
    if (width == 0 || rawBytes % width != 0) {
      throw new IOException("object of " + width + " planes cannot hold " + rawBytes + " bytes");
    }
    byte[] out = new byte[Math.toIntExact(rawBytes)];
    // the CRCs are computed only to be checked (progressive reads); a full read checks the
    // values' sha256 instead
    CRC32C[] crcs = expectedCrc == null ? null : new CRC32C[k];
    for (int p = 0; crcs != null && p < k; p++) {
      crcs[p] = new CRC32C();
    }
    // objects before coded planes had uint8 columns under Arrow's batch compression
    boolean coded = reader.schema().getFields().get(0).getType() instanceof ArrowType.Binary;
    long total = rawBytes / width;
    int first = batch == null ? 0 : batch;
    int end = batch == null ? reader.batchCount() : first + batches(total);
    if (first < 0 || end > reader.batchCount()) {
      throw new IOException("record batches " + first + ".." + (end - 1) + " asked of an object"
          + " of " + reader.batchCount());
    }
    // batches are read in order, decoded and merged (into their own parts of out) as many at
    // once as there are cores, and checked in order (CRCs, the values' hash) meanwhile
    int count = end - first;
    long[] at = new long[count + 1];
    BatchPipeline.run(count, new BatchPipeline.Stage<ArrowIpc.RawBatch, PlaneCodec.Plane[]>() {
      @Override public ArrowIpc.RawBatch take(int b) throws IOException {
        ArrowIpc.RawBatch raw = reader.readRaw(first + b, (coded ? 3 : 2) * k);
        long n = coded ? Math.min(CHUNK_VALUES, total - at[b]) : raw.length();
        if (n <= 0 && total > 0 || (at[b] + n) * width > rawBytes) {
          throw new IOException("object holds more values than its catalog entry says");
        }
        at[b + 1] = at[b] + n;
        return raw;
      }

      @Override public void finish(int b, PlaneCodec.Plane[] planes) {
        int n = (int) (at[b + 1] - at[b]);
        for (int p = 0; crcs != null && p < k; p++) {
          crcs[p].update(planes[p].bytes(), planes[p].off(), n);
        }
        if (values != null) {
          values.update(out, (int) (at[b] * width), n * width);
        }
      }
    }, (b, raw) -> {
      int n = (int) (at[b + 1] - at[b]);
      PlaneCodec.Plane[] ps = new PlaneCodec.Plane[k];
      byte[][] planes = new byte[width][];
      int[] from = new int[width];
      PlaneCodec.Plane above = null;
      for (int p = 0; p < k; p++) {
        ps[p] = coded ? codedPlane(raw, p, n, above) : plane(raw, p, n);
        above = ps[p];
        planes[p] = ps[p].bytes();
        from[p] = ps[p].off();
      }
      BytePlanes.merge(planes, from, k, n, width, out, (int) (at[b] * width));
      return ps;
    });
    long done = at[count];
    if (done * width != rawBytes) {
      throw new IOException("object holds " + done * width + " bytes of values, expected "
          + rawBytes);
    }
    if (expectedCrc != null) {
      for (int p = 0; p < k; p++) {
        if (crcs[p].getValue() != expectedCrc[p]) {
          throw new IOException("plane " + p + " has CRC32C " + Long.toHexString(
              crcs[p].getValue()) + ", expected " + Long.toHexString(expectedCrc[p]));
        }
      }
    }
    return new Decoded(out, reader.schema().getCustomMetadata());
  }

  /** Values read back and the object's schema metadata. */
  record Decoded(byte[] values, Map<String, String> metadata) { }

  /** Plane {@code p} of a batch of coded planes: one binary value per column. */
  private static PlaneCodec.Plane codedPlane(ArrowIpc.RawBatch b, int p, int n,
      PlaneCodec.Plane above) throws IOException {
    if (b.length() != 1) {
      throw new IOException("batch of coded planes has " + b.length() + " rows, expected 1");
    }
    int off = Math.toIntExact(b.offsets()[3 * p + 2]);
    int len = Math.toIntExact(b.lengths()[3 * p + 2]);
    int at = Math.toIntExact(b.offsets()[3 * p + 1]);
    ByteBuffer offsets = ByteBuffer.wrap(b.body()).order(ByteOrder.LITTLE_ENDIAN);
    if (b.lengths()[3 * p + 1] != 8 || offsets.getInt(at) != 0 || offsets.getInt(at + 4) != len) {
      throw new IOException("plane " + p + ": the value's offsets do not span its "
          + len + " bytes");
    }
    try {
      return PlaneCodec.decode(b.body(), off, len, n, above);
    } catch (IOException e) {
      throw new IOException("plane " + p + ": " + e.getMessage(), e);
    }
  }

  /** Plane {@code p} of a batch of uint8 columns under Arrow's buffer compression. */
  private static PlaneCodec.Plane plane(ArrowIpc.RawBatch b, int p, int n) throws IOException {
    int off = Math.toIntExact(b.offsets()[2 * p + 1]);
    int len = Math.toIntExact(b.lengths()[2 * p + 1]);
    byte[] body = b.body();
    if (b.codec() == ArrowIpc.NO_CODEC) {
      if (len != n) {
        throw new IOException("plane " + p + " holds " + len + " bytes for " + n + " values");
      }
      return new PlaneCodec.Plane(body, off, n);
    }
    if (len < 8) {
      throw new IOException("compressed plane " + p + " is shorter than its length prefix");
    }
    long declared = ByteBuffer.wrap(body, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (declared == RAW) {
      if (len - 8 != n) {
        throw new IOException("plane " + p + " holds " + (len - 8) + " bytes for " + n
            + " values");
      }
      return new PlaneCodec.Plane(body, off + 8, n);
    }
    if (declared != n) {
      throw new IOException("plane " + p + " declares " + declared + " bytes for " + n
          + " values");
    }
    try {
      return new PlaneCodec.Plane(b.codec() == CompressionType.ZSTD
          ? PlaneCodec.unzstd(body, off + 8, len - 8, n)
          : PlaneCodec.unlz4(body, off + 8, len - 8, n));
    } catch (IOException e) {
      throw new IOException("plane " + p + ": " + e.getMessage(), e);
    }
  }

  /** Parses {@link Written#crcs()} or {@link Written#bytes()}. */
  static long[] parseList(String s, boolean hex) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String[] parts = s.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = hex ? Long.parseLong(parts[i].trim(), 16) : Long.parseLong(parts[i].trim());
    }
    return out;
  }

  private static String join(long[] xs, boolean hex) {
    StringJoiner j = new StringJoiner(",");
    for (long x : xs) {
      j.add(hex ? Long.toHexString(x) : Long.toString(x));
    }
    return j.toString();
  }
}
