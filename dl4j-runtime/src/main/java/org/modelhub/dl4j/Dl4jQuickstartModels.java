package org.modelhub.dl4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.modelhub.store.runtime.QuickstartModels;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The quickstart's models: a DL4J MLP trained on three Gaussian blobs, saved as DL4J zips
 * with CSV training logs at three points of its training, then a copy fine-tuned on shifted
 * blobs with only its output layer learning (so the hidden layers' weights are stored once).
 */
public final class Dl4jQuickstartModels implements QuickstartModels {
  private static final double LR = 0.01;
  private static final int SEED = 42;

  @Override public List<Step> write(Path dir, Consumer<String> log) throws IOException {
    Files.createDirectories(dir);
    DataSet blobs = blobs(600, 0.0, new Random(SEED));
    MultiLayerNetwork net = new MultiLayerNetwork(config());
    net.init();
    List<Step> steps = new ArrayList<>();
    List<String> logRows = new ArrayList<>();
    int[] snapshots = {0, 10, 60};
    String[] messages = {"initialised (Xavier), not trained",
        "trained 10 epochs on blobs (Adam, lr 0.01)", "trained 60 epochs on blobs"};
    int epoch = 0;
    for (int s = 0; s < snapshots.length; s++) {
      while (epoch < snapshots[s]) {
        net.fit(blobs);
        epoch++;
        logRows.add(epoch + "," + fmt(net.score()) + "," + fmt(accuracy(net, blobs)));
      }
      log.accept("trained mlp-blobs to epoch " + epoch + ": loss " + fmt(net.score(blobs)));
      steps.add(new Step("mlp-blobs", messages[s], save(net, dir.resolve("v" + (s + 1)),
          logRows, "adam", LR), null, "commit"));
    }

    steps.add(new Step("mlp-shifted", "copy of mlp-blobs@3 for the shifted data", List.of(),
        "mlp-blobs@3", "copy"));
    DataSet shifted = blobs(600, 1.5, new Random(SEED + 1));
    // freeze the hidden layers: only the output layer learns, so fc1 and fc2 keep their bits
    net = new TransferLearning.Builder(net)
        .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(LR)).build())
        .setFeatureExtractor(1)
        .build();
    List<String> ftRows = new ArrayList<>();
    for (int e = 1; e <= 30; e++) {
      net.fit(shifted);
      ftRows.add(e + "," + fmt(net.score()) + "," + fmt(accuracy(net, shifted)));
    }
    log.accept("fine-tuned the output layer on shifted blobs: accuracy "
        + fmt(accuracy(net, shifted)));
    steps.add(new Step("mlp-shifted", "fine-tuned the output layer 30 epochs on shifted blobs",
        save(net, dir.resolve("ft"), ftRows, "adam, fc1 and fc2 frozen", LR), null,
        "fine-tune"));
    return steps;
  }

  private static MultiLayerConfiguration config() {
    return new NeuralNetConfiguration.Builder()
        .seed(SEED)
        .updater(new Adam(LR))
        .weightInit(WeightInit.XAVIER)
        .list()
        .layer(new DenseLayer.Builder().name("fc1").nIn(2).nOut(32)
            .activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().name("fc2").nIn(32).nOut(32)
            .activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out")
            .nIn(32).nOut(3).activation(Activation.SOFTMAX).build())
        .build();
  }

  /** Writes the model zip and its training log; returns both files. */
  private static List<Path> save(MultiLayerNetwork net, Path dir, List<String> rows,
      String updater, double lr) throws IOException {
    Files.createDirectories(dir);
    Path zip = dir.resolve("mlp.zip");
    ModelSerializer.writeModel(net, zip.toFile(), false);
    Path log = dir.resolve("training-log.csv");
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
      w.println("# updater = " + updater);
      w.println("# learning_rate = " + lr);
      w.println("# batch_size = full");
      w.println("# seed = " + SEED);
      w.println("epoch,loss,accuracy");
      rows.forEach(w::println);
    }
    return List.of(zip, log);
  }

  /** Three 2-D Gaussian blobs, one-hot labels, moved by {@code shift}. */
  private static DataSet blobs(int n, double shift, Random r) {
    double[][] centers = {{-2, 0}, {2, 0}, {0, 2.5}};
    INDArray x = Nd4j.create(n, 2);
    INDArray y = Nd4j.zeros(n, 3);
    for (int i = 0; i < n; i++) {
      int c = i % 3;
      x.putScalar(i, 0, centers[c][0] + shift + r.nextGaussian() * 0.8);
      x.putScalar(i, 1, centers[c][1] - shift + r.nextGaussian() * 0.8);
      y.putScalar(i, c, 1.0);
    }
    return new DataSet(x, y);
  }

  private static double accuracy(MultiLayerNetwork net, DataSet d) {
    Evaluation e = new Evaluation(3);
    e.eval(d.getLabels(), net.output(d.getFeatures()));
    return e.accuracy();
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.5f", d);
  }
}
