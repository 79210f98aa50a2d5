package org.modelhub.dl4j.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.modelhub.dl4j.data.DataSources;
import org.modelhub.dl4j.data.LabeledData;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateCancelledException;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.EvaluateRequest;
import org.modelhub.store.runtime.EvaluateResult;
import org.modelhub.store.runtime.ModelRuntime;
import org.modelhub.store.runtime.TestResult;
import org.modelhub.store.runtime.TrainingConfig;

/**
 * The DL4J implementation of {@link ModelRuntime} ({@code dlv eval}, DQL's
 * {@code evaluate}). Work runs on a thread of its own, which nothing interrupts: an interrupt
 * of the caller becomes a cancellation, checked between iterations, so that no repository
 * write is ever cut short (an interrupt during file I/O would close H2's channel).
 */
public final class Dl4jModelRuntime implements ModelRuntime {
  @Override public TestResult test(Repository repo, VersionInfo version, Path data,
      TrainingConfig config, Progress progress, Cancellation cancel) {
    TrainingConfig c = config != null ? config : TrainingConfig.defaults();
    return onWorker("modelhub-test", cancel, () -> {
      ModelContent content = repo.content(version, Progress.NONE);
      String recorded = content.hyperparams().get("normalization");
      LabeledData examples = recorded != null ? DataSources.testOnly(data, c, recorded)
          : DataSources.testOnly(data, c);
      Dl4jGraph graph;
      try {
        graph = Dl4jGraph.build(content, examples.exampleShape(), 0, c);
      } catch (ModelHubException e) {
        throw new ModelHubException(version.label() + ": " + e.getMessage(), e);
      }
      int outputs = Math.toIntExact(outputSize(graph));
      List<String> classes = classes(examples, outputs, version);
      int batch = c.isSet(TrainingConfig.BATCH_SIZE) ? c.intValue(TrainingConfig.BATCH_SIZE)
          : 256;
      Tester.Measures m = Tester.run(graph, examples, classes, batch, progress, cancel);
      if (m == null) {
        throw new EvaluateCancelledException("test cancelled; nothing recorded", List.of());
      }
      return new TestResult(version, data.toAbsolutePath().normalize().toString(),
          examples.sha256(), m.examples(), m.loss(), m.accuracy(), m.confusion(), 0)
          .record(repo);
    });
  }

  /** The number of outputs of the graph, by running one example through it. */
  private static long outputSize(Dl4jGraph graph) {
    long[] shape = new long[graph.inputShape().length + 1];
    shape[0] = 1;
    System.arraycopy(graph.inputShape(), 0, shape, 1, graph.inputShape().length);
    return graph.output(org.nd4j.linalg.factory.Nd4j.zeros(
        org.nd4j.linalg.api.buffer.DataType.FLOAT, shape)).size(1);
  }

  /** Names of the network's outputs: the data's class names when they are as many. */
  private static List<String> classes(LabeledData data, int outputs, VersionInfo v) {
    if (data.classes().size() > outputs) {
      throw new ModelHubException(v.label() + " has " + outputs + " outputs but "
          + data.source() + " has labels up to class " + (data.classes().size() - 1));
    }
    if (data.classes().size() == outputs) {
      return data.classes();
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      names.add(Integer.toString(i));
    }
    return names;
  }

  @Override public EvaluateResult evaluate(Repository repo, EvaluateRequest request,
      EvaluateListener listener, Cancellation cancel) {
    return onWorker("modelhub-evaluate", cancel,
        () -> new EvaluateEngine(repo, request, listener, cancel).run());
  }

  /**
   * Runs {@code job} on a new thread and waits for it; an interrupt of the waiting thread
   * cancels the job (and stays set on return).
   */
  static <T> T onWorker(String name, Cancellation cancel, Callable<T> job) {
    FutureTask<T> task = new FutureTask<>(job);
    Thread worker = new Thread(task, name);
    worker.start();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
          cancel.cancel();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          if (cause instanceof Error) {
            throw (Error) cause;
          }
          throw new ModelHubException(cause.getMessage(), cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
