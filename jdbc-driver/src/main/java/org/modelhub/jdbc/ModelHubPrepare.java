package org.modelhub.jdbc;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.schema.SchemaPlus;
import org.modelhub.calcite.CatalogRecursion;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.calcite.ReadOnlyTables;
import org.modelhub.dql.DqlEngine;
import org.modelhub.dql.DqlParser;
import org.modelhub.store.Repository;

/**
 * Calcite's statement preparation with DQL beside SQL: a statement the DQL parser claims
 * ({@link DqlParser#isDql}) is translated into a plan and prepared as that plan; everything
 * else goes to Calcite's SQL parser as usual. EXPLAIN of a DQL statement returns the plan
 * the optimizer chose for it, as one row. A SQL statement whose optimized plan runs wholly
 * inside H2 gets a {@link DirectQuery} beside Calcite's code.
 */
final class ModelHubPrepare extends CalcitePrepareImpl {
  @Override public <T> CalciteSignature<T> prepareSql(Context context, Query<T> query,
      Type elementType, long maxRowCount) {
    try {
      return CatalogRecursion.preparing(
          () -> prepare(context, query, elementType, maxRowCount));
    } catch (RuntimeException e) {
      throw ReadOnlyTables.unwrap(e);
    }
  }

  private <T> CalciteSignature<T> prepare(Context context, Query<T> query, Type elementType,
      long maxRowCount) {
    if (query.sql != null) {
      SchemaPlus root = context.getRootSchema().plus();
      SchemaPlus schema = root.getSubSchema(ModelHubSchema.NAME);
      Repository repo = schema == null ? null : schema.unwrap(Repository.class);
      if (repo != null && DqlParser.isDql(query.sql,
          name -> repo.catalog().queryText(name).isPresent())) {
        DqlEngine.Translation t = DqlEngine.translate(root, query.sql);
        if (!t.explain()) {
          return super.prepareSql(context, CalcitePrepare.Query.of(t.rel()), elementType,
              maxRowCount);
        }
        // EXPLAIN: optimize the statement (without running it) and return the chosen plan
        String[] plan = {null};
        try (Hook.Closeable ignored = DqlEngine.optimizedPlan(plan)) {
          super.prepareSql(context, CalcitePrepare.Query.of(t.rel()), elementType, -1);
        }
        return super.prepareSql(context, CalcitePrepare.Query.of(t.planRow(plan[0])),
            elementType, maxRowCount);
      }
    }
    if (query.sql == null || maxRowCount >= 0) {
      return super.prepareSql(context, query, elementType, maxRowCount);
    }
    // SQL: keep the optimized plan, to give a plan that runs wholly inside H2 a direct path
    List<RelRoot> plans = new ArrayList<>();
    CalciteSignature<T> signature;
    try (Hook.Closeable ignored = Hook.PLAN_BEFORE_IMPLEMENTATION.addThread(
        (Consumer<RelRoot>) plans::add)) {
      signature = super.prepareSql(context, query, elementType, maxRowCount);
    }
    DirectQuery direct = plans.size() == 1 && signature.statementType == Meta.StatementType.SELECT
        ? DirectQuery.of(plans.get(0), signature.columns) : null;
    return direct == null ? signature : new DirectQuery.Signature<>(signature, direct);
  }
}
