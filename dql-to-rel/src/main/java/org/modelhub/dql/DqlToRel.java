package org.modelhub.dql;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.util.Holder;
import org.apache.calcite.util.TimestampString;
import org.modelhub.calcite.ResultTable;

/**
 * Translates a DQL statement into a Calcite plan with a {@link RelBuilder}, over the MODELHUB
 * tables and functions: versions are a scan of VERSIONS; conditions on layers become
 * sub-queries over LAYERS and EDGES (an IN that H2 runs as one join when the statement also
 * restricts the versions' own columns, else a correlated EXISTS);
 * captures become a join with the matching layers; slice and construct are lateral calls of
 * the SLICE and CONSTRUCT functions for each selected version. No SQL text is ever built:
 * names and literals stay literals of the plan.
 */
public final class DqlToRel {
  /** List-valued attributes: a template argument "3", 3 or "3x3" means [3,3]. */
  private static final Set<String> PAIRS = Set.of("kernel", "stride", "pad", "dilation");

  private final RelBuilder b;
  private final Operators ops;
  private final Predicate<String> savedQueryExists;

  /**
   * @param b a builder whose default schema is MODELHUB
   * @param ops the MODELHUB functions the plan calls
   * @param savedQueryExists whether a saved statement of that name exists
   */
  public DqlToRel(RelBuilder b, Operators ops, Predicate<String> savedQueryExists) {
    this.b = requireNonNull(b, "b");
    this.ops = requireNonNull(ops, "ops");
    this.savedQueryExists = requireNonNull(savedQueryExists, "savedQueryExists");
  }

  /** The operators a translation calls, looked up in the MODELHUB schema. */
  public record Operators(SqlOperator capture, SqlOperator binding, SqlOperator number,
      SqlOperator attr, SqlOperator slice, SqlOperator construct, SqlOperator evaluate) { }

  /** The columns a statement's result has. */
  public static List<ResultTable.Column> columns(Ast.Program p) {
    if (p.explain()) {
      return List.of(ResultTable.col("PLAN", SqlTypeName.VARCHAR));
    }
    if (p.statement() instanceof Ast.Select) {
      return List.of(ResultTable.col("ID", SqlTypeName.VARCHAR),
          ResultTable.col("MODEL", SqlTypeName.VARCHAR),
          ResultTable.col("VERSION", SqlTypeName.INTEGER),
          ResultTable.col("CREATED", SqlTypeName.TIMESTAMP),
          ResultTable.col("NUM_PARAMS", SqlTypeName.BIGINT),
          ResultTable.col("MESSAGE", SqlTypeName.VARCHAR));
    }
    if (p.statement() instanceof Ast.Evaluate) {
      return DqlEvaluate.COLUMNS;
    }
    return DqlFunctions.CREATED;
  }

  /** The plan of a statement; {@code text} is recorded as the message of new versions. */
  public RelNode translate(Ast.Statement s, String text) {
    if (s instanceof Ast.Select sel) {
      versions(sel.source(), sel.where(), captureSource(sel.where(), List.of()));
      b.aggregate(b.groupKey(b.field("ID"), b.field("MODEL"), b.field("VERSION"),
          b.field("CREATED"), b.field("NUM_PARAMS"), b.field("MESSAGE")));
      b.project(b.field("ID"), b.field("MODEL"), b.field("VERSION"), b.field("CREATED"),
          b.field("NUM_PARAMS"), b.field("MESSAGE"));
      b.sort(b.field("MODEL"), b.field("VERSION"));
      return b.build();
    }
    if (s instanceof Ast.Slice sl) {
      versions(sl.source(), sl.where(), captureSource(sl.where(), List.of()));
      b.aggregate(b.groupKey(b.field("ID")));
      lateral(ops.slice(), c -> List.of(b.field(c, "ID"),
          b.literal(sl.input().pattern().text()), b.literal(sl.output().pattern().text()),
          b.literal(text)));
      return b.build();
    }
    if (s instanceof Ast.Construct co) {
      List<NamePattern> targets = new ArrayList<>();
      co.mutations().forEach(m -> targets.add(m.target().pattern()));
      NamePattern source = captureSource(co.where(), targets);
      versions(co.source(), co.where(), source);
      if (source == null) {
        b.aggregate(b.groupKey(b.field("ID")));
        b.project(b.field("ID"), b.alias(b.literal(""), "BINDINGS"));
      } else {
        List<RexNode> parts = new ArrayList<>();
        for (int k : source.captures()) {
          if (!parts.isEmpty()) {
            parts.add(b.literal("\u0000"));
          }
          parts.add(b.literal(k + "="));
          parts.add(b.field("C" + k));
        }
        RexNode pairs = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
          pairs = b.call(SqlStdOperatorTable.CONCAT, pairs, parts.get(i));
        }
        b.project(b.field("ID"), b.alias(b.call(ops.binding(), pairs), "B"));
        b.aggregate(b.groupKey(b.field("ID")), b.aggregateCall(SqlStdOperatorTable.LISTAGG,
            b.field("B"), b.literal("\n")).as("BINDINGS"));
      }
      String mutations = Mutations.toJson(co.mutations());
      lateral(ops.construct(), c -> List.of(b.field(c, "ID"), b.literal(mutations),
          b.field(c, "BINDINGS"), b.literal(text)));
      return b.build();
    }
    Ast.Evaluate ev = (Ast.Evaluate) s;
    String spec = DqlEvaluate.spec(ev);
    evaluateSources(ev.source());
    lateral(ops.evaluate(), c -> List.of(b.field(c, "SOURCES"), b.literal(spec)));
    return b.build();
  }

  /**
   * Pushes one row whose SOURCES column lists the versions an evaluate trains, one per line:
   * those a saved statement returned, or the version (or model) the source string names.
   */
  private void evaluateSources(Ast.Source source) {
    if (!source.isSaved()) {
      throw new DqlException(source.pos(), "evaluate trains the versions of a saved statement"
          + " or one version: write from \"query3\" or from \"lenet@1\", not from "
          + source.var());
    }
    if (savedQueryExists.test(source.savedQuery())) {
      b.scan("QUERY_VERSIONS")
          .filter(b.equals(b.field("QUERY"), b.literal(source.savedQuery())))
          .aggregate(b.groupKey(), b.aggregateCall(SqlStdOperatorTable.LISTAGG,
              b.field("VERSION_ID"), b.literal("\n")).as("SOURCES"));
    } else {
      b.values(new String[] {"SOURCES"}, source.savedQuery());
    }
  }

  /** Calls table function {@code fn} for each row on the stack; keeps the function's columns. */
  private void lateral(SqlOperator fn, Function<RexCorrelVariable,
      List<RexNode>> operands) {
    Holder<RexCorrelVariable> c = Holder.empty();
    b.variable(c::set);
    int left = b.peek().getRowType().getFieldCount();
    b.functionScan(fn, 0, operands.apply(c.get()));
    // every column of the left row may be read by the function's operands
    List<RexNode> requiredFields = new ArrayList<>();
    for (int i = 0; i < left; i++) {
      requiredFields.add(b.field(2, 0, i));
    }
    b.correlate(JoinRelType.INNER, c.get().id, requiredFields);
    int right = b.peek().getRowType().getFieldCount() - left;
    List<RexNode> keep = new ArrayList<>();
    for (int i = 0; i < right; i++) {
      keep.add(b.field(left + i));
    }
    b.project(keep);
  }

  /**
   * Pushes the versions a statement ranges over, filtered by its condition. With captures,
   * each row is a version and one binding of the captures ({@code C1, C2...}).
   */
  private void versions(Ast.Source source, Ast.Condition where, NamePattern bindingSource) {
    b.scan("VERSIONS");
    if (bindingSource != null) {
      int versionFields = b.peek().getRowType().getFieldCount();
      b.scan("LAYERS");
      b.join(JoinRelType.INNER, b.and(
          b.equals(b.field(2, 0, "ID"), b.field(2, 1, "VERSION_ID")),
          names(b.field(2, 1, "NAME"), bindingSource, null)));
      List<RexNode> fields = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < versionFields; i++) {
        fields.add(b.field(i));
        names.add(b.peek().getRowType().getFieldNames().get(i));
      }
      for (int k : bindingSource.captures()) {
        fields.add(b.call(ops.capture(), b.field("NAME"), b.literal(bindingSource.regex()),
            b.literal(bindingSource.groupOf(k))));
        names.add("C" + k);
      }
      b.project(fields, names);
      List<RexNode> bound = new ArrayList<>();
      bindingSource.captures().forEach(k -> bound.add(b.isNotNull(b.field("C" + k))));
      b.filter(bound);
      b.distinct();
    }
    List<Ast.Condition> own = versionConjuncts(where);
    Ast.Condition folded = bindingSource == null && !own.isEmpty() ? foldable(where) : null;
    if (folded != null) {
      fold(folded, own);
      where = rest(where, folded, own);
    }
    List<RexNode> conditions = new ArrayList<>();
    Holder<RexCorrelVariable> v = Holder.empty();
    b.variable(v::set);
    Scope scope = new Scope(v.get(), bindingSource, own);
    if (source.isSaved()) {
      if (!savedQueryExists.test(source.savedQuery())) {
        throw new DqlException(source.pos(), "no saved statement named \""
            + source.savedQuery() + "\" (save one with dlv query --name NAME \"...\")");
      }
      conditions.add(b.in(b.field("ID"), rb -> rb.scan("QUERY_VERSIONS")
          .filter(rb.equals(rb.field("QUERY"), rb.literal(source.savedQuery())))
          .project(rb.field("VERSION_ID")).build()));
    }
    if (where != null) {
      conditions.add(condition(where, scope));
    }
    if (!conditions.isEmpty()) {
      b.filter(Set.of(v.get().id), conditions);
    }
  }

  /**
   * The first top-level structural conjunct of {@code where} (a {@code has} or a layer
   * test), or null: with conditions on the version's own columns, it is folded into the
   * version scan as a join that H2 runs whole.
   */
  private static Ast.Condition foldable(Ast.Condition where) {
    if (where instanceof Ast.And a) {
      Ast.Condition left = foldable(a.left());
      return left != null ? left : foldable(a.right());
    }
    return where instanceof Ast.Has || where instanceof Ast.LayerExists ? where : null;
  }

  /** {@code where} without the folded conjunct and the own-column conjuncts; null if none. */
  private static Ast.Condition rest(Ast.Condition where, Ast.Condition folded,
      List<Ast.Condition> own) {
    if (where == folded || own.stream().anyMatch(c -> c == where)) {
      return null;
    }
    if (where instanceof Ast.And a) {
      Ast.Condition left = rest(a.left(), folded, own);
      Ast.Condition right = rest(a.right(), folded, own);
      return left == null ? right : right == null ? left : new Ast.And(a.pos(), left, right);
    }
    return where;
  }

  /**
   * Replaces the VERSIONS scan on the stack by the versions that meet the own-column
   * conjuncts {@code own} and the structural condition {@code c}: one join of VERSIONS, EDGES
   * from the matching layers (for a hop) and the layers the template tests, which H2 runs as
   * one statement; Calcite checks the exact attributes of the rows it returns. A version
   * comes out once per matching layer; the select's grouping keeps it once. The result has
   * the columns of VERSIONS.
   */
  private void fold(Ast.Condition c, List<Ast.Condition> own) {
    Ast.Selector sel = c instanceof Ast.Has h ? h.selector() : ((Ast.LayerExists) c).selector();
    Ast.Hop hop = c instanceof Ast.Has h ? h.hop() : ((Ast.LayerExists) c).hop();
    Ast.Template template = c instanceof Ast.Has h ? h.template() : null;
    int versionFields = b.peek().getRowType().getFieldCount();
    List<String> versionNames = b.peek().getRowType().getFieldNames();
    Scope none = new Scope(null, null, own);
    List<RexNode> restrict = new ArrayList<>();
    own.forEach(o -> restrict.add(condition(o, none)));
    b.filter(restrict).as("v");
    String from = hop == Ast.Hop.SELF ? "l" : "e";
    b.scan(hop == Ast.Hop.SELF ? "LAYERS" : "EDGES").as(from);
    b.join(JoinRelType.INNER, b.equals(b.field(2, "v", "ID"), b.field(2, from, "VERSION_ID")));
    if (hop != Ast.Hop.SELF && template != null) {
      joinHopLayer(hop);
    }
    List<RexNode> conds = new ArrayList<>();
    conds.add(names(b.field(from, selectedColumn(hop)), sel.pattern(), null));
    if (template != null) {
      conds.addAll(template(template, hop == Ast.Hop.SELF ? "l" : "n", true));
    }
    b.filter(conds);
    List<RexNode> fields = new ArrayList<>();
    for (int i = 0; i < versionFields; i++) {
      fields.add(b.field(i));
    }
    b.project(fields, versionNames);
  }

  /**
   * The correlation variable of the current version row, the captures it binds, and the
   * conditions on the version's own columns that every selected row meets.
   */
  private record Scope(RexCorrelVariable row, NamePattern bindings,
      List<Ast.Condition> versionConjuncts) {
    boolean binds(int k) {
      return bindings != null && bindings.captures().contains(k);
    }
  }

  /**
   * The top-level conjuncts of {@code where} that test only the version's own columns
   * (names, times, sizes). A selected version meets them all, so a structural sub-query may
   * be restricted to the versions that meet them: the restriction changes nothing for a
   * selected row, and lets the catalog start its join from a few versions instead of all.
   */
  private static List<Ast.Condition> versionConjuncts(Ast.Condition where) {
    List<Ast.Condition> out = new ArrayList<>();
    if (where instanceof Ast.And a) {
      out.addAll(versionConjuncts(a.left()));
      out.addAll(versionConjuncts(a.right()));
    } else if (where instanceof Ast.NameLike || where instanceof Ast.PropertyLike
        || where instanceof Ast.Comparison c && !AstBuilder.KEYED.contains(c.property().name())) {
      out.add(where);
    }
    return out;
  }

  /**
   * The pattern whose matches bind the statement's captures: the first selector with a
   * capture, in the condition, then in the mutation targets; null without captures.
   */
  private static NamePattern captureSource(Ast.Condition where, List<NamePattern> targets) {
    List<NamePattern> selectors = new ArrayList<>();
    collect(where, selectors);
    selectors.addAll(targets);
    for (NamePattern p : selectors) {
      if (!p.captures().isEmpty()) {
        return p;
      }
    }
    return null;
  }

  private static void collect(Ast.Condition c, List<NamePattern> out) {
    if (c instanceof Ast.And a) {
      collect(a.left(), out);
      collect(a.right(), out);
    } else if (c instanceof Ast.Or o) {
      collect(o.left(), out);
      collect(o.right(), out);
    } else if (c instanceof Ast.Not n) {
      collect(n.operand(), out);
    } else if (c instanceof Ast.Has h) {
      out.add(h.selector().pattern());
    } else if (c instanceof Ast.LayerExists e) {
      out.add(e.selector().pattern());
    }
  }

  /**
   * A condition on the version row on top of the builder's stack: its own columns are
   * fields of that row; sub-queries see it through the correlation variable of {@code s}.
   */
  private RexNode condition(Ast.Condition c, Scope s) {
    if (c instanceof Ast.And a) {
      return b.and(condition(a.left(), s), condition(a.right(), s));
    }
    if (c instanceof Ast.Or o) {
      return b.or(condition(o.left(), s), condition(o.right(), s));
    }
    if (c instanceof Ast.Not n) {
      return b.not(condition(n.operand(), s));
    }
    if (c instanceof Ast.NameLike l) {
      return like(b.field("MODEL"), l.pattern());
    }
    if (c instanceof Ast.PropertyLike l) {
      RexNode like = like(b.field(column(l.property())), l.pattern());
      return l.negated() ? b.not(like) : like;
    }
    if (c instanceof Ast.Comparison cmp) {
      return comparison(cmp, s);
    }
    if (c instanceof Ast.Has h) {
      return layers(h.selector(), h.hop(), h.template(), s);
    }
    Ast.LayerExists e = (Ast.LayerExists) c;
    return layers(e.selector(), e.hop(), null, s);
  }

  /**
   * Some layer matching the selector (or one hop from one) has the template. A hop reads
   * EDGES, whose SRC and DST always name layers of the version (the catalog refuses a network
   * with an unknown input), so only the layer the template tests is joined. With conditions
   * on the version's own columns, the sub-query is an uncorrelated IN restricted to the
   * versions they keep: H2 runs it as one join from those versions, and Calcite checks the
   * exact attributes of the few rows it returns. Without them, or when a capture must equal
   * the version row's binding, it is a correlated EXISTS, which Calcite decorrelates into
   * hash joins over whole tables.
   */
  private RexNode layers(Ast.Selector sel, Ast.Hop hop, Ast.Template template, Scope s) {
    boolean restricted = !s.versionConjuncts().isEmpty();
    boolean correlated = !restricted || sel.pattern().captures().stream().anyMatch(s::binds);
    String from = hop == Ast.Hop.SELF ? "l" : "e";
    Function<RelBuilder, RelNode> sub = rb -> {
      kept(hop == Ast.Hop.SELF ? "LAYERS" : "EDGES", from, s);
      RexNode name = rb.field(from, selectedColumn(hop));
      if (hop != Ast.Hop.SELF && template != null) {
        joinHopLayer(hop);
      }
      List<RexNode> conds = new ArrayList<>();
      if (correlated) {
        conds.add(rb.equals(rb.field(from, "VERSION_ID"), rb.field(s.row(), "ID")));
      }
      conds.add(names(name, sel.pattern(), s));
      if (template != null) {
        conds.addAll(template(template, hop == Ast.Hop.SELF ? "l" : "n", restricted));
      }
      rb.filter(conds);
      return correlated ? rb.build() : rb.project(rb.field(from, "VERSION_ID")).build();
    };
    return correlated ? b.exists(sub) : b.in(b.field("ID"), sub);
  }

  /** The column a selector's pattern matches: a layer's NAME, or an edge's SRC or DST. */
  private static String selectedColumn(Ast.Hop hop) {
    return hop == Ast.Hop.SELF ? "NAME" : hop == Ast.Hop.NEXT ? "SRC" : "DST";
  }

  /**
   * Joins the edges {@code e} on top of the stack with the layer at their other end,
   * {@code n}: the one a template tests.
   */
  private void joinHopLayer(Ast.Hop hop) {
    b.scan("LAYERS").as("n");
    b.join(JoinRelType.INNER, b.and(
        b.equals(b.field(2, "e", "VERSION_ID"), b.field(2, "n", "VERSION_ID")),
        b.equals(b.field(2, "e", hop == Ast.Hop.NEXT ? "DST" : "SRC"),
            b.field(2, "n", "NAME"))));
  }

  /**
   * Pushes a scan of {@code table} (LAYERS or EDGES) as {@code alias}, joined with the
   * versions that meet the statement's own-column conditions when it has any (exact: ID is
   * the key of VERSIONS).
   */
  private void kept(String table, String alias, Scope s) {
    if (s.versionConjuncts().isEmpty()) {
      b.scan(table).as(alias);
      return;
    }
    List<RexNode> restrict = new ArrayList<>();
    b.scan("VERSIONS");
    s.versionConjuncts().forEach(c -> restrict.add(condition(c, s)));
    b.filter(restrict).project(b.field("ID")).as("k");
    b.scan(table).as(alias);
    b.join(JoinRelType.INNER, b.equals(b.field(2, "k", "ID"), b.field(2, alias, "VERSION_ID")));
  }

  /**
   * Names matching a pattern: an IN list or LIKE patterns (run in H2), and for captures the
   * bound values ({@code DQL_CAPTURE}, run in Calcite).
   */
  private RexNode names(RexNode name, NamePattern p, Scope s) {
    List<RexNode> conds = new ArrayList<>();
    if (p.isFinite()) {
      List<RexNode> lits = new ArrayList<>();
      p.names().forEach(n -> lits.add(b.literal(n)));
      conds.add(lits.size() == 1 ? b.equals(name, lits.get(0)) : b.in(name, lits));
    } else {
      List<RexNode> likes = new ArrayList<>();
      for (String like : p.likePatterns()) {
        String prefix = prefix(like);
        likes.add(like.equals("%") ? b.isNotNull(name)
            : prefix != null ? startsWith(name, prefix)
            : b.call(SqlStdOperatorTable.LIKE, name, b.literal(like), b.literal("\\")));
      }
      conds.add(b.or(likes));
    }
    if (s != null) {
      for (int k : p.captures()) {
        if (s.binds(k)) {
          conds.add(b.equals(b.call(ops.capture(), name, b.literal(p.regex()),
              b.literal(p.groupOf(k))), b.field(s.row(), "C" + k)));
        }
      }
    }
    return b.and(conds);
  }

  /**
   * The text before the only wildcard of a LIKE pattern (escape {@code \\}) that ends with
   * its only {@code %}; null for other patterns.
   */
  static String prefix(String like) {
    if (like.length() < 2 || !like.endsWith("%")) {
      return null;
    }
    String body = like.substring(0, like.length() - 1);
    String text = body.replaceAll("\\\\(.)", "$1");
    String escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return escaped.equals(body) ? text : null;
  }

  /**
   * {@code name} starts with {@code prefix}, without LIKE: H2 plans a statement that has a
   * LIKE again on every execution (the pattern could be a parameter), which costs more than
   * running it when it joins derived tables. The first characters are compared exactly; the
   * range (in H2's code-unit order of strings) lets H2 use an index on the column.
   */
  private RexNode startsWith(RexNode name, String prefix) {
    RexNode head = b.equals(b.call(SqlStdOperatorTable.SUBSTRING, name, b.literal(1),
        b.literal(prefix.length())), b.literal(prefix));
    char last = prefix.charAt(prefix.length() - 1);
    if (last == Character.MAX_VALUE) {
      return head;
    }
    String next = prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    return b.and(b.greaterThanOrEqual(name, b.literal(prefix)),
        b.lessThan(name, b.literal(next)), head);
  }

  /**
   * {@code text} occurs in {@code value}: the same test as LIKE '%text%' for a text without
   * wildcards, written with POSITION so that H2 need not plan the statement again on every
   * execution (see {@link #startsWith}).
   */
  private RexNode contains(RexNode value, String text) {
    return b.greaterThan(b.call(SqlStdOperatorTable.POSITION, b.literal(text), value),
        b.literal(0));
  }

  /** The layer (alias) is of the template's type and has the arguments' attributes. */
  private List<RexNode> template(Ast.Template t, String alias, boolean restricted) {
    List<RexNode> conds = new ArrayList<>();
    RexNode type = b.field(alias, "TYPE");
    // types are stored upper-case (LayerTypes.normalize), so UPPER changes no result; it
    // keeps H2 from starting a restricted join at the TYPE index, whose statistics (a dozen
    // types in all LAYERS rows count as 1% distinct) promise a hundred rows per type where
    // there are tens of thousands
    conds.add(b.equals(restricted ? b.call(SqlStdOperatorTable.UPPER, type) : type,
        b.literal(t.type())));
    RexNode attrs = b.field(alias, "ATTRS");
    RexNode upper = b.call(SqlStdOperatorTable.UPPER, attrs);
    for (Map.Entry<String, Ast.Literal> e : Templates.attributes(t, 0).entrySet()) {
      String key = e.getKey();
      Ast.Literal lit = e.getValue();
      if (lit.kind() == Ast.Literal.Kind.STAR) {
        continue;
      }
      RexNode value = b.call(ops.attr(), attrs, b.literal(key));
      String keyText = "\"" + key.toUpperCase(Locale.ROOT) + "\":";
      if (PAIRS.contains(key) || key.equals("shape")) {
        String list = listText(lit, PAIRS.contains(key));
        // exact: attributes are written as compact JSON ([3,3]); the LIKE runs in H2
        conds.add(contains(upper, keyText + list));
        conds.add(b.equals(value, b.literal(list)));
      } else if (lit.kind() == Ast.Literal.Kind.NUMBER) {
        conds.add(contains(upper, keyText));
        conds.add(b.equals(b.call(ops.number(), value),
            b.literal(Double.parseDouble(lit.text()))));
      } else {
        String v = lit.text().toUpperCase(Locale.ROOT);
        boolean plain = v.chars().noneMatch(ch -> "%_\"\\".indexOf(ch) >= 0);
        conds.add(contains(upper, keyText + (plain ? "\"" + v + "\"" : "")));
        conds.add(b.equals(b.call(SqlStdOperatorTable.UPPER, value), b.literal(v)));
      }
    }
    return conds;
  }

  /** [3,3] for "3", 3 or "3x3"; [1,3,224,224] for "1x3x224x224". */
  private static String listText(Ast.Literal lit, boolean pair) {
    String text = lit.text().trim();
    String[] parts = text.replace("[", "").replace("]", "").split("[x,]");
    List<String> dims = new ArrayList<>();
    for (String p : parts) {
      String d = p.trim();
      if (!d.matches("-?\\d+")) {
        throw new DqlException(lit.pos(), "expected a size such as 3 or \"3x3\", not \""
            + text + "\"");
      }
      dims.add(d);
    }
    if (pair && dims.size() == 1) {
      dims.add(dims.get(0));
    }
    return "[" + String.join(",", dims) + "]";
  }

  private RexNode comparison(Ast.Comparison c, Scope s) {
    Ast.Property p = c.property();
    SqlOperator op = operator(c.op());
    Ast.Literal lit = c.value();
    if (lit.kind() == Ast.Literal.Kind.STAR) {
      throw new DqlException(lit.pos(), "compare with a string or a number, not *");
    }
    if (p.name().equals("hyperparams")) {
      return b.exists(rb -> rb.scan("HYPERPARAMS").filter(
          rb.equals(rb.field("VERSION_ID"), rb.field(s.row(), "ID")),
          rb.equals(rb.field("NAME"), rb.literal(p.key())),
          lit.kind() == Ast.Literal.Kind.NUMBER
              ? rb.call(op, rb.call(ops.number(), rb.field("VAL")),
                  rb.literal(Double.parseDouble(lit.text())))
              : rb.call(op, rb.field("VAL"), rb.literal(lit.text()))).build());
    }
    if (p.name().equals("metrics")) {
      if (lit.kind() != Ast.Literal.Kind.NUMBER) {
        throw new DqlException(lit.pos(), "metrics are numbers: compare "
            + p.var() + ".metrics[\"" + p.key() + "\"] with a number");
      }
      // the last logged value: the row at the greatest step
      return b.exists(rb -> rb.scan("METRICS").filter(
          rb.equals(rb.field("VERSION_ID"), rb.field(s.row(), "ID")),
          rb.equals(rb.field("NAME"), rb.literal(p.key())),
          rb.call(op, rb.field("VAL"), rb.literal(Double.parseDouble(lit.text()))),
          rb.equals(rb.field("STEP"), rb.scalarQuery(r2 -> r2.scan("METRICS").filter(
              r2.equals(r2.field("VERSION_ID"), r2.field(s.row(), "ID")),
              r2.equals(r2.field("NAME"), r2.literal(p.key())))
              .aggregate(r2.groupKey(), r2.max(r2.field("STEP"))).build()))).build());
    }
    String column = column(p);
    RexNode field = b.field(column);
    switch (column) {
      case "CREATED":
        if (lit.kind() != Ast.Literal.Kind.STRING) {
          throw new DqlException(lit.pos(), p.var() + "." + p.name() + " is a time: compare"
              + " it with a string such as \"2015-11-22\" or \"2015-11-22 13:45:00\"");
        }
        return b.call(op, field, b.getRexBuilder().makeTimestampLiteral(timestamp(lit), 3));
      case "VERSION": case "NUM_PARAMS": case "NUM_LAYERS": case "RAW_BYTES":
      case "STORED_BYTES":
        if (lit.kind() != Ast.Literal.Kind.NUMBER) {
          throw new DqlException(lit.pos(), p.var() + "." + p.name() + " is a number: compare"
              + " it with a number, not \"" + lit.text() + "\"");
        }
        return b.call(op, field, b.literal(new java.math.BigDecimal(lit.text())));
      default:
        if (lit.kind() != Ast.Literal.Kind.STRING) {
          throw new DqlException(lit.pos(), p.var() + "." + p.name() + " is text: compare it"
              + " with a string, not " + lit.text());
        }
        return b.call(op, field, b.literal(lit.text()));
    }
  }

  private static TimestampString timestamp(Ast.Literal lit) {
    String t = lit.text().trim().replace('T', ' ');
    try {
      LocalDateTime dt = t.length() <= 10 ? LocalDate.parse(t).atStartOfDay()
          : LocalDateTime.parse(t.length() == 16 ? t.replace(' ', 'T') + ":00"
              : t.replace(' ', 'T'));
      return new TimestampString(dt.getYear(), dt.getMonthValue(), dt.getDayOfMonth(),
          dt.getHour(), dt.getMinute(), dt.getSecond());
    } catch (DateTimeParseException e) {
      throw new DqlException(lit.pos(), "not a date or time: \"" + lit.text()
          + "\" (write \"2015-11-22\" or \"2015-11-22 13:45:00\", UTC)");
    }
  }

  private static String column(Ast.Property p) {
    switch (p.name()) {
      case "name": case "model": return "MODEL";
      case "creation_time": case "created": return "CREATED";
      case "network": return "NETWORK_NAME";
      default: return p.name().toUpperCase(Locale.ROOT);
    }
  }

  /**
   * LIKE; a pattern without wildcards (nor H2's escape character) is equality, which H2 need
   * not plan again on every execution (see {@link #startsWith}).
   */
  private RexNode like(RexNode field, String pattern) {
    if (pattern.chars().noneMatch(ch -> ch == '%' || ch == '_' || ch == '\\')) {
      return b.equals(field, b.literal(pattern));
    }
    return b.call(SqlStdOperatorTable.LIKE, field, b.literal(pattern));
  }

  private static SqlOperator operator(String op) {
    switch (op) {
      case "=": return SqlStdOperatorTable.EQUALS;
      case "!=": case "<>": return SqlStdOperatorTable.NOT_EQUALS;
      case "<": return SqlStdOperatorTable.LESS_THAN;
      case "<=": return SqlStdOperatorTable.LESS_THAN_OR_EQUAL;
      case ">": return SqlStdOperatorTable.GREATER_THAN;
      default: return SqlStdOperatorTable.GREATER_THAN_OR_EQUAL;
    }
  }

  /** Captures used anywhere in a condition (for checks and tests). */
  static SortedSet<Integer> captures(Ast.Condition c) {
    return c == null ? new TreeSet<>() : AstBuilder.captures(c);
  }
}
