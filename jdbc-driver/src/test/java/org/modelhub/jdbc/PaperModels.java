package org.modelhub.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelhub.store.Corpus;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.ops.NetworkEdit;

/**
 * The models of the ModelHub paper's three DQL statements, from the real AlexNet and CaffeNet
 * definitions of the corpus, with versions edited so that each statement's predicates hold
 * for some and fail for others.
 *
 * <ul>
 *   <li>alexnet-origin@1: BVLC AlexNet as published (every conv is followed by a ReLU, so
 *   query 1's structural predicate fails; query 2 slices it);</li>
 *   <li>caffenet@1: BVLC reference CaffeNet (its name fails query 1);</li>
 *   <li>alexnet_maxv1@1 (2016): AlexNet without relu5, so conv5 feeds the MAX pool5: query 1
 *   selects it;</li>
 *   <li>alexnet_caffe@1 (2016): CaffeNet without relu1, so conv1 feeds the MAX pool1: query 1
 *   selects it;</li>
 *   <li>alexnet_old@1 (2015-06): the network of alexnet_maxv1, but created before
 *   2015-11-22: query 1 leaves it out;</li>
 *   <li>alexnet-avgv1@1: AlexNet with relu1 and norm1 gone and pool1 averaging, and relu3
 *   replaced by an AVG pool3: conv1 and conv3 feed AVG pools, conv2 (relu2), conv4 (relu4)
 *   and conv5 (relu5) do not. Query 3 inserts relu1 and relu3 there and nowhere else;</li>
 *   <li>lenet@1: LeNet with its caffemodel weights, for slices that carry weights.</li>
 * </ul>
 */
public final class PaperModels {
  public static final String QUERY1 = "select m1 where m1.name like \"alexnet_%\" and"
      + " m1.creation_time > \"2015-11-22\" and m1[\"conv[1,3,5]\"].next has POOL(\"MAX\")";
  public static final String QUERY2 = "slice m2 from m1 where m1.name like \"alexnet-origin%\""
      + " mutate m2.input = m1[\"conv1\"] and m2.output = m1[\"fc7\"]";
  public static final String QUERY3 = "construct m2 from m1 where m1.name like"
      + " \"alexnet-avgv1%\" and m1[\"conv*($1)\"].next has POOL(\"AVG\")\n"
      + "  mutate m1[\"conv*($1)\"].insert = RELU(\"relu$1\")";

  private PaperModels() {
  }

  /** Commits the models above into {@code repo}. */
  public static void commit(Repository repo) {
    ModelContent alexnet = caffe("caffe/bvlc_alexnet.deploy.prototxt");
    ModelContent caffenet = caffe("caffe/bvlc_reference_caffenet.deploy.prototxt");
    commit(repo, "alexnet-origin", "2016-01-05", alexnet, "BVLC AlexNet");
    commit(repo, "caffenet", "2016-01-06", caffenet, "BVLC reference CaffeNet");
    ModelContent maxv1 = NetworkEdit.delete(alexnet, "relu5");
    commit(repo, "alexnet_maxv1", "2016-02-01", maxv1, "no relu5: conv5 feeds pool5");
    commit(repo, "alexnet_caffe", "2016-02-02", NetworkEdit.delete(caffenet, "relu1"),
        "CaffeNet without relu1: conv1 feeds pool1");
    commit(repo, "alexnet_old", "2015-06-01", maxv1, "before the cut-off date");
    ModelContent avg = NetworkEdit.delete(NetworkEdit.delete(alexnet, "relu1"), "norm1");
    avg = withPoolMethod(avg, "pool1", LayerTypes.AVG);
    avg = NetworkEdit.delete(avg, "relu3");
    Map<String, Object> pool3 = new LinkedHashMap<>(avg.network().layer("pool1").attrs());
    avg = NetworkEdit.insertAfter(avg, "conv3",
        new Layer("pool3", LayerTypes.POOL, pool3, List.of()), List.of());
    commit(repo, "alexnet-avgv1", "2016-03-01", avg, "AVG pools after conv1 and conv3");
    commit(repo, "lenet", "2016-04-01", caffe("caffe/lenet.prototxt",
        "caffe/lenet_iter_10000.caffemodel"), "LeNet, 10,000 iterations");
  }

  private static VersionInfo commit(Repository repo, String model, String day,
      ModelContent content, String message) {
    return repo.newCommit().model(model).author("dql-tests").message(message)
        .created(Instant.parse(day + "T09:00:00Z")).format("caffe").content(content)
        .run(Progress.NONE);
  }

  private static ModelContent withPoolMethod(ModelContent m, String pool, String method) {
    List<Layer> layers = new ArrayList<>();
    for (Layer l : m.network().layers()) {
      if (l.name().equals(pool)) {
        Map<String, Object> attrs = new LinkedHashMap<>(l.attrs());
        attrs.put("method", method);
        l = new Layer(l.name(), l.type(), attrs, l.inputs());
      }
      layers.add(l);
    }
    return new ModelContent(m.network().withLayers(layers), m.tensors(), m.hyperparams(),
        List.of());
  }

  private static ModelContent caffe(String network, String... weights) {
    List<Path> w = new ArrayList<>();
    for (String f : weights) {
      w.add(Corpus.path(f));
    }
    try {
      return Formats.get().importer("caffe").read(new ImportInput(
          List.of(Corpus.path(network)), w, List.of(), Optional.empty()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
