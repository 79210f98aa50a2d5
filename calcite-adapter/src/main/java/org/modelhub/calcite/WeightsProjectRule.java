package org.modelhub.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexPermuteInputsShuttle;
import org.apache.calcite.util.ImmutableBitSet;
import org.apache.calcite.util.mapping.Mappings;

/**
 * Narrows a {@link WeightsTableScan} to the fields the projection above it uses, so a query
 * on {@code WEIGHT} alone does not build the other columns of each row.
 */
public final class WeightsProjectRule extends RelRule<RuleConfig> {
  /**
   * What the rule matches: a project directly on a weights scan. Any project, not only a
   * logical one: the scan is born enumerable, so once the filter rule has put a scan with
   * pushed filters into a set, only the enumerable projects above that set see it as its
   * input.
   */
  static final RuleConfig CONFIG = RuleConfig.of("WeightsProjectRule",
      b0 -> b0.operand(Project.class)
          .oneInput(b1 -> b1.operand(WeightsTableScan.class).noInputs()),
      WeightsProjectRule::new);

  WeightsProjectRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    Project project = call.rel(0);
    WeightsTableScan scan = call.rel(1);
    ImmutableBitSet used = RelOptUtil.InputFinder.bits(project.getProjects(), null);
    if (used.cardinality() == scan.fields.length && used.cardinality() > 0) {
      return;
    }
    // keep one field even for COUNT(*) so that rows still flow
    ImmutableBitSet keep = used.isEmpty() ? ImmutableBitSet.of(scan.fields.length - 1) : used;
    int[] fields = new int[keep.cardinality()];
    int i = 0;
    for (int f : keep) {
      fields[i++] = scan.fields[f];
    }
    Mappings.TargetMapping mapping = Mappings.target(keep.toList().stream()
        .collect(java.util.stream.Collectors.toMap(x -> x, keep::indexOf)),
        scan.fields.length, fields.length);
    List<RexNode> projects = new ArrayList<>();
    RexPermuteInputsShuttle shuttle = RexPermuteInputsShuttle.of(mapping);
    for (RexNode e : project.getProjects()) {
      projects.add(e.accept(shuttle));
    }
    call.transformTo(call.builder().push(scan.with(scan.versionIds, scan.tensors, fields))
        .project(projects, project.getRowType().getFieldNames()).build());
  }

}
