package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.Blocks;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.util.BuiltInMethod;
import org.apache.calcite.util.ImmutableBitSet;

/**
 * Scan of WEIGHTS with what the rules pushed into it: the versions and tensors to read
 * (literals or {@code ?} parameters; null means all) and the fields to produce. Generated
 * code calls {@link WeightsTable#scan}.
 */
public final class WeightsTableScan extends TableScan implements EnumerableRel {
  final WeightsTable weights;
  final List<RexNode> versionIds;
  final List<RexNode> tensors;
  final int[] fields;

  WeightsTableScan(RelOptCluster cluster, RelOptTable table, WeightsTable weights,
      List<RexNode> versionIds, List<RexNode> tensors, int[] fields) {
    super(cluster, cluster.traitSetOf(EnumerableConvention.INSTANCE), List.of(), table);
    this.weights = requireNonNull(weights, "weights");
    this.versionIds = versionIds == null ? null : List.copyOf(versionIds);
    this.tensors = tensors == null ? null : List.copyOf(tensors);
    this.fields = fields.clone();
  }

  WeightsTableScan with(List<RexNode> newVersionIds, List<RexNode> newTensors,
      int[] newFields) {
    return new WeightsTableScan(getCluster(), getTable(), weights, newVersionIds, newTensors,
        newFields);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return this;
  }

  @Override public RelDataType deriveRowType() {
    List<RelDataTypeField> all = table.getRowType().getFieldList();
    RelDataTypeFactory.Builder b = getCluster().getTypeFactory().builder();
    for (int f : fields) {
      b.add(all.get(f));
    }
    return b.build();
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    return super.explainTerms(pw)
        .itemIf("versionIds", versionIds, versionIds != null)
        .itemIf("tensors", tensors, tensors != null)
        .item("fields", Arrays.toString(fields));
  }

  @Override public void register(RelOptPlanner planner) {
    planner.addRule(WeightsRules.FILTER);
    planner.addRule(WeightsRules.PROJECT);
    planner.addRule(WeightsRules.AGGREGATE_PROJECT);
    planner.addRule(ReadOnlyModifyRule.INSTANCE);
  }

  /**
   * Narrows the scan to the fields used above it; Calcite's field trimmer calls this while
   * converting SQL, so the plan starts with the narrow scan.
   */
  @Override public RelNode project(ImmutableBitSet fieldsUsed,
      Set<RelDataTypeField> extraFields, RelBuilder relBuilder) {
    if (!extraFields.isEmpty() || fieldsUsed.cardinality() == fields.length) {
      return super.project(fieldsUsed, extraFields, relBuilder);
    }
    ImmutableBitSet keep = fieldsUsed.isEmpty() ? ImmutableBitSet.of(fields.length - 1)
        : fieldsUsed;
    int[] narrowed = new int[keep.cardinality()];
    int i = 0;
    for (int f : keep) {
      narrowed[i++] = fields[f];
    }
    return with(versionIds, tensors, narrowed);
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    return Math.max(1, selectedRows(mq));
  }

  private double selectedRows(RelMetadataQuery mq) {
    double rows = super.estimateRowCount(mq);
    if (versionIds != null) {
      rows *= 0.01 * versionIds.size();
    }
    if (tensors != null) {
      rows *= 0.05 * tensors.size();
    }
    return rows;
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    // fewer fields and pushed filters make the scan cheaper, so the planner prefers them
    return planner.getCostFactory().makeCost(selectedRows(mq), 0, 0)
        .multiplyBy((fields.length + 2D) / (table.getRowType().getFieldCount() + 2D));
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        pref.preferArray());
    Expression root = implementor.getRootExpression();
    return implementor.result(physType, Blocks.toBlock(
        Expressions.call(table.getExpression(WeightsTable.class), "scan", root,
            values(versionIds, root), values(tensors, root), Expressions.constant(fields))));
  }

  /** The pushed values as an {@code Object[]} expression; parameters read at run time. */
  private static Expression values(List<RexNode> nodes, Expression root) {
    if (nodes == null) {
      return Expressions.constant(null, Object[].class);
    }
    List<Expression> exprs = new ArrayList<>();
    for (RexNode n : nodes) {
      if (n instanceof RexDynamicParam) {
        exprs.add(Expressions.call(root, BuiltInMethod.DATA_CONTEXT_GET.method,
            Expressions.constant("?" + ((RexDynamicParam) n).getIndex())));
      } else {
        exprs.add(Expressions.constant(RexLiteral.stringValue(n), Object.class));
      }
    }
    return Expressions.newArrayInit(Object.class, exprs);
  }
}
