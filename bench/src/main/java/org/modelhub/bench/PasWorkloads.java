package org.modelhub.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.ModelContent;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The three workloads of the PAS benchmark, made by real training and real model files:
 * snapshots of one DL4J training run of a LeNet-like CNN on Fashion-MNIST, fine-tunes of its
 * last snapshot that change only the output layer, and independent trained models from the
 * shared corpus. Every model goes through the product's importers (DL4J zip, Caffe, TF.js,
 * ONNX), so the tensors are exactly what a commit stores.
 */
final class PasWorkloads {
  private static final int SEED = 42;
  private static final int BATCH = 64;

  /** One version of a workload: its content and the index of its parent (-1: none). */
  record Version(String model, String label, ModelContent content, int parent, String kind) { }

  /** A named list of versions in commit order. */
  record Workload(String name, List<Version> versions) {
    long rawBytes() {
      return versions.stream().mapToLong(v -> v.content().rawBytes()).sum();
    }
  }

  private final Path corpus;
  private final Path cache;
  private final Consumer<String> log;
  private DataSet data;

  /**
   * @param cache where trained workloads are kept, one folder per set of parameters, so that
   *     a rerun imports the same DL4J zips instead of training again
   */
  PasWorkloads(Path corpus, Path cache, Consumer<String> log) {
    this.corpus = corpus;
    this.cache = cache;
    this.log = log;
  }

  /**
   * (a) {@code snapshots} snapshots, {@code every} minibatches apart, of one training run;
   * (b) its last snapshot and {@code count} fine-tunes of it, each training only the output
   * layer for {@code steps} minibatches on a slice of its own. Trained once per set of
   * parameters: the DL4J zips are cached, and a cached run is imported as it was saved.
   */
  List<Workload> trained(int snapshots, int every, int count, int steps) throws IOException {
    Path dir = cache.resolve(String.format(Locale.ROOT, "lenet-seed%d-batch%d-%dx%d-ft%dx%d",
        SEED, BATCH, snapshots, every, count, steps));
    if (!Files.isDirectory(dir)) {
      Path staging = Files.createDirectories(cache.resolve(dir.getFileName() + ".partial"));
      MultiLayerNetwork last = train(snapshots, every, staging);
      fineTune(last, count, steps, staging);
      // a folder is in the cache only when whole: an interrupted run trains again
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    } else {
      log.accept("workloads (a) and (b) from " + dir);
    }
    List<Version> a = new ArrayList<>();
    for (int s = 0; s < snapshots; s++) {
      a.add(new Version("fmnist-lenet", "snapshot " + (s + 1), dl4j(dir, "snap" + s), s - 1,
          "commit"));
    }
    List<Version> b = new ArrayList<>();
    b.add(new Version("fmnist-lenet-base", "base", dl4j(dir, "ft-base"), -1, "commit"));
    for (int f = 0; f < count; f++) {
      b.add(new Version("fmnist-lenet-ft" + f, "fine-tune " + (f + 1), dl4j(dir, "ft" + f), 0,
          "fine-tune"));
    }
    return List.of(new Workload("(a) training snapshots", a),
        new Workload("(b) fine-tunes, last layer", b));
  }

  /** Trains, saving each snapshot as {@code snap<i>.zip} in {@code dir}; returns the net. */
  private MultiLayerNetwork train(int snapshots, int every, Path dir) throws IOException {
    DataSet all = data();
    MultiLayerNetwork net = new MultiLayerNetwork(lenet());
    net.init();
    int batches = all.numExamples() / BATCH;
    int step = 0;
    for (int s = 0; s < snapshots; s++) {
      for (int i = 0; i < every; i++, step++) {
        int b = step % batches;
        net.fit(all.getRange(b * BATCH, (b + 1) * BATCH));
      }
      log.accept(String.format(Locale.ROOT, "snapshot %d after %d minibatches: loss %.4f",
          s + 1, step, net.score()));
      save(net, dir, "snap" + s);
    }
    return net;
  }

  /** Fine-tunes {@code count} copies of {@code trained}, saving each as {@code ft<f>.zip}. */
  private void fineTune(MultiLayerNetwork trained, int count, int steps, Path dir)
      throws IOException {
    save(trained, dir, "ft-base");
    DataSet all = data();
    int batches = all.numExamples() / BATCH;
    for (int f = 0; f < count; f++) {
      MultiLayerNetwork ft = new TransferLearning.Builder(trained.clone())
          .fineTuneConfiguration(new FineTuneConfiguration.Builder()
              .updater(new Adam(1e-3 * (1 + f))).seed(SEED + f).build())
          .setFeatureExtractor(4)
          .build();
      for (int i = 0; i < steps; i++) {
        int b = (f * 7 + i) % batches;
        ft.fit(all.getRange(b * BATCH, (b + 1) * BATCH));
      }
      save(ft, dir, "ft" + f);
    }
    log.accept("fine-tuned " + count + " copies of the last snapshot (output layer only)");
  }

  /** (c) independent trained models of the corpus. */
  Workload independent() throws IOException {
    Formats f = Formats.get();
    List<Version> vs = new ArrayList<>();
    vs.add(new Version("lenet-caffe", "LeNet caffemodel", f.importer("caffe").read(
        new ImportInput(List.of(corpus.resolve("caffe/lenet.prototxt")),
            List.of(corpus.resolve("caffe/lenet_iter_10000.caffemodel")), List.of(),
            Optional.empty())), -1, "commit"));
    Path tfjs = corpus.resolve("tfjs/esrgan-slim-x2/model.json");
    FileRole role = f.recognize(tfjs).orElseThrow().role();
    vs.add(new Version("esrgan-tfjs", "esrgan TF.js", f.importer("tfjs").read(
        ImportInput.of(tfjs, role)), -1, "commit"));
    vs.add(new Version("mnist-onnx", "ONNX MNIST CNN", f.importer("onnx").read(
        ImportInput.of(corpus.resolve("onnx/output_cnn_mnist.onnx"), FileRole.MODEL)), -1,
        "commit"));
    return new Workload("(c) independent models", vs);
  }

  /**
   * One large version, to measure commit and checkout once the costs per version are spread
   * over many bytes: an MLP 784-4096-4096-10 (20.0M float32 values, 80 MB) trained for
   * {@code steps} minibatches of Fashion-MNIST, cached like the other trained workloads.
   */
  Version large(int steps) throws IOException {
    Path dir = cache.resolve(String.format(Locale.ROOT, "mlp-4096x2-seed%d-batch%d-%d", SEED,
        BATCH, steps));
    if (!Files.isDirectory(dir)) {
      Path staging = Files.createDirectories(cache.resolve(dir.getFileName() + ".partial"));
      MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
          .seed(SEED)
          .updater(new Adam(1e-3))
          .weightInit(WeightInit.XAVIER)
          .list()
          .layer(new DenseLayer.Builder().name("fc1").nIn(784).nOut(4096)
              .activation(Activation.RELU).build())
          .layer(new DenseLayer.Builder().name("fc2").nOut(4096).activation(Activation.RELU)
              .build())
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out")
              .nOut(10).activation(Activation.SOFTMAX).build())
          .setInputType(InputType.feedForward(784))
          .build());
      net.init();
      DataSet all = data();
      for (int b = 0; b < steps; b++) {
        net.fit(all.getRange(b * BATCH, (b + 1) * BATCH));
      }
      log.accept(String.format(Locale.ROOT, "large MLP after %d minibatches: loss %.4f", steps,
          net.score()));
      save(net, staging, "mlp");
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    }
    return new Version("mlp-large", "MLP 784-4096-4096-10", dl4j(dir, "mlp"), -1, "commit");
  }

  /** LeNet-like: conv 5x5x20, max pool, conv 5x5x50, max pool, dense 500, softmax 10. */
  private static MultiLayerConfiguration lenet() {
    return new NeuralNetConfiguration.Builder()
        .seed(SEED)
        .updater(new Adam(1e-3))
        .weightInit(WeightInit.XAVIER)
        .list()
        .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nIn(1).nOut(20)
            .activation(Activation.IDENTITY).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).name("pool1").kernelSize(2, 2)
            .stride(2, 2).build())
        .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(50)
            .activation(Activation.IDENTITY).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).name("pool2").kernelSize(2, 2)
            .stride(2, 2).build())
        .layer(new DenseLayer.Builder().name("fc1").nOut(500).activation(Activation.RELU)
            .build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
            .name("out").nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1))
        .build();
  }

  /** Saves the network as a DL4J zip {@code dir/name.zip}. */
  private static void save(MultiLayerNetwork net, Path dir, String name) throws IOException {
    ModelSerializer.writeModel(net, dir.resolve(name + ".zip").toFile(), false);
  }

  /** Reads the DL4J zip {@code dir/name.zip} through the product's importer. */
  private static ModelContent dl4j(Path dir, String name) throws IOException {
    return Formats.get().importer("dl4j").read(ImportInput.of(dir.resolve(name + ".zip"),
        FileRole.MODEL));
  }

  /** The Fashion-MNIST test split (10,000 images): flat pixels in [0, 1], one-hot labels. */
  private DataSet data() throws IOException {
    if (data != null) {
      return data;
    }
    Path dir = corpus.resolve("data/fashion-mnist");
    byte[] images = idx(dir.resolve("t10k-images-idx3-ubyte.gz"), 2051);
    byte[] labels = idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 2049);
    int n = labels.length;
    float[] x = new float[n * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = (images[i] & 0xff) / 255f;
    }
    INDArray features = Nd4j.create(x, new long[] {n, 784}, 'c');
    INDArray y = Nd4j.zeros(n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, labels[i], 1.0);
    }
    data = new DataSet(features, y);
    return data;
  }

  /** The values of an IDX file (gzip): checks the magic number, skips the dimensions. */
  private static byte[] idx(Path file, int magic) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
         DataInputStream d = new DataInputStream(in)) {
      int m = d.readInt();
      if (m != magic) {
        throw new IOException(file + ": IDX magic " + m + ", expected " + magic);
      }
      int dims = m & 0xff;
      long count = 1;
      for (int i = 0; i < dims; i++) {
        count *= d.readInt();
      }
      byte[] out = new byte[Math.toIntExact(count)];
      d.readFully(out);
      return out;
    }
  }
}
