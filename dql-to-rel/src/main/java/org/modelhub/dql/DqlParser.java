package org.modelhub.dql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Parses DQL text into an {@link Ast.Program} with the ANTLR4 grammar
 * {@code DqlGrammar.g4}. The first syntax error stops the parse with one line: its line,
 * column, the offending token and what was expected.
 */
public final class DqlParser {
  private DqlParser() {
  }

  /**
   * Parses one statement.
   *
   * @throws DqlException for the first syntax or semantic error
   */
  public static Ast.Program parse(String text) {
    DqlGrammarLexer lexer = new DqlGrammarLexer(CharStreams.fromString(explainPlanFor(text)));
    lexer.removeErrorListeners();
    DqlGrammarParser parser = new DqlGrammarParser(new CommonTokenStream(lexer));
    parser.removeErrorListeners();
    parser.addErrorListener(new FirstError());
    return new AstBuilder().program(parser.statement());
  }

  /**
   * Whether a statement given to the driver is DQL rather than SQL. slice, construct and
   * evaluate (maybe after EXPLAIN) are DQL. A select is DQL when it starts
   * {@code select NAME where} (SQL has no such statement, so its errors are DQL's to report),
   * or parses as DQL and reads a quoted source with a where clause or a saved statement
   * ({@code select m from "query3" where ...}); everything else is SQL.
   */
  public static boolean isDql(String text, java.util.function.Predicate<String> savedQuery) {
    if (!startsLikeDql(text)) {
      return false;
    }
    DqlGrammarLexer lexer = new DqlGrammarLexer(CharStreams.fromString(explainPlanFor(text)));
    lexer.removeErrorListeners();
    DqlGrammarParser parser = new DqlGrammarParser(new CommonTokenStream(lexer));
    parser.removeErrorListeners();
    DqlGrammarParser.StatementContext st;
    try {
      parser.addErrorListener(new FirstError());
      st = parser.statement();
    } catch (DqlException e) {
      // a broken slice, construct or evaluate is ours, a broken select only after NAME where
      return !explainPlanFor(text).stripLeading().toLowerCase(Locale.ROOT)
          .replaceFirst("^explain\\s+", "").startsWith("select") || selectWhere(text);
    }
    DqlGrammarParser.SelectStmtContext sel = st.body().selectStmt();
    if (sel == null) {
      return true;
    }
    if (sel.source() == null) {
      return sel.condition() != null;
    }
    return sel.source().STRING() != null && (sel.condition() != null
        || savedQuery.test(AstBuilder.unquote(sel.source().STRING().getSymbol())));
  }

  /** Whether the statement's first tokens are {@code [explain] select NAME where}. */
  private static boolean selectWhere(String text) {
    DqlGrammarLexer lexer = new DqlGrammarLexer(CharStreams.fromString(explainPlanFor(text)));
    lexer.removeErrorListeners();
    int[] want = {DqlGrammarLexer.SELECT, DqlGrammarLexer.ID, DqlGrammarLexer.WHERE};
    Token t = lexer.nextToken();
    if (t.getType() == DqlGrammarLexer.EXPLAIN) {
      t = lexer.nextToken();
    }
    for (int i = 0; i < want.length; i++, t = lexer.nextToken()) {
      if (t.getType() != want[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code text} starts like a DQL statement (a DQL keyword, maybe after EXPLAIN). */
  static boolean startsLikeDql(String text) {
    String t = explainPlanFor(text).stripLeading().toLowerCase(Locale.ROOT);
    if (t.startsWith("explain")) {
      t = t.substring("explain".length()).stripLeading();
    }
    return t.startsWith("select") || t.startsWith("slice") || t.startsWith("construct")
        || t.startsWith("evaluate");
  }

  private static final Pattern EXPLAIN_PLAN_FOR =
      Pattern.compile("^(\\s*explain)(\\s+plan\\s+for)(?=\\s)", Pattern.CASE_INSENSITIVE);

  /**
   * SQL's {@code EXPLAIN PLAN FOR} (which JDBC tools and Quidem's {@code !plan} send) as
   * DQL's {@code EXPLAIN}: the words PLAN FOR become blanks, so positions stay the same.
   */
  static String explainPlanFor(String text) {
    Matcher m = EXPLAIN_PLAN_FOR.matcher(text);
    if (!m.find()) {
      return text;
    }
    return m.group(1) + m.group(2).replaceAll("\\S", " ") + text.substring(m.end());
  }

  /** Turns the first syntax error into a {@link DqlException}. */
  private static final class FirstError extends BaseErrorListener {
    @Override public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol,
        int line, int charPositionInLine, String msg, RecognitionException e) {
      Ast.Pos pos = new Ast.Pos(line, charPositionInLine + 1);
      Token t = (Token) offendingSymbol;
      String found = t == null || t.getType() == Token.EOF ? "end of statement"
          : "'" + t.getText() + "'";
      if (t != null && ("\"".equals(t.getText()) || "'".equals(t.getText()))) {
        throw new DqlException(pos, "unterminated string (a string ends with the quote it"
            + " started with, on the same line)");
      }
      Parser p = (Parser) recognizer;
      IntervalSet expected = e != null && e.getExpectedTokens() != null
          ? e.getExpectedTokens() : p.getExpectedTokens();
      throw new DqlException(pos, "unexpected " + found + "; expected "
          + describe(expected, p.getVocabulary()));
    }
  }

  private static String describe(IntervalSet set, Vocabulary vocabulary) {
    List<String> names = new ArrayList<>();
    for (int type : set.toList()) {
      if (type == Token.EOF) {
        names.add("end of statement");
      } else if (type == DqlGrammarLexer.ID) {
        names.add("a name");
      } else if (type == DqlGrammarLexer.STRING) {
        names.add("a string");
      } else if (type == DqlGrammarLexer.NUMBER) {
        names.add("a number");
      } else {
        String lit = vocabulary.getLiteralName(type);
        names.add(lit != null ? lit : vocabulary.getDisplayName(type));
      }
    }
    if (names.isEmpty()) {
      return "something else";
    }
    return names.size() == 1 ? names.get(0) : "one of " + String.join(", ", names);
  }
}
