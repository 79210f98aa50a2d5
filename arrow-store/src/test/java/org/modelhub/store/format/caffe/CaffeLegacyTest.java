package org.modelhub.store.format.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.format.caffe.proto.CaffeProto.ConvolutionParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.InnerProductParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.PoolingParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter.LayerType;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Networks and weights in Caffe's older forms: V1 layers, 4-D blob dims, net inputs. */
class CaffeLegacyTest {
  private static final String V1_NET = String.join("\n",
      "name: \"Old\"",
      "input: \"data\"",
      "input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8",
      "input: \"label\"",
      "input_dim: 1 input_dim: 1 input_dim: 1 input_dim: 1",
      "layers { name: \"conv1\" type: CONVOLUTION bottom: \"data\" top: \"conv1\"",
      "  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0",
      "  convolution_param { num_output: 4 kernel_size: 3 } }",
      "layers { name: \"relu1\" type: RELU bottom: \"conv1\" top: \"conv1\" }",
      "layers { name: \"pool1\" type: POOLING bottom: \"conv1\" top: \"pool1\"",
      "  pooling_param { pool: AVE kernel_size: 2 stride: 2 } }",
      "layers { name: \"fc\" type: INNER_PRODUCT bottom: \"pool1\" top: \"fc\"",
      "  inner_product_param { num_output: 2 } }",
      "layers { name: \"loss\" type: SOFTMAX_LOSS bottom: \"fc\" bottom: \"label\" }",
      "");

  @TempDir Path dir;

  @Test void v1PrototxtImportsAsModernLayers() throws IOException {
    Network n = CaffeImporterTest.importFile(Files.writeString(dir.resolve("old.prototxt"),
        V1_NET)).network();
    assertEquals(List.of("data", "label", "conv1", "relu1", "pool1", "fc", "loss"),
        n.layers().stream().map(Layer::name).toList());
    assertEquals(List.of("INPUT", "INPUT", "CONV", "RELU", "POOL", "FC", "LOSS"),
        n.layers().stream().map(Layer::type).toList());
    assertEquals(List.of(1, 3, 8, 8), n.layer("data").attr("shape"));
    assertEquals(List.of("fc", "label"), n.layer("loss").inputs());
    assertEquals(List.of("relu1"), n.layer("pool1").inputs());
    assertEquals("AVG", n.layer("pool1").attr("method"));
    Map<?, ?> conv = (Map<?, ?>) n.layer("conv1").attr("caffe");
    assertEquals("Convolution", conv.get("type"));
    assertEquals(List.of(Map.of("lr_mult", 1.0, "decay_mult", 1.0),
        Map.of("lr_mult", 2.0, "decay_mult", 0.0)), conv.get("param"));
    assertEquals("SoftmaxWithLoss", ((Map<?, ?>) n.layer("loss").attr("caffe")).get("type"));
    Map<?, ?> net = (Map<?, ?>) n.attrs().get("caffe");
    assertEquals(List.of("data", "label"), net.get("input"));
    assertEquals(List.of(1, 3, 8, 8, 1, 1, 1, 1), net.get("input_dim"));

    List<Path> files = new CaffeExporter().write(new ModelContent(n, List.of()),
        Files.createDirectory(dir.resolve("out")));
    String text = Files.readString(files.get(0));
    assertTrue(text.contains("input: \"data\"") && text.contains("layer {"), text);
    assertFalse(text.contains("layers {") || text.contains("type: \"Input\""), text);
    CaffeExporterTest.roundTrip(new ModelContent(n, List.of()),
        Files.createDirectory(dir.resolve("again")));
  }

  @Test void v1CaffemodelWithFourDimensionalBlobs() throws IOException {
    float[] w = values(4 * 3 * 3 * 3);
    float[] fc = values(2 * 36);
    NetParameter.Builder net = NetParameter.newBuilder().setName("Old")
        .addInput("data").addAllInputDim(List.of(1, 3, 8, 8))
        .addInput("label").addAllInputDim(List.of(1, 1, 1, 1));
    net.addLayers(V1LayerParameter.newBuilder().setName("conv1")
        .setType(LayerType.CONVOLUTION).addBottom("data").addTop("conv1")
        .addBlobsLr(1).addBlobsLr(2)
        .setConvolutionParam(ConvolutionParameter.newBuilder().setNumOutput(4)
            .addKernelSize(3))
        .addBlobs(legacy(4, 3, 3, 3, w))
        .addBlobs(legacy(1, 1, 1, 4, values(4))));
    net.addLayers(V1LayerParameter.newBuilder().setName("relu1").setType(LayerType.RELU)
        .addBottom("conv1").addTop("conv1"));
    net.addLayers(V1LayerParameter.newBuilder().setName("pool1").setType(LayerType.POOLING)
        .addBottom("conv1").addTop("pool1").setPoolingParam(PoolingParameter.newBuilder()
            .setPool(PoolingParameter.PoolMethod.AVE).setKernelSize(2).setStride(2)));
    net.addLayers(V1LayerParameter.newBuilder().setName("fc")
        .setType(LayerType.INNER_PRODUCT).addBottom("pool1").addTop("fc")
        .setInnerProductParam(InnerProductParameter.newBuilder().setNumOutput(2))
        .addBlobs(legacy(1, 1, 2, 36, fc))
        // Caffe also writes float64 blobs: a bias kept in double precision
        .addBlobs(BlobProto.newBuilder().setNum(1).setChannels(1).setHeight(1).setWidth(2)
            .addDoubleData(0.1).addDoubleData(-1e-300)));
    net.addLayers(V1LayerParameter.newBuilder().setName("loss")
        .setType(LayerType.SOFTMAX_LOSS).addBottom("fc").addBottom("label"));
    Path model = Files.write(dir.resolve("old.caffemodel"), net.build().toByteArray());

    ModelContent alone = CaffeImporterTest.importFile(model);
    Map<String, Tensor> t = alone.tensorMap();
    assertEquals(List.of("conv1/W", "conv1/b", "fc/W", "fc/b"), List.copyOf(t.keySet()));
    assertArrayEquals(new long[] {4, 3, 3, 3}, t.get("conv1/W").shape());
    assertArrayEquals(new long[] {1, 1, 1, 4}, t.get("conv1/b").shape());
    assertArrayEquals(new long[] {1, 1, 2, 36}, t.get("fc/W").shape());
    assertArrayEquals(w, t.get("conv1/W").toFloats());
    assertEquals(DType.FLOAT64, t.get("fc/b").dtype());
    assertEquals(-1e-300, t.get("fc/b").valueAt(1));
    Object forms = ((Map<?, ?>) alone.network().layer("fc").attr("caffe")).get("blobs");
    assertEquals(Map.of("num", 1, "channels", 1, "height", 2, "width", 36),
        ((List<?>) forms).get(0));

    // the V1 prototxt and the V1 caffemodel pair up; 4-D blobs match the inferred shapes
    Path proto = Files.writeString(dir.resolve("old.prototxt"), V1_NET);
    ModelContent pair = CaffeImporterTest.importPair(proto, model);
    assertEquals(alone.tensors().size(), pair.tensors().size());
    assertEquals(alone.network().layer("fc"), pair.network().layer("fc"));

    // written back in the same 4-D form, so Caffe loads it as before, and bit-exact
    Path out = Files.createDirectory(dir.resolve("out"));
    CaffeExporterTest.roundTrip(pair, out);
    NetParameter written = NetParameter.parseFrom(Files.readAllBytes(out.resolve(
        "Old.caffemodel")));
    assertEquals(List.of("data", "label"), written.getInputList());
    BlobProto fcW = written.getLayer(3).getBlobs(0);
    assertEquals("fc", written.getLayer(3).getName());
    assertTrue(fcW.hasNum() && !fcW.hasShape(), fcW.toString());
    assertEquals(2, written.getLayer(3).getBlobs(1).getDoubleDataCount());
    CaffeExporterTest.roundTrip(alone, Files.createDirectory(dir.resolve("alone")));
  }

  private static BlobProto legacy(int n, int c, int h, int w, float[] data) {
    BlobProto.Builder b = BlobProto.newBuilder().setNum(n).setChannels(c).setHeight(h)
        .setWidth(w);
    for (float f : data) {
      b.addData(f);
    }
    return b.build();
  }

  private static float[] values(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.cos(i * 0.37) * (i % 7 == 0 ? 1e-38f : 1f);
    }
    return v;
  }
}
