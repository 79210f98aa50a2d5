package org.modelhub.calcite;

import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.rules.AggregateExtractProjectRule;

/** The planner rules that push work into {@link WeightsTableScan}. */
public final class WeightsRules {
  /** Pushes {@code VERSION_ID} and {@code TENSOR} equalities (and IN lists) into the scan. */
  public static final WeightsFilterRule FILTER = new WeightsFilterRule(WeightsFilterRule.CONFIG);

  /** Narrows the scan to the fields a projection uses. */
  public static final WeightsProjectRule PROJECT = new WeightsProjectRule(WeightsProjectRule.CONFIG);

  /**
   * Puts a projection of the used fields between an aggregate and the scan, so that
   * {@link #PROJECT} can narrow the scan under {@code SELECT SUM(WEIGHT) ...}.
   */
  public static final RelOptRule AGGREGATE_PROJECT =
      AggregateExtractProjectRule.Config.DEFAULT.withOperandFor(Aggregate.class,
          WeightsTableScan.class).toRule();

  private WeightsRules() {
  }
}
