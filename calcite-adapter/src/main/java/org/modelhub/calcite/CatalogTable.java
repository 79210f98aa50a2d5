package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.Statistic;

/**
 * A catalog table (VERSIONS, LAYERS...): an H2 view scanned through Calcite's JDBC adapter,
 * so filters, projections, joins and aggregates run inside H2. Writes are refused with a
 * message naming the command that does that work.
 */
final class CatalogTable extends ReadOnlyTable {
  private final JdbcTable jdbc;

  CatalogTable(JdbcTable jdbc, String name) {
    super(name);
    this.jdbc = requireNonNull(jdbc, "jdbc");
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return jdbc.getRowType(typeFactory);
  }

  @Override public Statistic getStatistic() {
    return jdbc.getStatistic();
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    context.getCluster().getPlanner().addRule(ReadOnlyModifyRule.INSTANCE);
    return jdbc.toRel(context, relOptTable);
  }
}
