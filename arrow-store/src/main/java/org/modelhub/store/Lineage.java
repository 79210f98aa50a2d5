package org.modelhub.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;

/**
 * Ancestors and descendants of a version, breadth first with their depth: the rows of SQL's
 * {@code LINEAGE_OF(version)} and what {@code dlv lineage} draws.
 */
public final class Lineage {
  /** Direction of a related version. */
  public static final String ANCESTOR = "ancestor";
  public static final String DESCENDANT = "descendant";

  /**
   * A version related to the start: {@code depth} hops away, reached from {@code via} over
   * an edge of {@code kind}.
   */
  public record Row(VersionInfo version, String direction, int depth, String kind, String via) { }

  private Lineage() {
  }

  /** Ancestors then descendants of {@code start}, each breadth first, without repeats. */
  public static List<Row> of(Repository repo, VersionInfo start) {
    List<Row> rows = new ArrayList<>();
    walk(repo, start, true, rows);
    walk(repo, start, false, rows);
    return rows;
  }

  private static void walk(Repository repo, VersionInfo start, boolean up, List<Row> rows) {
    Set<String> seen = new HashSet<>();
    seen.add(start.id());
    Deque<Row> todo = new ArrayDeque<>();
    todo.add(new Row(start, "", 0, "", ""));
    while (!todo.isEmpty()) {
      Row r = todo.poll();
      List<LineageEdge> edges = up ? repo.catalog().parents(r.version().id())
          : repo.catalog().children(r.version().id());
      for (LineageEdge e : edges) {
        String next = up ? e.parentId() : e.childId();
        if (seen.add(next)) {
          VersionInfo v = repo.catalog().version(next).orElseThrow();
          Row row = new Row(v, up ? ANCESTOR : DESCENDANT, r.depth() + 1, e.kind(),
              r.version().id());
          rows.add(row);
          todo.add(row);
        }
      }
    }
  }
}
