package org.modelhub.store.object;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;

/**
 * Reads a planes object with Arrow's own {@link ArrowFileReader} (in a JVM with
 * {@code --add-opens}), decodes each coded plane value, joins the planes back into
 * little-endian values and prints their sha256 and count: proof that the objects are
 * standard Arrow IPC files that another Arrow reader takes as they are.
 */
public final class PlanesFileCheck {
  private PlanesFileCheck() {
  }

  public static void main(String[] args) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    long total = Long.parseLong(args[1]);
    long rows = 0;
    try (RootAllocator alloc = new RootAllocator();
         FileChannel ch = FileChannel.open(Paths.get(args[0]), StandardOpenOption.READ);
         ArrowFileReader r = new ArrowFileReader(ch, alloc)) {
      VectorSchemaRoot root = r.getVectorSchemaRoot();
      while (r.loadNextBatch()) {
        int n = (int) Math.min(PlanesEncoding.CHUNK_VALUES, total - rows);
        md.update(values(root, n));
        rows += n;
      }
    }
    System.out.println(HexFormat.of().formatHex(md.digest()) + " " + rows);
  }

  /**
   * The {@code n} little-endian values of the record batch loaded in {@code root}: each
   * column's coded plane decoded (with the plane above it, which a {@code ctx} plane needs)
   * and the planes joined, most significant byte first.
   */
  static byte[] values(VectorSchemaRoot root, int n) throws IOException {
    int width = root.getFieldVectors().size();
    byte[] out = new byte[n * width];
    PlaneCodec.Plane above = null;
    for (int p = 0; p < width; p++) {
      byte[] coded = ((VarBinaryVector) root.getVector(p)).get(0);
      above = PlaneCodec.decode(coded, 0, coded.length, n, above);
      byte[] plane = above.toArray();
      for (int i = 0; i < n; i++) {
        out[i * width + width - 1 - p] = plane[i];
      }
    }
    return out;
  }
}
