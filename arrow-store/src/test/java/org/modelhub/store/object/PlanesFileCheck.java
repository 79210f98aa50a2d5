package org.modelhub.store.object;

import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;

/**
 * Reads a planes object with Arrow's own {@link ArrowFileReader} (in a JVM with
 * {@code --add-opens}), joins its byte columns back into little-endian values and prints
 * their sha256 and count: proof that the files are standard Arrow IPC.
 */
public final class PlanesFileCheck {
  private PlanesFileCheck() {
  }

  public static void main(String[] args) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    long rows = 0;
    try (RootAllocator alloc = new RootAllocator();
         FileChannel ch = FileChannel.open(Paths.get(args[0]), StandardOpenOption.READ);
         ArrowFileReader r = new ArrowFileReader(ch, alloc, CommonsCompressionFactory.INSTANCE)) {
      VectorSchemaRoot root = r.getVectorSchemaRoot();
      int width = root.getFieldVectors().size();
      while (r.loadNextBatch()) {
        int n = root.getRowCount();
        byte[] out = new byte[n * width];
        for (int p = 0; p < width; p++) {
          UInt1Vector v = (UInt1Vector) root.getVector(p);
          for (int i = 0; i < n; i++) {
            out[i * width + width - 1 - p] = v.get(i);
          }
        }
        md.update(out);
        rows += n;
      }
    }
    System.out.println(HexFormat.of().formatHex(md.digest()) + " " + rows);
  }
}
