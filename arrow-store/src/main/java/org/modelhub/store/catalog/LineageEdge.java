package org.modelhub.store.catalog;

/** A parent edge of the lineage DAG: {@code child} derives from {@code parent} by {@code kind}. */
public record LineageEdge(String parentId, String childId, String kind, int ordinal) {
  /** How versions derive from each other. */
  public static final String COMMIT = "commit";
  public static final String COPY = "copy";
  public static final String SLICE = "slice";
  public static final String CONSTRUCT = "construct";
  public static final String FINE_TUNE = "fine-tune";
}
