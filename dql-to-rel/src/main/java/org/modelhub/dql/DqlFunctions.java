package org.modelhub.dql;

import com.google.common.collect.ImmutableMultimap;
import java.lang.reflect.Method;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.calcite.DataContext;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.Function;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.schema.impl.ScalarFunctionImpl;
import org.apache.calcite.schema.impl.TableFunctionImpl;
import org.apache.calcite.sql.type.SqlTypeName;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.calcite.ResultTable;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.ops.NetworkEdit;

/**
 * The functions DQL plans call, also usable from SQL: {@code DQL(text)} runs a statement;
 * {@code SLICE(version, from, to[, message])} and {@code CONSTRUCT(version, mutations,
 * bindings, message)} make new versions; {@code DQL_CAPTURE}, {@code DQL_BINDING} and
 * {@code DQL_NUMBER} are the scalar helpers of capture matching and numeric comparisons.
 */
public final class DqlFunctions {
  private DqlFunctions() {
  }

  /** Every function, by SQL name, for {@link ModelHubSchema}. */
  public static ImmutableMultimap<String, Function> all() {
    ImmutableMultimap.Builder<String, Function> b = ImmutableMultimap.builder();
    try {
      b.put("DQL", TableFunctionImpl.create(method("dql", String.class)));
      b.put("SLICE", TableFunctionImpl.create(method("slice", String.class, String.class,
          String.class)));
      b.put("SLICE", TableFunctionImpl.create(method("slice", String.class, String.class,
          String.class, String.class)));
      b.put("CONSTRUCT", TableFunctionImpl.create(method("construct", String.class,
          String.class, String.class, String.class)));
      b.put("DQL_EVALUATE", TableFunctionImpl.create(DqlEvaluate.class.getMethod("evaluate",
          String.class, String.class)));
      b.put("DQL_CAPTURE", ScalarFunctionImpl.create(method("capture", String.class,
          String.class, int.class)));
      b.put("DQL_BINDING", ScalarFunctionImpl.create(method("binding", String.class)));
      b.put("DQL_NUMBER", ScalarFunctionImpl.create(method("number", String.class)));
      b.put("DQL_ATTR", ScalarFunctionImpl.create(method("attr", String.class, String.class)));
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
    return b.build();
  }

  private static Method method(String name, Class<?>... types) throws NoSuchMethodException {
    return DqlFunctions.class.getMethod(name, types);
  }

  /** Columns of the versions slice and construct create. */
  static final List<ResultTable.Column> CREATED = List.of(
      ResultTable.col("ID", SqlTypeName.VARCHAR), ResultTable.col("MODEL", SqlTypeName.VARCHAR),
      ResultTable.col("VERSION", SqlTypeName.INTEGER),
      ResultTable.col("SOURCE_ID", SqlTypeName.VARCHAR),
      ResultTable.col("SOURCE", SqlTypeName.VARCHAR), ResultTable.col("KIND", SqlTypeName.VARCHAR),
      ResultTable.col("NUM_LAYERS", SqlTypeName.INTEGER),
      ResultTable.col("NUM_PARAMS", SqlTypeName.BIGINT),
      ResultTable.col("STORED_BYTES", SqlTypeName.BIGINT),
      ResultTable.col("CHANGES", SqlTypeName.VARCHAR));

  /** The sub-network of {@code version} from layer {@code from} to {@code to}, committed. */
  public static ScannableTable slice(String version, String from, String to) {
    return slice(version, from, to, null);
  }

  /**
   * As {@link #slice(String, String, String)}; {@code from} and {@code to} may be layer-name
   * patterns that match one layer each. A pattern matching nothing gives no row.
   */
  public static ScannableTable slice(String version, String from, String to, String message) {
    return new Created() {
      @Override protected List<Object[]> rows(Repository repo) {
        VersionInfo v = repo.resolve(version);
        ModelContent src = repo.content(v, org.modelhub.store.Progress.NONE);
        String in = single(src, from, v);
        String out = single(src, to, v);
        if (in == null || out == null) {
          return List.of();
        }
        ModelContent sliced = NetworkEdit.slice(src, in, out);
        List<Object[]> rows = new ArrayList<>();
        rows.add(commit(repo, v, sliced, LineageEdge.SLICE, message != null ? message
            : "slice of " + v.label() + " from " + in + " to " + out,
            "layers " + in + " .. " + out));
        return rows;
      }
    };
  }

  /** Applies construct mutations (JSON) for each binding (one JSON object per line). */
  public static ScannableTable construct(String version, String mutations, String bindings,
      String message) {
    return new Created() {
      @Override protected List<Object[]> rows(Repository repo) {
        VersionInfo v = repo.resolve(version);
        ModelContent src = repo.content(v, org.modelhub.store.Progress.NONE);
        Mutations.Result r = Mutations.apply(src, mutations, bindings, v.id());
        if (r.changes().isEmpty()) {
          return List.of();
        }
        List<Object[]> rows = new ArrayList<>();
        rows.add(commit(repo, v, r.content(), LineageEdge.CONSTRUCT,
            message != null ? message : "construct from " + v.label(),
            String.join("; ", r.changes())));
        return rows;
      }
    };
  }

  /** Runs a DQL statement; its rows, as {@code dlv query} would print them. */
  public static ScannableTable dql(String text) {
    Ast.Program program = DqlParser.parse(text);
    List<ResultTable.Column> columns = DqlToRel.columns(program);
    return new DqlTable(text, columns);
  }

  /** The {@code k}-th capture of {@code regex} in {@code name}, or null if it does not match. */
  public static String capture(String name, String regex, int k) {
    if (name == null) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.DOTALL)
        .matcher(name);
    return m.matches() && k <= m.groupCount() ? m.group(k) : null;
  }

  /**
   * A binding as one JSON object, from {@code "1=a\u0000"}-separated pairs (plans build the
   * argument with string concatenation of capture values and numbers).
   */
  public static String binding(String pairs) {
    Map<Integer, String> m = new TreeMap<>();
    if (pairs != null && !pairs.isEmpty()) {
      for (String p : pairs.split("\u0000")) {
        int eq = p.indexOf('=');
        if (eq > 0) {
          m.put(Integer.parseInt(p.substring(0, eq)), p.substring(eq + 1));
        }
      }
    }
    return Mutations.bindingJson(m);
  }

  /** The number a hyperparameter's text holds, or null when it is not a number. */
  public static Double number(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Double.valueOf(text.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * A top-level attribute of a layer's JSON attributes as text (lists as compact JSON such as
   * {@code [3,3]}), or null when absent.
   */
  public static String attr(String attrsJson, String key) {
    if (attrsJson == null || key == null) {
      return null;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode v = org.modelhub.store.model.NetworkJson.MAPPER
          .readTree(attrsJson).get(key);
      if (v == null || v.isNull()) {
        return null;
      }
      return v.isValueNode() ? v.asText() : v.toString();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }

  private static String single(ModelContent m, String pattern, VersionInfo v) {
    NamePattern p = NamePattern.parse(pattern, new Ast.Pos(1, 1));
    List<String> hits = new ArrayList<>();
    for (Layer l : m.network().layers()) {
      if (p.match(l.name()).isPresent()) {
        hits.add(l.name());
      }
    }
    if (hits.size() > 1) {
      throw new ModelHubException("slice end \"" + pattern + "\" matches " + hits.size()
          + " layers of " + v.label() + " (" + String.join(", ", hits) + "); it must name one");
    }
    return hits.isEmpty() ? null : hits.get(0);
  }

  private static Object[] commit(Repository repo, VersionInfo source, ModelContent content,
      String kind, String message, String changes) {
    String model = Repository.modelNameFor(source.model() + "-" + kind);
    VersionInfo created = repo.newCommit().model(model).parent(source, kind).message(message)
        .format(source.format()).content(content).run(org.modelhub.store.Progress.NONE);
    return new Object[] {created.id(), created.model(), created.version(), source.id(),
        source.label(), kind, created.numLayers(), created.numParams(),
        created.storedBytes(), changes};
  }

  /** A table of created versions. */
  private abstract static class Created extends ResultTable {
    @Override protected List<Column> columns() {
      return CREATED;
    }
  }

  /** The rows of a DQL statement run through the statement's own connection. */
  private static final class DqlTable extends AbstractTable implements ScannableTable {
    private final String text;
    private final List<ResultTable.Column> columns;

    DqlTable(String text, List<ResultTable.Column> columns) {
      this.text = text;
      this.columns = columns;
    }

    @Override public RelDataType getRowType(RelDataTypeFactory f) {
      RelDataTypeFactory.Builder b = f.builder();
      for (ResultTable.Column c : columns) {
        b.add(c.name(), c.type()).nullable(c.nullable());
      }
      return b.build();
    }

    @Override public Enumerable<Object[]> scan(DataContext root) {
      CalciteConnection connection = (CalciteConnection) root.getQueryProvider();
      List<Object[]> rows = new ArrayList<>();
      // an evaluate inside stops when this statement is cancelled or closed
      try (PreparedStatement ps = DqlEngine.prepare(connection, text);
           ResultSet rs = DqlEvaluate.withCaller(null, DqlEvaluate.cancellation(root),
               ps::executeQuery)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Object[] row = new Object[n];
          for (int i = 0; i < n; i++) {
            row[i] = rs.getObject(i + 1);
            if (row[i] instanceof java.sql.Timestamp ts) {
              row[i] = ts.getTime();
            }
          }
          rows.add(row);
        }
      } catch (SQLException e) {
        throw new ModelHubException(e.getMessage(), e);
      }
      return Linq4j.asEnumerable(rows);
    }
  }
}
