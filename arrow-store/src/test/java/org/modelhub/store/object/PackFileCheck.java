package org.modelhub.store.object;

import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.arrow.memory.RootAllocator;
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
      for (int b = 1; r.loadNextBatch(); b++) {
        byte[] values = PlanesFileCheck.values(root, Integer.parseInt(args[b]));
        System.out.println(HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(values)));
      }
    }
  }
}
