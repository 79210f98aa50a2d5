package org.modelhub.store;

import java.util.ArrayList;
import java.util.List;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.ModelContent;

/** Lets tests of other packages make training-like snapshots. */
public final class DeltaCommitTestAccess {
  private DeltaCommitTestAccess() {
  }

  /** One step of training: every weight moves a little. */
  public static ModelContent step(ModelContent c, long seed) {
    return DeltaCommitTest.step(c, seed);
  }

  /** Six snapshots of LeNet a training step apart, each stored materialised. */
  public static List<VersionInfo> snapshots(Repository repo) {
    repo.catalog().putSetting("pas.max_chain", "0");
    ModelContent c = TestModels.lenetContent(1);
    List<VersionInfo> vs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      vs.add(repo.newCommit().model("lenet").message("s" + i).content(c).run(Progress.NONE));
      c = step(c, i);
    }
    return vs;
  }
}
