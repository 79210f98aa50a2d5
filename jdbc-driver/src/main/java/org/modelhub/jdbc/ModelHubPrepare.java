package org.modelhub.jdbc;

import java.lang.reflect.Type;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.schema.SchemaPlus;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.dql.DqlEngine;
import org.modelhub.dql.DqlParser;
import org.modelhub.store.Repository;

/**
 * Calcite's statement preparation with DQL beside SQL: a statement the DQL parser claims
 * ({@link DqlParser#isDql}) is translated into a plan and prepared as that plan; everything
 * else goes to Calcite's SQL parser as usual.
 */
final class ModelHubPrepare extends CalcitePrepareImpl {
  @Override public <T> CalciteSignature<T> prepareSql(Context context, Query<T> query,
      Type elementType, long maxRowCount) {
    if (query.sql != null) {
      SchemaPlus root = context.getRootSchema().plus();
      SchemaPlus schema = root.getSubSchema(ModelHubSchema.NAME);
      Repository repo = schema == null ? null : schema.unwrap(Repository.class);
      if (repo != null && DqlParser.isDql(query.sql,
          name -> repo.catalog().queryText(name).isPresent())) {
        RelNode rel = DqlEngine.toRel(root, query.sql);
        return super.prepareSql(context, CalcitePrepare.Query.of(rel), elementType,
            maxRowCount);
      }
    }
    return super.prepareSql(context, query, elementType, maxRowCount);
  }
}
