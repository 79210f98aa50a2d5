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

  /** The plan of {@code text} (a one-row plan text for EXPLAIN). */
  public static RelNode toRel(SchemaPlus root, String text) {
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
    RelNode rel = translator.translate(program.statement(), text);
    if (!program.explain()) {
      return rel;
    }
    return b.values(new String[] {"PLAN"}, RelOptUtil.toString(rel)).build();
  }

  /** Prepares a DQL statement on a connection whose default schema is MODELHUB. */
  public static PreparedStatement prepare(CalciteConnection connection, String text)
      throws SQLException {
    RelNode rel = toRel(connection.getRootSchema(), text);
    return connection.unwrap(RelRunner.class).prepareStatement(rel);
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
        op(reader, "CONSTRUCT", SqlFunctionCategory.USER_DEFINED_TABLE_FUNCTION, 4));
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
