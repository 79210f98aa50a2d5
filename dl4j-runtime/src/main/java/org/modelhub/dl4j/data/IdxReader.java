package org.modelhub.dl4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.Hashing;

/**
 * Reads IDX files (the MNIST format, gzip-compressed or not): an images file of rank 2 or
 * more ({@code [n, rows, cols]}) and a labels file of rank 1, paired by name
 * ({@code t10k-images-idx3-ubyte.gz} with {@code t10k-labels-idx1-ubyte.gz}). Images become
 * examples of shape {@code [1, rows, cols]} with the raw pixel values; labels are class
 * numbers, named {@code "0"}, {@code "1"}...
 */
final class IdxReader {
  private static final int MAX_RANK = 8;

  private IdxReader() {
  }

  /** Whether the file starts with an IDX header (after gunzip). */
  static boolean looksLikeIdx(Path file) throws IOException {
    try (InputStream in = open(file)) {
      byte[] head = in.readNBytes(4);
      return head.length == 4 && head[0] == 0 && head[1] == 0 && typeSize(head[2]) > 0
          && head[3] >= 1 && head[3] <= MAX_RANK;
    } catch (IOException e) {
      return false;
    }
  }

  /** The labels file of an images file (or the images file of a labels file), or null. */
  static Path partner(Path file) {
    String name = file.getFileName().toString();
    String other = name.contains("images") ? name.replace("images", "labels")
        .replace("idx3", "idx1") : name.replace("labels", "images").replace("idx1", "idx3");
    if (other.equals(name)) {
      return null;
    }
    for (String candidate : List.of(other, other.endsWith(".gz")
        ? other.substring(0, other.length() - 3) : other + ".gz")) {
      Path p = file.resolveSibling(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /** Whether a file name says it holds labels rather than images. */
  static boolean isLabelsName(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.contains("labels") || n.contains("idx1");
  }

  /** Reads an images file and its labels file into examples. */
  static LabeledData read(Path images, Path labels, int limit) throws IOException {
    Array img = readArray(images, limit);
    Array lab = readArray(labels, limit);
    if (img.dims.length < 2) {
      throw new FormatException(images, "byte 3", "an IDX images file has rank 2 or more,"
          + " this one has rank " + img.dims.length + " (is it a labels file?)");
    }
    if (lab.dims.length != 1) {
      throw new FormatException(labels, "byte 3", "an IDX labels file has rank 1, this one"
          + " has rank " + lab.dims.length + " (is it an images file?)");
    }
    if (img.dims[0] != lab.dims[0]) {
      throw new FormatException(labels, null, lab.dims[0] + " labels for " + img.dims[0]
          + " images in " + images.getFileName());
    }
    int n = Math.min(img.dims[0], limit > 0 ? limit : Integer.MAX_VALUE);
    int width = img.values.length / Math.max(1, img.count);
    float[][] rows = new float[n][];
    int[] y = new int[n];
    int classes = 0;
    for (int i = 0; i < n; i++) {
      rows[i] = Arrays.copyOfRange(img.values, i * width, (i + 1) * width);
      float v = lab.values[i];
      if (v < 0 || v != Math.rint(v)) {
        throw new FormatException(labels, "label " + i, "'" + v + "' is not a class number");
      }
      y[i] = (int) v;
      classes = Math.max(classes, y[i] + 1);
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      names.add(Integer.toString(c));
    }
    long[] shape = new long[img.dims.length];
    shape[0] = 1;
    for (int d = 1; d < img.dims.length; d++) {
      shape[d] = img.dims[d];
    }
    if (img.dims.length == 4) {
      // [n, rows, cols, channels], as colour IDX files are laid out: channels go first
      shape = new long[] {img.dims[3], img.dims[1], img.dims[2]};
      for (float[] r : rows) {
        float[] c = new float[r.length];
        int h = img.dims[1];
        int w = img.dims[2];
        int ch = img.dims[3];
        for (int a = 0; a < h; a++) {
          for (int b = 0; b < w; b++) {
            for (int k = 0; k < ch; k++) {
              c[(k * h + a) * w + b] = r[(a * w + b) * ch + k];
            }
          }
        }
        System.arraycopy(c, 0, r, 0, r.length);
      }
    } else if (img.dims.length == 2) {
      shape = new long[] {img.dims[1]};
    }
    String sha = Hashing.sha256Hex(DataSources.sha256(images) + DataSources.sha256(labels));
    return new LabeledData(images.toString(), sha, rows, shape, y, names);
  }

  /** The values of an IDX file: its dimensions and up to {@code limit} items' values. */
  private record Array(int[] dims, int count, float[] values) { }

  private static Array readArray(Path file, int limit) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(file), 1 << 16))) {
      long at = 0;
      try {
        int zero = in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int rank = in.readUnsignedByte();
        int size = typeSize((byte) type);
        if (zero != 0 || size == 0 || rank < 1 || rank > MAX_RANK) {
          throw new FormatException(file, "byte 0", String.format(Locale.ROOT,
              "not an IDX file (magic %02x %02x %02x %02x)", zero >> 8, zero & 0xff, type,
              rank));
        }
        at = 4;
        int[] dims = new int[rank];
        long perItem = 1;
        for (int d = 0; d < rank; d++) {
          dims[d] = in.readInt();
          if (dims[d] < 0) {
            throw new FormatException(file, "byte " + at, "negative dimension " + dims[d]);
          }
          at += 4;
          if (d > 0) {
            perItem = Math.multiplyExact(perItem, dims[d]);
          }
        }
        int count = limit > 0 ? Math.min(limit, dims[0]) : dims[0];
        long total = Math.multiplyExact(perItem, count);
        if (total > Integer.MAX_VALUE - 8) {
          throw new FormatException(file, null, "too many values to hold in memory (" + total
              + "); set 'examples' in the config to read fewer");
        }
        float[] values = new float[(int) total];
        for (int i = 0; i < values.length; i++) {
          values[i] = read(in, type);
          at += size;
        }
        return new Array(dims, count, values);
      } catch (EOFException e) {
        throw new FormatException(file, "byte " + at, "the file ends early (truncated?)");
      } catch (java.util.zip.ZipException e) {
        throw new FormatException(file, "byte " + at + " of the uncompressed data",
            "corrupt gzip data: " + e.getMessage());
      } catch (ArithmeticException e) {
        throw new FormatException(file, "byte 4", "dimensions overflow");
      }
    }
  }

  private static float read(DataInputStream in, int type) throws IOException {
    switch (type) {
      case 0x08: return in.readUnsignedByte();
      case 0x09: return in.readByte();
      case 0x0B: return in.readShort();
      case 0x0C: return in.readInt();
      case 0x0D: return in.readFloat();
      case 0x0E: return (float) in.readDouble();
      default: throw new AssertionError(type);
    }
  }

  private static int typeSize(byte type) {
    switch (type) {
      case 0x08: case 0x09: return 1;
      case 0x0B: return 2;
      case 0x0C: case 0x0D: return 4;
      case 0x0E: return 8;
      default: return 0;
    }
  }

  /** Opens a file, gunzipping it when it starts with the gzip magic. */
  private static InputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file));
    raw.mark(2);
    int a = raw.read();
    int b = raw.read();
    raw.reset();
    return a == 0x1f && b == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
  }
}
