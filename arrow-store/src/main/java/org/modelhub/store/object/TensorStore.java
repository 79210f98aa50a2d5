package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Tensor;

/**
 * Writes tensors as Arrow IPC objects (PAS encodings: {@code planes}, {@code delta},
 * lossy schemes; {@code plain} objects of older repositories still read) and reads them back,
 * checking on every read that the rebuilt values hash to the sha256 the catalog recorded.
 * A delta's base is rebuilt (and checked) first, recursively.
 */
public final class TensorStore implements AutoCloseable {
  /** The longest delta chain a read follows (a longer one is a corrupt catalog). */
  public static final int MAX_CHAIN = 64;
  /**
   * Values of recent reads and commits kept for the deltas that name them as their base
   * (softly: the collector takes them before memory runs out).
   */
  private static final long CACHE_BYTES = 256L << 20;
  /** The largest tensor a pack takes by default: one record batch of float32 values. */
  public static final long PACK_TENSOR_BYTES = 4L * PlanesEncoding.CHUNK_VALUES;
  /**
   * A tensor of at most this many values is stored as one byte column (its values' bytes as
   * they are) when {@link #TINY_PACK_MIN} such tensors are written together: its record batch
   * then costs about 170 bytes of metadata instead of 350 for four plane columns, more than
   * planes save on so few values.
   */
  public static final int TINY_VALUES = 128;
  /**
   * Tiny tensors written together from which they get a pack of their own: that pack's
   * schema (twice), footer and magic cost about 500 bytes, and each tensor saves 200-250
   * (three biases of the benchmark's LeNet: 262 bytes less in all).
   */
  public static final int TINY_PACK_MIN = 3;
  /** Packs whose footers stay parsed: a checkout reads the packs of a version in turn. */
  private static final int FOOTERS = 16;
  /** Coded bytes that, once waiting, are written as a pack without waiting for the rest. */
  public static final long PACK_BYTES = 64L << 20;

  private final ObjectStore objects;
  private final BufferAllocator allocator = new RootAllocator();
  private volatile PlainEncoding plain;
  private volatile boolean planes = true;
  private volatile Compression planesCodec = Compression.ZSTD;
  private volatile long packTensorBytes = PACK_TENSOR_BYTES;
  private volatile long packBytes = PACK_BYTES;
  private volatile Function<String, ObjectInfo> lookup = sha -> null;
  private final AtomicLong reads = new AtomicLong();
  private final Map<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true);
  private long cached;
  /** The footers of the packs read last, by object id ({@link #footer}). */
  private final Map<String, ArrowIpc.Footer> footers = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ArrowIpc.Footer> eldest) {
          return size() > FOOTERS;
        }
      });

  public TensorStore(ObjectStore objects, Compression compression) {
    this.objects = requireNonNull(objects, "objects");
    this.plain = new PlainEncoding(compression);
  }

  public ObjectStore objects() {
    return objects;
  }

  /** The compression of {@code plain} objects. */
  public void setCompression(Compression compression) {
    this.plain = new PlainEncoding(compression);
  }

  /** Which encoding new materialised objects get: {@code planes} (default) or {@code plain}. */
  public void setEncoding(String encoding) {
    switch (encoding) {
      case "planes": planes = true; break;
      case "plain": planes = false; break;
      default: throw new IllegalArgumentException("unknown encoding '" + encoding
          + "' (known: planes, plain)");
    }
  }

  /** The codec for planes that compress: zstd (default), lz4, or none. */
  public void setPlanesCodec(Compression codec) {
    this.planesCodec = requireNonNull(codec, "codec");
  }

  /**
   * Which tensors {@link Writes} packs: at most {@code tensorBytes} raw (0: none, every tensor
   * gets an object of its own; at most {@link #PACK_TENSOR_BYTES}), in packs written once
   * {@code packBytes} coded bytes wait.
   */
  public void setPacks(long tensorBytes, long packBytes) {
    if (tensorBytes < 0 || tensorBytes > PACK_TENSOR_BYTES || packBytes < 0) {
      throw new IllegalArgumentException("a pack takes tensors of 0 to " + PACK_TENSOR_BYTES
          + " bytes, not " + tensorBytes);
    }
    this.packTensorBytes = tensorBytes;
    this.packBytes = packBytes;
  }

  /** How reads find a delta's base object by its logical hash (the catalog). */
  public void setLookup(Function<String, ObjectInfo> lookup) {
    this.lookup = requireNonNull(lookup, "lookup");
  }

  /** Stores a tensor materialised (the caller has checked it is not stored yet). */
  public ObjectInfo put(Tensor tensor) throws IOException {
    if (!planes) {
      PlainEncoding enc = plain;
      ObjectStore.StoredObject o;
      try (BufferAllocator child = allocator.newChildAllocator("put", 0, Long.MAX_VALUE)) {
        o = objects.put(out -> enc.write(tensor, child, out));
      }
      return new ObjectInfo(tensor.sha256(), o.id(), enc.name(), enc.compression().label(),
          null, tensor.numBytes(), o.size());
    }
    StoredPlanes w = writePlanes(meta("planes", tensor), tensor.data(), tensor.dtype().size());
    return lossless(tensor.sha256(), tensor.numBytes(), null, null, w.planes, w.id(), w.size(),
        null);
  }

  /**
   * The catalog's record of values ({@code sha256}, {@code rawBytes}) stored without loss as
   * planes, or as a delta of {@code base}.
   */
  private static ObjectInfo lossless(String sha256, long rawBytes, ObjectInfo base, DeltaOp op,
      PlanesEncoding.Written planes, String objectId, long storedBytes, Integer batch) {
    return new ObjectInfo(sha256, objectId, base == null ? "planes" : "delta",
        planes.codecs(), base == null ? null : base.sha256(), rawBytes, storedBytes,
        op == null ? null : op.label(), base == null ? 0 : base.chainDepth() + 1,
        planes.bytes(), planes.crcs(), null, null, null, null, batch);
  }

  /**
   * Stores {@code tensor} as a delta against {@code base} (same dtype and size), whose object
   * is {@code baseInfo}.
   */
  public ObjectInfo putDelta(Tensor tensor, byte[] base, ObjectInfo baseInfo, DeltaOp op)
      throws IOException {
    byte[] residual = residual(tensor, base, baseInfo, op);
    Map<String, String> meta = meta("delta", tensor);
    meta.put("modelhub.base", baseInfo.sha256());
    meta.put("modelhub.delta_op", op.label());
    StoredPlanes w = writePlanes(meta, ByteBuffer.wrap(residual), tensor.dtype().size());
    return lossless(tensor.sha256(), tensor.numBytes(), baseInfo, op, w.planes, w.id(),
        w.size(), null);
  }

  private static byte[] residual(Tensor tensor, byte[] base, ObjectInfo baseInfo, DeltaOp op) {
    if (base.length != tensor.numBytes() || baseInfo.isLossy()) {
      throw new IllegalArgumentException("a delta needs a lossless base of the same size");
    }
    byte[] value = bytes(tensor);
    byte[] residual = new byte[value.length];
    op.encode(value, base, residual, value.length, tensor.dtype().size());
    return residual;
  }

  /** Starts the writes of one commit or archive: see {@link Writes}. */
  public Writes writes() {
    return new Writes();
  }

  /**
   * The tensors one commit or archive writes. A tensor of at most {@link #PACK_TENSOR_BYTES}
   * (see {@link #setPacks}) is coded at once and kept in memory; {@link Writes#finish} writes
   * the kept ones as the record batches of one object for each width of values, a pack (also
   * whenever {@link #PACK_BYTES} of coded planes are waiting), in the order of their sha256.
   * Alone, a small tensor's schema and footer would cost about 1.3 KB, and its object an
   * fsync. Larger tensors and {@code plain} objects are written at once, each to an object of
   * its own. Tiny tensors stored materialised (at most {@link #TINY_VALUES} values) are coded
   * at {@link Writes#finish}: as one byte column, in a pack of their own, when there are at
   * least {@link #TINY_PACK_MIN} of them. The methods may be called from several threads; a
   * result's value is known once {@link Writes#finish} returns.
   */
  public final class Writes {
    private final List<Packed> waiting = new ArrayList<>();
    private long waitingBytes;

    /** Stores a tensor materialised ({@link TensorStore#put}). */
    public Supplier<ObjectInfo> put(Tensor tensor) throws IOException {
      if (!packs(tensor)) {
        ObjectInfo o = TensorStore.this.put(tensor);
        return () -> o;
      }
      if (tiny(tensor)) {
        byte[] values = new byte[Math.toIntExact(tensor.numBytes())];
        tensor.data().duplicate().get(values);
        return keep(new Packed(tensor, null, null, values));
      }
      return keep(new Packed(tensor, null, null, code(tensor.data(), tensor)));
    }

    /** Stores a tensor as a delta of {@code base} ({@link TensorStore#putDelta}). */
    public Supplier<ObjectInfo> putDelta(Tensor tensor, byte[] base, ObjectInfo baseInfo,
        DeltaOp op) throws IOException {
      if (!packs(tensor)) {
        ObjectInfo o = TensorStore.this.putDelta(tensor, base, baseInfo, op);
        return () -> o;
      }
      byte[] residual = residual(tensor, base, baseInfo, op);
      // a delta stays in planes of its values' width, which its op needs to decode
      return keep(new Packed(tensor, baseInfo, op, code(ByteBuffer.wrap(residual), tensor)));
    }

    /** Writes the tensors still waiting: a pack for each width of values. */
    public void finish() throws IOException {
      List<Packed> all;
      synchronized (this) {
        all = new ArrayList<>(waiting);
        waiting.clear();
        waitingBytes = 0;
      }
      // tiny tensors are coded now, as one byte column when enough of them share a pack
      int tiny = (int) all.stream().filter(p -> p.coded == null).count();
      for (Packed p : all) {
        if (p.coded == null) {
          p.coded = PlanesEncoding.code(ByteBuffer.wrap(p.values),
              tiny >= TINY_PACK_MIN ? 1 : p.width, planesCodec);
          p.values = null;
        }
      }
      // threads finish in any order; the same tensors make the same packs
      all.sort((a, b) -> a.sha256.compareTo(b.sha256));
      Map<Integer, List<Packed>> byWidth = new TreeMap<>();
      all.forEach(p -> byWidth.computeIfAbsent(p.coded.width(), w -> new ArrayList<>()).add(p));
      for (List<Packed> pack : byWidth.values()) {
        List<PlanesEncoding.Coded> coded = new ArrayList<>(pack.size());
        pack.forEach(p -> coded.add(p.coded));
        long[][][] placed = new long[1][][];
        ObjectStore.StoredObject o = objects.put(ch ->
            placed[0] = PlanesEncoding.writePack(ch, coded));
        for (int i = 0; i < pack.size(); i++) {
          Packed p = pack.get(i);
          p.info = lossless(p.sha256, p.rawBytes, p.base, p.op, p.coded.planes(), o.id(),
              placed[0][i][1], Math.toIntExact(placed[0][i][0]));
        }
      }
    }

    private boolean packs(Tensor t) {
      return planes && t.numBytes() > 0 && t.numBytes() <= packTensorBytes;
    }

    private boolean tiny(Tensor t) {
      return t.numValues() <= TINY_VALUES && t.dtype().size() > 1;
    }

    private PlanesEncoding.Coded code(ByteBuffer values, Tensor t) throws IOException {
      return PlanesEncoding.code(values, t.dtype().size(), planesCodec);
    }

    private Supplier<ObjectInfo> keep(Packed p) throws IOException {
      boolean full;
      synchronized (this) {
        waiting.add(p);
        waitingBytes += p.coded == null ? p.rawBytes : p.coded.bytes();
        full = waitingBytes >= packBytes;
      }
      if (full) {
        finish();
      }
      return p;
    }
  }

  /**
   * A tensor coded and waiting for its pack: its coded planes and what its catalog record
   * needs, not its values; or, for a tiny tensor stored materialised, its values, coded when
   * the pack is written.
   */
  private static final class Packed implements Supplier<ObjectInfo> {
    final String name;
    final String sha256;
    final long rawBytes;
    final int width;
    final ObjectInfo base;
    final DeltaOp op;
    PlanesEncoding.Coded coded;
    byte[] values;
    volatile ObjectInfo info;

    Packed(Tensor tensor, ObjectInfo base, DeltaOp op, PlanesEncoding.Coded coded) {
      this(tensor, base, op, coded, null);
    }

    Packed(Tensor tensor, ObjectInfo base, DeltaOp op, byte[] values) {
      this(tensor, base, op, null, values);
    }

    private Packed(Tensor tensor, ObjectInfo base, DeltaOp op, PlanesEncoding.Coded coded,
        byte[] values) {
      this.name = tensor.name();
      this.sha256 = tensor.sha256();
      this.rawBytes = tensor.numBytes();
      this.width = tensor.dtype().size();
      this.base = base;
      this.op = op;
      this.coded = coded;
      this.values = values;
    }

    @Override public ObjectInfo get() {
      if (info == null) {
        throw new IllegalStateException("tensor " + name + " is not written yet");
      }
      return info;
    }
  }

  /** Stores approximate values of a float32 tensor, recording the error they carry. */
  public ObjectInfo putLossy(Tensor tensor, LossyScheme scheme) throws IOException {
    if (tensor.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("lossy schemes apply to float32 tensors, not "
          + tensor.dtype().label());
    }
    float[] v = tensor.toFloats();
    LossyScheme.Coded coded = scheme.encode(v);
    byte[] decoded = scheme.decode(coded.codes(), coded.params());
    ByteBuffer d = ByteBuffer.wrap(decoded).order(ByteOrder.LITTLE_ENDIAN);
    double max = 0;
    double sq = 0;
    for (int i = 0; i < v.length; i++) {
      double e = Math.abs((double) d.getFloat(4 * i) - v[i]);
      max = Math.max(max, e);
      sq += e * e;
    }
    double rmse = v.length == 0 ? 0 : Math.sqrt(sq / v.length);
    String decodedSha = Hashing.sha256Hex(decoded);
    Map<String, String> meta = meta(scheme.kind().name().toLowerCase(java.util.Locale.ROOT),
        tensor);
    meta.put("modelhub.lossy", scheme.label());
    meta.put("modelhub.decoded_sha256", decodedSha);
    meta.putAll(coded.params());
    StoredPlanes w = writePlanes(meta, ByteBuffer.wrap(coded.codes()), scheme.codeWidth());
    return new ObjectInfo(tensor.sha256(), w.id(), meta.get("modelhub.encoding"),
        w.planes.codecs(), null, tensor.numBytes(), w.size(), null, 0, w.planes.bytes(),
        w.planes.crcs(), scheme.label(), max, rmse, decodedSha, null);
  }

  /** An object written as planes, and what {@link PlanesEncoding#write} says of its planes. */
  private record StoredPlanes(String id, long size, PlanesEncoding.Written planes) { }

  /** Writes {@code values} of {@code width} bytes as a planes object with {@code meta}. */
  private StoredPlanes writePlanes(Map<String, String> meta, ByteBuffer values, int width)
      throws IOException {
    Compression codec = planesCodec;
    PlanesEncoding.Written[] w = new PlanesEncoding.Written[1];
    ObjectStore.StoredObject o = objects.put(out ->
        w[0] = PlanesEncoding.write(out, meta, values, width, codec));
    return new StoredPlanes(o.id(), o.size(), w[0]);
  }

  /**
   * What an object says about itself: enough to decode it (a delta adds its base and op).
   * The tensor's sha256 and each plane's CRC32C live in the catalog, which every read checks
   * against; repeating the hash here would cost about 100 bytes an object, which is a point
   * of the stored size of a model with many small tensors.
   */
  private static Map<String, String> meta(String encoding, Tensor tensor) {
    Map<String, String> m = new HashMap<>();
    m.put("modelhub.encoding", encoding);
    m.put("modelhub.dtype", tensor.dtype().label());
    m.put("modelhub.shape", Tensor.shapeString(tensor.shape()));
    return m;
  }

  /** The raw little-endian bytes of a tensor as a fresh array. */
  public static byte[] bytes(Tensor t) {
    return bytes(t.data());
  }

  private static byte[] bytes(ByteBuffer data) {
    ByteBuffer b = data.duplicate();
    if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0
        && b.remaining() == b.array().length) {
      return b.array();
    }
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /**
   * Reads a tensor back and verifies it.
   *
   * @param what how to name the tensor in an error ({@code lenet@2 conv1/W})
   * @throws CorruptObjectException when the object is missing, unreadable or hashes wrong
   */
  public Tensor get(ObjectInfo info, String name, DType dtype, long[] shape, String what) {
    reads.incrementAndGet();
    byte[] raw = decode(info, what, 0, false);
    return new Tensor(name, dtype, shape, ByteBuffer.wrap(raw), info.decodedSha256());
  }

  /**
   * The verified raw bytes of an object (cached: delta bases are read again and again). The
   * array is the cache's: read it, do not change it.
   */
  public byte[] raw(ObjectInfo info, String what) {
    return decode(info, what, 0, true);
  }

  /** Keeps verified raw values at hand as the base of the next version's deltas. */
  public void remember(String decodedSha256, byte[] raw) {
    synchronized (cache) {
      if (raw.length > CACHE_BYTES / 4 || cache.containsKey(decodedSha256)) {
        return;
      }
      cache.put(decodedSha256, new Cached(new SoftReference<>(raw), raw.length));
      cached += raw.length;
      var it = cache.entrySet().iterator();
      while (cached > CACHE_BYTES && it.hasNext()) {
        cached -= it.next().getValue().length();
        it.remove();
      }
    }
  }

  /** Values kept in {@link #cache}, and their length (counted until the entry goes). */
  private record Cached(SoftReference<byte[]> values, int length) { }

  private byte[] cached(String sha) {
    synchronized (cache) {
      Cached c = cache.get(sha);
      byte[] values = c == null ? null : c.values().get();
      if (c != null && values == null) {
        cache.remove(sha);
        cached -= c.length();
      }
      return values;
    }
  }

  /** How many tensors this store has read since it was opened (tests prove pushdown). */
  public long objectsRead() {
    return reads.get();
  }

  /**
   * The verified values of an object, from the cache when {@code useCache}; they are kept in
   * the cache either way, so the array returned is shared: callers must not change it.
   */
  private byte[] decode(ObjectInfo info, String what, int depth, boolean useCache) {
    if (useCache) {
      byte[] hit = cached(info.decodedSha256());
      if (hit != null) {
        return hit;
      }
    }
    if (depth > MAX_CHAIN) {
      throw new CorruptObjectException(what + ": delta chain longer than " + MAX_CHAIN
          + " objects (the catalog is corrupt)");
    }
    byte[] raw;
    // a planes object's values are hashed as they decode; the others' once rebuilt
    String actual = null;
    try (SeekableByteChannel ch = objects.open(info.objectId())) {
      switch (info.encoding()) {
        case "plain":
          try (BufferAllocator child = allocator.newChildAllocator("get", 0, Long.MAX_VALUE)) {
            raw = bytes(new PlainEncoding(Compression.parse(info.compression()))
                .read(ch, child, info.rawBytes()));
          }
          break;
        case "planes":
          MessageDigest md = Hashing.sha256();
          raw = PlanesEncoding.read(ch, footer(info, ch), info.rawBytes(), width(info, ch), null,
              info.batch(), md).values();
          actual = Hashing.hex(md.digest());
          break;
        case "delta":
          raw = decodeDelta(info, what, depth, ch);
          break;
        default:
          raw = decodeLossy(info, ch);
      }
    } catch (CorruptObjectException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CorruptObjectException(what + ": cannot read object " + info.objectId()
          + " (" + info.encoding() + "): " + e.getMessage(), e);
    }
    if (actual == null) {
      actual = Hashing.sha256Hex(raw);
    }
    if (!actual.equals(info.decodedSha256())) {
      throw new CorruptObjectException(what + ": object " + info.objectId()
          + " rebuilds values with sha256 " + actual + ", expected " + info.decodedSha256()
          + " (the object is corrupt)");
    }
    // any version read may be the base of the next one read (a checkout of each version in
    // turn, a scan over versions): without this, every read of a delta rebuilt its chain
    if (!info.isLossy()) {
      remember(info.decodedSha256(), raw);
    }
    return raw;
  }

  /**
   * The footer of a pack, read once: a pack holds the tensors of a commit, and each read of
   * one parsed the whole footer again (24 bytes a tensor), so reading a pack's N tensors
   * parsed O(N^2) bytes (seconds for a model of thousands of small tensors). Null for an
   * object of its own, which is read whole anyway.
   */
  private ArrowIpc.Footer footer(ObjectInfo info, SeekableByteChannel ch) throws IOException {
    if (info.batch() == null) {
      return null;
    }
    ArrowIpc.Footer f = footers.get(info.objectId());
    if (f == null) {
      f = ArrowIpc.Footer.read(ch);
      footers.put(info.objectId(), f);
    }
    return f;
  }

  private static int width(ObjectInfo info, SeekableByteChannel ch) throws IOException {
    long[] bytes = PlanesEncoding.parseList(info.planeBytes(), false);
    if (bytes != null) {
      return bytes.length;
    }
    int w = new ArrowIpc.Reader(ch, null).schema().getFields().size();
    ch.position(0);
    return w;
  }

  private byte[] decodeDelta(ObjectInfo info, String what, int depth, SeekableByteChannel ch)
      throws IOException {
    byte[] base = baseRaw(info, what, depth, true);
    int width = width(info, ch);
    byte[] residual = PlanesEncoding.read(ch, footer(info, ch), info.rawBytes(), width, null,
        info.batch(), null).values();
    byte[] out = new byte[residual.length];
    DeltaOp.parse(info.deltaOp()).decode(residual, base, out, out.length, width);
    return out;
  }

  private byte[] baseRaw(ObjectInfo info, String what, int depth, boolean useCache) {
    ObjectInfo base = lookup.apply(info.base());
    String baseWhat = what + " (delta base " + info.base().substring(0, 12) + ")";
    if (base == null) {
      throw new CorruptObjectException(baseWhat + ": no object stores the base");
    }
    if (base.isLossy() || base.rawBytes() != info.rawBytes()) {
      throw new CorruptObjectException(baseWhat + ": the base is "
          + (base.isLossy() ? "lossy" : base.rawBytes() + " bytes, not " + info.rawBytes()));
    }
    return decode(base, baseWhat, depth + 1, useCache);
  }

  private static byte[] decodeLossy(ObjectInfo info, SeekableByteChannel ch)
      throws IOException {
    if (info.lossy() == null) {
      throw new IOException("unknown encoding '" + info.encoding() + "'");
    }
    LossyScheme scheme = LossyScheme.parse(info.lossy());
    long codes = info.rawBytes() / 4 * scheme.codeWidth();
    PlanesEncoding.Decoded d = PlanesEncoding.read(ch, codes, scheme.codeWidth(), null, null);
    return scheme.decode(d.values(), d.metadata());
  }

  /**
   * Progressive read: the exact top {@code k} byte planes of every value (the lower planes
   * zero), reading only those planes of a {@code planes} object and of each {@code xor}
   * delta down its chain, each plane checked against its CRC32C. Other encodings are read
   * whole (and verified) and cut to k planes.
   */
  public byte[] top(ObjectInfo info, int k, String what) {
    reads.incrementAndGet();
    return top(info, k, what, 0);
  }

  private byte[] top(ObjectInfo info, int k, String what, int depth) {
    boolean xor = "delta".equals(info.encoding()) && "xor".equals(info.deltaOp());
    long[] crc = PlanesEncoding.parseList(info.planeCrc(), true);
    // other encodings, and tiny tensors stored as one byte column, are read whole
    if (!("planes".equals(info.encoding()) || xor) || crc == null || crc.length == 1) {
      // a copy: the values read are kept for deltas (cutting them in place once made a later
      // delta of them rebuild wrong values)
      byte[] raw = decode(info, what, depth, false).clone();
      cut(raw, k, 4);
      return raw;
    }
    if (depth > MAX_CHAIN) {
      throw new CorruptObjectException(what + ": delta chain longer than " + MAX_CHAIN);
    }
    try (SeekableByteChannel ch = objects.open(info.objectId())) {
      int width = crc.length;
      byte[] mine = PlanesEncoding.read(ch, footer(info, ch), info.rawBytes(), k,
          java.util.Arrays.copyOf(crc, Math.min(k, crc.length)), info.batch(), null).values();
      if (!xor) {
        return mine;
      }
      ObjectInfo base = lookup.apply(info.base());
      if (base == null) {
        throw new CorruptObjectException(what + " (delta base " + info.base().substring(0, 12)
            + "): no object stores the base");
      }
      byte[] b = top(base, k, what + " (delta base " + info.base().substring(0, 12) + ")",
          depth + 1);
      DeltaOp.XOR.decode(mine, b, mine, mine.length, width);
      return mine;
    } catch (CorruptObjectException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CorruptObjectException(what + ": cannot read object " + info.objectId()
          + " (" + info.encoding() + "): " + e.getMessage(), e);
    }
  }

  /** Zeroes the planes from {@code k} on of little-endian values of {@code width} bytes. */
  static void cut(byte[] raw, int k, int width) {
    for (int i = 0; i < raw.length; i += width) {
      for (int p = k; p < width; p++) {
        raw[i + width - 1 - p] = 0;
      }
    }
  }

  @Override public void close() {
    allocator.close();
  }
}
