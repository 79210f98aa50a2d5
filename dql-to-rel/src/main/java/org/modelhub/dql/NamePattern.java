package org.modelhub.dql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.modelhub.store.model.LayerPattern;

/**
 * A layer-name pattern of a DQL selector ({@code *}, {@code [1,3,5]}, captures
 * {@code ($k)}): a {@link LayerPattern}, which does all parsing, matching and capturing, with
 * DQL's error positions, numbered captures and the SQL LIKE prefilters that let H2 narrow
 * the layers before the whole pattern is matched.
 */
public final class NamePattern {
  /** Most LIKE patterns an alternative list may expand to. */
  private static final int MAX_EXPANSION = 256;

  private final LayerPattern pattern;

  private NamePattern(LayerPattern pattern) {
    this.pattern = pattern;
  }

  /**
   * Parses a pattern; {@code pos} is where its string literal starts, for errors.
   *
   * @throws DqlException naming the column of the bad character
   */
  public static NamePattern parse(String text, Ast.Pos pos) {
    LayerPattern p;
    try {
      p = LayerPattern.compile(text);
    } catch (LayerPattern.SyntaxException e) {
      // +1: the string literal's opening quote
      throw new DqlException(new Ast.Pos(pos.line(), pos.column() + 1 + e.index()),
          "bad layer pattern \"" + text + "\": " + e.detail());
    }
    long n = 1;
    for (LayerPattern.Segment s : p.segments()) {
      if (s instanceof LayerPattern.Choice c) {
        n *= c.alternatives().size();
      }
    }
    if (n > MAX_EXPANSION) {
      throw new DqlException(pos, "pattern \"" + text + "\" expands to more than "
          + MAX_EXPANSION + " alternatives");
    }
    return new NamePattern(p);
  }

  /** The pattern that matches. */
  public LayerPattern layers() {
    return pattern;
  }

  public String text() {
    return pattern.text();
  }

  /** The capture numbers this pattern binds, in order. */
  public SortedSet<Integer> captures() {
    SortedSet<Integer> out = new TreeSet<>();
    pattern.captures().forEach(c -> out.add(Integer.parseInt(c.substring(1))));
    return out;
  }

  /** The regex group (1-based) that holds capture {@code k}, or 0 if this pattern lacks it. */
  public int groupOf(int k) {
    return pattern.group("$" + k);
  }

  /** Whether the pattern has no wildcard, so it names a finite set of layers. */
  public boolean isFinite() {
    return pattern.isFinite();
  }

  /** A Java regex matching the whole name, with one group per capture, in order. */
  public String regex() {
    return pattern.regex();
  }

  /** The captures, by number, if {@code name} matches the whole pattern. */
  public Optional<Map<Integer, String>> match(String name) {
    return pattern.match(name).map(m -> {
      Map<Integer, String> binding = new TreeMap<>();
      m.forEach((k, v) -> binding.put(Integer.parseInt(k.substring(1)), v));
      return binding;
    });
  }

  /**
   * SQL LIKE patterns (escape character {@code \}) whose union is exactly the names this
   * pattern matches (every alternative spelled out).
   */
  public List<String> likePatterns() {
    List<String> out = new ArrayList<>();
    out.add("");
    for (LayerPattern.Segment s : pattern.segments()) {
      List<String> next = new ArrayList<>();
      for (String prefix : out) {
        if (s instanceof LayerPattern.Text t) {
          next.add(prefix + escapeLike(t.text()));
        } else if (s instanceof LayerPattern.Wildcard) {
          next.add(prefix.endsWith("%") ? prefix : prefix + "%");
        } else {
          for (String a : ((LayerPattern.Choice) s).alternatives()) {
            next.add(prefix + escapeLike(a));
          }
        }
      }
      out = next;
    }
    return out;
  }

  /** For a finite pattern, the names it matches. */
  public List<String> names() {
    if (!isFinite()) {
      throw new IllegalStateException("pattern has wildcards: " + text());
    }
    List<String> out = new ArrayList<>();
    for (String like : likePatterns()) {
      out.add(like.replaceAll("\\\\(.)", "$1"));
    }
    return out;
  }

  private static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  @Override public String toString() {
    return text();
  }
}
