package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Layer kinds the corpus lacks, in float64 and float16 networks: how they map, and that DL4J
 * computes the same outputs with the exported zip as with the original network.
 */
class Dl4jLayerMappingTest {
  private static List<String> summary(ModelContent c) {
    return c.network().layers().stream().map(Layer::toString).toList();
  }

  /** Top-level attributes without the DL4J details. */
  private static Map<String, Object> plain(Layer l) {
    Map<String, Object> m = new LinkedHashMap<>(l.attrs());
    m.remove("dl4j");
    return m;
  }

  private static Map<?, ?> dl4j(Layer l) {
    return (Map<?, ?>) l.attr("dl4j");
  }

  /** Saves, imports, round-trips, and compares DL4J's outputs before and after export. */
  private static ModelContent check(MultiLayerNetwork net, INDArray input, Path tmp)
      throws IOException {
    Path zip = tmp.resolve("net.zip");
    ModelSerializer.writeModel(net, zip.toFile(), false);
    ModelContent c = RoundTrip.importFile(zip);
    Path out = Files.createDirectory(tmp.resolve("export"));
    RoundTrip.check(c, out);
    MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(
        out.resolve("model.zip").toFile(), false);
    assertEquals(net.output(input), back.output(input));
    return c;
  }

  @Test void convolutionVariantsInDouble(@TempDir Path tmp) throws IOException {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3)
        .dataType(DataType.DOUBLE).list()
        .layer(new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(2).build())
        .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).build())
        .layer(new ZeroPaddingLayer(1, 1))
        .layer(new Upsampling2D.Builder(2).build())
        .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
        .layer(new FrozenLayer(new DenseLayer.Builder().nIn(4).nOut(4).build()))
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
            .activation(Activation.IDENTITY).build())
        .setInputType(InputType.convolutional(4, 4, 2))
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    Nd4j.getRandom().setSeed(5);
    ModelContent c = check(net, Nd4j.rand(DataType.DOUBLE, 2, 2, 4, 4), tmp);
    assertEquals(List.of("input:INPUT[]", "layer0:DECONV[input]", "layer1:CONV[layer0]",
        "layer2:ZEROPADDINGLAYER[layer1]", "layer3:UPSAMPLE[layer2]", "layer4:POOL[layer3]",
        "layer5:FC[layer4]", "layer6:OUTPUT[layer5]"), summary(c));
    Map<String, Layer> l = new LinkedHashMap<>();
    c.network().layers().forEach(x -> l.put(x.name(), x));
    assertEquals(List.of(-1, 2, -1, -1), l.get("input").attr("shape"));
    assertEquals(List.of(2, 2), l.get("layer0").attr("stride"));
    assertEquals(2, l.get("layer1").attr("group"));
    assertEquals(4, l.get("layer1").attr("filters"));
    assertEquals(Map.of(), plain(l.get("layer2")));
    assertEquals("ZeroPaddingLayer", dl4j(l.get("layer2")).get("class"));
    assertEquals(Map.of("method", "AVG", "global", true), plain(l.get("layer4")));
    assertEquals(true, dl4j(l.get("layer5")).get("frozen"));
    assertEquals("FrozenLayer", dl4j(l.get("layer5")).get("wrapper"));
    assertEquals("DenseLayer", dl4j(l.get("layer5")).get("class"));
    assertEquals(Map.of("units", 2, "bias", true, "activation", "IDENTITY", "loss", "MSE"),
        plain(l.get("layer6")));
    for (Tensor t : c.tensors()) {
      assertEquals(DType.FLOAT64, t.dtype(), t.name());
    }
    // the frozen layer does not train, so it does not split the shared settings
    assertEquals("SGD", c.hyperparams().get("updater"));
    assertEquals("DOUBLE", c.hyperparams().get("data_type"));
  }

  @Test void recurrentInHalfPrecision(@TempDir Path tmp) throws IOException {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3)
        .dataType(DataType.FLOAT16).list()
        .layer(new EmbeddingSequenceLayer.Builder().nIn(10).nOut(4).build())
        .layer(new LSTM.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
        .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
            .activation(Activation.SOFTMAX).build())
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    INDArray tokens = Nd4j.create(new double[] {1, 4, 9, 0, 2, 2}, 1, 6).castTo(DataType.FLOAT16);
    ModelContent c = check(net, tokens, tmp);
    assertEquals(List.of("input:INPUT[]", "layer0:EMBEDDING[input]", "layer1:LSTM[layer0]",
        "layer2:OUTPUT[layer1]"), summary(c));
    assertEquals(Map.of(), plain(c.network().layers().get(0)));
    assertEquals(Map.of("activation", "TANH"), plain(c.network().layers().get(2)));
    assertEquals(List.of("layer0/W", "layer1/W", "layer1/RW", "layer1/b", "layer2/W",
        "layer2/b"), RoundTrip.names(c.tensors()));
    for (Tensor t : c.tensors()) {
      assertEquals(DType.FLOAT16, t.dtype(), t.name());
    }
  }

  /** As ModelSerializer does, the network takes the data type of the vector it is given. */
  @Test void vectorDecidesTheDataType(@TempDir Path tmp) throws IOException {
    Path config = Corpus.path("dl4j/MLPMnist/config.mlc.json");
    Path floats = Corpus.path("dl4j/MLPMnist/paramsPostTrain.bin");
    Path doubles = tmp.resolve("params64.bin");
    INDArray vector = Nd4jArrays.readVector(floats).castTo(DataType.DOUBLE);
    try (OutputStream out = Files.newOutputStream(doubles);
         DataOutputStream data = new DataOutputStream(out)) {
      Nd4j.write(vector, data);
    }
    Dl4jImporter importer = new Dl4jImporter();
    ModelContent f32 = importer.read(
        new ImportInput(List.of(config), List.of(floats), List.of(), Optional.empty()));
    ModelContent f64 = importer.read(
        new ImportInput(List.of(config), List.of(doubles), List.of(), Optional.empty()));
    assertEquals("FLOAT", f32.hyperparams().get("data_type"));
    assertEquals("DOUBLE", f64.hyperparams().get("data_type"));
    assertEquals(f32.network().layers(), f64.network().layers());
    for (int i = 0; i < f32.tensors().size(); i++) {
      Tensor a = f32.tensors().get(i);
      Tensor b = f64.tensors().get(i);
      assertEquals(DType.FLOAT64, b.dtype());
      assertEquals(0.0, RoundTrip.maxAbsDiff(a, b), a.name());
    }
    RoundTrip.check(f64, Files.createDirectory(tmp.resolve("export")));
  }
}
