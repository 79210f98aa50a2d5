package org.modelhub.store.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FormatException;

class TrainingConfigTest {
  @TempDir Path dir;

  private TrainingConfig read(String text) throws IOException {
    Path f = dir.resolve("train.conf");
    Files.writeString(f, text);
    return TrainingConfig.read(f);
  }

  @Test void readsKeysPathsAndLayerSettings() throws IOException {
    TrainingConfig c = read("# LeNet on Fashion-MNIST\nbase_lr: 0.05\nbatch_size = 32\n"
        + "updater: \"Adam\"   # quoted, any case\ninput_data: data/t10k.gz\n"
        + "m[\"conv*\"].lr: 0.001\nm['ip2'].lr_mult: 10\n");
    assertEquals(0.05, c.number(TrainingConfig.BASE_LR));
    assertEquals(32, c.intValue(TrainingConfig.BATCH_SIZE));
    assertEquals("adam", c.get(TrainingConfig.UPDATER));
    assertEquals(dir.resolve("data/t10k.gz").toString(), c.get(TrainingConfig.INPUT_DATA),
        "relative paths are taken from the config file's folder");
    assertEquals(100, c.count(TrainingConfig.ITERATIONS), "defaults fill the rest");
    assertFalse(c.isSet(TrainingConfig.ITERATIONS));
    assertEquals(0.001, c.learningRate("conv2"));
    assertEquals(0.5, c.learningRate("ip2"), 1e-12);
    assertEquals(0.05, c.learningRate("ip1"));
    assertEquals("0.001", c.effective().get("m[\"conv*\"].lr"));
  }

  @Test void caffeSolverFilesReadAsConfigs() throws IOException {
    TrainingConfig c = read("net: \"examples/mnist/lenet_train_test.prototxt\"\n"
        + "test_iter: 100\ntest_interval: 500\nbase_lr: 0.01\nmomentum: 0.9\n"
        + "weight_decay: 0.0005\nlr_policy: \"inv\"\ngamma: 0.0001\npower: 0.75\n"
        + "display: 100\nmax_iter: 10000\nsnapshot: 5000\n"
        + "snapshot_prefix: \"examples/mnist/lenet\"\nsolver_mode: GPU\ntype: \"Nesterov\"\n");
    assertEquals(10000, c.count(TrainingConfig.ITERATIONS));
    assertEquals("inv", c.get(TrainingConfig.LR_POLICY));
    assertEquals("nesterovs", c.get(TrainingConfig.UPDATER));
    assertEquals(500, c.count(TrainingConfig.TEST_INTERVAL));
  }

  @Test void gridValuesOverrideAndLastLayerSettingWins() {
    TrainingConfig c = TrainingConfig.defaults()
        .with(Setting.config(TrainingConfig.BASE_LR), "0.1")
        .with(Setting.layer("conv*", TrainingConfig.LR), "0.01")
        .with(Setting.layer("conv2", TrainingConfig.LR_MULT), "0");
    assertEquals(0.01, c.learningRate("conv1"));
    assertEquals(0.0, c.learningRate("conv2"));
    assertEquals(0.1, c.learningRate("fc"));
    assertTrue(Path.of(TrainingConfig.defaults()
        .with(Setting.config(TrainingConfig.INPUT_DATA), "x.csv")
        .get(TrainingConfig.INPUT_DATA)).isAbsolute());
  }

  @Test void autoGridsAreDocumentedDefaults() {
    assertEquals(List.of("0.1", "0.01", "0.001"),
        TrainingConfig.autoValues(Setting.config(TrainingConfig.BASE_LR)));
    assertEquals(List.of("0", "0.001", "0.01"),
        TrainingConfig.autoValues(Setting.layer("conv*", TrainingConfig.LR)));
    assertEquals(3, GridAxis.auto(Setting.config(TrainingConfig.BATCH_SIZE)).expand().size());
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> GridAxis.auto(Setting.config(TrainingConfig.INPUT_DATA)));
    assertTrue(e.getMessage().contains("config.input_data has no default grid"), e.getMessage());
  }

  @Test void badInputIsNamed() throws IOException {
    FormatException f = assertThrows(FormatException.class,
        () -> read("base_lr: 0.1\nbatch_size: many\n"));
    assertTrue(f.getMessage().endsWith("train.conf: line 2: batch_size 'many' must be a whole"
        + " number"), f.getMessage());
    f = assertThrows(FormatException.class, () -> read("learning_rate: 0.1\n"));
    assertTrue(f.getMessage().contains("line 1: unknown config key 'learning_rate'"),
        f.getMessage());
    f = assertThrows(FormatException.class, () -> read("updater: lbfgs\n"));
    assertTrue(f.getMessage().contains("must be one of sgd, nesterovs"), f.getMessage());
    f = assertThrows(FormatException.class, () -> read("m[\"conv*\"].dropout: 0.5\n"));
    assertTrue(f.getMessage().contains("unknown layer setting 'dropout'"), f.getMessage());
    f = assertThrows(FormatException.class, () -> read("base_lr 0.1\n"));
    assertTrue(f.getMessage().contains("line 1: expected 'key: value'"), f.getMessage());
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> GridAxis.of(Setting.config(TrainingConfig.BASE_LR), List.of("0.1", "-1")));
    assertTrue(e.getMessage().contains("config.base_lr: base_lr '-1' must be a number > 0"),
        e.getMessage());
    e = assertThrows(ModelHubException.class, () -> Setting.config("base_lrr"));
    assertTrue(e.getMessage().contains("unknown config key 'base_lrr'"), e.getMessage());
    e = assertThrows(ModelHubException.class, () -> new KeepRule(5, "f1", 100));
    assertTrue(e.getMessage().contains("unknown metric 'f1'"), e.getMessage());
  }

  @Test void keepRuleDirection() {
    assertTrue(new KeepRule(5, "loss", 100).lowerIsBetter());
    assertEquals("val_loss", new KeepRule(5, "loss", 100).metricName());
    assertFalse(new KeepRule(2, "ACCURACY", 10).lowerIsBetter());
    assertEquals("top(5, m[\"loss\"], 100)", new KeepRule(5, "loss", 100).label());
  }
}
