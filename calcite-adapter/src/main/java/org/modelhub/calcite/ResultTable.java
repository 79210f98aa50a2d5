package org.modelhub.calcite;

import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.modelhub.store.Repository;

/**
 * The table a model-operator function returns: fixed columns, rows computed against the
 * repository of the statement's connection when the query runs.
 */
public abstract class ResultTable extends AbstractTable implements ScannableTable {
  /** A column: name, type, nullability. */
  public record Column(String name, SqlTypeName type, boolean nullable) { }

  public static Column col(String name, SqlTypeName type) {
    return new Column(name, type, false);
  }

  public static Column nullable(String name, SqlTypeName type) {
    return new Column(name, type, true);
  }

  protected abstract List<Column> columns();

  protected abstract List<Object[]> rows(Repository repo);

  /** The rows, for a table that needs the statement's context (its cancel flag). */
  protected List<Object[]> rows(Repository repo, DataContext root) {
    return rows(repo);
  }

  @Override public final RelDataType getRowType(RelDataTypeFactory f) {
    RelDataTypeFactory.Builder b = f.builder();
    for (Column c : columns()) {
      b.add(c.name(), c.type()).nullable(c.nullable());
    }
    return b.build();
  }

  @Override public final Enumerable<Object[]> scan(DataContext root) {
    return Linq4j.asEnumerable(rows(ModelHubSchema.repository(root), root));
  }
}
