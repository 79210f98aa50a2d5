package org.modelhub.store.format.tfjs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * A TF.js weights manifest: groups of shard files (concatenated in order) and the weights they
 * hold one after another, each with a name, a shape, a dtype and an optional quantization.
 *
 * <p>A quantized weight keeps its stored codes: {@code uint8} as {@link DType#UINT8},
 * {@code uint16} as {@link DType#INT16} (the same 16 bits, read as signed) and {@code float16}
 * as {@link DType#FLOAT16}; the scale and minimum stay in the manifest entry, which the
 * network's attributes keep, so that an export writes the very same bytes.
 */
final class WeightsManifest {
  /** One weight of the manifest and the bytes it takes in its group. */
  record Entry(String name, long[] shape, DType dtype, int bytes, JsonNode json, String where) {
    Entry {
      requireNonNull(name, "name");
      requireNonNull(dtype, "dtype");
      requireNonNull(json, "json");
    }
  }

  /** A group: its shard paths as written, where they resolve, and its weights in order. */
  record Group(String where, List<String> paths, List<Path> shards, List<Entry> entries) {
    Group {
      paths = List.copyOf(paths);
      shards = List.copyOf(shards);
      entries = List.copyOf(entries);
    }

    long bytes() {
      return entries.stream().mapToLong(Entry::bytes).sum();
    }
  }

  private static final int MAX_BYTES = Integer.MAX_VALUE - 8;

  private final Path file;
  private final List<Group> groups;

  private WeightsManifest(Path file, List<Group> groups) {
    this.file = requireNonNull(file, "file");
    this.groups = List.copyOf(groups);
  }

  /**
   * Parses a manifest (the JSON array of groups) found in {@code file} at {@code where}, its
   * shard paths relative to {@code baseDir}.
   *
   * @throws FormatException naming the group or weight that is malformed
   */
  static WeightsManifest parse(Path file, String where, JsonNode manifest, Path baseDir) {
    if (!manifest.isArray()) {
      throw new FormatException(file, where, "weights manifest must be a list of groups, got "
          + kind(manifest));
    }
    List<Group> groups = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int g = 0; g < manifest.size(); g++) {
      String gw = where + "[" + g + "]";
      JsonNode group = manifest.get(g);
      if (!group.isObject()) {
        throw new FormatException(file, gw, "a group must be an object with \"paths\" and"
            + " \"weights\", got " + kind(group));
      }
      JsonNode pathsNode = group.path("paths");
      JsonNode weightsNode = group.path("weights");
      if (!pathsNode.isArray()) {
        throw new FormatException(file, gw + ".paths", "must be a list of shard file names");
      }
      if (!weightsNode.isArray()) {
        throw new FormatException(file, gw + ".weights", "must be a list of weights");
      }
      List<String> paths = new ArrayList<>();
      List<Path> shards = new ArrayList<>();
      for (int p = 0; p < pathsNode.size(); p++) {
        String pw = gw + ".paths[" + p + "]";
        JsonNode pn = pathsNode.get(p);
        if (!pn.isTextual() || pn.asText().isEmpty()) {
          throw new FormatException(file, pw, "a shard path must be a non-empty string");
        }
        paths.add(pn.asText());
        shards.add(resolve(file, pw, baseDir, pn.asText()));
      }
      List<Entry> entries = new ArrayList<>();
      for (int w = 0; w < weightsNode.size(); w++) {
        Entry e = entry(file, gw + ".weights[" + w + "]", weightsNode.get(w));
        if (!names.add(e.name())) {
          throw new FormatException(file, e.where(), "weight '" + e.name()
              + "' appears twice in the manifest");
        }
        entries.add(e);
      }
      groups.add(new Group(gw, paths, shards, entries));
    }
    return new WeightsManifest(file, groups);
  }

  private static Path resolve(Path file, String where, Path baseDir, String text) {
    if (text.contains("://")) {
      throw new FormatException(file, where, "shard '" + text
          + "' is remote; only shard files beside the model are read");
    }
    try {
      Path p = Paths.get(text);
      if (p.isAbsolute()) {
        throw new FormatException(file, where, "shard path '" + text
            + "' must be relative to the manifest's folder");
      }
      return baseDir.resolve(p).normalize();
    } catch (InvalidPathException e) {
      throw new FormatException(file, where, "bad shard path '" + text + "': "
          + e.getReason());
    }
  }

  private static Entry entry(Path file, String where, JsonNode w) {
    if (!w.isObject()) {
      throw new FormatException(file, where, "a weight must be an object with name, shape and"
          + " dtype, got " + kind(w));
    }
    JsonNode nameNode = w.path("name");
    if (!nameNode.isTextual() || nameNode.asText().isEmpty()) {
      throw new FormatException(file, where, "a weight needs a non-empty \"name\"");
    }
    String name = nameNode.asText();
    String at = where + " ('" + name + "')";
    JsonNode shapeNode = w.path("shape");
    if (!shapeNode.isArray()) {
      throw new FormatException(file, at, "weight '" + name
          + "' needs a \"shape\" list, got " + kind(shapeNode));
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw new FormatException(file, at, "weight '" + name + "' has a bad shape " + shapeNode
            + ": dimension " + i + " must be a non-negative integer");
      }
      shape[i] = d.asLong();
    }
    DType dtype;
    try {
      dtype = storageDtype(w);
    } catch (IllegalArgumentException e) {
      throw new FormatException(file, at, "weight '" + name + "': " + e.getMessage());
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(Tensor.numValues(shape), (long) dtype.size());
    } catch (ArithmeticException e) {
      bytes = Long.MAX_VALUE;
    }
    if (bytes > MAX_BYTES) {
      throw new FormatException(file, at, "weight '" + name + "' of shape " + shapeNode
          + " is too large (more than " + MAX_BYTES + " bytes)");
    }
    return new Entry(name, shape, dtype, (int) bytes, w, at);
  }

  /**
   * The dtype a weight's bytes have in the shards: its quantization's when quantized.
   *
   * @throws IllegalArgumentException saying what is unsupported or missing
   */
  static DType storageDtype(JsonNode w) {
    String dtype = w.path("dtype").asText("");
    if (!List.of("float32", "int32", "bool").contains(dtype)) {
      throw new IllegalArgumentException("unsupported dtype '" + dtype
          + "' (expected float32, int32 or bool)");
    }
    JsonNode q = w.get("quantization");
    if (q == null || q.isNull()) {
      return DType.parse(dtype);
    }
    if (!q.isObject()) {
      throw new IllegalArgumentException("\"quantization\" must be an object");
    }
    if ("bool".equals(dtype)) {
      throw new IllegalArgumentException("a bool weight cannot be quantized");
    }
    String qt = q.path("dtype").asText("");
    switch (qt) {
      case "float16":
        return DType.FLOAT16;
      case "uint8": case "uint16":
        if (!q.path("scale").isNumber() || !q.path("min").isNumber()) {
          throw new IllegalArgumentException(qt + " quantization needs numeric \"scale\" and"
              + " \"min\", got " + q);
        }
        return "uint8".equals(qt) ? DType.UINT8 : DType.INT16;
      default:
        throw new IllegalArgumentException("unsupported quantization dtype '" + qt
            + "' (expected uint8, uint16 or float16)");
    }
  }

  List<Group> groups() {
    return groups;
  }

  List<Entry> entries() {
    List<Entry> all = new ArrayList<>();
    groups.forEach(g -> all.addAll(g.entries()));
    return all;
  }

  /**
   * Checks that every shard exists and that each group's shards hold exactly its weights,
   * without reading them.
   *
   * @throws FormatException naming the shard and the weight concerned
   */
  void checkShards() throws IOException {
    for (Group g : groups) {
      long[] sizes = new long[g.shards().size()];
      long total = 0;
      for (int k = 0; k < sizes.length; k++) {
        Path shard = g.shards().get(k);
        if (!Files.isRegularFile(shard)) {
          Entry needing = firstEndingAfter(g, total);
          throw new FormatException(file, g.where() + ".paths[" + k + "]", "shard file '"
              + g.paths().get(k) + "' not found (" + shard + ")"
              + (needing == null ? "" : ", needed by weight '" + needing.name() + "'"));
        }
        sizes[k] = Files.size(shard);
        total += sizes[k];
      }
      long needed = g.bytes();
      if (needed > total) {
        Entry short1 = firstEndingAfter(g, total);
        long start = startOf(g, short1);
        if (sizes.length == 0) {
          throw new FormatException(file, g.where() + ".paths", "no shard file for "
              + needed + " bytes of weights, starting with weight '" + short1.name() + "'");
        }
        throw new FormatException(g.shards().get(sizes.length - 1), "byte "
            + sizes[sizes.length - 1], "shard too short for weight '" + short1.name() + "' ("
            + describe(short1) + " at bytes " + start + ".." + (start + short1.bytes())
            + " of " + g.where() + "): its shards hold " + total + " bytes, the manifest needs "
            + needed);
      }
      if (needed < total) {
        String last = g.entries().isEmpty() ? "" : " (the last is '"
            + g.entries().get(g.entries().size() - 1).name() + "')";
        throw new FormatException(g.shards().get(sizes.length - 1), "byte "
            + (sizes[sizes.length - 1] - (total - needed)), (total - needed)
            + " bytes left over after the weights of " + g.where() + last
            + ": its shards hold " + total + " bytes, the manifest needs " + needed);
      }
    }
  }

  /** Reads every weight, in manifest order, after {@link #checkShards()}. */
  List<Tensor> read() throws IOException {
    checkShards();
    List<Tensor> tensors = new ArrayList<>();
    for (Group g : groups) {
      int k = 0;
      FileChannel ch = null;
      try {
        for (Entry e : g.entries()) {
          ByteBuffer buf = ByteBuffer.allocate(e.bytes()).order(ByteOrder.LITTLE_ENDIAN);
          while (buf.hasRemaining()) {
            if (ch == null) {
              if (k == g.shards().size()) {
                throw new FormatException(g.shards().get(k - 1), null,
                    "shard changed while reading weight '" + e.name() + "'");
              }
              ch = FileChannel.open(g.shards().get(k), StandardOpenOption.READ);
            }
            if (ch.read(buf) < 0) {
              ch.close();
              ch = null;
              k++;
            }
          }
          buf.flip();
          tensors.add(new Tensor(e.name(), e.dtype(), e.shape(), buf));
        }
      } finally {
        if (ch != null) {
          ch.close();
        }
      }
    }
    return tensors;
  }

  private static Entry firstEndingAfter(Group g, long offset) {
    long end = 0;
    for (Entry e : g.entries()) {
      end += e.bytes();
      if (end > offset) {
        return e;
      }
    }
    return null;
  }

  private static long startOf(Group g, Entry entry) {
    long start = 0;
    for (Entry e : g.entries()) {
      if (e == entry) {
        return start;
      }
      start += e.bytes();
    }
    return start;
  }

  private static String describe(Entry e) {
    return String.format(Locale.ROOT, "%s %s, %d bytes", e.dtype().label(),
        Tensor.shapeString(e.shape()), e.bytes());
  }

  static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
