package org.modelhub.calcite;

import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.tools.RelBuilderFactory;

/**
 * Refuses any INSERT, UPDATE, DELETE or MERGE on a ModelHub table while the statement is
 * planned, with a message naming the command that does that work. (The JDBC adapter would
 * otherwise push an UPDATE on a catalog table into H2, where a read-only session refuses it
 * less helpfully.)
 */
public final class ReadOnlyModifyRule extends RelRule<ReadOnlyModifyRule.Config> {
  /** The rule; registered by each ModelHub table scan. */
  public static final ReadOnlyModifyRule INSTANCE = Config.DEFAULT.toRule();

  ReadOnlyModifyRule(Config config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    TableModify modify = call.rel(0);
    ReadOnlyTable table = modify.getTable().unwrap(ReadOnlyTable.class);
    if (table != null) {
      throw ReadOnlyTables.reject(table.name());
    }
  }

  /** Configuration: any table modification. */
  public record Config(RelBuilderFactory relBuilderFactory, String description,
      OperandTransform operandSupplier) implements RelRule.Config {
    public static final Config DEFAULT = new Config(RelFactories.LOGICAL_BUILDER,
        "ReadOnlyModifyRule", b0 -> b0.operand(TableModify.class).anyInputs());

    @Override public ReadOnlyModifyRule toRule() {
      return new ReadOnlyModifyRule(this);
    }

    @Override public Config withRelBuilderFactory(RelBuilderFactory factory) {
      return new Config(factory, description, operandSupplier);
    }

    @Override public Config withDescription(String text) {
      return new Config(relBuilderFactory, text, operandSupplier);
    }

    @Override public Config withOperandSupplier(OperandTransform transform) {
      return new Config(relBuilderFactory, description, transform);
    }
  }
}
