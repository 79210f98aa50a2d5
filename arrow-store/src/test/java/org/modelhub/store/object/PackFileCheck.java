package org.modelhub.store.object;

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
 * Reads a pack with Arrow's own {@link ArrowFileReader} (in a JVM with {@code --add-opens})
 * and prints, for each record batch, the sha256 of the values its planes join back into.
 * Arguments: the file, then the number of values in each batch.
 */
public final class PackFileCheck {
  private PackFileCheck() {
  }

  public static void main(String[] args) throws Exception {
    try (RootAllocator alloc = new RootAllocator();
         FileChannel ch = FileChannel.open(Paths.get(args[0]), StandardOpenOption.READ);
         ArrowFileReader r = new ArrowFileReader(ch, alloc)) {
      VectorSchemaRoot root = r.getVectorSchemaRoot();
      int width = root.getFieldVectors().size();
      for (int b = 1; r.loadNextBatch(); b++) {
        int n = Integer.parseInt(args[b]);
        byte[] out = new byte[n * width];
        PlaneCodec.Plane above = null;
        for (int p = 0; p < width; p++) {
          byte[] coded = ((VarBinaryVector) root.getVector(p)).get(0);
          // a plane may be coded with the one above it as context
          above = PlaneCodec.decode(coded, 0, coded.length, n, above);
          byte[] plane = above.toArray();
          for (int i = 0; i < n; i++) {
            out[i * width + width - 1 - p] = plane[i];
          }
        }
        System.out.println(HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(out)));
      }
    }
  }
}
