package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.object.CorruptObjectException;
import org.modelhub.store.object.FileObjectStore;

/**
 * Every decode checks the sha256 of the rebuilt values: an object that decodes cleanly to
 * other values (here: another version's object of the same shape put in its place) fails
 * every read path, naming the version and tensor, and never yields numbers.
 */
class IntegrityTest {
  @TempDir Path dir;

  @Test void anObjectWithOtherValuesIsNamedAndRefused() throws Exception {
    Repository.init(dir.resolve("repo")).close();
    // each tensor in an object of its own, so that one version's can replace the other's
    Files.writeString(dir.resolve("repo").resolve(Repository.PROPERTIES),
        "store.pack.tensor_bytes=0\n", StandardOpenOption.APPEND);
    try (Repository r = Repository.open(dir.resolve("repo"))) {
      r.catalog().putSetting("pas.max_chain", "0");
      r.newCommit().model("lenet").content(TestModels.lenetContent(1)).run(Progress.NONE);
      r.newCommit().model("lenet").content(TestModels.lenetContent(2)).run(Progress.NONE);
    }
    try (Repository repo = Repository.open(dir.resolve("repo"))) {
      VersionInfo v1 = repo.resolve("lenet@1");
      TensorEntry e1 = repo.catalog().tensor(v1.id(), "ip1/W").orElseThrow();
      TensorEntry e2 = repo.catalog().tensor(repo.resolve("lenet@2").id(), "ip1/W")
          .orElseThrow();
      FileObjectStore objects = (FileObjectStore) repo.tensorStore().objects();
      Path file = objects.path(e1.object().objectId());
      file.toFile().setWritable(true);
      Files.copy(objects.path(e2.object().objectId()), file,
          StandardCopyOption.REPLACE_EXISTING);

      CorruptObjectException ex = assertThrows(CorruptObjectException.class,
          () -> repo.tensor(v1, e1));
      assertTrue(ex.getMessage().startsWith("lenet@1 ip1/W: object "), ex.getMessage());
      assertTrue(ex.getMessage().contains("expected " + e1.sha256()), ex.getMessage());

      ex = assertThrows(CorruptObjectException.class,
          () -> Approximation.of(repo, v1, e1, 4));
      assertTrue(ex.getMessage().startsWith("lenet@1 ip1/W"), ex.getMessage());
      // a progressive read checks each plane it reads against the catalog's CRC32C
      ex = assertThrows(CorruptObjectException.class,
          () -> Approximation.of(repo, v1, e1, 2));
      assertTrue(ex.getMessage().startsWith("lenet@1 ip1/W") && ex.getMessage()
          .contains("CRC32C"), ex.getMessage());

      Path out = dir.resolve("out");
      RuntimeException co = assertThrows(RuntimeException.class,
          () -> Checkout.run(repo, v1, "safetensors", out, false, Progress.NONE));
      assertTrue(co.getMessage().contains("lenet@1 ip1/W"), co.getMessage());
      assertFalse(Files.exists(out), "a failed checkout writes nothing");
      Fsck.Report f = new Fsck(repo).run(Progress.NONE);
      assertTrue(f.errors().stream().anyMatch(s -> s.contains(e1.object().objectId())),
          f.errors().toString());
    }
  }
}
