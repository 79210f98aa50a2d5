package org.modelhub.calcite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.calcite.sql.JoinType;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.dialect.H2SqlDialect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlShuttle;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * H2's dialect, writing the joins Calcite pushes into H2 as H2 runs them best. Calcite's
 * SQL generator gives each input of a join that filters or drops columns a sub-query of its
 * own: {@code FROM (SELECT "ID", "MODEL" FROM "VERSIONS" WHERE "MODEL" = ?) AS "t1" JOIN ...}.
 * H2 runs such a derived table as a view (its own query, its rows copied), which costs up to
 * half again the time of the join written on the tables. So in a SELECT whose joins are all
 * inner, a derived table that only selects (and renames) columns of one table, with a
 * condition, becomes that table under the same alias, its condition joins the outer WHERE,
 * and references to its columns are renamed back. Anything else is written as it comes.
 */
final class CatalogDialect extends H2SqlDialect {
  CatalogDialect(Context context) {
    super(context);
  }

  @Override public void unparseCall(SqlWriter writer, SqlCall call, int leftPrec,
      int rightPrec) {
    if (CatalogRecursion.isRecursionTable(call)) {
      // a query of its own, not TABLE(): in parentheses where it is a derived table
      SqlWriter.Frame frame = writer.startList("(", ")");
      call.operand(0).unparse(writer, 0, 0);
      writer.endList(frame);
      return;
    }
    SqlCall flat = call instanceof SqlSelect select ? flatten(select) : call;
    super.unparseCall(writer, flat, leftPrec, rightPrec);
  }

  /** {@code select} with its simple derived tables joined as tables, or as it is. */
  static SqlSelect flatten(SqlSelect select) {
    if (select.getFrom() == null || select.getSelectList() == null) {
      return select;
    }
    // alias of each derived table -> (its column -> the table's column)
    Map<String, UnaryOperator<String>> renames = new HashMap<>();
    List<SqlNode> conditions = new ArrayList<>();
    SqlNode from = flattenFrom(select.getFrom(), renames, conditions);
    if (from == null || renames.isEmpty()) {
      return select;
    }
    Renamer renamer = new Renamer(renames);
    SqlNodeList items = new SqlNodeList(SqlParserPos.ZERO);
    for (SqlNode item : select.getSelectList()) {
      if (item instanceof SqlIdentifier id && id.isStar()) {
        return select; // the table has more columns than the derived table selected
      }
      SqlNode renamed = renamer.apply(item);
      // keep the label H2 gives the column (Calcite reads columns by position anyway)
      if (item instanceof SqlIdentifier id && !renamed.equalsDeep(item, org.apache.calcite
          .util.Litmus.IGNORE)) {
        renamed = SqlStdOperatorTable.AS.createCall(SqlParserPos.ZERO, renamed,
            new SqlIdentifier(id.names.get(id.names.size() - 1), SqlParserPos.ZERO));
      }
      items.add(renamed);
    }
    SqlNode where = renamer.apply(select.getWhere());
    from = renameJoins(from, renamer);
    if (where != null) {
      conditions.add(where);
    }
    // AND unparses as a binary operator, so more than two conditions make a chain: a single
    // call with three operands would be written with its first two only
    where = null;
    for (SqlNode c : conditions) {
      where = where == null ? c : SqlStdOperatorTable.AND.createCall(SqlParserPos.ZERO, where, c);
    }
    SqlNodeList orderBy = (SqlNodeList) renamer.apply(select.getOrderList());
    SqlNodeList groupBy = (SqlNodeList) renamer.apply(select.getGroup());
    SqlNode having = renamer.apply(select.getHaving());
    if (renamer.failed || select.getQualify() != null
        || select.getWindowList() != null && !select.getWindowList().isEmpty()) {
      return select;
    }
    return new SqlSelect(select.getParserPosition(), keywords(select), items, from, where,
        groupBy, having, select.getWindowList(), null, orderBy, select.getOffset(),
        select.getFetch(), select.getHints());
  }

  private static @Nullable SqlNodeList keywords(SqlSelect select) {
    return (SqlNodeList) select.getOperandList().get(0);
  }

  /**
   * The FROM clause with its join conditions renamed. A derived table left in it is not: it
   * cannot see the other aliases of the FROM clause.
   */
  private static SqlNode renameJoins(SqlNode from, Renamer renamer) {
    if (!(from instanceof SqlJoin join)) {
      return from;
    }
    return new SqlJoin(join.getParserPosition(), renameJoins(join.getLeft(), renamer),
        join.isNaturalNode(), join.getJoinTypeNode(), renameJoins(join.getRight(), renamer),
        join.getConditionTypeNode(), renamer.apply(join.getCondition()));
  }

  /**
   * The FROM clause with simple derived tables replaced by their table, recording their
   * columns and (alias-qualified) conditions; null when a join is not inner.
   */
  private static @Nullable SqlNode flattenFrom(SqlNode from,
      Map<String, UnaryOperator<String>> renames, List<SqlNode> conditions) {
    if (from instanceof SqlJoin join) {
      JoinType type = join.getJoinType();
      if (type != JoinType.INNER && type != JoinType.COMMA && type != JoinType.CROSS
          || join.isNatural() || join.getConditionType() == org.apache.calcite.sql
              .JoinConditionType.USING) {
        return null;
      }
      SqlNode left = flattenFrom(join.getLeft(), renames, conditions);
      SqlNode right = flattenFrom(join.getRight(), renames, conditions);
      if (left == null || right == null) {
        return null;
      }
      return new SqlJoin(join.getParserPosition(), left, join.isNaturalNode(),
          join.getJoinTypeNode(), right, join.getConditionTypeNode(), join.getCondition());
    }
    if (from.getKind() != SqlKind.AS || ((SqlCall) from).operandCount() != 2
        || !(((SqlCall) from).operand(0) instanceof SqlSelect inner)
        || !(((SqlCall) from).operand(1) instanceof SqlIdentifier alias)
        || !alias.isSimple() || renames.containsKey(alias.getSimple())) {
      return from;
    }
    if (isRecursion(inner)) {
      // SELECT * FROM (WITH RECURSIVE ...): the recursive query is the derived table
      renames.put(alias.getSimple(), UnaryOperator.identity());
      return SqlStdOperatorTable.AS.createCall(SqlParserPos.ZERO, inner.getFrom(), alias);
    }
    UnaryOperator<String> columns = columns(inner);
    if (columns == null) {
      return from;
    }
    renames.put(alias.getSimple(), columns);
    if (inner.getWhere() != null) {
      conditions.add(inner.getWhere().accept(new Qualifier(alias.getSimple())));
    }
    return SqlStdOperatorTable.AS.createCall(SqlParserPos.ZERO, inner.getFrom(), alias);
  }

  /** Whether {@code inner} is all of a recursive query: {@code SELECT * FROM TABLE(...)}. */
  private static boolean isRecursion(SqlSelect inner) {
    return inner.getFrom() instanceof SqlCall from && CatalogRecursion.isRecursionTable(from)
        && isStar(inner.getSelectList()) && inner.getWhere() == null && inner.getGroup() == null
        && inner.getOrderList() == null && inner.getFetch() == null
        && inner.getOffset() == null;
  }

  private static boolean isStar(@Nullable SqlNodeList items) {
    return items != null && items.size() == 1 && items.get(0) instanceof SqlIdentifier star
        && star.isStar() && star.names.size() == 1;
  }

  /**
   * The table's column for each name a derived table gives one (null for a name it does not
   * give); null unless it only selects ({@code *} or columns), renames and filters columns of
   * one table without sub-queries.
   */
  private static @Nullable UnaryOperator<String> columns(SqlSelect inner) {
    if (!(inner.getFrom() instanceof SqlIdentifier) || inner.isDistinct()
        || inner.getGroup() != null || inner.getHaving() != null
        || inner.getOrderList() != null && !inner.getOrderList().isEmpty()
        || inner.getFetch() != null || inner.getOffset() != null
        || inner.getQualify() != null || inner.getSelectList() == null
        || inner.getWindowList() != null && !inner.getWindowList().isEmpty()
        || inner.getHints() != null && !inner.getHints().isEmpty()
        || inner.getWhere() != null && !plain(inner.getWhere())) {
      return null;
    }
    if (isStar(inner.getSelectList())) {
      return UnaryOperator.identity();
    }
    Map<String, String> columns = new HashMap<>();
    for (SqlNode item : inner.getSelectList()) {
      SqlNode column = item;
      String name = null;
      if (item.getKind() == SqlKind.AS && ((SqlCall) item).operandCount() == 2) {
        column = ((SqlCall) item).operand(0);
        name = ((SqlIdentifier) ((SqlCall) item).operand(1)).getSimple();
      }
      if (!(column instanceof SqlIdentifier id) || !id.isSimple() || id.isStar()) {
        return null;
      }
      columns.put(name == null ? id.getSimple() : name, id.getSimple());
    }
    return columns::get;
  }

  /** Whether a condition is made of columns, values and operators only (no sub-query). */
  private static boolean plain(SqlNode condition) {
    boolean[] plain = {true};
    condition.accept(new SqlShuttle() {
      @Override public @Nullable SqlNode visit(SqlCall call) {
        if (call instanceof SqlSelect || call.getKind() == SqlKind.AS
            || call.getKind() == SqlKind.OVER) {
          plain[0] = false;
          return call;
        }
        return super.visit(call);
      }

      @Override public SqlNode visit(SqlIdentifier id) {
        plain[0] &= id.isSimple();
        return id;
      }
    });
    return plain[0];
  }

  /** Qualifies the columns of a derived table's condition with the derived table's alias. */
  private static final class Qualifier extends SqlShuttle {
    private final String alias;

    Qualifier(String alias) {
      this.alias = alias;
    }

    @Override public SqlNode visit(SqlIdentifier id) {
      return new SqlIdentifier(List.of(alias, id.getSimple()), id.getParserPosition());
    }
  }

  /**
   * Renames {@code alias.column} of a flattened derived table to the table's column; fails
   * on a column it does not know and on an unqualified name, which could now be ambiguous.
   */
  private static final class Renamer extends SqlShuttle {
    private final Map<String, UnaryOperator<String>> renames;
    boolean failed;

    Renamer(Map<String, UnaryOperator<String>> renames) {
      this.renames = renames;
    }

    @Nullable SqlNode apply(@Nullable SqlNode node) {
      return node == null ? null : node.accept(this);
    }

    @Override public @Nullable SqlNode visit(SqlCall call) {
      if (call instanceof SqlSelect) {
        failed = true; // a sub-query could refer to the outer aliases
        return call;
      }
      if (call.getKind() == SqlKind.AS && call.operandCount() == 2) {
        // rename the expression, not the name it is given
        return call.getOperator().createCall(call.getFunctionQuantifier(),
            call.getParserPosition(), call.operand(0).accept(this), call.operand(1));
      }
      return super.visit(call);
    }

    @Override public SqlNode visit(SqlIdentifier id) {
      if (id.isStar() || id.names.size() != 2) {
        // a star is an argument (COUNT(*)); the select list has none
        failed |= id.isSimple() && !id.isStar();
        return id;
      }
      UnaryOperator<String> columns = renames.get(id.names.get(0));
      if (columns == null) {
        return id;
      }
      String column = columns.apply(id.names.get(1));
      if (column == null) {
        failed = true;
        return id;
      }
      return new SqlIdentifier(List.of(id.names.get(0), column), id.getParserPosition());
    }
  }
}
