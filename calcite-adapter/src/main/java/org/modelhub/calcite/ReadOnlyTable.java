package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Type;
import java.util.Collection;
import java.util.List;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.linq4j.Queryable;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.ColumnStrategy;
import org.apache.calcite.schema.ModifiableTable;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Schemas;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql2rel.InitializerExpressionFactory;
import org.apache.calcite.sql2rel.NullInitializerExpressionFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A virtual table of the repository. It claims to be modifiable only so that an INSERT,
 * UPDATE, DELETE or MERGE reaches it and fails with a message naming the command that does
 * that work, instead of Calcite's generic "not modifiable".
 */
abstract class ReadOnlyTable extends AbstractTable implements TranslatableTable,
    ModifiableTable {
  private final String name;

  ReadOnlyTable(String name) {
    this.name = requireNonNull(name, "name");
  }

  String name() {
    return name;
  }

  @Override public final Collection getModifiableCollection() {
    throw ReadOnlyTables.reject(name);
  }

  @Override public final TableModify toModificationRel(RelOptCluster cluster,
      RelOptTable table, Prepare.CatalogReader catalogReader, RelNode child,
      TableModify.Operation operation, List<String> updateColumnList,
      List<RexNode> sourceExpressionList, boolean flattened) {
    throw ReadOnlyTables.reject(name);
  }

  /**
   * Claims a default for every column, so that an INSERT that leaves out a NOT NULL column
   * also gets as far as {@link #toModificationRel} and its refusal.
   */
  @Override public <C> @Nullable C unwrap(Class<C> aClass) {
    if (aClass == InitializerExpressionFactory.class) {
      return aClass.cast(EVERY_COLUMN_HAS_A_DEFAULT);
    }
    return super.unwrap(aClass);
  }

  private static final InitializerExpressionFactory EVERY_COLUMN_HAS_A_DEFAULT =
      new NullInitializerExpressionFactory() {
        @Override public ColumnStrategy generationStrategy(RelOptTable table, int column) {
          return ColumnStrategy.DEFAULT;
        }
      };

  @Override public final Type getElementType() {
    return Object[].class;
  }

  @Override public final Expression getExpression(SchemaPlus schema, String tableName,
      Class clazz) {
    return Schemas.tableExpression(schema, getElementType(), tableName, clazz);
  }

  @Override public final <T> Queryable<T> asQueryable(QueryProvider queryProvider,
      SchemaPlus schema, String tableName) {
    throw new UnsupportedOperationException("table " + name + " is planned, not queried");
  }
}
