package org.modelhub.dql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The parser and AST builder: the paper's statements, and malformed ones with clean errors. */
class DqlParserTest {
  static final String QUERY1 = "select m1 where m1.name like \"alexnet_%\" and"
      + " m1.creation_time > \"2015-11-22\" and m1[\"conv[1,3,5]\"].next has POOL(\"MAX\")";
  static final String QUERY2 = "slice m2 from m1 where m1.name like \"alexnet-origin%\""
      + " mutate m2.input = m1[\"conv1\"] and m2.output = m1[\"fc7\"]";
  static final String QUERY3 = "construct m2 from m1 where m1.name like \"alexnet-avgv1%\" and"
      + " m1[\"conv*($1)\"].next has POOL(\"AVG\")\n"
      + "  mutate m1[\"conv*($1)\"].insert = RELU(\"relu$1\")";
  static final String QUERY4 = "evaluate m from \"query3\" with config = \"path/to/config\"\n"
      + "  vary config.base_lr in [0.1, 0.01, 0.001] and m[\"conv*\"].lr auto\n"
      + "  and config.input_data in [\"path1\", \"path2\"] keep top(5, m[\"loss\"], 100)";

  @Test void parsesThePapersStatements() {
    Ast.Select q1 = assertInstanceOf(Ast.Select.class, DqlParser.parse(QUERY1).statement());
    assertEquals("m1", q1.var());
    Ast.Slice q2 = assertInstanceOf(Ast.Slice.class, DqlParser.parse(QUERY2).statement());
    assertEquals("m2", q2.var());
    Ast.Construct q3 = assertInstanceOf(Ast.Construct.class,
        DqlParser.parse(QUERY3).statement());
    assertEquals(new Ast.Pos(1, 1), q3.pos());
    Ast.Evaluate q4 = assertInstanceOf(Ast.Evaluate.class, DqlParser.parse(QUERY4).statement());
    assertEquals("path/to/config", q4.config());
    assertEquals(3, q4.vary().size());
  }

  @Test void keywordsIgnoreCaseAndStringsTakeEitherQuote() {
    Ast.Program p = DqlParser.parse("EXPLAIN Select M1 Where Like 'alex''net%';");
    assertTrue(p.explain());
    assertInstanceOf(Ast.Select.class, p.statement());
  }

  @Test void routesDqlAndLeavesSqlAlone() {
    assertTrue(DqlParser.isDql(QUERY1, n -> false));
    assertTrue(DqlParser.isDql(QUERY2, n -> false));
    assertTrue(DqlParser.isDql("explain " + QUERY3, n -> false));
    assertTrue(DqlParser.isDql("select m from \"query3\" where like \"a%\"", "query3"::equals));
    assertFalse(DqlParser.isDql("select m from \"query3\"", n -> false));
    assertFalse(DqlParser.isDql("select * from models", n -> false));
    assertFalse(DqlParser.isDql("SELECT MODEL FROM MODELS WHERE MODEL LIKE 'a%'", n -> false));
    // EXPLAIN PLAN FOR (what JDBC tools send) is DQL's EXPLAIN for DQL, SQL's for SQL
    assertTrue(DqlParser.isDql("explain plan for select m1 where like 'a'", n -> false));
    assertTrue(DqlParser.parse("EXPLAIN PLAN FOR\nselect m1 where like 'a'").explain());
    assertFalse(DqlParser.isDql("explain plan for select * from models", n -> false));
    assertFalse(DqlParser.isDql("values 1", n -> false));
    // a broken construct is DQL's to report, a broken select is SQL's unless NAME where
    assertTrue(DqlParser.isDql("construct m2 from", n -> false));
    assertTrue(DqlParser.isDql("select m1 where (", n -> false));
    assertTrue(DqlParser.isDql("explain select m1 where m1.name like", n -> false));
    assertFalse(DqlParser.isDql("select m1, m2 where", n -> false));
    assertFalse(DqlParser.isDql("select * from models where", n -> false));
    // a quoted source with a condition is a saved statement, even an unknown one
    assertTrue(DqlParser.isDql("select m from \"q\" where like 'a%'", n -> false));
  }

  /** A malformed statement, the column its error points at, and a fragment of the message. */
  record Bad(String text, int line, int column, String says) {
    @Override public String toString() {
      return text.replace('\n', ' ');
    }
  }

  static Stream<Bad> malformed() {
    return Stream.of(
        new Bad("select", 1, 7, "unexpected end of statement; expected a name"),
        new Bad("select m1 where", 1, 16, "expected one of 'not', 'like', '(', a name"),
        new Bad("select m1 where m1.name like", 1, 29, "expected a string"),
        new Bad("select m1 where m1.name like alexnet", 1, 30,
            "unexpected 'alexnet'; expected a string"),
        new Bad("select m1 where m1.name like \"alex", 1, 30, "unterminated string"),
        new Bad("select m1 where m1.name lik \"a%\"", 1, 25, "unexpected 'lik'"),
        new Bad("select m1 where m1[\"conv1\"].next has", 1, 37, "expected a name"),
        new Bad("select m1 where m1[\"conv1\"].next has POOL(", 1, 43,
            "expected one of ')', '*', a number, a string, a name"),
        new Bad("select m1 where m1[\"conv1\"].next has POOL(\"MAX\"", 1, 48,
            "expected one of ')', ','"),
        new Bad("select m1 where m1[conv1].next has POOL(\"MAX\")", 1, 20,
            "unexpected 'conv1'"),
        new Bad("select m1 where m1[\"conv1\".next", 1, 27, "unexpected '.'"),
        new Bad("select m1 where (m1.name like \"a%\"", 1, 35, "expected ')'"),
        new Bad("select m1 where m1.name like \"a%\")", 1, 34, "unexpected ')'"),
        new Bad("select m1 where m1.name like \"a%\" and", 1, 38, "unexpected end of statement"),
        new Bad("select m1 where m1.name like \"a%\" or or m1.name like \"b\"", 1, 38,
            "unexpected 'or'"),
        new Bad("select m1 where m2.name like \"a%\"", 1, 17, "unknown variable 'm2'"),
        new Bad("select m1 where m1.creation_time > ", 1, 36,
            "expected one of '*', a number, a string"),
        new Bad("select m1 where m1.creation_time >> \"2015\"", 1, 35, "unexpected '>'"),
        new Bad("select m1 where m1[\"conv1\"].sideways has POOL(\"MAX\")", 1, 29,
            "a selector steps with .next or .prev, not .sideways"),
        new Bad("select m1 where m1[\"conv1\"].next has FROB(\"MAX\")", 1, 38,
            "unknown layer type 'FROB' (types: INPUT, CONV"),
        new Bad("select m1 where m1[\"conv1\"].next has POOL(\"MAX\", \"AVG\", 3, 4)", 1, 60,
            "POOL takes 3 positional arguments (method, kernel, stride)"),
        new Bad("select m1 where m1[\"conv[1,\"].next has POOL(\"MAX\")", 1, 25,
            "bad layer pattern \"conv[1,\": '[' without a closing ']'"),
        new Bad("select m1 where m1[\"conv($1)\"].next has POOL(\"MAX\")", 1, 25,
            "a capture ($k) must follow a *"),
        new Bad("select m1 where m1.name like \"a%\" # comment", 1, 35, "unexpected '#'"),
        new Bad("select m1 where like \"a%\" ; select m2", 1, 29,
            "unexpected 'select'; expected end of statement"),
        new Bad("select m1 where m1.metrics > 0.5", 1, 20,
            "m1.metrics needs a key: m1.metrics[\"loss\"]"),
        new Bad("select m1\n  where m1.name like \"a%\"\n  and @", 3, 7, "unexpected '@'"),
        new Bad("slice m2 from m1 where m1.name like \"a%\"", 1, 41,
            "expected one of 'mutate', 'and', 'or'"),
        new Bad("slice m2 from m1 where like \"a%\" mutate m2.input = m1[\"conv1\"]", 1, 1,
            "slice needs both m2.input = m1[\"layer\"] and m2.output = m1[\"layer\"]"),
        new Bad("slice m2 from m1 mutate m2.middle = m1[\"conv1\"] and m2.output = m1[\"fc7\"]",
            1, 28, "slice sets m2.input and m2.output, not m2.middle"),
        new Bad("slice m2 from m1 mutate m3.input = m1[\"conv1\"] and m2.output = m1[\"fc7\"]",
            1, 25, "slice mutates its result m2"),
        new Bad("slice m2 where like \"a%\" mutate m2.input = m1[\"c\"] and m2.output = m1[\"f\"]",
            1, 10, "unexpected 'where'; expected 'from'"),
        new Bad("construct m2 from m1 mutate m1[\"conv*($1)\"].insert = RELU(\"relu$2\")", 1, 59,
            "$2 is not captured"),
        new Bad("construct m2 from m1 mutate m1[\"conv*($1)\"].insert", 1, 45,
            "insert needs a layer: m1[\"...\"].insert = RELU(\"name\")"),
        new Bad("construct m2 from m1 mutate m1[\"conv*($1)\"].explode", 1, 45,
            "unknown mutation '.explode'"),
        new Bad("construct m2 from m1 mutate m1[\"conv*\"].insert = WARP(\"x\")", 1, 50,
            "unknown layer type 'WARP'"),
        new Bad("construct m2 from m1 mutate m1[\"conv*\"].delete = RELU(\"x\")", 1, 50,
            "delete takes no layer"),
        new Bad("construct from m1 mutate m1[\"conv*\"].delete", 1, 11,
            "unexpected 'from'; expected a name"),
        new Bad("evaluate m from \"q\" with config = ", 1, 35, "expected a string"),
        new Bad("evaluate m from \"q\" with config = \"c\" vary", 1, 43, "expected a name"),
        new Bad("evaluate m from \"q\" with config = \"c\" vary config.base_lr in []", 1, 63,
            "unexpected ']'"),
        new Bad("evaluate m from \"q\" with config = \"c\" keep top(5, m[\"loss\"])", 1, 60,
            "unexpected ')'; expected ','"),
        new Bad("evaluate m from \"q\" with config = \"c\" keep top(x, m[\"loss\"], 100)", 1, 48,
            "unexpected 'x'; expected a number"),
        new Bad("evaluate m from \"q\" with settings = \"c\"", 1, 26,
            "expected 'with config = \"FILE\"'"),
        new Bad("explain", 1, 8,
            "expected one of 'select', 'slice', 'construct', 'evaluate'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedStatementsGetOneCleanLine(Bad bad) {
    DqlException e = assertThrows(DqlException.class, () -> DqlParser.parse(bad.text()));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    String where = "DQL line " + bad.line() + ", column " + bad.column() + ": ";
    assertTrue(m.startsWith(where), () -> "want '" + where + "...', got: " + m);
    assertTrue(m.contains(bad.says()), () -> "want '" + bad.says() + "', got: " + m);
  }

  @Test void atLeastThirtyMalformedStatements() {
    assertTrue(malformed().count() >= 30);
    List<String> texts = malformed().map(Bad::text).toList();
    assertEquals(texts.size(), texts.stream().distinct().count());
  }
}
