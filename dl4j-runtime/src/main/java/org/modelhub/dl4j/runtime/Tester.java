package org.modelhub.dl4j.runtime;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.modelhub.dl4j.data.LabeledData;
import org.modelhub.store.Progress;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.ConfusionMatrix;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The test phase: a graph's mean loss (without the weight-decay term), accuracy and confusion
 * matrix over examples, in minibatches, without training.
 */
final class Tester {
  /** What a test measured. */
  record Measures(long examples, double loss, double accuracy, ConfusionMatrix confusion) { }

  private Tester() {
  }

  /**
   * The mean loss of a batch from the graph's outputs, so that a test runs one forward pass:
   * cross-entropy of a softmax, binary cross-entropy of a sigmoid, or the loss function on
   * the outputs of an identity head; otherwise DL4J's score (a second pass).
   */
  static double loss(ComputationGraph g, DataSet ds, INDArray out) {
    org.deeplearning4j.nn.conf.layers.Layer conf = g.getOutputLayer(0).conf().getLayer();
    ILossFunction lossFn = conf instanceof BaseOutputLayer ? ((BaseOutputLayer) conf).getLossFn()
        : conf instanceof LossLayer ? ((LossLayer) conf).getLossFn() : null;
    IActivation act = conf instanceof BaseLayer ? ((BaseLayer) conf).getActivationFn() : null;
    INDArray labels = ds.getLabels().castTo(out.dataType());
    long n = out.size(0);
    if (lossFn instanceof LossMCXENT && act instanceof ActivationSoftmax) {
      INDArray logP = Transforms.log(Transforms.max(out, 1e-12, true), false);
      return -logP.muli(labels).sumNumber().doubleValue() / n;
    }
    if (lossFn instanceof LossBinaryXENT && act instanceof ActivationSigmoid) {
      INDArray p = Transforms.min(Transforms.max(out, 1e-12, true), 1 - 1e-7, false);
      INDArray a = Transforms.log(p, true).muli(labels);
      INDArray b = Transforms.log(p.rsub(1), false).muli(labels.rsub(1));
      return -a.addi(b).sumNumber().doubleValue() / n;
    }
    if (lossFn != null && act instanceof ActivationIdentity) {
      return lossFn.computeScore(labels, out.dup(), act, null, true);
    }
    // DL4J's score adds the weight-decay term to the mean loss; the test reports the loss
    return g.score(ds, false) - g.calcRegularizationScore(true);
  }

  /**
   * Tests {@code graph} on every example of {@code data}.
   *
   * @param classes names of the graph's outputs, in order
   * @return null when cancelled
   */
  static Measures run(Dl4jGraph graph, LabeledData data, List<String> classes, int batchSize,
      Progress progress, Cancellation cancel) {
    ComputationGraph g = graph.graph();
    int k = classes.size();
    long[][] confusion = new long[k][k];
    double lossSum = 0;
    progress.begin("testing", data.size());
    try {
      for (int from = 0; from < data.size(); from += batchSize) {
        if (cancel.isCancelled()) {
          return null;
        }
        int to = Math.min(data.size(), from + batchSize);
        DataSet ds = data.batch(from, to, graph.inputShape());
        if (ds.getLabels().columns() != k) {
          // the network has more outputs than the data has classes: pad the labels
          INDArray padded = org.nd4j.linalg.factory.Nd4j.zeros(ds.getLabels().dataType(),
              to - from, k);
          for (int i = 0; i < to - from; i++) {
            padded.putScalar(i, data.label(from + i), 1.0);
          }
          ds = new DataSet(ds.getFeatures(), padded);
        }
        INDArray out = graph.output(ds.getFeatures());
        lossSum += loss(g, ds, out) * (to - from);
        INDArray predicted = out.argMax(1);
        for (int i = 0; i < to - from; i++) {
          confusion[data.label(from + i)][predicted.getInt(i)]++;
        }
        progress.advance(to - from);
      }
    } finally {
      progress.end();
    }
    ConfusionMatrix m = new ConfusionMatrix(classes, confusion);
    return new Measures(data.size(), data.size() == 0 ? Double.NaN : lossSum / data.size(),
        m.accuracy(), m);
  }
}
