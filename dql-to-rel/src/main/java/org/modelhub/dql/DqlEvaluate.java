package org.modelhub.dql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.DataContext;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.modelhub.calcite.ResultTable;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.runtime.CandidateResult;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.EvaluateRequest;
import org.modelhub.store.runtime.EvaluateResult;
import org.modelhub.store.runtime.GridAxis;
import org.modelhub.store.runtime.KeepRule;
import org.modelhub.store.runtime.ModelRuntime;
import org.modelhub.store.runtime.Setting;

/**
 * DQL's {@code evaluate}: the statement's settings as one JSON literal of the plan, and the
 * table function {@code DQL_EVALUATE(sources, spec)} that trains every candidate through the
 * {@link ModelRuntime} (DL4J) and returns a row per candidate (docs/evaluate.md). The
 * statement's JDBC cancel flag (set by {@code Statement.cancel} or {@code close}) stops the
 * training between two iterations.
 */
public final class DqlEvaluate {
  /** The result columns: the committed version first, then what the candidate was. */
  static final List<ResultTable.Column> COLUMNS = List.of(
      ResultTable.col("ID", SqlTypeName.VARCHAR), ResultTable.col("MODEL", SqlTypeName.VARCHAR),
      ResultTable.col("VERSION", SqlTypeName.INTEGER),
      ResultTable.col("CANDIDATE", SqlTypeName.INTEGER),
      ResultTable.col("SOURCE_ID", SqlTypeName.VARCHAR),
      ResultTable.col("SOURCE", SqlTypeName.VARCHAR),
      ResultTable.col("SETTINGS", SqlTypeName.VARCHAR),
      ResultTable.col("METRIC", SqlTypeName.VARCHAR),
      ResultTable.nullable("METRIC_AT_CUT", SqlTypeName.DOUBLE),
      ResultTable.nullable("FINAL_METRIC", SqlTypeName.DOUBLE),
      ResultTable.col("ITERATIONS", SqlTypeName.BIGINT),
      ResultTable.col("KEPT", SqlTypeName.BOOLEAN),
      ResultTable.col("PLACE", SqlTypeName.INTEGER));

  private static final ThreadLocal<Caller> CALLER = new ThreadLocal<>();

  private DqlEvaluate() {
  }

  /** Who runs statements on this thread: a progress listener and a cancellation. */
  private record Caller(EvaluateListener listener, Cancellation cancel) { }

  /** A body of work that may throw. */
  @FunctionalInterface
  public interface Work<T, E extends Exception> {
    T run() throws E;
  }

  /**
   * Runs {@code work} so that the evaluate statements it runs on this thread report to
   * {@code listener} (null: keep the enclosing one) and also stop when {@code cancel} is
   * cancelled ({@code dlv query}'s progress line and Ctrl-C; the statement around a
   * {@code DQL('evaluate ...')} call).
   */
  public static <T, E extends Exception> T withCaller(EvaluateListener listener,
      Cancellation cancel, Work<T, E> work) throws E {
    Caller outer = CALLER.get();
    EvaluateListener l = listener != null ? listener
        : outer != null ? outer.listener() : EvaluateListener.NONE;
    Cancellation c = outer == null ? cancel : cancel.watching(outer.cancel()::isCancelled);
    CALLER.set(new Caller(l, c));
    try {
      return work.run();
    } finally {
      if (outer == null) {
        CALLER.remove();
      } else {
        CALLER.set(outer);
      }
    }
  }

  /** A cancellation that follows the cancel flag of the statement {@code root} belongs to. */
  static Cancellation cancellation(DataContext root) {
    AtomicBoolean flag = root == null ? null : DataContext.Variable.CANCEL_FLAG.get(root);
    return new Cancellation().watching(flag == null ? null : flag::get);
  }

  /**
   * The statement's config, grid and keep rule as the JSON the plan passes to
   * {@code DQL_EVALUATE}; each setting is checked here, so that a bad one is an error at its
   * position before anything trains.
   */
  static String spec(Ast.Evaluate e) {
    ObjectNode spec = NetworkJson.MAPPER.createObjectNode();
    spec.put("config", e.config());
    ArrayNode vary = spec.putArray("vary");
    for (Ast.Vary v : e.vary()) {
      ObjectNode axis = vary.addObject();
      if (v.layers() != null) {
        axis.put("layers", v.layers().pattern().text());
      }
      axis.put("key", v.key());
      if (v.values() != null) {
        ArrayNode values = axis.putArray("values");
        for (Ast.Literal l : v.values()) {
          if (l.kind() == Ast.Literal.Kind.STAR) {
            throw new DqlException(l.pos(), "vary lists values: a number or a string, not *");
          }
          values.add(l.text());
        }
      }
      try {
        axis(axis);
      } catch (ModelHubException ex) {
        throw new DqlException(v.pos(), ex.getMessage());
      }
    }
    if (e.keep() != null) {
      ObjectNode keep = spec.putObject("keep");
      keep.put("k", e.keep().count());
      keep.put("metric", e.keep().metric());
      keep.put("iterations", e.keep().iterations());
      try {
        keep(keep);
      } catch (ModelHubException ex) {
        throw new DqlException(e.keep().pos(), ex.getMessage());
      }
    }
    return spec.toString();
  }

  private static GridAxis axis(JsonNode a) {
    Setting s = a.hasNonNull("layers") ? Setting.layer(a.get("layers").asText(),
        a.get("key").asText().toLowerCase(Locale.ROOT))
        : Setting.config(a.get("key").asText().toLowerCase(Locale.ROOT));
    if (!a.has("values")) {
      return GridAxis.auto(s);
    }
    List<String> values = new ArrayList<>();
    a.get("values").forEach(v -> values.add(v.asText()));
    return GridAxis.of(s, values);
  }

  private static KeepRule keep(JsonNode k) {
    return new KeepRule(k.get("k").asInt(), k.get("metric").asText(),
        k.get("iterations").asLong());
  }

  /** The request a spec and a newline-separated list of source versions make. */
  static EvaluateRequest request(List<String> sources, String spec) {
    JsonNode s;
    try {
      s = NetworkJson.MAPPER.readTree(spec);
    } catch (JsonProcessingException e) {
      throw new ModelHubException("DQL_EVALUATE: the spec is not JSON: " + e.getMessage());
    }
    List<GridAxis> grid = new ArrayList<>();
    s.path("vary").forEach(a -> grid.add(axis(a)));
    String config = s.path("config").asText("");
    return new EvaluateRequest(sources, config.isBlank() ? null
        : Path.of(config).toAbsolutePath().normalize(), grid,
        s.hasNonNull("keep") ? keep(s.get("keep")) : null, null);
  }

  /**
   * Trains the candidates of an evaluate statement: {@code sources} is a newline-separated
   * list of versions (ids, {@code model@N} or model names), null or empty for none.
   */
  public static ScannableTable evaluate(String sources, String spec) {
    return new ResultTable() {
      @Override protected List<Column> columns() {
        return COLUMNS;
      }

      @Override protected List<Object[]> rows(Repository repo) {
        return rows(repo, null);
      }

      @Override protected List<Object[]> rows(Repository repo, DataContext root) {
        List<String> refs = sources(repo, sources);
        if (refs.isEmpty()) {
          return List.of();
        }
        EvaluateRequest request = request(refs, spec);
        Caller caller = CALLER.get();
        Cancellation cancel = caller == null ? cancellation(root)
            : cancellation(root).watching(caller.cancel()::isCancelled);
        EvaluateResult result = ModelRuntime.load().evaluate(repo, request,
            caller != null ? caller.listener() : EvaluateListener.NONE, cancel);
        List<Object[]> rows = new ArrayList<>();
        for (CandidateResult r : result.candidates()) {
          VersionInfo v = repo.catalog().version(r.versionId()).orElseThrow();
          rows.add(new Object[] {v.id(), v.model(), v.version(), r.candidate().number(),
              r.candidate().sourceId(), r.candidate().sourceLabel(),
              settings(r.candidate().settings()), r.metric(), orNull(r.metricAtCut()),
              orNull(r.finalMetric()), r.iterations(), r.kept(), r.rank()});
        }
        return rows;
      }
    };
  }

  /** The source versions, each once, ordered by model and version number. */
  private static List<String> sources(Repository repo, String sources) {
    if (sources == null || sources.isBlank()) {
      return List.of();
    }
    List<VersionInfo> versions = new ArrayList<>();
    for (String ref : new LinkedHashSet<>(List.of(sources.strip().split("\\s*\n\\s*")))) {
      try {
        versions.add(repo.resolve(ref));
      } catch (ModelHubException e) {
        throw new ModelHubException("evaluate from \"" + ref + "\": no saved statement or"
            + " version of that name (" + e.getMessage() + ")");
      }
    }
    versions.sort(Comparator.comparing(VersionInfo::model)
        .thenComparingInt(VersionInfo::version));
    List<String> ids = new ArrayList<>();
    versions.forEach(v -> ids.add(v.id()));
    return List.copyOf(new LinkedHashSet<>(ids));
  }

  /** {@code config.base_lr=0.01, m["conv*"].lr=0}. */
  private static String settings(Map<String, String> settings) {
    List<String> parts = new ArrayList<>();
    settings.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(", ", parts);
  }

  private static Double orNull(double d) {
    return Double.isNaN(d) ? null : d;
  }
}
