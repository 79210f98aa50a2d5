package org.modelhub.dql;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.SqlFunctionCategory;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.validate.SqlNameMatchers;
import org.apache.calcite.sql.validate.SqlUserDefinedTableFunction;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.tools.RelRunner;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;

/**
 * Runs DQL: parses a statement, translates it over a connection's MODELHUB schema and hands
 * the plan to Calcite. {@code EXPLAIN} of a statement returns its plan as one row.
 */
public final class DqlEngine {
  private DqlEngine() {
  }

  /** A statement translated into a plan; for EXPLAIN, the plan of the statement explained. */
  public record Translation(RelNode rel, boolean explain, RelBuilder builder) {
    /** A one-row, one-column ({@code PLAN}) relation holding {@code plan}. */
    public RelNode planRow(String plan) {
      return builder.values(new String[] {"PLAN"}, plan).build();
    }
  }

  /** Parses {@code text} and translates it over the MODELHUB schema under {@code root}. */
  public static Translation translate(SchemaPlus root, String text) {
    Ast.Program program = DqlParser.parse(text);
    SchemaPlus schema = root.getSubSchema(ModelHubSchema.NAME);
    if (schema == null) {
      throw new ModelHubException("DQL needs the MODELHUB schema on this connection");
    }
    Repository repo = schema.unwrap(Repository.class);
    RelBuilder b = RelBuilder.create(Frameworks.newConfigBuilder().defaultSchema(schema)
        .build());
    DqlToRel translator = new DqlToRel(b, operators(root),
        name -> repo != null && repo.catalog().queryText(name).isPresent());
    return new Translation(translator.translate(program.statement(), text), program.explain(),
        b);
  }

  /**
   * Prepares a DQL statement on a connection whose default schema is MODELHUB. EXPLAIN
   * returns, as one row, the plan Calcite's optimizer chose (operators named {@code Jdbc*}
   * run inside H2).
   */
  public static PreparedStatement prepare(CalciteConnection connection, String text)
      throws SQLException {
    Translation t = translate(connection.getRootSchema(), text);
    RelRunner runner = connection.unwrap(RelRunner.class);
    if (!t.explain()) {
      return runner.prepareStatement(t.rel());
    }
    String[] plan = {null};
    try (Hook.Closeable ignored = optimizedPlan(plan);
         PreparedStatement explained = runner.prepareStatement(t.rel())) {
      // preparing runs the optimizer; nothing is executed
    }
    return runner.prepareStatement(t.planRow(plan[0]));
  }

  /**
   * While open, writes the optimized plan of the statement being prepared on this thread
   * into {@code plan[0]}.
   */
  public static Hook.Closeable optimizedPlan(String[] plan) {
    return Hook.PLAN_BEFORE_IMPLEMENTATION.addThread(
        (RelRoot root) -> plan[0] = RelOptUtil.toString(root.rel));
  }

  static DqlToRel.Operators operators(SchemaPlus root) {
    CalciteCatalogReader reader = new CalciteCatalogReader(CalciteSchema.from(root),
        List.of(ModelHubSchema.NAME), new JavaTypeFactoryImpl(), CalciteConnectionConfig.DEFAULT);
    return new DqlToRel.Operators(
        op(reader, "DQL_CAPTURE", SqlFunctionCategory.USER_DEFINED_FUNCTION, -1),
        op(reader, "DQL_BINDING", SqlFunctionCategory.USER_DEFINED_FUNCTION, -1),
        op(reader, "DQL_NUMBER", SqlFunctionCategory.USER_DEFINED_FUNCTION, -1),
        op(reader, "DQL_ATTR", SqlFunctionCategory.USER_DEFINED_FUNCTION, -1),
        op(reader, "SLICE", SqlFunctionCategory.USER_DEFINED_TABLE_FUNCTION, 4),
        op(reader, "CONSTRUCT", SqlFunctionCategory.USER_DEFINED_TABLE_FUNCTION, 4),
        op(reader, "DQL_EVALUATE", SqlFunctionCategory.USER_DEFINED_TABLE_FUNCTION, 2));
  }

  private static SqlOperator op(CalciteCatalogReader reader, String name,
      SqlFunctionCategory category, int params) {
    List<SqlOperator> found = new ArrayList<>();
    reader.lookupOperatorOverloads(new SqlIdentifier(List.of(ModelHubSchema.NAME, name),
        SqlParserPos.ZERO), category, SqlSyntax.FUNCTION, found,
        SqlNameMatchers.withCaseSensitive(false));
    for (SqlOperator o : found) {
      if (params < 0 || (o instanceof SqlUserDefinedTableFunction t
          && t.getFunction().getParameters().size() == params)) {
        return o;
      }
    }
    throw new IllegalStateException("function MODELHUB." + name + " is not registered");
  }
}
