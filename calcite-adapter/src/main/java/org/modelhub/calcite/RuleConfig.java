package org.modelhub.calcite;

import java.util.function.Function;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.tools.RelBuilderFactory;

/**
 * The configuration of ModelHub's planner rules: what the rule matches, its description,
 * and how to make the rule from the configuration.
 */
public record RuleConfig(RelBuilderFactory relBuilderFactory, String description,
    RelRule.OperandTransform operandSupplier, Function<RuleConfig, RelOptRule> factory)
    implements RelRule.Config {

  /** A rule matching {@code operands}, built by {@code factory}, with the logical builder. */
  static RuleConfig of(String description, RelRule.OperandTransform operands,
      Function<RuleConfig, RelOptRule> factory) {
    return new RuleConfig(RelFactories.LOGICAL_BUILDER, description, operands, factory);
  }

  @Override public RelOptRule toRule() {
    return factory.apply(this);
  }

  @Override public RuleConfig withRelBuilderFactory(RelBuilderFactory f) {
    return new RuleConfig(f, description, operandSupplier, factory);
  }

  @Override public RuleConfig withDescription(String text) {
    return new RuleConfig(relBuilderFactory, text, operandSupplier, factory);
  }

  @Override public RuleConfig withOperandSupplier(RelRule.OperandTransform transform) {
    return new RuleConfig(relBuilderFactory, description, transform, factory);
  }
}
