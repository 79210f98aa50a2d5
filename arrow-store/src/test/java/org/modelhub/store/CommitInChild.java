package org.modelhub.store;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Commits a 40-tensor model into the repository named by {@code args[0]}, printing
 * {@code stored N} as tensors are written and pausing after each so that a test can kill the
 * process in the middle of the commit.
 */
public final class CommitInChild {
  private CommitInChild() {
  }

  public static void main(String[] args) {
    List<Layer> layers = new ArrayList<>();
    List<Tensor> tensors = new ArrayList<>();
    Random r = new Random(1);
    layers.add(new Layer("in", LayerTypes.INPUT, Map.of(), List.of()));
    for (int i = 0; i < 40; i++) {
      layers.add(new Layer("fc" + i, LayerTypes.FC, Map.of("units", 1000),
          List.of(i == 0 ? "in" : "fc" + (i - 1))));
      tensors.add(TestModels.random("fc" + i + "/W", new long[] {1000, 250}, r));
    }
    ModelContent c = new ModelContent(new Network("big", layers, Map.of()), tensors);
    Progress slow = new PausingProgress(null, "stored", 200);
    try (Repository repo = Repository.open(Paths.get(args[0]))) {
      repo.newCommit().model("big").message("never finishes").content(c).run(slow);
    }
    System.out.println("committed");
  }
}
