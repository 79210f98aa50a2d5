package org.modelhub.store.catalog;

import static java.util.Objects.requireNonNull;

/**
 * A lineage edge seen from one end, with the version at its other end: {@code up} when the
 * edge leads from a child to {@code version}, its parent; else it leads from a parent to
 * {@code version}, its child.
 */
public record LineageLink(boolean up, LineageEdge edge, VersionInfo version) {
  public LineageLink {
    requireNonNull(edge, "edge");
    requireNonNull(version, "version");
  }

  /** The version the edge is seen from: the child going up, the parent going down. */
  public String fromId() {
    return up ? edge.childId() : edge.parentId();
  }
}
