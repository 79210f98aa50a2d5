package org.modelhub.calcite;

import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.TableModify;

/**
 * Refuses any INSERT, UPDATE, DELETE or MERGE on a ModelHub table while the statement is
 * planned, with a message naming the command that does that work. (The JDBC adapter would
 * otherwise push an UPDATE on a catalog table into H2, where a read-only session refuses it
 * less helpfully.)
 */
public final class ReadOnlyModifyRule extends RelRule<RuleConfig> {
  /** What the rule matches. */
  static final RuleConfig CONFIG = RuleConfig.of("ReadOnlyModifyRule",
      b0 -> b0.operand(TableModify.class).anyInputs(), ReadOnlyModifyRule::new);

  /** The rule; registered by each ModelHub table scan. */
  public static final ReadOnlyModifyRule INSTANCE = new ReadOnlyModifyRule(CONFIG);

  ReadOnlyModifyRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    TableModify modify = call.rel(0);
    ReadOnlyTable table = modify.getTable().unwrap(ReadOnlyTable.class);
    if (table != null) {
      throw ReadOnlyTables.reject(table.name());
    }
  }

}
