package org.modelhub.calcite;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcImplementor;
import org.apache.calcite.adapter.jdbc.JdbcRel;
import org.apache.calcite.adapter.jdbc.JdbcTableScan;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.BiRel;
import org.apache.calcite.rel.RelHomogeneousShuttle;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableFunctionScan;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.TableSpool;
import org.apache.calcite.rel.logical.LogicalRepeatUnion;
import org.apache.calcite.rel.metadata.RelColumnMapping;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.tools.Program;
import org.apache.calcite.tools.Programs;
import org.apache.calcite.util.Holder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Recursive queries ({@code WITH RECURSIVE}) over the catalog, run by H2 as one statement.
 *
 * <p>Calcite plans a recursive query as a {@code RepeatUnion} of two spooled inputs, the
 * seed and the step, the step reading the rows of the previous round from a transient
 * table; it runs that loop itself, with a query to H2 for every round, and its SQL generator
 * cannot write it back as SQL. {@link #PROGRAM} runs before Calcite's own program: where the
 * seed and the step read only catalog tables and the transient table, it replaces the
 * union by a {@link RecursiveUnion} and the step's scans of the transient table by {@link
 * TransientScan}s. Both exist only in the catalog's JDBC convention ({@link #rules}), so the
 * optimizer pushes the recursion into H2 with the step's joins and filters, and whatever the
 * statement does with its rows on top, which H2 gets as {@code (WITH RECURSIVE "A"(...) AS
 * (seed UNION ALL step) SELECT * FROM "A")}. A union H2 cannot run (not {@code UNION ALL},
 * an iteration limit, an input outside the catalog) stays Calcite's.
 */
public final class CatalogRecursion {
  private CatalogRecursion() {
  }

  /** The rewrite, as a step to run before Calcite's standard program. */
  static final Program PROGRAM = (planner, rel, traits, materializations, lattices) ->
      rel.accept(new Marker());

  /**
   * After the optimizer: writes the SQL of each recursion in the plan, which throws {@link
   * NotPushed} if H2 cannot run it. Done here, not only when the statement is implemented, so
   * that EXPLAIN shows the plan that runs.
   */
  private static final Program CHECK = (planner, rel, traits, materializations, lattices) -> {
    rel.accept(new RelHomogeneousShuttle() {
      @Override public RelNode visit(RelNode node) {
        if (node instanceof JdbcRecursiveUnion u) {
          JdbcConvention convention = (JdbcConvention) u.getConvention();
          new JdbcImplementor(convention.dialect, (JavaTypeFactory) u.getCluster()
              .getTypeFactory()).visitRoot(u).asStatement().toSqlString(convention.dialect);
        }
        return super.visit(node);
      }
    });
    return rel;
  };

  /** The rules that give {@link RecursiveUnion} and {@link TransientScan} to H2. */
  static List<RelOptRule> rules(JdbcConvention out) {
    return List.of(
        ConverterRule.Config.INSTANCE.withConversion(RecursiveUnion.class,
                (RecursiveUnion u) -> u.convention == out, Convention.NONE, out,
                "CatalogRecursiveUnionRule")
            .withRuleFactory(UnionRule::new).toRule(UnionRule.class),
        ConverterRule.Config.INSTANCE.withConversion(TransientScan.class,
                (TransientScan s) -> s.convention == out, Convention.NONE, out,
                "CatalogTransientScanRule")
            .withRuleFactory(ScanRule::new).toRule(ScanRule.class));
  }

  /** Replaces each recursive union that H2 can run, innermost first. */
  private static final class Marker extends RelHomogeneousShuttle {
    @Override public RelNode visit(RelNode other) {
      RelNode rel = super.visit(other);
      if (!(rel instanceof LogicalRepeatUnion u) || !u.all || u.iterationLimit >= 0
          || u.getTransientTable() == null
          || !(u.getSeedRel() instanceof TableSpool seed)
          || !(u.getIterativeRel() instanceof TableSpool step)) {
        return rel;
      }
      RelOptTable table = u.getTransientTable();
      List<JdbcConvention> conventions = new ArrayList<>();
      if (!readsCatalog(seed.getInput(), table, conventions)
          || !readsCatalog(step.getInput(), table, conventions)
          || conventions.stream().distinct().count() != 1) {
        return rel;
      }
      JdbcConvention convention = conventions.get(0);
      RelNode stepRel = step.getInput().accept(new RelHomogeneousShuttle() {
        @Override public RelNode visit(RelNode node) {
          return node instanceof TableScan s && s.getTable() == table
              ? new TransientScan(s.getCluster(), s.getTable(), convention)
              : super.visit(node);
        }
      });
      // the union's columns under the names the step reads them by (H2's names for them)
      RelDataType type = u.getCluster().getTypeFactory().createStructType(
          RelOptUtil.getFieldTypeList(u.getRowType()), table.getRowType().getFieldNames());
      return new RecursiveUnion(u.getCluster(), u.getTraitSet(), seed.getInput(), stepRel,
          table, type, convention);
    }

    /**
     * Whether every leaf of {@code rel} is a scan of a JDBC table (adding its convention),
     * a scan of {@code table}, or an inner recursion already given to H2.
     */
    private static boolean readsCatalog(RelNode rel, RelOptTable table,
        List<JdbcConvention> conventions) {
      if (rel instanceof JdbcTableScan s) {
        conventions.add((JdbcConvention) s.getConvention());
        return true;
      }
      if (rel instanceof RecursiveUnion r) {
        conventions.add(r.convention);
        return true;
      }
      if (rel instanceof TableScan s) {
        return s.getTable() == table;
      }
      if (rel.getInputs().isEmpty()) {
        return false;
      }
      return rel.getInputs().stream().allMatch(i -> readsCatalog(i, table, conventions));
    }
  }

  /** A recursive union that H2 will run: seed, then step until it adds no rows. */
  static final class RecursiveUnion extends BiRel {
    final RelOptTable table;
    final JdbcConvention convention;
    private final RelDataType type;

    RecursiveUnion(RelOptCluster cluster, RelTraitSet traits, RelNode seed, RelNode step,
        RelOptTable table, RelDataType type, JdbcConvention convention) {
      super(cluster, traits.replace(Convention.NONE), seed, step);
      this.table = table;
      this.type = type;
      this.convention = convention;
    }

    @Override protected RelDataType deriveRowType() {
      return type;
    }

    @Override public RelNode copy(RelTraitSet traits, List<RelNode> inputs) {
      return new RecursiveUnion(getCluster(), traits, inputs.get(0), inputs.get(1), table,
          type, convention);
    }

    @Override public RelWriter explainTerms(RelWriter pw) {
      return super.explainTerms(pw).item("table", name(table));
    }
  }

  /** The step's read of the rows the previous round added. */
  static final class TransientScan extends TableScan {
    final JdbcConvention convention;

    TransientScan(RelOptCluster cluster, RelOptTable table, JdbcConvention convention) {
      super(cluster, cluster.traitSetOf(Convention.NONE), List.of(), table);
      this.convention = convention;
    }

    @Override public RelNode copy(RelTraitSet traits, List<RelNode> inputs) {
      return this;
    }
  }

  private static final class UnionRule extends ConverterRule {
    UnionRule(Config config) {
      super(config);
    }

    @Override public RelNode convert(RelNode rel) {
      RecursiveUnion u = (RecursiveUnion) rel;
      JdbcConvention out = u.convention;
      RelNode seed = convert(u.getLeft(), u.getLeft().getTraitSet().replace(out));
      RelNode step = convert(u.getRight(), u.getRight().getTraitSet().replace(out));
      RexNode call = u.getCluster().getRexBuilder().makeCall(u.getRowType(),
          new WithRecursive(name(u.table), u.getRowType().getFieldNames()),
          List.of(new RexInputRef(0, seed.getRowType()), new RexInputRef(1, step.getRowType())));
      return new JdbcRecursiveUnion(u.getCluster(), u.getTraitSet().replace(out),
          List.of(seed, step), call, u.getRowType());
    }
  }

  private static final class ScanRule extends ConverterRule {
    ScanRule(Config config) {
      super(config);
    }

    @Override public RelNode convert(RelNode rel) {
      TransientScan s = (TransientScan) rel;
      return new JdbcTransientScan(s.getCluster(), s.getTraitSet().replace(s.convention),
          s.getTable());
    }
  }

  /**
   * The recursion inside H2. Calcite's SQL generator writes a table function scan as {@code
   * SELECT * FROM TABLE(call)}, with the SQL of each input in place of the call's input
   * references; the call's operator, {@link WithRecursive}, writes the recursive query from
   * them, and {@link CatalogDialect} drops the {@code TABLE( )} around it.
   */
  static final class JdbcRecursiveUnion extends TableFunctionScan implements JdbcRel {
    JdbcRecursiveUnion(RelOptCluster cluster, RelTraitSet traits, List<RelNode> inputs,
        RexNode call, RelDataType rowType) {
      super(cluster, traits, List.of(), inputs, call, null, rowType, null);
    }

    @Override public TableFunctionScan copy(RelTraitSet traits, List<RelNode> inputs,
        RexNode call, java.lang.reflect.@Nullable Type elementType, RelDataType rowType,
        java.util.@Nullable Set<RelColumnMapping> columnMappings) {
      return new JdbcRecursiveUnion(getCluster(), traits, inputs, call, rowType);
    }

    @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
        RelMetadataQuery mq) {
      // what H2 does per round, estimated as one pass over the step's rows
      double rows = mq.getRowCount(getInput(0)) + mq.getRowCount(getInput(1));
      return planner.getCostFactory().makeCost(rows, rows, 0)
          .multiplyBy(JdbcConvention.COST_MULTIPLIER);
    }

    @Override public double estimateRowCount(RelMetadataQuery mq) {
      return mq.getRowCount(getInput(0)) + 10 * mq.getRowCount(getInput(1));
    }

    @Override public JdbcImplementor.Result implement(JdbcImplementor implementor) {
      return implementor.implement(this);
    }
  }

  /** The step's scan of the transient table, written as the table's name. */
  static final class JdbcTransientScan extends TableScan implements JdbcRel {
    JdbcTransientScan(RelOptCluster cluster, RelTraitSet traits, RelOptTable table) {
      super(cluster, traits, List.of(), table);
    }

    @Override public RelNode copy(RelTraitSet traits, List<RelNode> inputs) {
      return new JdbcTransientScan(getCluster(), traits, getTable());
    }

    @Override public JdbcImplementor.Result implement(JdbcImplementor implementor) {
      return implementor.implement(this);
    }
  }

  /**
   * {@code WITH RECURSIVE name(columns) AS (seed UNION ALL step) SELECT * FROM name}, from a
   * call whose operands are the seed and the step.
   */
  static final class WithRecursive extends SqlSpecialOperator {
    private final String table;
    private final List<String> columns;

    WithRecursive(String table, List<String> columns) {
      super("WITH_RECURSIVE", SqlKind.OTHER_FUNCTION);
      this.table = table;
      this.columns = List.copyOf(columns);
    }

    @Override public void unparse(SqlWriter writer, SqlCall call, int leftPrec,
        int rightPrec) {
      SqlNode step = call.operand(1);
      if (readsInSubQuery(step instanceof SqlSelect s ? CatalogDialect.flatten(s) : step, 0)) {
        throw new NotPushed("H2 cannot read recursive table " + table + " in a sub-query");
      }
      SqlParserPos pos = SqlParserPos.ZERO;
      SqlSelect all = new SqlSelect(pos, null, SqlNodeList.SINGLETON_STAR,
          new SqlIdentifier(table, pos), null, null, null, null, null, null, null, null,
          SqlNodeList.EMPTY);
      new SqlWith(pos, SqlNodeList.of(item(call)), all).unparse(writer, 0, 0);
    }

    /** {@code name(columns) AS (seed UNION ALL step)}, recursive. */
    SqlWithItem item(SqlCall call) {
      SqlParserPos pos = SqlParserPos.ZERO;
      SqlNodeList names = new SqlNodeList(pos);
      columns.forEach(c -> names.add(new SqlIdentifier(c, pos)));
      SqlNode union = SqlStdOperatorTable.UNION_ALL.createCall(pos, call.operand(0),
          call.operand(1));
      return new SqlWithItem(pos, new SqlIdentifier(table, pos), names, union,
          SqlLiteral.createBoolean(true, pos));
    }

    /**
     * Whether {@code node} names the recursive table inside a SELECT nested in the step (H2
     * lets the step read it in its own FROM clause only); {@code depth} counts the SELECTs
     * around {@code node}, the step's own included.
     */
    private boolean readsInSubQuery(@Nullable SqlNode node, int depth) {
      if (node instanceof SqlIdentifier id) {
        return depth > 1 && id.names.size() == 1 && id.getSimple().equals(table);
      }
      if (!(node instanceof SqlCall c)) {
        return false;
      }
      int inner = c instanceof SqlSelect ? depth + 1 : depth;
      return c.getOperandList().stream().anyMatch(o -> readsInSubQuery(o, inner));
    }

    @Override public boolean equals(@Nullable Object o) {
      return o instanceof WithRecursive w && w.table.equals(table) && w.columns.equals(columns);
    }

    @Override public int hashCode() {
      return Objects.hash(table, columns);
    }
  }

  /**
   * A recursion H2 cannot run as Calcite wrote it: {@link #preparing} then prepares the
   * statement again, leaving the recursion to Calcite.
   */
  static final class NotPushed extends RuntimeException {
    NotPushed(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code prepare}, Calcite's preparation of a statement on the catalog, with {@link
   * #PROGRAM} before Calcite's standard program; again with Calcite's alone if H2 cannot run
   * a recursion as written.
   */
  public static <T> T preparing(Supplier<T> prepare) {
    Program program = Programs.sequence(PROGRAM, Programs.standard(), CHECK);
    try (Hook.Closeable ignored = Hook.PROGRAM.addThread(
        (Consumer<Holder<Program>>) h -> h.set(program))) {
      return prepare.get();
    } catch (RuntimeException e) {
      // not pushed: H2 cannot run the recursion as written, or the optimizer found no way
      // to run all of its seed or step inside H2
      if (!notPushed(e) && !(e instanceof RelOptPlanner.CannotPlanException)) {
        throw e;
      }
    }
    return prepare.get();
  }

  /** Whether {@code e} comes of a {@link NotPushed}, as a cause or suppressed by Calcite. */
  private static boolean notPushed(@Nullable Throwable e) {
    if (e == null || e instanceof NotPushed) {
      return e != null;
    }
    for (Throwable s : e.getSuppressed()) {
      if (notPushed(s)) {
        return true;
      }
    }
    return e.getCause() != e && notPushed(e.getCause());
  }

  /** The name a statement gave its recursive table. */
  private static String name(RelOptTable table) {
    List<String> names = table.getQualifiedName();
    return names.get(names.size() - 1);
  }

  /**
   * {@code statement} with the recursive queries its FROM clause joins moved to a WITH
   * clause at its top, read there by name: H2 runs them as the statement's own common table
   * expressions, as in a query written by hand, not as derived tables. Anything else comes
   * back as it is.
   */
  public static SqlNode withAtTop(SqlNode statement) {
    if (!(statement instanceof SqlSelect select)) {
      return statement;
    }
    SqlSelect flat = CatalogDialect.flatten(select);
    List<SqlWithItem> items = new ArrayList<>();
    SqlNode from = hoist(flat.getFrom(), items);
    if (items.isEmpty() || items.stream().map(i -> i.name.getSimple()).distinct().count()
        != items.size()) {
      return statement;
    }
    SqlSelect body = (SqlSelect) flat.clone(SqlParserPos.ZERO);
    body.setFrom(from);
    return new SqlWith(SqlParserPos.ZERO, new SqlNodeList(items, SqlParserPos.ZERO), body);
  }

  /**
   * {@code from} with each recursion it joins as a derived table read by name instead, as a
   * new tree ({@code from} is left as it is).
   */
  private static @Nullable SqlNode hoist(@Nullable SqlNode from, List<SqlWithItem> items) {
    if (from instanceof SqlJoin join) {
      return new SqlJoin(join.getParserPosition(), hoist(join.getLeft(), items),
          join.isNaturalNode(), join.getJoinTypeNode(), hoist(join.getRight(), items),
          join.getConditionTypeNode(), join.getCondition());
    }
    if (from != null && from.getKind() == SqlKind.AS
        && ((SqlCall) from).operand(0) instanceof SqlCall table && isRecursionTable(table)) {
      SqlCall recursion = table.operand(0);
      WithRecursive op = (WithRecursive) recursion.getOperator();
      items.add(op.item(recursion));
      return SqlStdOperatorTable.AS.createCall(SqlParserPos.ZERO,
          new SqlIdentifier(op.table, SqlParserPos.ZERO), ((SqlCall) from).operand(1));
    }
    return from;
  }

  /** Whether {@code call} is the {@code TABLE( )} that Calcite writes around a recursion. */
  static boolean isRecursionTable(SqlCall call) {
    return call.getOperator() == SqlStdOperatorTable.COLLECTION_TABLE
        && call.operand(0) instanceof SqlCall inner
        && inner.getOperator() instanceof WithRecursive;
  }
}
