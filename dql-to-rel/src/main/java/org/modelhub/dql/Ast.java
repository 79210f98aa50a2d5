package org.modelhub.dql;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The abstract syntax of DQL: small immutable nodes, each with its source position. The
 * parser ({@link DqlParser}) builds them; {@link DqlToRel} translates them.
 */
public final class Ast {
  private Ast() {
  }

  /** A place in the statement text: 1-based line and column. */
  public record Pos(int line, int column) {
    @Override public String toString() {
      return "line " + line + ", column " + column;
    }
  }

  /** Every node knows where it came from. */
  public interface Node {
    Pos pos();
  }

  /** A whole statement, possibly under EXPLAIN. */
  public record Program(Pos pos, boolean explain, Statement statement) implements Node { }

  /** select, slice, construct or evaluate. */
  public sealed interface Statement extends Node permits Select, Slice, Construct, Evaluate {
    /** The variable the statement defines ({@code m1} in {@code select m1 ...}). */
    String var();

    Source source();
  }

  /** {@code select m1 [from SRC] [where COND]}. */
  public record Select(Pos pos, String var, Source source, Condition where)
      implements Statement { }

  /** {@code slice m2 from m1 [where COND] mutate m2.input = m1["a"] and m2.output = m1["b"]}. */
  public record Slice(Pos pos, String var, Source source, Condition where, Selector input,
      Selector output) implements Statement { }

  /** {@code construct m2 from m1 [where COND] mutate MUTATION [and MUTATION]...}. */
  public record Construct(Pos pos, String var, Source source, Condition where,
      List<Mutation> mutations) implements Statement {
    public Construct {
      mutations = List.copyOf(mutations);
    }
  }

  /**
   * {@code evaluate m from SRC with config = "FILE" [vary ...] [keep top(k, m["metric"], n)]}.
   */
  public record Evaluate(Pos pos, String var, Source source, String config, List<Vary> vary,
      Keep keep) implements Statement {
    public Evaluate {
      vary = List.copyOf(vary);
    }
  }

  /**
   * Where versions come from: every version (a variable such as {@code m1}) or the versions a
   * saved statement produced ({@code "query3"}).
   */
  public record Source(Pos pos, String var, String savedQuery) implements Node {
    public boolean isSaved() {
      return savedQuery != null;
    }
  }

  /** A boolean condition over a version (and, with captures, a binding of them). */
  public sealed interface Condition extends Node
      permits And, Or, Not, NameLike, PropertyLike, Comparison, Has, LayerExists { }

  public record And(Pos pos, Condition left, Condition right) implements Condition { }

  public record Or(Pos pos, Condition left, Condition right) implements Condition { }

  public record Not(Pos pos, Condition operand) implements Condition { }

  /** {@code like "p"}: the model name matches SQL LIKE pattern p. */
  public record NameLike(Pos pos, String pattern) implements Condition { }

  /** {@code m1.name [not] like "p"}. */
  public record PropertyLike(Pos pos, Property property, String pattern, boolean negated)
      implements Condition { }

  /** {@code m1.creation_time > "2015-11-22"}, {@code m1.metrics["loss"] < 0.5}. */
  public record Comparison(Pos pos, Property property, String op, Literal value)
      implements Condition { }

  /** {@code m1["conv*"].next has POOL("MAX")}. */
  public record Has(Pos pos, Selector selector, Hop hop, Template template)
      implements Condition { }

  /** {@code m1["fc7"]}: some layer matches. */
  public record LayerExists(Pos pos, Selector selector, Hop hop) implements Condition { }

  /** {@code m1.name}, {@code m1.hyperparams["base_lr"]}. */
  public record Property(Pos pos, String var, String name, String key) implements Node { }

  /** {@code m1["conv*($1)"]}: the layers whose names match a pattern. */
  public record Selector(Pos pos, String var, NamePattern pattern) implements Node { }

  /** Which layers a selector's condition looks at: the matched ones or their neighbours. */
  public enum Hop { SELF, NEXT, PREV }

  /** {@code POOL("MAX")}, {@code RELU("relu$1")}, {@code FC(units=10)}. */
  public record Template(Pos pos, String type, List<Argument> args) implements Node {
    public Template {
      requireNonNull(type, "type");
      args = List.copyOf(args);
    }
  }

  /** A positional or named argument of a template. */
  public record Argument(Pos pos, String key, Literal value) implements Node { }

  /** A string, a number or {@code *} (anything). */
  public record Literal(Pos pos, Kind kind, String text) implements Node {
    /** Literal kinds. */
    public enum Kind { STRING, NUMBER, STAR }
  }

  /** A change construct makes to each matched layer. */
  public sealed interface Mutation extends Node permits Insert, Delete {
    Selector target();
  }

  /** {@code m1["conv*($1)"].insert = RELU("relu$1")}: a new layer after each match. */
  public record Insert(Pos pos, Selector target, Template layer) implements Mutation { }

  /** {@code m1["drop*"].delete}: remove each match, joining its inputs to its outputs. */
  public record Delete(Pos pos, Selector target) implements Mutation { }

  /**
   * One dimension of an evaluate grid: {@code config.base_lr in [...]} or
   * {@code m["conv*"].lr auto} (values null for auto).
   */
  public record Vary(Pos pos, String configKey, Selector layers, String key,
      List<Literal> values) implements Node { }

  /** {@code keep top(k, m["loss"], n)}. */
  public record Keep(Pos pos, int count, String metric, long iterations) implements Node { }
}
