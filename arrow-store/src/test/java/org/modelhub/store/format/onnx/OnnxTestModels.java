package org.modelhub.store.format.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.GraphProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.StringStringEntryProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorShapeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TypeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ValueInfoProto;
import org.modelhub.store.model.Tensor;

/** Builds small ONNX messages for tests with the generated builders. */
final class OnnxTestModels {
  private OnnxTestModels() {
  }

  static ValueInfoProto input(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name).setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
  }

  /** A float tensor of distinct values, in raw_data or float_data. */
  static TensorProto floats(String name, long[] dims, boolean raw) {
    int n = (int) Tensor.numValues(dims);
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(1);
    Arrays.stream(dims).forEach(b::addDims);
    ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      float v = (float) Math.sin(i + name.length()) * 0.37f;
      if (raw) {
        buf.putFloat(v);
      } else {
        b.addFloatData(v);
      }
    }
    if (raw) {
      buf.flip();
      b.setRawData(ByteString.copyFrom(buf));
    }
    return b.build();
  }

  static TensorProto doubles(String name, long[] dims) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(11);
    Arrays.stream(dims).forEach(b::addDims);
    for (int i = 0; i < Tensor.numValues(dims); i++) {
      b.addDoubleData(1.0 / (i + 3));
    }
    return b.build();
  }

  static NodeProto node(String op, String name, List<String> in, List<String> out,
      AttributeProto... attrs) {
    NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).addAllInput(in)
        .addAllOutput(out).addAllAttribute(Arrays.asList(attrs));
    if (!name.isEmpty()) {
      b.setName(name);
    }
    return b.build();
  }

  static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      b.addInts(v);
    }
    return b.build();
  }

  static OperatorSetIdProto opset(String domain, long version) {
    return OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version).build();
  }

  /** The 24 bytes of the external weight: six floats. */
  static byte[] externalBytes() {
    ByteBuffer buf = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      buf.putFloat(i * 1.5f - 2);
    }
    return buf.array();
  }

  /** A Gemm whose weight lives in {@code location} at offset 16, after some other bytes. */
  static ModelProto externalModel(Path dir, String location) throws IOException {
    byte[] file = new byte[16 + 24];
    Arrays.fill(file, 0, 16, (byte) 0x55);
    System.arraycopy(externalBytes(), 0, file, 16, 24);
    Files.write(dir.resolve(location), file);
    TensorProto w = TensorProto.newBuilder().setName("w").setDataType(1).addDims(2).addDims(3)
        .addExternalData(entry("location", location)).addExternalData(entry("offset", "16"))
        .addExternalData(entry("length", "24"))
        .setDataLocation(TensorProto.DataLocation.EXTERNAL).build();
    GraphProto g = GraphProto.newBuilder().setName("ext").addInput(input("x", 1, 3))
        .addInitializer(w)
        .addNode(node("Gemm", "fc", List.of("x", "w"), List.of("y"),
            AttributeProto.newBuilder().setName("transB").setI(1)
                .setType(AttributeProto.AttributeType.INT).build()))
        .addOutput(input("y", 1, 2)).build();
    return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(opset("", 13)).setGraph(g)
        .build();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
