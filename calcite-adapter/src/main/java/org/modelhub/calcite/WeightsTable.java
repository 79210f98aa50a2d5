package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.sql.type.SqlTypeName;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;

/**
 * WEIGHTS: one row per weight value ({@code VERSION_ID, TENSOR, IDX, WEIGHT}), streamed
 * tensor by tensor from the Arrow objects. Filters on {@code VERSION_ID} and {@code TENSOR}
 * are pushed into the scan ({@link WeightsFilterRule}), so a query on one tensor reads only
 * that tensor's object; every tensor read is verified against its sha256.
 */
public final class WeightsTable extends ReadOnlyTable {
  public static final String NAME = "WEIGHTS";
  static final int VERSION_ID = 0;
  static final int TENSOR = 1;
  static final int IDX = 2;
  static final int WEIGHT = 3;

  private final Repository repo;

  WeightsTable(Repository repo) {
    super(NAME);
    this.repo = requireNonNull(repo, "repo");
  }

  @Override public RelDataType getRowType(RelDataTypeFactory f) {
    return f.builder()
        .add("VERSION_ID", f.createSqlType(SqlTypeName.VARCHAR, 64))
        .add("TENSOR", f.createSqlType(SqlTypeName.VARCHAR, 500))
        .add("IDX", SqlTypeName.BIGINT)
        .add("WEIGHT", SqlTypeName.DOUBLE)
        .build();
  }

  @Override public Statistic getStatistic() {
    Long n = repo.catalog().queryOne("SELECT SUM(NUM_VALUES) FROM TENSOR_ENTRIES",
        rs -> rs.getLong(1)).orElse(0L);
    return Statistics.of(Math.max(1, n), List.of());
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    return new WeightsTableScan(context.getCluster(), relOptTable, this, null, null,
        new int[] {VERSION_ID, TENSOR, IDX, WEIGHT});
  }

  /**
   * Called by generated code: the rows of the tensors that pass the pushed-down filters
   * (null means no filter on that column), with the given fields.
   */
  public Enumerable<Object> scan(DataContext root, Object[] versionIds, Object[] tensors,
      int[] fields) {
    List<Target> targets = targets(versionIds, tensors);
    return new AbstractEnumerable<>() {
      @Override public Enumerator<Object> enumerator() {
        return new WeightsEnumerator(repo, targets, fields);
      }
    };
  }

  /** A tensor to stream. */
  record Target(VersionInfo version, TensorEntry tensor) { }

  private List<Target> targets(Object[] versionIds, Object[] tensors) {
    Set<String> wanted = tensors == null ? null : new LinkedHashSet<>();
    if (tensors != null) {
      for (Object t : tensors) {
        if (t != null) {
          wanted.add(t.toString());
        }
      }
    }
    List<VersionInfo> versions = new ArrayList<>();
    if (versionIds == null) {
      versions.addAll(repo.catalog().allVersions());
    } else {
      for (Object id : new LinkedHashSet<>(java.util.Arrays.asList(versionIds))) {
        if (id != null) {
          repo.catalog().version(id.toString()).ifPresent(versions::add);
        }
      }
    }
    List<Target> out = new ArrayList<>();
    for (VersionInfo v : versions) {
      if (wanted != null && wanted.size() == 1) {
        repo.catalog().tensor(v.id(), wanted.iterator().next())
            .ifPresent(t -> out.add(new Target(v, t)));
        continue;
      }
      for (TensorEntry t : repo.catalog().tensors(v.id())) {
        if (wanted == null || wanted.contains(t.name())) {
          out.add(new Target(v, t));
        }
      }
    }
    return out;
  }

}
