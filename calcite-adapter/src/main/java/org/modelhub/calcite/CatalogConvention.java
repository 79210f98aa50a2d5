package org.modelhub.calcite;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexVisitorImpl;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;
import org.apache.calcite.tools.RelBuilder;

/**
 * The JDBC convention of the H2 catalog. Calcite's JDBC rules push every built-in function
 * (and, in filters, even user-defined ones) into the database, but H2 lacks SQL's JSON
 * functions ({@code JSON_VALUE} on {@code LAYERS.ATTRS}) and ModelHub's own functions: this
 * convention's project and filter rules leave expressions that use them to Calcite, and
 * push the rest into H2 as usual.
 */
final class CatalogConvention extends JdbcConvention {
  CatalogConvention(SqlDialect dialect, Expression expression, String name) {
    super(dialect, expression, name);
  }

  @Override public void register(RelOptPlanner planner) {
    super.register(planner);
    for (RelOptRule rule : List.copyOf(planner.getRules())) {
      if ((rule instanceof JdbcRules.JdbcProjectRule || rule instanceof JdbcRules.JdbcFilterRule)
          && ((org.apache.calcite.rel.convert.ConverterRule) rule).getOutTrait() == this) {
        planner.removeRule(rule);
      }
    }
    planner.addRule(ProjectRule.of(this));
    planner.addRule(FilterRule.of(this));
    planner.addRule(SplitFilterRule.INSTANCE);
    CatalogRecursion.rules(this).forEach(planner::addRule);
  }

  /** Whether H2 can evaluate every call in these expressions. */
  static boolean h2Supports(List<RexNode> nodes) {
    boolean[] ok = {true};
    RexVisitorImpl<Void> visitor = new RexVisitorImpl<>(true) {
      @Override public Void visitCall(RexCall call) {
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (name.startsWith("JSON") || call.getKind().name().contains("JSON")
            || call.getOperator() instanceof SqlUserDefinedFunction) {
          ok[0] = false;
        }
        return super.visitCall(call);
      }
    };
    nodes.forEach(n -> n.accept(visitor));
    return ok[0];
  }

  /** Pushes a projection into H2 when H2 can compute it. */
  static final class ProjectRule extends JdbcRules.JdbcProjectRule {
    ProjectRule(Config config) {
      super(config);
    }

    static ProjectRule of(JdbcConvention out) {
      return Config.INSTANCE.withConversion(LogicalProject.class,
              (LogicalProject p) -> h2Supports(p.getProjects())
                  && (out.dialect.supportsWindowFunctions()
                      || !RexOver.containsOver(p.getProjects(), null)),
              Convention.NONE, out, "CatalogProjectRule")
          .withRuleFactory(ProjectRule::new)
          .toRule(ProjectRule.class);
    }
  }

  /** Pushes a filter into H2 when H2 can evaluate its condition. */
  static final class FilterRule extends JdbcRules.JdbcFilterRule {
    FilterRule(Config config) {
      super(config);
    }

    static FilterRule of(JdbcConvention out) {
      return Config.INSTANCE.withConversion(LogicalFilter.class,
              (LogicalFilter f) -> h2Supports(List.of(f.getCondition())),
              Convention.NONE, out, "CatalogFilterRule")
          .withRuleFactory(FilterRule::new)
          .toRule(FilterRule.class);
    }
  }

  /**
   * Splits a filter whose conjuncts H2 can evaluate only in part into the H2 part below and
   * the rest above ({@code TYPE = 'POOL' AND DQL_ATTR(ATTRS, 'method') = 'MAX'} becomes a
   * filter on TYPE that runs inside H2 under one on DQL_ATTR in Calcite), so that a UDF in
   * a condition does not pull the whole table out of H2.
   */
  static final class SplitFilterRule extends RelRule<RuleConfig> {
    static final RelOptRule INSTANCE = RuleConfig.of("CatalogSplitFilterRule",
        b -> b.operand(LogicalFilter.class).anyInputs(), SplitFilterRule::new).toRule();

    SplitFilterRule(RuleConfig config) {
      super(config);
    }

    @Override public void onMatch(RelOptRuleCall call) {
      LogicalFilter filter = call.rel(0);
      List<RexNode> inH2 = new ArrayList<>();
      List<RexNode> rest = new ArrayList<>();
      for (RexNode c : RelOptUtil.conjunctions(filter.getCondition())) {
        (h2Supports(List.of(c)) ? inH2 : rest).add(c);
      }
      if (inH2.isEmpty() || rest.isEmpty()) {
        return;
      }
      RelBuilder b = call.builder();
      call.transformTo(b.push(filter.getInput()).filter(inH2).filter(rest).build());
    }
  }
}
