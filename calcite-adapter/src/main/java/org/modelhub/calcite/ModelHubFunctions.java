package org.modelhub.calcite;

import com.google.common.collect.ImmutableMultimap;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.linq4j.function.Parameter;
import org.apache.calcite.schema.Function;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.TableFunctionImpl;
import org.apache.calcite.sql.type.SqlTypeName;
import org.modelhub.store.Approximation;
import org.modelhub.store.Lineage;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.ModelDiff;
import org.modelhub.store.Repository;
import org.modelhub.store.WeightStats;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Tensor;

/**
 * Model operators as SQL table functions: {@code TABLE(LINEAGE_OF('lenet@3'))},
 * {@code TABLE(DIFF('a@1', 'a@2'))}, {@code TABLE(WEIGHT_STATS('a@1'))}. Versions are named
 * as everywhere else: {@code model@N}, a model name, or a content id prefix.
 */
public final class ModelHubFunctions {
  private ModelHubFunctions() {
  }

  /** Every function, by SQL name. */
  static ImmutableMultimap<String, Function> all() {
    ImmutableMultimap.Builder<String, Function> b = ImmutableMultimap.builder();
    for (Method m : ModelHubFunctions.class.getMethods()) {
      SqlName name = m.getAnnotation(SqlName.class);
      if (name != null) {
        b.put(name.value(), TableFunctionImpl.create(m));
      }
    }
    return b.build();
  }

  /** The SQL name of a table function. */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
  @interface SqlName {
    String value();
  }

  /**
   * Ancestors and descendants of a version, with their depth (hops) and edge kind. {@code
   * MAX_DEPTH} and {@code DIRECTION} ('ancestor' or 'descendant') give the same rows as a
   * filter on {@code DEPTH} and {@code DIRECTION}, but the lineage is read only that far.
   */
  @SqlName("LINEAGE_OF")
  public static ScannableTable lineageOf(@Parameter(name = "VERSION") String version,
      @Parameter(name = "MAX_DEPTH", optional = true) Integer maxDepth,
      @Parameter(name = "DIRECTION", optional = true) String direction) {
    return new ResultTable() {
      @Override protected List<Column> columns() {
        return List.of(col("ID", SqlTypeName.VARCHAR), col("MODEL", SqlTypeName.VARCHAR),
            col("VERSION", SqlTypeName.INTEGER), col("DIRECTION", SqlTypeName.VARCHAR),
            col("DEPTH", SqlTypeName.INTEGER), col("KIND", SqlTypeName.VARCHAR),
            col("VIA_ID", SqlTypeName.VARCHAR));
      }

      @Override protected List<Object[]> rows(Repository repo) {
        List<Object[]> rows = new ArrayList<>();
        for (Lineage.Row r : Lineage.of(repo, repo.resolve(version),
            maxDepth == null ? Integer.MAX_VALUE : maxDepth, direction)) {
          VersionInfo v = r.version();
          rows.add(new Object[] {v.id(), v.model(), v.version(), r.direction(), r.depth(),
              r.kind(), r.via()});
        }
        return rows;
      }
    };
  }

  /** Per tensor name of two versions: status, shapes, max abs diff, L2 distance, changed. */
  @SqlName("DIFF")
  public static ScannableTable diff(String v1, String v2) {
    return new ResultTable() {
      @Override protected List<Column> columns() {
        return List.of(col("TENSOR", SqlTypeName.VARCHAR), col("STATUS", SqlTypeName.VARCHAR),
            nullable("SHAPE_A", SqlTypeName.VARCHAR), nullable("SHAPE_B", SqlTypeName.VARCHAR),
            col("NUM_VALUES", SqlTypeName.BIGINT),
            nullable("MAX_ABS_DIFF", SqlTypeName.DOUBLE),
            nullable("L2_DISTANCE", SqlTypeName.DOUBLE),
            nullable("FRACTION_CHANGED", SqlTypeName.DOUBLE));
      }

      @Override protected List<Object[]> rows(Repository repo) {
        ModelDiff d = ModelDiff.compute(repo, repo.resolve(v1), repo.resolve(v2));
        List<Object[]> rows = new ArrayList<>();
        for (ModelDiff.TensorDiff t : d.tensors()) {
          rows.add(new Object[] {t.name(), t.status(), t.shapeA(), t.shapeB(), t.numValues(),
              t.maxAbsDiff(), t.l2Distance(), t.fractionChanged()});
        }
        return rows;
      }
    };
  }

  /** Per tensor of a version: min, max, mean, std, fraction of zeros, L2 norm. */
  @SqlName("WEIGHT_STATS")
  public static ScannableTable weightStats(String version) {
    return new ResultTable() {
      @Override protected List<Column> columns() {
        return List.of(col("TENSOR", SqlTypeName.VARCHAR), col("LAYER", SqlTypeName.VARCHAR),
            col("SHAPE", SqlTypeName.VARCHAR), col("DTYPE", SqlTypeName.VARCHAR),
            col("NUM_VALUES", SqlTypeName.BIGINT), nullable("MIN_VALUE", SqlTypeName.DOUBLE),
            nullable("MAX_VALUE", SqlTypeName.DOUBLE), nullable("MEAN", SqlTypeName.DOUBLE),
            nullable("STD_DEV", SqlTypeName.DOUBLE), col("ZERO_FRACTION", SqlTypeName.DOUBLE),
            col("L2_NORM", SqlTypeName.DOUBLE));
      }

      @Override protected List<Object[]> rows(Repository repo) {
        VersionInfo v = repo.resolve(version);
        List<Object[]> rows = new ArrayList<>();
        for (TensorEntry e : repo.catalog().tensors(v.id())) {
          WeightStats s = WeightStats.of(repo.tensor(v, e));
          rows.add(new Object[] {e.name(), e.layer(), Tensor.shapeString(e.shape()),
              e.dtype().label(), s.count(), nan(s.min()), nan(s.max()), nan(s.mean()),
              nan(s.std()), s.zeroFraction(), s.l2Norm()});
        }
        return rows;
      }
    };
  }

  /**
   * The values of one float32 tensor rebuilt from its top {@code k} byte planes (PAS
   * progressive retrieval; only those planes are read), each with the largest error it can
   * carry: {@code IDX, WEIGHT, ERROR_BOUND}. k = 4 gives the exact values.
   */
  @SqlName("WEIGHTS_APPROX")
  public static ScannableTable weightsApprox(String version, String tensor, int k) {
    return new ResultTable() {
      @Override protected List<Column> columns() {
        return List.of(col("IDX", SqlTypeName.BIGINT), col("WEIGHT", SqlTypeName.DOUBLE),
            col("ERROR_BOUND", SqlTypeName.DOUBLE));
      }

      @Override protected List<Object[]> rows(Repository repo) {
        VersionInfo v = repo.resolve(version);
        TensorEntry e = repo.catalog().tensor(v.id(), tensor).orElseThrow(() ->
            new ModelHubException(v.label() + " has no tensor '" + tensor + "'"));
        Approximation a = Approximation.of(repo, v, e, k);
        java.nio.FloatBuffer f = a.tensor().data().asFloatBuffer();
        List<Object[]> rows = new ArrayList<>(f.remaining());
        for (int i = 0; i < f.remaining(); i++) {
          rows.add(new Object[] {(long) i, (double) f.get(i), a.bound(i)});
        }
        return rows;
      }
    };
  }

  private static Double nan(double d) {
    return Double.isNaN(d) ? null : d;
  }
}
