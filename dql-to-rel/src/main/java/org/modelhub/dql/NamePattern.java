package org.modelhub.dql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A layer-name pattern of a DQL selector, matched against whole names: {@code *} is any run
 * of characters, {@code [1,3,5]} one of the listed alternatives, and {@code ($k)} right after
 * a {@code *} captures what that wildcard matched as {@code $k} ({@code conv*($1)} on
 * {@code conv3} binds {@code $1 = 3}). A backslash makes the next character literal.
 */
public final class NamePattern {
  /** Most LIKE patterns an alternative list may expand to. */
  private static final int MAX_EXPANSION = 256;

  private final String text;
  private final List<Segment> segments;
  private final Pattern regex;

  /** A piece of a pattern. */
  private sealed interface Segment permits Text, Star, Choice { }

  private record Text(String text) implements Segment { }

  /** A wildcard; {@code capture} is its {@code $k}, or 0. */
  private record Star(int capture) implements Segment { }

  private record Choice(List<String> alternatives) implements Segment { }

  private NamePattern(String text, List<Segment> segments) {
    this.text = text;
    this.segments = List.copyOf(segments);
    StringBuilder re = new StringBuilder();
    for (Segment s : segments) {
      if (s instanceof Text t) {
        re.append(Pattern.quote(t.text()));
      } else if (s instanceof Star st) {
        re.append(st.capture() > 0 ? "(.*?)" : ".*?");
      } else {
        List<String> alts = new ArrayList<>();
        for (String a : ((Choice) s).alternatives()) {
          alts.add(Pattern.quote(a));
        }
        re.append("(?:").append(String.join("|", alts)).append(')');
      }
    }
    this.regex = Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  /**
   * Parses a pattern; {@code pos} is where its string literal starts, for errors.
   *
   * @throws DqlException naming the column of the bad character
   */
  public static NamePattern parse(String text, Ast.Pos pos) {
    List<Segment> segments = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        lit.append(text.charAt(i + 1));
        i += 2;
      } else if (c == '*') {
        flush(lit, segments);
        int capture = 0;
        if (i + 1 < text.length() && text.charAt(i + 1) == '(') {
          int close = text.indexOf(')', i);
          String inside = close < 0 ? "" : text.substring(i + 2, close);
          if (close < 0 || !inside.matches("\\$[1-9][0-9]?")) {
            throw error(pos, i + 1, text, "a capture is ($1) .. ($99) right after *");
          }
          capture = Integer.parseInt(inside.substring(1));
          i = close;
        }
        segments.add(new Star(capture));
        i++;
      } else if (c == '[') {
        flush(lit, segments);
        int close = text.indexOf(']', i);
        if (close < 0) {
          throw error(pos, i, text, "'[' without a closing ']'");
        }
        List<String> alts = new ArrayList<>();
        for (String a : text.substring(i + 1, close).split(",", -1)) {
          if (a.isBlank()) {
            throw error(pos, i, text, "empty alternative in [...]: write [a,b,c]");
          }
          alts.add(a.trim());
        }
        segments.add(new Choice(alts));
        i = close + 1;
      } else if (c == '(' || c == ']' || c == ')') {
        throw error(pos, i, text, c == '(' ? "a capture ($k) must follow a *"
            : "'" + c + "' without its opening bracket");
      } else {
        lit.append(c);
        i++;
      }
    }
    flush(lit, segments);
    if (segments.isEmpty()) {
      throw new DqlException(pos, "empty layer pattern \"\"");
    }
    NamePattern p = new NamePattern(text, segments);
    if (p.expansionSize() > MAX_EXPANSION) {
      throw new DqlException(pos, "pattern \"" + text + "\" expands to more than "
          + MAX_EXPANSION + " alternatives");
    }
    return p;
  }

  private static void flush(StringBuilder lit, List<Segment> segments) {
    if (lit.length() > 0) {
      segments.add(new Text(lit.toString()));
      lit.setLength(0);
    }
  }

  private static DqlException error(Ast.Pos pos, int offset, String text, String what) {
    // +1: the string literal's opening quote
    return new DqlException(new Ast.Pos(pos.line(), pos.column() + 1 + offset),
        "bad layer pattern \"" + text + "\": " + what);
  }

  public String text() {
    return text;
  }

  /** The capture numbers this pattern binds, in order. */
  public SortedSet<Integer> captures() {
    SortedSet<Integer> out = new TreeSet<>();
    for (Segment s : segments) {
      if (s instanceof Star st && st.capture() > 0) {
        out.add(st.capture());
      }
    }
    return out;
  }

  /** The regex group (1-based) that holds capture {@code k}, or 0 if this pattern lacks it. */
  public int groupOf(int k) {
    int group = 0;
    for (Segment s : segments) {
      if (s instanceof Star st && st.capture() > 0) {
        group++;
        if (st.capture() == k) {
          return group;
        }
      }
    }
    return 0;
  }

  /** Whether the pattern has no wildcard, so it names a finite set of layers. */
  public boolean isFinite() {
    return segments.stream().noneMatch(s -> s instanceof Star);
  }

  /** A Java regex matching the whole name, with one group per capture, in order. */
  public String regex() {
    return regex.pattern();
  }

  /** The captures if {@code name} matches the whole pattern. */
  public Optional<Map<Integer, String>> match(String name) {
    Matcher m = regex.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<Integer, String> binding = new TreeMap<>();
    int group = 1;
    for (Segment s : segments) {
      if (s instanceof Star st && st.capture() > 0) {
        binding.put(st.capture(), m.group(group++));
      }
    }
    return Optional.of(binding);
  }

  /**
   * SQL LIKE patterns (escape character {@code \}) whose union is exactly the names this
   * pattern matches (every alternative spelled out).
   */
  public List<String> likePatterns() {
    List<String> out = new ArrayList<>();
    out.add("");
    for (Segment s : segments) {
      List<String> next = new ArrayList<>();
      for (String prefix : out) {
        if (s instanceof Text t) {
          next.add(prefix + escapeLike(t.text()));
        } else if (s instanceof Star) {
          next.add(prefix.endsWith("%") ? prefix : prefix + "%");
        } else {
          for (String a : ((Choice) s).alternatives()) {
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
      throw new IllegalStateException("pattern has wildcards: " + text);
    }
    List<String> out = new ArrayList<>();
    for (String like : likePatterns()) {
      out.add(like.replaceAll("\\\\(.)", "$1"));
    }
    return out;
  }

  private long expansionSize() {
    long n = 1;
    for (Segment s : segments) {
      if (s instanceof Choice c) {
        n *= c.alternatives().size();
      }
    }
    return n;
  }

  private static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  @Override public String toString() {
    return text;
  }
}
