package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.prepare.RelOptTableImpl;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.tools.RelBuilder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A catalog table (VERSIONS, LAYERS...): an H2 view of schema MODELHUB, scanned through
 * Calcite's JDBC adapter so that filters, projections, joins and aggregates run inside H2.
 * Writes are refused with a message naming the command that does that work.
 *
 * <p>Each view selects columns of the PUBLIC table of the same name, renaming {@code ORDINAL}
 * {@code SEQ}. H2 does not merge a view into the query that reads it: it runs the view's own
 * query, copies its rows into a result and sorts that, which costs about half again the time
 * of the same query on the table. So where the PUBLIC table holds every column of the view,
 * with the same type, the plan scans the table and projects the view's columns on top; the
 * JDBC rules push that projection into H2 with the rest of the query, and H2 reads the table
 * with its indexes and their order. The columns keep the table's nullability, which the view
 * loses.
 */
final class CatalogTable extends ReadOnlyTable {
  private final JdbcTable view;
  private final @Nullable JdbcTable source;

  /**
   * A catalog table over H2 view {@code view}, read from {@code source} (the PUBLIC table
   * the view selects from, if the reader may see it) where that can stand for the view.
   */
  CatalogTable(JdbcTable view, @Nullable JdbcTable source, String name) {
    super(name);
    this.view = requireNonNull(view, "view");
    this.source = source;
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    RelDataType viewType = view.getRowType(typeFactory);
    List<RelDataTypeField> columns = columns(typeFactory);
    if (columns == null) {
      return viewType;
    }
    RelDataTypeFactory.Builder b = typeFactory.builder();
    for (int i = 0; i < columns.size(); i++) {
      b.add(viewType.getFieldList().get(i).getName(), columns.get(i).getType());
    }
    return b.build();
  }

  @Override public Statistic getStatistic() {
    return view.getStatistic();
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    RelOptCluster cluster = context.getCluster();
    cluster.getPlanner().addRule(ReadOnlyModifyRule.INSTANCE);
    List<RelDataTypeField> columns = columns(cluster.getTypeFactory());
    if (columns == null) {
      return view.toRel(context, relOptTable);
    }
    RelOptTable table = RelOptTableImpl.create(relOptTable.getRelOptSchema(),
        source.getRowType(cluster.getTypeFactory()), source,
        ImmutableList.of("PUBLIC", name()));
    RelBuilder b = RelFactories.LOGICAL_BUILDER.create(cluster, relOptTable.getRelOptSchema());
    b.push(source.toRel(context, table));
    List<RexNode> refs = new ArrayList<>();
    columns.forEach(c -> refs.add(b.field(c.getIndex())));
    return b.project(refs, relOptTable.getRowType().getFieldNames()).build();
  }

  /**
   * For each column of the view, the column of the source table that holds it; null when
   * there is no source or some column is not there with the view's type.
   */
  private @Nullable List<RelDataTypeField> columns(RelDataTypeFactory typeFactory) {
    if (source == null) {
      return null;
    }
    RelDataType table = source.getRowType(typeFactory);
    List<RelDataTypeField> columns = new ArrayList<>();
    for (RelDataTypeField f : view.getRowType(typeFactory).getFieldList()) {
      RelDataTypeField t = table.getField(f.getName(), true, false);
      if (t == null && f.getName().equals("SEQ")) {
        t = table.getField("ORDINAL", true, false);
      }
      if (t == null || !SqlTypeUtil.equalSansNullability(typeFactory, t.getType(), f.getType())) {
        return null;
      }
      columns.add(t);
    }
    return columns;
  }
}
