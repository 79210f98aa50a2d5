package org.modelhub.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeUtil;

/**
 * Pushes {@code VERSION_ID = x}, {@code TENSOR = x} and their IN lists (x a literal or a
 * {@code ?} parameter) from a filter into the {@link WeightsTableScan} below it; what it
 * cannot push stays in a filter above the scan.
 */
public final class WeightsFilterRule extends RelRule<RuleConfig> {
  /** What the rule matches. */
  static final RuleConfig CONFIG = RuleConfig.of("WeightsFilterRule",
      b0 -> b0.operand(LogicalFilter.class)
          .oneInput(b1 -> b1.operand(WeightsTableScan.class).noInputs()),
      WeightsFilterRule::new);

  WeightsFilterRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    Filter filter = call.rel(0);
    WeightsTableScan scan = call.rel(1);
    RexBuilder rex = filter.getCluster().getRexBuilder();
    List<RexNode> versions = scan.versionIds;
    List<RexNode> tensors = scan.tensors;
    List<RexNode> rest = new ArrayList<>();
    for (RexNode c : RelOptUtil.conjunctions(filter.getCondition())) {
      RexNode e = c.getKind() == SqlKind.SEARCH ? RexUtil.expandSearch(rex, null, c) : c;
      int column = -1;
      List<RexNode> values = new ArrayList<>();
      for (RexNode d : RelOptUtil.disjunctions(e)) {
        int[] col = new int[1];
        RexNode v = equality(d, scan, col);
        if (v == null || (column >= 0 && col[0] != column)) {
          column = -2;
          break;
        }
        column = col[0];
        values.add(v);
      }
      if (column == WeightsTable.VERSION_ID && versions == null) {
        versions = values;
      } else if (column == WeightsTable.TENSOR && tensors == null) {
        tensors = values;
      } else {
        rest.add(c);
      }
    }
    if (versions == scan.versionIds && tensors == scan.tensors) {
      return;
    }
    call.transformTo(call.builder().push(scan.with(versions, tensors, scan.fields))
        .filter(rest).build());
  }

  /** For {@code column = value}: the value, and the table column in {@code col[0]}. */
  private static RexNode equality(RexNode node, WeightsTableScan scan, int[] col) {
    if (node.getKind() != SqlKind.EQUALS) {
      return null;
    }
    List<RexNode> ops = ((RexCall) node).getOperands();
    for (int side = 0; side < 2; side++) {
      RexNode ref = stripCast(ops.get(side));
      RexNode value = stripCast(ops.get(1 - side));
      if (ref instanceof RexInputRef
          && (value instanceof RexLiteral || value instanceof RexDynamicParam)) {
        col[0] = scan.fields[((RexInputRef) ref).getIndex()];
        boolean pushable = col[0] == WeightsTable.VERSION_ID || col[0] == WeightsTable.TENSOR;
        if (!pushable || (value instanceof RexLiteral
            && (!SqlTypeUtil.inCharFamily(value.getType())
                || RexLiteral.stringValue(value) == null))) {
          return null;
        }
        return value;
      }
    }
    return null;
  }

  private static RexNode stripCast(RexNode n) {
    return n.getKind() == SqlKind.CAST ? ((RexCall) n).getOperands().get(0) : n;
  }

}
