package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;

class LineageTest {
  @TempDir Path dir;

  /**
   * A DAG with merges, a diamond and versions reached by paths of different lengths: the
   * one-query walk gives the rows, in the order, of a walk that asks the catalog for the
   * parents or children of one version at a time.
   */
  @Test void oneQueryWalkMatchesWalkingHopByHop() {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<VersionInfo> all = dag(repo);
      VersionInfo e = all.get(4);
      VersionInfo f = all.get(5);
      VersionInfo g = all.get(6);
      for (VersionInfo v : all) {
        assertEquals(hopByHop(repo, v), Lineage.of(repo, v), v.label());
      }
      List<Lineage.Row> ofF = Lineage.of(repo, f);
      assertEquals(List.of("e@1 1 " + f.id(), "a@1 1 " + f.id(), "c@1 1 " + f.id(),
          "d@1 2 " + e.id(), "b@1 2 " + e.id()), ofF.stream()
          .map(r -> r.version().label() + " " + r.depth() + " " + r.via()).toList());
      assertEquals(List.of(), Lineage.of(repo, g));
    }
  }

  /** A walk bounded in depth or direction gives the rows of the whole walk that fit. */
  @Test void boundedWalkIsThePrefixOfTheWhole() {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<VersionInfo> versions = dag(repo);
      VersionInfo a = versions.get(0);
      for (VersionInfo v : versions) {
        List<Lineage.Row> all = Lineage.of(repo, v);
        for (int depth = 0; depth <= 4; depth++) {
          for (String direction : new String[] {null, Lineage.ANCESTOR, Lineage.DESCENDANT}) {
            int max = depth;
            assertEquals(all.stream().filter(r -> r.depth() <= max
                    && (direction == null || r.direction().equals(direction))).toList(),
                Lineage.of(repo, v, depth, direction), v.label() + " " + depth + " " + direction);
          }
        }
      }
      ModelHubException bad = assertThrows(ModelHubException.class,
          () -> Lineage.of(repo, a, 2, "up"));
      assertEquals("lineage direction must be 'ancestor' or 'descendant', not 'up'",
          bad.getMessage());
      assertThrows(ModelHubException.class, () -> Lineage.of(repo, a, -1, null));
    }
  }

  /** Versions a to g: merges, a diamond, versions reached by paths of different lengths. */
  private static List<VersionInfo> dag(Repository repo) {
    VersionInfo a = commit(repo, "a", List.of());
    VersionInfo b = commit(repo, "b", List.of(a));
    VersionInfo c = commit(repo, "c", List.of(a));
    VersionInfo d = commit(repo, "d", List.of(c, b));
    VersionInfo e = commit(repo, "e", List.of(d, b));
    VersionInfo f = commit(repo, "f", List.of(e, a, c));
    VersionInfo g = commit(repo, "g", List.of());
    return List.of(a, b, c, d, e, f, g);
  }

  private static VersionInfo commit(Repository repo, String model, List<VersionInfo> parents) {
    Commit commit = repo.newCommit().model(model).content(TestModels.lenetContent(
        model.charAt(0))).noParent();
    for (VersionInfo p : parents) {
      commit.parent(p, LineageEdge.COMMIT);
    }
    return commit.run(Progress.NONE);
  }

  /** The walk Lineage made before it asked for all edges at once: two queries per hop. */
  private static List<Lineage.Row> hopByHop(Repository repo, VersionInfo start) {
    List<Lineage.Row> rows = new ArrayList<>();
    for (boolean up : new boolean[] {true, false}) {
      Set<String> seen = new HashSet<>(Set.of(start.id()));
      Deque<Lineage.Row> todo = new ArrayDeque<>(List.of(new Lineage.Row(start, "", 0, "",
          "")));
      while (!todo.isEmpty()) {
        Lineage.Row r = todo.poll();
        for (LineageEdge e : up ? repo.catalog().parents(r.version().id())
            : repo.catalog().children(r.version().id())) {
          String next = up ? e.parentId() : e.childId();
          if (seen.add(next)) {
            Lineage.Row row = new Lineage.Row(repo.catalog().version(next).orElseThrow(),
                up ? Lineage.ANCESTOR : Lineage.DESCENDANT, r.depth() + 1, e.kind(),
                r.version().id());
            rows.add(row);
            todo.add(row);
          }
        }
      }
    }
    return rows;
  }
}
