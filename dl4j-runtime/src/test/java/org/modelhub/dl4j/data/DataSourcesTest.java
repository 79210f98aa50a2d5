package org.modelhub.dl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TrainingConfig;

class DataSourcesTest {
  @TempDir Path dir;

  private static TrainingConfig config(String... kv) {
    TrainingConfig c = TrainingConfig.defaults();
    for (int i = 0; i < kv.length; i += 2) {
      c = c.with(Setting.config(kv[i]), kv[i + 1]);
    }
    return c;
  }

  @Test void irisTakesItsClassNamesFromTheScikitLearnHeader() {
    LabeledData iris = DataSources.read(Corpus.path("data/iris.csv"), config());
    assertEquals(150, iris.size());
    assertArrayEquals(new long[] {4}, iris.exampleShape());
    assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classes());
    assertEquals(0, iris.label(0));
    assertEquals(2, iris.label(149));
    assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, iris.row(0));
  }

  @Test void idxReadsGzippedOrPlainAlike() throws IOException {
    Path images = Corpus.path("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
    LabeledData gz = DataSources.read(images, config(TrainingConfig.EXAMPLES, "100"));
    assertEquals(100, gz.size());
    assertArrayEquals(new long[] {1, 28, 28}, gz.exampleShape());
    assertEquals(10, gz.classes().size());
    gunzip(images, dir.resolve("t10k-images-idx3-ubyte"));
    gunzip(Corpus.path("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
        dir.resolve("t10k-labels-idx1-ubyte"));
    LabeledData plain = DataSources.read(dir, config(TrainingConfig.EXAMPLES, "100"));
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(gz.row(i), plain.row(i));
      assertEquals(gz.label(i), plain.label(i));
    }
    LabeledData viaLabels = DataSources.read(dir.resolve("t10k-labels-idx1-ubyte"),
        config(TrainingConfig.EXAMPLES, "3"));
    assertEquals(plain.label(2), viaLabels.label(2), "a labels file finds its images");
  }

  private static void gunzip(Path from, Path to) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(from))) {
      Files.copy(in, to);
    }
  }

  @Test void splitIsSeededAndNormalisedWithTrainingStatistics() {
    TrainingConfig c = config(TrainingConfig.INPUT_DATA, Corpus.path("data/iris.csv").toString(),
        TrainingConfig.TEST_FRACTION, "0.2", TrainingConfig.SEED, "3");
    DataSplit a = DataSources.split(c);
    DataSplit b = DataSources.split(c);
    assertEquals(120, a.train().size());
    assertEquals(30, a.test().size());
    for (int i = 0; i < 30; i++) {
      assertArrayEquals(a.test().row(i), b.test().row(i), "same seed, same split");
    }
    double mean = 0;
    for (int i = 0; i < a.train().size(); i++) {
      mean += a.train().row(i)[0];
    }
    assertEquals(0, mean / a.train().size(), 1e-5, "standardised on the training part");
    assertTrue(a.normalization().startsWith("standardize shift="), a.normalization());
    DataSplit other = DataSources.split(c.with(Setting.config(TrainingConfig.SEED), "4"));
    boolean differs = false;
    for (int i = 0; i < 30; i++) {
      differs |= !java.util.Arrays.equals(a.test().row(i), other.test().row(i));
    }
    assertTrue(differs, "another seed, another split");
    LabeledData again = DataSources.testOnly(Corpus.path("data/iris.csv"), c,
        a.normalization());
    assertEquals(a.test().row(0).length, again.row(0).length);
  }

  @Test void csvHeadersTextLabelsAndLabelColumns() throws IOException {
    Path f = Files.writeString(dir.resolve("flowers.csv"),
        "species,petal,sepal\nrose,1.5,2\ntulip,0.5,1\nrose,1.25,2.5\n");
    LabeledData d = DataSources.read(f, config(TrainingConfig.LABEL_COLUMN, "species"));
    assertEquals(List.of("rose", "tulip"), d.classes());
    assertEquals(1, d.label(1));
    assertArrayEquals(new float[] {1.25f, 2.5f}, d.row(2));
    Path noHeader = Files.writeString(dir.resolve("plain.csv"), "1,2,a\n3,4,b\n");
    assertEquals(2, DataSources.read(noHeader, config()).size(),
        "a text label column is no header");
  }

  @Test void badDataSaysWhere() throws IOException {
    Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n3,x,1\n");
    FormatException e = assertThrows(FormatException.class,
        () -> DataSources.read(csv, config()));
    assertTrue(e.getMessage().endsWith("bad.csv: line 3, column 'b': 'x' is not a number"),
        e.getMessage());
    e = assertThrows(FormatException.class,
        () -> DataSources.read(csv, config(TrainingConfig.LABEL_COLUMN, "y")));
    assertTrue(e.getMessage().contains("no label column 'y' (columns: a, b, label)"),
        e.getMessage());
    byte[] images = Files.readAllBytes(Corpus.path("data/fashion-mnist/"
        + "t10k-images-idx3-ubyte.gz"));
    Path cut = dir.resolve("cut-images-idx3-ubyte.gz");
    Files.write(cut, java.util.Arrays.copyOf(images, 5000));
    Files.copy(Corpus.path("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
        dir.resolve("cut-labels-idx1-ubyte.gz"));
    e = assertThrows(FormatException.class, () -> DataSources.read(cut, config()));
    assertTrue(e.getMessage().contains("cut-images-idx3-ubyte.gz: byte ")
        && e.getMessage().contains("the file ends early"), e.getMessage());
    Path lonely = Files.write(dir.resolve("lonely-images-idx3-ubyte.gz"), images);
    ModelHubException m = assertThrows(ModelHubException.class,
        () -> DataSources.read(lonely, config()));
    assertTrue(m.getMessage().contains("needs its labels file beside it"), m.getMessage());
    m = assertThrows(ModelHubException.class,
        () -> DataSources.read(dir.resolve("missing.csv"), config()));
    assertTrue(m.getMessage().contains("missing.csv does not exist"), m.getMessage());
  }
}
