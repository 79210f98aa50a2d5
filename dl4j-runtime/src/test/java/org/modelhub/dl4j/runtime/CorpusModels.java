package org.modelhub.dl4j.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.model.ModelContent;

/** Corpus models and data as the runtime tests use them. */
final class CorpusModels {
  static final String FASHION = "data/fashion-mnist/t10k-images-idx3-ubyte.gz";
  static final String IRIS = "data/iris.csv";

  private CorpusModels() {
  }

  /** Caffe's LeNet: lenet.prototxt with the weights of lenet_iter_10000.caffemodel. */
  static ModelContent caffeLenet() {
    return read("caffe/lenet.prototxt", "caffe/lenet_iter_10000.caffemodel");
  }

  /** The trained PyTorch MNIST CNN exported to ONNX. */
  static ModelContent onnxMnist() {
    return read("onnx/output_cnn_mnist.onnx");
  }

  /** Imports corpus files the way {@code dlv add} + {@code commit} would. */
  static ModelContent read(String... files) {
    try {
      List<Path> nets = new ArrayList<>();
      List<Path> weights = new ArrayList<>();
      List<Path> models = new ArrayList<>();
      ModelImporter importer = null;
      for (String f : files) {
        Path p = Corpus.path(f);
        Formats.Recognized r = Formats.get().recognize(p).orElseThrow();
        importer = r.importer();
        switch (r.role()) {
          case NETWORK: nets.add(p); break;
          case WEIGHTS: weights.add(p); break;
          default: models.add(p);
        }
      }
      return importer.read(new ImportInput(nets, weights, models, Optional.empty()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
