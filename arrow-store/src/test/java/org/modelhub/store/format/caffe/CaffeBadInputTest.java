package org.modelhub.store.format.caffe;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobShape;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;

/** Malformed, truncated and inconsistent Caffe files give a FormatException naming the file. */
class CaffeBadInputTest {
  private static final Pattern OFFSET = Pattern.compile("byte offset (\\d+)");

  private final CaffeImporter importer = new CaffeImporter();

  @TempDir Path dir;

  private FormatException fails(Path file, Executable e) {
    FormatException x = assertThrows(FormatException.class, e);
    assertTrue(x.getMessage().startsWith(file.toString() + ": "), x.getMessage());
    return x;
  }

  private FormatException failsText(String name, String text, String... expected)
      throws IOException {
    Path f = Files.writeString(dir.resolve(name), text);
    FormatException x = fails(f, () -> importer.check(f, FileRole.NETWORK));
    for (String s : expected) {
      assertTrue(x.getMessage().contains(s), x.getMessage());
    }
    return x;
  }

  @Test void malformedPrototxtGivesLineAndColumn() throws IOException {
    failsText("typo.prototxt", "name: \"n\"\nlayer {\n  name: \"c\"\n"
        + "  convolution_param { num_output: twenty }\n}\n",
        ": line 4:35: ", "integer");
    failsText("unknown.prototxt", "layer {\n  name: \"c\"\n  kernel: 3\n}\n",
        ": line 3:3: ", "kernel");
    failsText("enum.prototxt", "layer {\n  name: \"p\" type: \"Pooling\"\n"
        + "  pooling_param { pool: MEDIAN }\n}\n", ": line 3:", "MEDIAN");
    failsText("open.prototxt", "layer {\n  name: \"c\"\n", ": line 3:", "}");
  }

  @Test void inconsistentPrototxt() throws IOException {
    failsText("bottom.prototxt", "layer { name: \"a\" type: \"ReLU\" bottom: \"x\" top: \"a\" }",
        "layer 'a': bottom blob 'x' is not produced");
    failsText("type.prototxt", "layer { name: \"a\" top: \"a\" }", "layer 'a': has no type");
    failsText("clip.prototxt", "input: \"x\"\nlayer { name: \"c\" type: \"Clip\" bottom: \"x\""
        + " top: \"c\" clip_param { max: 1 } }", "missing required fields",
        "clip_param.min");
    failsText("mixed.prototxt", "layer { name: \"a\" type: \"Input\" top: \"a\" }\n"
        + "layers { name: \"b\" type: RELU bottom: \"a\" top: \"a\" }", "mixes");
    failsText("twice.prototxt", "input: \"x\"\ninput: \"x\"", "net input 'x'");
    Path binary = Files.write(dir.resolve("binary.prototxt"), new byte[] {(byte) 0xff, 0, 1});
    fails(binary, () -> importer.check(binary, FileRole.NETWORK));
  }

  @Test void truncatedCaffemodelGivesOffset() throws IOException {
    byte[] all = Files.readAllBytes(Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    for (int cut : new int[] {1, 6, 100, 1000, 100_000, 1_000_000, all.length - 1}) {
      Path f = Files.write(dir.resolve("cut" + cut + ".caffemodel"),
          Arrays.copyOf(all, cut));
      FormatException x = fails(f, () -> importer.check(f, FileRole.WEIGHTS));
      Matcher m = OFFSET.matcher(x.getMessage());
      assertTrue(m.find(), x.getMessage());
      assertTrue(Long.parseLong(m.group(1)) <= cut, x.getMessage());
      assertTrue(x.getMessage().contains("ended unexpectedly"), x.getMessage());
    }
  }

  @Test void emptyOrCutBetweenFields() throws IOException {
    byte[] all = Files.readAllBytes(Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    // 7 bytes hold exactly the field name: "LeNet", a complete but empty network
    for (int cut : new int[] {0, 7}) {
      Path f = Files.write(dir.resolve("empty" + cut + ".caffemodel"), Arrays.copyOf(all, cut));
      FormatException x = fails(f, () -> importer.check(f, FileRole.WEIGHTS));
      assertTrue(x.getMessage().contains("defines no layers"), x.getMessage());
    }
    failsText("empty.prototxt", "# nothing\n", "defines no layers");
  }

  @Test void garbageCaffemodel() throws IOException {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    noise[0] = 0x0f; // a tag with the reserved wire type 7
    Path f = Files.write(dir.resolve("noise.caffemodel"), noise);
    FormatException x = fails(f, () -> importer.check(f, FileRole.WEIGHTS));
    assertTrue(x.getMessage().contains("byte offset"), x.getMessage());
  }

  @Test void blobSizeDisagreesWithPrototxt() throws IOException {
    Path model = Corpus.path("caffe/lenet_iter_10000.caffemodel");
    String lenet = Files.readString(Corpus.path("caffe/lenet.prototxt"));
    Path wide = Files.writeString(dir.resolve("wide.prototxt"),
        lenet.replaceFirst("num_output: 20", "num_output: 30"));
    FormatException x = fails(model, () -> pair(wide, model));
    assertTrue(x.getMessage().contains("layer 'conv1' blob 0 (W): has shape [20,1,5,5] but"
        + " the Convolution layer of wide.prototxt needs [30,1,5,5]"), x.getMessage());

    // a bigger pooling window shrinks what ip1 reads: the inferred input size disagrees
    Path pool = Files.writeString(dir.resolve("pool.prototxt"),
        lenet.replace("kernel_size: 2\n    stride: 2", "kernel_size: 3\n    stride: 3"));
    x = fails(model, () -> pair(pool, model));
    // 28 -conv5-> 24 -pool3/3-> 8 -conv5-> 4 -pool3/3-> 2: ip1 reads 50*2*2 values
    assertTrue(x.getMessage().contains("layer 'ip1' blob 0 (W): has shape [500,800] but the"
        + " InnerProduct layer of pool.prototxt needs [500,200]"), x.getMessage());

    Path nobias = Files.writeString(dir.resolve("nobias.prototxt"),
        lenet.replaceFirst("num_output: 500", "num_output: 500\n    bias_term: false"));
    x = fails(model, () -> pair(nobias, model));
    assertTrue(x.getMessage().contains("layer 'ip1': holds 2 blobs but the InnerProduct layer"
        + " of nobias.prototxt needs 1"), x.getMessage());

    Path renamed = Files.writeString(dir.resolve("renamed.prototxt"),
        lenet.replaceAll("\"(conv|ip)(\\d)\"", "\"x$1$2\""));
    x = fails(model, () -> pair(renamed, model));
    assertTrue(x.getMessage().contains("none of its 4 layers with weights matches"),
        x.getMessage());
  }

  @Test void blobShapeDisagreesWithItsValues() throws IOException {
    BlobProto blob = BlobProto.newBuilder()
        .setShape(BlobShape.newBuilder().addDim(2).addDim(2)).addData(1).addData(2).addData(3)
        .build();
    NetParameter net = NetParameter.newBuilder().setName("bad")
        .addLayer(LayerParameter.newBuilder().setName("p").setType("Parameter").addTop("p")
            .addBlobs(blob))
        .build();
    Path f = Files.write(dir.resolve("bad.caffemodel"), net.toByteArray());
    FormatException x = fails(f, () -> importer.check(f, FileRole.WEIGHTS));
    assertTrue(x.getMessage().contains("layer 'p' blob 0")
        && x.getMessage().contains("shape [2,2] needs 4 values but the blob holds 3"),
        x.getMessage());
  }

  @Test void wrongFileCombinations() throws IOException {
    Path lenet = Corpus.path("caffe/lenet.prototxt");
    Path alex = Corpus.path("caffe/bvlc_alexnet.deploy.prototxt");
    FormatException x = fails(alex, () -> importer.read(new ImportInput(List.of(lenet, alex),
        List.of(), List.of(), Optional.empty())));
    assertTrue(x.getMessage().contains("a second network"), x.getMessage());
    fails(lenet, () -> importer.check(lenet, FileRole.LOG));
    assertDoesNotThrow(() -> importer.check(lenet, FileRole.NETWORK));
    assertDoesNotThrow(() -> importer.check(
        Corpus.path("caffe/lenet_iter_10000.caffemodel"), FileRole.WEIGHTS));
  }

  private void pair(Path prototxt, Path caffemodel) throws IOException {
    importer.read(new ImportInput(List.of(prototxt), List.of(caffemodel), List.of(),
        Optional.empty()));
  }
}
