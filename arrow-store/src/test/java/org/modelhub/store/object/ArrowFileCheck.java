package org.modelhub.store.object;

import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;

/**
 * Reads an object with Arrow's own {@link ArrowFileReader} (run in a JVM with
 * {@code --add-opens}) and prints its metadata and a checksum of its values, to prove our
 * files are standard Arrow IPC.
 */
public final class ArrowFileCheck {
  private ArrowFileCheck() {
  }

  public static void main(String[] args) throws Exception {
    try (RootAllocator alloc = new RootAllocator();
         FileChannel ch = FileChannel.open(Paths.get(args[0]), StandardOpenOption.READ);
         ArrowFileReader r = new ArrowFileReader(ch, alloc, CommonsCompressionFactory.INSTANCE)) {
      VectorSchemaRoot root = r.getVectorSchemaRoot();
      long rows = 0;
      double sum = 0;
      while (r.loadNextBatch()) {
        FieldVector v = root.getVector(0);
        for (int i = 0; i < v.getValueCount(); i++) {
          sum += ((Number) v.getObject(i)).doubleValue();
        }
        rows += v.getValueCount();
      }
      System.out.println(root.getSchema().getCustomMetadata().get("modelhub.sha256") + " "
          + rows + " " + sum);
    }
  }
}
