package org.modelhub.store.format.caffe;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobShape;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.model.DType;

/**
 * Writes a binary NetParameter (a caffemodel) layer by layer. Blob values go from the
 * tensors' little-endian buffers straight into the packed {@code data} / {@code double_data}
 * fields, whose wire form is exactly those bytes, so no value is boxed or copied one by one.
 */
final class CaffeModelWriter {
  private static final int CHUNK = 1 << 16;

  private CaffeModelWriter() {
  }

  static void write(Path file, NetParameter header, List<CaffeLayerBuilder.Built> layers)
      throws IOException {
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), CHUNK)) {
      CodedOutputStream out = CodedOutputStream.newInstance(os, CHUNK);
      header.writeTo(out);
      byte[] chunk = new byte[CHUNK];
      for (CaffeLayerBuilder.Built built : layers) {
        LayerParameter lp = built.layer();
        byte[] definition = lp.toByteArray();
        long size = definition.length;
        List<byte[]> blobHeaders = new ArrayList<>();
        for (CaffeBlob blob : built.blobs()) {
          byte[] h = header(blob).toByteArray();
          blobHeaders.add(h);
          long blobSize = blobSize(h, blob);
          size += CodedOutputStream.computeTagSize(LayerParameter.BLOBS_FIELD_NUMBER)
              + CodedOutputStream.computeUInt64SizeNoTag(blobSize) + blobSize;
        }
        if (size > Integer.MAX_VALUE) {
          throw new ModelHubException("layer '" + lp.getName() + "' holds " + size
              + " bytes; a caffemodel layer cannot exceed 2 GB");
        }
        out.writeTag(NetParameter.LAYER_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag((int) size);
        out.writeRawBytes(definition);
        for (int i = 0; i < built.blobs().size(); i++) {
          CaffeBlob blob = built.blobs().get(i);
          byte[] h = blobHeaders.get(i);
          out.writeTag(LayerParameter.BLOBS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
          out.writeUInt32NoTag((int) blobSize(h, blob));
          out.writeRawBytes(h);
          ByteBuffer data = blob.data().duplicate();
          if (data.remaining() == 0) {
            continue;
          }
          out.writeTag(dataField(blob), WireFormat.WIRETYPE_LENGTH_DELIMITED);
          out.writeUInt32NoTag(data.remaining());
          out.flush();
          while (data.hasRemaining()) {
            int n = Math.min(chunk.length, data.remaining());
            data.get(chunk, 0, n);
            os.write(chunk, 0, n);
          }
        }
      }
      out.flush();
    }
  }

  private static BlobProto header(CaffeBlob blob) {
    if (blob.legacyHeader() != null) {
      return blob.legacyHeader();
    }
    BlobShape.Builder shape = BlobShape.newBuilder();
    for (long d : blob.shape()) {
      shape.addDim(d);
    }
    return BlobProto.newBuilder().setShape(shape).build();
  }

  private static long blobSize(byte[] header, CaffeBlob blob) {
    long n = blob.data().remaining();
    return header.length + (n == 0 ? 0 : CodedOutputStream.computeTagSize(dataField(blob))
        + CodedOutputStream.computeUInt64SizeNoTag(n) + n);
  }

  private static int dataField(CaffeBlob blob) {
    return blob.dtype() == DType.FLOAT64 ? BlobProto.DOUBLE_DATA_FIELD_NUMBER
        : BlobProto.DATA_FIELD_NUMBER;
  }
}
