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
    return of(repo, start, Integer.MAX_VALUE, null);
  }

  /**
   * The rows of {@link #of(Repository, VersionInfo)} at most {@code maxDepth} hops from
   * {@code start}, in one direction ({@link #ANCESTOR} or {@link #DESCENDANT}) or both
   * ({@code null}): the walk is breadth first, so these are the same rows, found by reading
   * the lineage only that far.
   */
  public static List<Row> of(Repository repo, VersionInfo start, int maxDepth,
      String direction) {
    if (maxDepth < 0) {
      throw new ModelHubException("lineage depth must be 0 or more, not " + maxDepth);
    }
    if (direction != null && !direction.equals(ANCESTOR) && !direction.equals(DESCENDANT)) {
      throw new ModelHubException("lineage direction must be '" + ANCESTOR + "' or '"
          + DESCENDANT + "', not '" + direction + "'");
    }
    boolean up = direction == null || direction.equals(ANCESTOR);
    boolean down = direction == null || direction.equals(DESCENDANT);
    Map<String, List<LineageLink>> parents = new HashMap<>();
    Map<String, List<LineageLink>> children = new HashMap<>();
    for (LineageLink l : repo.catalog().lineageAround(start.id(), up ? maxDepth - 1 : -1,
        down ? maxDepth - 1 : -1)) {
      (l.up() ? parents : children).computeIfAbsent(l.fromId(), k -> new ArrayList<>()).add(l);
    }
    parents.values().forEach(links -> links.sort(PARENTS));
    children.values().forEach(links -> links.sort(CHILDREN));
    List<Row> rows = new ArrayList<>();
    walk(parents, start, ANCESTOR, maxDepth, rows);
    walk(children, start, DESCENDANT, maxDepth, rows);
    return rows;
  }

  private static void walk(Map<String, List<LineageLink>> links, VersionInfo start,
      String direction, int maxDepth, List<Row> rows) {
    Set<String> seen = new HashSet<>();
    seen.add(start.id());
    Deque<Row> todo = new ArrayDeque<>();
    todo.add(new Row(start, "", 0, "", ""));
    while (!todo.isEmpty()) {
      Row r = todo.poll();
      if (r.depth() == maxDepth) {
        continue;
      }
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
