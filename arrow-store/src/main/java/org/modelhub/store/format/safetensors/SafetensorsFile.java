package org.modelhub.store.format.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/**
 * Reads and writes the safetensors container: an 8-byte little-endian header length, a JSON
 * header ({@code name -> {dtype, shape, data_offsets}} plus {@code __metadata__}), then the
 * raw little-endian tensor data. Reading maps the file, so tensors are views, not copies.
 */
final class SafetensorsFile {
  static final String METADATA = "__metadata__";
  private static final long MAX_HEADER = 100L << 20;

  private SafetensorsFile() {
  }

  /** The tensors of a file, in data order, and its {@code __metadata__}. */
  record Contents(List<Tensor> tensors, Map<String, String> metadata) { }

  static Contents read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new FormatException(file, "byte 0", "file of " + size
            + " bytes is too short for a safetensors header");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw new FormatException(file, "byte 0", "header length " + headerLen
            + " does not fit in a file of " + size + " bytes (truncated or not safetensors)");
      }
      ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
      readFully(ch, headerBuf, 8);
      JsonNode header;
      try {
        header = NetworkJson.MAPPER.readTree(
            new String(headerBuf.array(), StandardCharsets.UTF_8));
      } catch (JsonProcessingException e) {
        throw new FormatException(file, "header, column " + e.getLocation().getColumnNr(),
            "malformed JSON header: " + e.getOriginalMessage());
      }
      if (!header.isObject()) {
        throw new FormatException(file, "header", "JSON header is not an object");
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      Map<String, String> metadata = new LinkedHashMap<>();
      List<Entry> entries = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals(METADATA)) {
          e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(),
              m.getValue().asText()));
          continue;
        }
        entries.add(entry(file, e.getKey(), e.getValue(), dataLen));
      }
      entries.sort(Comparator.comparingLong(Entry::begin));
      List<Tensor> tensors = new ArrayList<>();
      for (Entry e : entries) {
        // one mapping per tensor: files may exceed the 2 GiB a single mapping can cover
        MappedByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin,
            e.end - e.begin);
        tensors.add(new Tensor(e.name, e.dtype, e.shape, data));
      }
      return new Contents(tensors, metadata);
    }
  }

  private record Entry(String name, DType dtype, long[] shape, long begin, long end) { }

  private static Entry entry(Path file, String name, JsonNode n, long dataLen) {
    String where = "tensor '" + name + "'";
    DType dtype;
    try {
      dtype = DType.parse(n.path("dtype").asText(""));
    } catch (IllegalArgumentException e) {
      throw new FormatException(file, where, "unsupported dtype '"
          + n.path("dtype").asText("") + "'");
    }
    JsonNode shapeNode = n.path("shape");
    JsonNode offsets = n.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new FormatException(file, where, "needs \"shape\" (array) and \"data_offsets\""
          + " ([begin, end])");
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0) {
        throw new FormatException(file, where, "bad dimension " + shapeNode.get(i));
      }
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataLen) {
      throw new FormatException(file, where, "data_offsets [" + begin + ", " + end
          + "] outside the " + dataLen + " data bytes (truncated file?)");
    }
    long expected = Tensor.numValues(shape) * dtype.size();
    if (end - begin != expected) {
      throw new FormatException(file, where, "holds " + (end - begin) + " bytes but shape "
          + Tensor.shapeString(shape) + " of " + dtype.label() + " needs " + expected);
    }
    if (end - begin > Integer.MAX_VALUE) {
      throw new FormatException(file, where, "tensors over 2 GiB are not supported");
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  /** Writes tensors in order, header padded to 8 bytes as the reference implementation does. */
  static void write(Path file, List<Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = NetworkJson.MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Tensor t : tensors) {
      ObjectNode n = header.putObject(t.name());
      n.put("dtype", code(t.dtype()));
      for (long d : t.shape()) {
        n.withArray("shape").add(d);
      }
      n.withArray("data_offsets").add(offset).add(offset + t.numBytes());
      offset += t.numBytes();
    }
    byte[] json = NetworkJson.MAPPER.writeValueAsBytes(header);
    int padded = (json.length + 7) & ~7;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      writeFully(ch, head);
      for (Tensor t : tensors) {
        writeFully(ch, t.data());
      }
    }
  }

  static String code(DType dtype) {
    switch (dtype) {
      case FLOAT32: return "F32";
      case FLOAT64: return "F64";
      case FLOAT16: return "F16";
      case BFLOAT16: return "BF16";
      case INT8: return "I8";
      case UINT8: return "U8";
      case INT16: return "I16";
      case INT32: return "I32";
      case INT64: return "I64";
      case BOOL: return "BOOL";
      default: throw new AssertionError(dtype);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        break;
      }
    }
  }

  /**
   * Writes {@code buf} a slice of at most {@link #WRITE_SLICE} bytes at a time: the JDK copies
   * a heap buffer through a native buffer of the same size, which it keeps for the thread,
   * so a tensor of hundreds of MB written whole would hold as much native memory after.
   */
  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    ByteBuffer b = buf.duplicate();
    while (b.hasRemaining()) {
      ByteBuffer slice = b.slice(b.position(), Math.min(WRITE_SLICE, b.remaining()));
      while (slice.hasRemaining()) {
        ch.write(slice);
      }
      b.position(b.position() + slice.position());
    }
  }

  private static final int WRITE_SLICE = 4 << 20;
}
