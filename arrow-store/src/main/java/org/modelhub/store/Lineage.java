package org.modelhub.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.catalog.LineageLink;
import org.modelhub.store.catalog.VersionInfo;

/**
 * Ancestors and descendants of a version, breadth first with their depth: the rows of SQL's
 * {@code LINEAGE_OF(version)} and what {@code dlv lineage} draws.
 */
public final class Lineage {
  /** Direction of a related version. */
  public static final String ANCESTOR = "ancestor";
  public static final String DESCENDANT = "descendant";

  /** Parents in the order of their edges, as {@code Catalog.parents} gives them. */
  private static final Comparator<LineageLink> PARENTS =
      Comparator.comparingInt(l -> l.edge().ordinal());
  /** Children by id, as {@code Catalog.children} gives them. */
  private static final Comparator<LineageLink> CHILDREN =
      Comparator.comparing(l -> l.edge().childId());

  /**
   * A version related to the start: {@code depth} hops away, reached from {@code via} over
   * an edge of {@code kind}.
   */
  public record Row(VersionInfo version, String direction, int depth, String kind, String via) { }

  private Lineage() {
  }

  /**
   * Ancestors then descendants of {@code start}, each breadth first, without repeats: a
   * version reached by several paths appears once, at its smallest depth, reached from the
   * first version of the walk that has an edge to it. The catalog hands over the edges
   * around {@code start} in one query; the walk runs over them in memory.
   */
  public static List<Row> of(Repository repo, VersionInfo start) {
    Map<String, List<LineageLink>> up = new HashMap<>();
    Map<String, List<LineageLink>> down = new HashMap<>();
    for (LineageLink l : repo.catalog().lineageAround(start.id())) {
      (l.up() ? up : down).computeIfAbsent(l.fromId(), k -> new ArrayList<>()).add(l);
    }
    up.values().forEach(links -> links.sort(PARENTS));
    down.values().forEach(links -> links.sort(CHILDREN));
    List<Row> rows = new ArrayList<>();
    walk(up, start, ANCESTOR, rows);
    walk(down, start, DESCENDANT, rows);
    return rows;
  }

  private static void walk(Map<String, List<LineageLink>> links, VersionInfo start,
      String direction, List<Row> rows) {
    Set<String> seen = new HashSet<>();
    seen.add(start.id());
    Deque<Row> todo = new ArrayDeque<>();
    todo.add(new Row(start, "", 0, "", ""));
    while (!todo.isEmpty()) {
      Row r = todo.poll();
      for (LineageLink l : links.getOrDefault(r.version().id(), List.of())) {
        if (seen.add(l.version().id())) {
          Row row = new Row(l.version(), direction, r.depth() + 1, l.edge().kind(),
              r.version().id());
          rows.add(row);
          todo.add(row);
        }
      }
    }
  }
}
