package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.Metric;

class TrainingLogTest {
  @TempDir Path dir;

  private TrainingLog read(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    assertTrue(TrainingLog.looksLikeLog(p), name + " is recognised as a log");
    return TrainingLog.read(p);
  }

  @Test void csvWithHyperparameters() throws IOException {
    TrainingLog log = read("log.csv", "# lr = 0.1\n# batch: 32\nepoch,step,loss\n"
        + "0,10,2.5\n0,20,1.5\n1,30,0.5\n");
    assertEquals("0.1", log.hyperparams().get("lr"));
    assertEquals("32", log.hyperparams().get("batch"));
    // step wins over epoch; epoch stays a metric
    assertEquals(List.of(new Metric("epoch", 10, 0), new Metric("loss", 10, 2.5),
        new Metric("epoch", 20, 0), new Metric("loss", 20, 1.5), new Metric("epoch", 30, 1),
        new Metric("loss", 30, 0.5)), log.metrics());
  }

  @Test void jsonDocumentAndJsonLines() throws IOException {
    TrainingLog doc = read("log.json", "{\"hyperparams\": {\"lr\": 0.01, \"opt\": \"adam\"},"
        + " \"metrics\": [{\"epoch\": 0, \"step\": 1, \"loss\": 0.9},"
        + " {\"epoch\": 0, \"step\": 2, \"loss\": 0.7}]}");
    assertEquals("adam", doc.hyperparams().get("opt"));
    assertEquals(List.of(1L, 1L, 2L, 2L), doc.metrics().stream().map(Metric::step).toList());
    TrainingLog lines = read("log.jsonl", "{\"step\": 1, \"loss\": 3.0}\n"
        + "{\"step\": 2, \"loss\": 2.0}\n\n{\"step\": 3, \"loss\": 1.0}\n");
    assertEquals(List.of(new Metric("loss", 1, 3), new Metric("loss", 2, 2),
        new Metric("loss", 3, 1)), lines.metrics());
  }

  @Test void badLogsNameThePlace() throws IOException {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "step,loss\n1,0.5\n2,abc\n");
    FormatException e = assertThrows(FormatException.class, () -> TrainingLog.read(csv));
    assertTrue(e.getMessage().contains("line 3, column 'loss'"), e.getMessage());
    Path dup = dir.resolve("dup.json");
    Files.writeString(dup, "[{\"epoch\": 0, \"loss\": 1}, {\"epoch\": 0, \"loss\": 2}]");
    e = assertThrows(FormatException.class, () -> TrainingLog.read(dup));
    assertTrue(e.getMessage().contains("logged twice at step 0"), e.getMessage());
    Path broken = dir.resolve("broken.jsonl");
    Files.writeString(broken, "{\"step\": 1, \"loss\": 1}\n{\"step\": 2, \"loss\": \n");
    e = assertThrows(FormatException.class, () -> TrainingLog.read(broken));
    assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
  }
}
