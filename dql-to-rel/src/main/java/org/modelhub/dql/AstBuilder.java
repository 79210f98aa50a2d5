package org.modelhub.dql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.modelhub.dql.DqlGrammarParser.ConditionContext;

/**
 * Builds the AST from ANTLR's parse tree and checks what the grammar cannot: variable names,
 * properties, layer types and their arguments, patterns and captures.
 */
final class AstBuilder {
  /** Version properties a condition may compare; with a key: hyperparams, metrics. */
  static final Set<String> PROPERTIES = Set.of("name", "model", "version", "id",
      "creation_time", "created", "author", "message", "format", "network", "num_params",
      "num_layers", "raw_bytes", "stored_bytes");
  static final Set<String> KEYED = Set.of("hyperparams", "hyperparam", "metrics", "metric");
  private static final Pattern CAPTURE_REF = Pattern.compile("\\$([1-9][0-9]?)");

  /** The variable conditions and selectors must use. */
  private String conditionVar;

  Ast.Program program(DqlGrammarParser.StatementContext ctx) {
    DqlGrammarParser.BodyContext b = ctx.body();
    Ast.Statement s;
    if (b.selectStmt() != null) {
      s = select(b.selectStmt());
    } else if (b.sliceStmt() != null) {
      s = slice(b.sliceStmt());
    } else if (b.constructStmt() != null) {
      s = construct(b.constructStmt());
    } else {
      s = evaluate(b.evaluateStmt());
    }
    return new Ast.Program(pos(ctx), ctx.EXPLAIN() != null, s);
  }

  private Ast.Select select(DqlGrammarParser.SelectStmtContext c) {
    String var = c.var.getText();
    Ast.Source source = c.source() == null ? new Ast.Source(pos(c), var, null)
        : source(c.source());
    if (!source.isSaved() && !source.var().equals(var)) {
      throw new DqlException(source.pos(), "select ranges over one variable: write 'select "
          + var + " where ...' or 'select " + var + " from \"saved query\"'");
    }
    conditionVar = var;
    return new Ast.Select(pos(c), var, source, c.condition() == null ? null
        : condition(c.condition()));
  }

  private Ast.Slice slice(DqlGrammarParser.SliceStmtContext c) {
    String var = c.var.getText();
    Ast.Source source = source(c.source());
    conditionVar = source.isSaved() ? var : source.var();
    Ast.Condition where = c.condition() == null ? null : condition(c.condition());
    Ast.Selector input = null;
    Ast.Selector output = null;
    for (DqlGrammarParser.SliceMutationContext m : c.sliceMutation()) {
      if (!m.var.getText().equals(var)) {
        throw new DqlException(pos(m.var), "slice mutates its result " + var + ": write "
            + var + ".input = ... and " + var + ".output = ...");
      }
      String end = m.end.getText().toLowerCase(Locale.ROOT);
      Ast.Selector sel = selector(m.selector());
      if (!sel.pattern().captures().isEmpty()) {
        throw new DqlException(sel.pos(), "slice ends take no captures");
      }
      if (end.equals("input") && input == null) {
        input = sel;
      } else if (end.equals("output") && output == null) {
        output = sel;
      } else {
        throw new DqlException(pos(m.end), end.equals("input") || end.equals("output")
            ? var + "." + end + " is given twice" : "slice sets " + var + ".input and " + var
            + ".output, not " + var + "." + m.end.getText());
      }
    }
    if (input == null || output == null) {
      throw new DqlException(pos(c), "slice needs both " + var + ".input = " + conditionVar
          + "[\"layer\"] and " + var + ".output = " + conditionVar + "[\"layer\"]");
    }
    return new Ast.Slice(pos(c), var, source, where, input, output);
  }

  private Ast.Construct construct(DqlGrammarParser.ConstructStmtContext c) {
    String var = c.var.getText();
    Ast.Source source = source(c.source());
    conditionVar = source.isSaved() ? var : source.var();
    Ast.Condition where = c.condition() == null ? null : condition(c.condition());
    SortedSet<Integer> bound = new TreeSet<>(captures(where));
    List<Ast.Mutation> mutations = new ArrayList<>();
    for (DqlGrammarParser.MutationContext m : c.mutation()) {
      Ast.Selector target = selector(m.selector());
      bound.addAll(target.pattern().captures());
      String action = m.action.getText().toLowerCase(Locale.ROOT);
      if (action.equals("insert")) {
        if (m.template() == null) {
          throw new DqlException(pos(m.action), "insert needs a layer: "
              + target.var() + "[\"...\"].insert = RELU(\"name\")");
        }
        Ast.Template t = template(m.template());
        if (t.args().isEmpty() || t.args().get(0).key() != null
            || t.args().get(0).value().kind() != Ast.Literal.Kind.STRING) {
          throw new DqlException(t.pos(), "the first argument of an inserted layer is its"
              + " name, a string such as \"relu$1\"");
        }
        Templates.attributes(t, 1);
        checkBound(t, bound);
        mutations.add(new Ast.Insert(pos(m), target, t));
      } else if (action.equals("delete")) {
        if (m.template() != null) {
          throw new DqlException(pos(m.template()), "delete takes no layer");
        }
        mutations.add(new Ast.Delete(pos(m), target));
      } else {
        throw new DqlException(pos(m.action), "unknown mutation '." + m.action.getText()
            + "' (construct can .insert = TYPE(\"name\") or .delete)");
      }
    }
    return new Ast.Construct(pos(c), var, source, where, mutations);
  }

  private Ast.Evaluate evaluate(DqlGrammarParser.EvaluateStmtContext c) {
    String var = c.var.getText();
    Ast.Source source = source(c.source());
    conditionVar = var;
    if (!c.config.getText().equalsIgnoreCase("config")) {
      throw new DqlException(pos(c.config), "expected 'with config = \"FILE\"'");
    }
    List<Ast.Vary> vary = new ArrayList<>();
    for (DqlGrammarParser.VaryItemContext v : c.varyItem()) {
      DqlGrammarParser.VaryTargetContext t = v.varyTarget();
      List<Ast.Literal> values = null;
      if (v.AUTO() == null) {
        values = new ArrayList<>();
        for (DqlGrammarParser.LiteralContext l : v.literal()) {
          values.add(literal(l));
        }
      }
      String key = t.key.getText();
      if (t.selector() != null) {
        vary.add(new Ast.Vary(pos(v), null, selector(t.selector()), key, values));
      } else if (t.var.getText().equalsIgnoreCase("config")) {
        vary.add(new Ast.Vary(pos(v), key, null, key, values));
      } else {
        throw new DqlException(pos(t.var), "vary takes config.KEY or " + var
            + "[\"layers\"].KEY, not " + t.var.getText() + "." + key);
      }
    }
    Ast.Keep keep = null;
    if (c.keepRule() != null) {
      DqlGrammarParser.KeepRuleContext k = c.keepRule();
      Ast.Selector metric = selector(k.selector());
      if (!metric.pattern().isFinite() || metric.pattern().names().size() != 1) {
        throw new DqlException(metric.pos(), "keep ranks by one metric: "
            + var + "[\"loss\"]");
      }
      keep = new Ast.Keep(pos(k), positiveInt(k.count), metric.pattern().names().get(0),
          positiveInt(k.iterations));
    }
    return new Ast.Evaluate(pos(c), var, source, unquote(c.STRING().getSymbol()), vary, keep);
  }

  private Ast.Source source(DqlGrammarParser.SourceContext c) {
    return c.STRING() != null ? new Ast.Source(pos(c), null, unquote(c.STRING().getSymbol()))
        : new Ast.Source(pos(c), c.ID().getText(), null);
  }

  private Ast.Condition condition(ConditionContext c) {
    if (c instanceof DqlGrammarParser.NotConditionContext n) {
      return new Ast.Not(pos(c), condition(n.condition()));
    }
    if (c instanceof DqlGrammarParser.AndConditionContext a) {
      return new Ast.And(pos(c), condition(a.condition(0)), condition(a.condition(1)));
    }
    if (c instanceof DqlGrammarParser.OrConditionContext o) {
      return new Ast.Or(pos(c), condition(o.condition(0)), condition(o.condition(1)));
    }
    if (c instanceof DqlGrammarParser.ParenConditionContext p) {
      return condition(p.condition());
    }
    if (c instanceof DqlGrammarParser.NameLikeContext n) {
      return new Ast.NameLike(pos(c), unquote(n.STRING().getSymbol()));
    }
    if (c instanceof DqlGrammarParser.PropertyLikeContext l) {
      Ast.Property p = property(l.property());
      if (!List.of("name", "model", "author", "message", "format", "network", "id")
          .contains(p.name())) {
        throw new DqlException(p.pos(), "like compares text: " + p.var() + "." + p.name()
            + " is not text");
      }
      return new Ast.PropertyLike(pos(c), p, unquote(l.STRING().getSymbol()),
          l.NOT() != null);
    }
    if (c instanceof DqlGrammarParser.ComparisonContext cmp) {
      return new Ast.Comparison(pos(c), property(cmp.property()), cmp.op.getText(),
          literal(cmp.literal()));
    }
    if (c instanceof DqlGrammarParser.HasConditionContext h) {
      Ast.Template t = template(h.template());
      Templates.attributes(t, 0);
      return new Ast.Has(pos(c), selector(h.selector()), hop(h.hop()), t);
    }
    DqlGrammarParser.ExistsConditionContext e = (DqlGrammarParser.ExistsConditionContext) c;
    return new Ast.LayerExists(pos(c), selector(e.selector()), hop(e.hop()));
  }

  private Ast.Hop hop(DqlGrammarParser.HopContext h) {
    if (h == null) {
      return Ast.Hop.SELF;
    }
    switch (h.ID().getText().toLowerCase(Locale.ROOT)) {
      case "next": return Ast.Hop.NEXT;
      case "prev": return Ast.Hop.PREV;
      default:
        throw new DqlException(pos(h.ID().getSymbol()), "a selector steps with .next or .prev,"
            + " not ." + h.ID().getText());
    }
  }

  private Ast.Property property(DqlGrammarParser.PropertyContext p) {
    checkVar(p.var);
    String name = p.name.getText().toLowerCase(Locale.ROOT);
    String key = p.key == null ? null : unquote(p.key);
    if (KEYED.contains(name)) {
      if (key == null) {
        throw new DqlException(pos(p.name), p.var.getText() + "." + name + " needs a key: "
            + p.var.getText() + "." + name + "[\"" + (name.startsWith("metric") ? "loss"
                : "base_lr") + "\"]");
      }
      return new Ast.Property(pos(p), p.var.getText(), name.startsWith("metric") ? "metrics"
          : "hyperparams", key);
    }
    if (!PROPERTIES.contains(name)) {
      throw new DqlException(pos(p.name), "unknown property " + p.var.getText() + "."
          + p.name.getText() + " (properties: " + String.join(", ", new TreeSet<>(PROPERTIES))
          + ", hyperparams[\"KEY\"], metrics[\"NAME\"])");
    }
    if (key != null) {
      throw new DqlException(pos(p.key), p.var.getText() + "." + name + " takes no key");
    }
    return new Ast.Property(pos(p), p.var.getText(), name, null);
  }

  private Ast.Selector selector(DqlGrammarParser.SelectorContext s) {
    checkVar(s.var);
    return new Ast.Selector(pos(s), s.var.getText(),
        NamePattern.parse(unquote(s.pattern), pos(s.pattern)));
  }

  private Ast.Template template(DqlGrammarParser.TemplateContext t) {
    List<Ast.Argument> args = new ArrayList<>();
    for (DqlGrammarParser.ArgumentContext a : t.argument()) {
      args.add(new Ast.Argument(pos(a), a.key == null ? null : a.key.getText(),
          literal(a.literal())));
    }
    return new Ast.Template(pos(t), Templates.type(pos(t.type), t.type.getText()), args);
  }

  private Ast.Literal literal(DqlGrammarParser.LiteralContext l) {
    if (l.STRING() != null) {
      return new Ast.Literal(pos(l), Ast.Literal.Kind.STRING, unquote(l.STRING().getSymbol()));
    }
    if (l.NUMBER() != null) {
      return new Ast.Literal(pos(l), Ast.Literal.Kind.NUMBER, l.NUMBER().getText());
    }
    return new Ast.Literal(pos(l), Ast.Literal.Kind.STAR, "*");
  }

  private void checkVar(Token var) {
    if (!var.getText().equals(conditionVar)) {
      throw new DqlException(pos(var), "unknown variable '" + var.getText()
          + "' here: this statement's conditions and selectors use " + conditionVar);
    }
  }

  private static void checkBound(Ast.Template t, Set<Integer> bound) {
    for (Ast.Argument a : t.args()) {
      Matcher m = CAPTURE_REF.matcher(a.value().text());
      while (m.find()) {
        int k = Integer.parseInt(m.group(1));
        if (!bound.contains(k)) {
          throw new DqlException(a.pos(), "$" + k + " is not captured: write ($" + k
              + ") after a * in a selector, e.g. [\"conv*($" + k + ")\"]");
        }
      }
    }
  }

  /** Captures bound by the selectors of a condition. */
  static SortedSet<Integer> captures(Ast.Condition c) {
    SortedSet<Integer> out = new TreeSet<>();
    if (c instanceof Ast.And a) {
      out.addAll(captures(a.left()));
      out.addAll(captures(a.right()));
    } else if (c instanceof Ast.Or o) {
      out.addAll(captures(o.left()));
      out.addAll(captures(o.right()));
    } else if (c instanceof Ast.Not n) {
      out.addAll(captures(n.operand()));
    } else if (c instanceof Ast.Has h) {
      out.addAll(h.selector().pattern().captures());
    } else if (c instanceof Ast.LayerExists e) {
      out.addAll(e.selector().pattern().captures());
    }
    return out;
  }

  private static int positiveInt(Token t) {
    try {
      int v = Integer.parseInt(t.getText());
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DqlException(pos(t), "expected a positive whole number, not " + t.getText());
  }

  /** The text of a string token without quotes and escapes. */
  static String unquote(Token t) {
    String s = t.getText();
    char q = s.charAt(0);
    String body = s.substring(1, s.length() - 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\\' && i + 1 < body.length()) {
        sb.append(body.charAt(++i));
      } else if (c == q && i + 1 < body.length() && body.charAt(i + 1) == q) {
        sb.append(q);
        i++;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static Ast.Pos pos(ParserRuleContext c) {
    return pos(c.getStart());
  }

  private static Ast.Pos pos(Token t) {
    return new Ast.Pos(t.getLine(), t.getCharPositionInLine() + 1);
  }
}
