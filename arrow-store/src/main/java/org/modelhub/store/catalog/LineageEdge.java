package org.modelhub.store.catalog;

/** A parent edge of the lineage DAG: {@code child} derives from {@code parent} by {@code kind}. */
public record LineageEdge(String parentId, String childId, String kind, int ordinal) {
  /** How versions derive from each other. */
  public static final String COMMIT = "commit";
  public static final String COPY = "copy";
  public static final String SLICE = "slice";
  public static final String CONSTRUCT = "construct";
  public static final String FINE_TUNE = "fine-tune";

  /** The kinds a lineage edge can have (DESIGN.md). */
  public static final java.util.List<String> KINDS = java.util.List.of(COMMIT, COPY, SLICE,
      CONSTRUCT, FINE_TUNE);

  /** Returns {@code kind} if it is one of {@link #KINDS}, else fails naming them. */
  public static String checkKind(String kind) {
    if (!KINDS.contains(kind)) {
      throw new org.modelhub.store.ModelHubException("unknown lineage kind '" + kind
          + "' (kinds: " + String.join(", ", KINDS) + ")");
    }
    return kind;
  }
}
