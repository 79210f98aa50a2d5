package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** What the DL4J exporter refuses, and how the format is found on the classpath. */
class Dl4jExporterTest {
  private static final Path SMALL =
      Corpus.path("dl4j/regression/080_ModelSerializer_Regression_MLP_1.zip");

  private static String refusal(ModelContent content, Path dir) {
    return assertThrows(ModelHubException.class, () -> new Dl4jExporter().write(content, dir))
        .getMessage();
  }

  @Test void refusesNetworksNotBuiltByDl4j(@TempDir Path dir) {
    Network lenet = new Network("lenet", List.of(
        new Layer("data", LayerTypes.INPUT, Map.of("shape", List.of(-1, 784)), List.of()),
        new Layer("ip1", LayerTypes.FC, Map.of("units", 10), List.of("data"))), Map.of());
    Tensor w = Tensor.ofFloats("ip1/W", new long[] {784, 10}, new float[7840]);
    assertEquals("network 'lenet' was not built by DL4J: a DL4J export needs a DL4J-built"
        + " network (one imported from a DL4J model zip or configuration); a later runtime"
        + " bridge will build DL4J graphs from any network",
        refusal(new ModelContent(lenet, List.of(w)), dir));
  }

  @Test void refusesNetworksChangedSinceImport(@TempDir Path dir) throws IOException {
    ModelContent c = RoundTrip.importFile(SMALL);
    List<Layer> layers = new ArrayList<>(c.network().layers());
    layers.add(2, new Layer("relu1", LayerTypes.RELU, Map.of(), List.of("layer0")));
    layers.set(3, layers.get(3).withInputs(List.of("relu1")));
    ModelContent edited = new ModelContent(c.network().withLayers(layers), c.tensors(),
        c.hyperparams(), List.of());
    assertEquals("network '080_ModelSerializer_Regression_MLP_1' has layer 'relu1' (RELU) where"
        + " its DL4J configuration has 'layer1' (OUTPUT): it was changed since it was imported"
        + " from DL4J, and a DL4J export needs a DL4J-built network; a later runtime bridge"
        + " will build DL4J graphs from any network", refusal(edited, dir));
  }

  @Test void refusesTensorsThatDoNotFit(@TempDir Path dir) throws IOException {
    ModelContent c = RoundTrip.importFile(SMALL);
    List<Tensor> tensors = new ArrayList<>(c.tensors());
    Tensor w = tensors.get(0);
    tensors.set(0, new Tensor(w.name(), w.dtype(), new long[] {4, 3}, w.data()));
    assertEquals("tensor 'layer0/W' has shape [4,3] but the DL4J parameter has shape [3,4]",
        refusal(with(c, tensors), dir));

    tensors = new ArrayList<>(c.tensors());
    tensors.set(0, new Tensor(w.name(), DType.FLOAT64, w.shape(),
        ByteBuffer.allocate(12 * 8)));
    assertEquals("tensor 'layer0/W' is float64 but the DL4J network holds FLOAT parameters",
        refusal(with(c, tensors), dir));

    tensors = new ArrayList<>(c.tensors());
    tensors.remove(3);
    assertEquals("the DL4J MultiLayerNetwork needs tensor 'layer1/b' of shape [5], which the"
        + " model does not have", refusal(with(c, tensors), dir));

    tensors = new ArrayList<>(c.tensors());
    tensors.add(Tensor.ofFloats("layer1/gamma", new long[] {5}, new float[5]));
    assertEquals("tensor 'layer1/gamma' is not a parameter of the DL4J MultiLayerNetwork (its"
        + " parameters: layer0/W, layer0/b, layer1/W, layer1/b)", refusal(with(c, tensors), dir));
  }

  private static ModelContent with(ModelContent c, List<Tensor> tensors) {
    return new ModelContent(c.network(), tensors, c.hyperparams(), List.of());
  }

  @Test void registeredForServiceLoader() throws IOException {
    Formats formats = Formats.get();
    assertInstanceOf(Dl4jImporter.class, formats.importer("dl4j"));
    assertInstanceOf(Dl4jExporter.class, formats.exporter("dl4j"));
    Optional<Formats.Recognized> r = formats.recognize(SMALL);
    assertEquals("dl4j", r.orElseThrow().importer().format());
    assertEquals(FileRole.MODEL, r.orElseThrow().role());
  }
}
