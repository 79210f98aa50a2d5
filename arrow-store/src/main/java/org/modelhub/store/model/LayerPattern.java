package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.ModelHubException;

/**
 * A pattern over layer names, as DQL writes them in {@code m["conv*($1)"]} and per-layer
 * settings in {@code m["conv*"].lr}: it matches the whole name; {@code *} matches any run of
 * characters (greedily), {@code [1,3,5]} one of the listed texts, and {@code ($1)} right
 * after either captures what it matched. A backslash makes the next character literal;
 * everything else matches itself, case-sensitively. DQL's translator reads the parsed
 * {@link #segments()} to derive SQL LIKE prefilters; matching and captures live here only.
 *
 * <pre>LayerPattern.compile("conv*($1)").match("conv3")   // Optional[{$1=3}]
 * LayerPattern.compile("conv[1,3,5]").matches("conv2") // false</pre>
 */
public final class LayerPattern {
  /** A piece of a pattern, in order. */
  public sealed interface Segment permits Text, Wildcard, Choice { }

  /** Literal text. */
  public record Text(String text) implements Segment { }

  /** {@code *}; {@code capture} is its {@code $N}, or null. */
  public record Wildcard(String capture) implements Segment { }

  /** {@code [a,b,c]}; {@code capture} is its {@code $N}, or null. */
  public record Choice(List<String> alternatives, String capture) implements Segment {
    public Choice {
      alternatives = List.copyOf(alternatives);
    }
  }

  private final String text;
  private final List<Segment> segments;
  private final Pattern regex;
  private final List<String> captures;

  private LayerPattern(String text, List<Segment> segments) {
    this.text = text;
    this.segments = List.copyOf(segments);
    List<String> names = new ArrayList<>();
    StringBuilder re = new StringBuilder();
    for (Segment s : segments) {
      if (s instanceof Text t) {
        re.append(Pattern.quote(t.text()));
      } else if (s instanceof Wildcard w) {
        re.append(w.capture() != null ? "(.*)" : "(?:.*)");
        if (w.capture() != null) {
          names.add(w.capture());
        }
      } else {
        Choice c = (Choice) s;
        List<String> items = new ArrayList<>();
        c.alternatives().forEach(a -> items.add(Pattern.quote(a)));
        // longest first, so that [1,10] matches all of "10"
        items.sort((a, b) -> b.length() - a.length());
        re.append(c.capture() != null ? "(" : "(?:").append(String.join("|", items)).append(')');
        if (c.capture() != null) {
          names.add(c.capture());
        }
      }
    }
    this.regex = Pattern.compile(re.toString(), Pattern.DOTALL);
    this.captures = Collections.unmodifiableList(names);
  }

  /**
   * Compiles a pattern.
   *
   * @throws SyntaxException naming the position (0-based) and what was expected there
   */
  public static LayerPattern compile(String pattern) {
    requireNonNull(pattern, "pattern");
    if (pattern.isEmpty()) {
      throw new SyntaxException(pattern, 0, "empty pattern: it would match no layer");
    }
    List<Segment> segments = new ArrayList<>();
    List<String> names = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        literal.append(pattern.charAt(i + 1));
        i += 2;
      } else if (c == '*' || c == '[') {
        flush(literal, segments);
        List<String> alternatives = null;
        if (c == '*') {
          i++;
        } else {
          int close = pattern.indexOf(']', i);
          if (close < 0) {
            throw new SyntaxException(pattern, i, "'[' without a closing ']'");
          }
          alternatives = alternatives(pattern, i, close);
          i = close + 1;
        }
        String capture = null;
        if (pattern.startsWith("($", i)) {
          int close = pattern.indexOf(')', i);
          String name = close < 0 ? "" : pattern.substring(i + 1, close);
          if (!name.matches("\\$[0-9]+")) {
            throw new SyntaxException(pattern, i, "expected a capture such as '($1)'");
          }
          if (names.contains(name)) {
            throw new SyntaxException(pattern, i, "capture " + name + " appears twice");
          }
          names.add(name);
          capture = name;
          i = close + 1;
        }
        segments.add(alternatives == null ? new Wildcard(capture)
            : new Choice(alternatives, capture));
      } else if (c == '(' && pattern.startsWith("($", i)) {
        throw new SyntaxException(pattern, i, "a capture ($k) must follow a * or a [...]");
      } else if (c == ']') {
        throw new SyntaxException(pattern, i, "']' without '['");
      } else {
        literal.append(c);
        i++;
      }
    }
    flush(literal, segments);
    return new LayerPattern(pattern, segments);
  }

  /** The texts of {@code [a,b,c]} between {@code start} and {@code close}. */
  private static List<String> alternatives(String pattern, int start, int close) {
    String body = pattern.substring(start + 1, close);
    List<String> items = new ArrayList<>();
    int at = start + 1;
    for (String item : body.split(",", -1)) {
      String t = item.trim();
      if (t.isEmpty()) {
        throw new SyntaxException(pattern, at, "empty choice in '[" + body + "]'");
      }
      if (t.indexOf('[') >= 0 || t.indexOf('*') >= 0) {
        throw new SyntaxException(pattern, at, "a choice in '[...]' is plain text");
      }
      items.add(t);
      at += item.length() + 1;
    }
    return items;
  }

  private static void flush(StringBuilder literal, List<Segment> segments) {
    if (literal.length() > 0) {
      segments.add(new Text(literal.toString()));
      literal.setLength(0);
    }
  }

  /** The pattern as written. */
  public String text() {
    return text;
  }

  /** The parsed pattern, in order. */
  public List<Segment> segments() {
    return segments;
  }

  /** Capture names in order of appearance ({@code $1}, {@code $2}...). */
  public List<String> captures() {
    return captures;
  }

  /** Whether the pattern has no {@code *}, so that it names a finite set of layers. */
  public boolean isFinite() {
    return segments.stream().noneMatch(s -> s instanceof Wildcard);
  }

  /** A Java regex (DOTALL) matching whole names, with one group per capture, in order. */
  public String regex() {
    return regex.pattern();
  }

  /** The regex group (1-based) that holds {@code capture} ({@code $2}), or 0 if none does. */
  public int group(String capture) {
    return captures.indexOf(capture) + 1;
  }

  public boolean matches(String layerName) {
    return regex.matcher(layerName).matches();
  }

  /**
   * Matches a whole layer name; returns the captures ({@code $1} to what it matched, in
   * pattern order; empty when the pattern has none), or empty when the name does not match.
   */
  public Optional<Map<String, String>> match(String layerName) {
    Matcher m = regex.matcher(layerName);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int g = 0; g < captures.size(); g++) {
      out.put(captures.get(g), m.group(g + 1));
    }
    return Optional.of(Collections.unmodifiableMap(out));
  }

  /** The layers of {@code network} whose names match, in definition order. */
  public List<Layer> select(Network network) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : network.layers()) {
      if (matches(l.name())) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Replaces each capture reference ({@code $1}) in {@code template} by its value:
   * {@code "relu$1"} with {@code {$1=3}} gives {@code relu3}.
   *
   * @throws ModelHubException when the template uses a capture the bindings lack
   */
  public static String substitute(String template, Map<String, String> bindings) {
    Matcher m = Pattern.compile("\\$[0-9]+").matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String value = bindings.get(m.group());
      if (value == null) {
        throw new ModelHubException("'" + template + "' uses " + m.group()
            + ", which the pattern does not capture");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  @Override public boolean equals(Object o) {
    return o instanceof LayerPattern && ((LayerPattern) o).text.equals(text);
  }

  @Override public int hashCode() {
    return text.hashCode();
  }

  @Override public String toString() {
    return text;
  }

  /** A malformed layer pattern: where (0-based index into the pattern) and what was wrong. */
  public static final class SyntaxException extends ModelHubException {
    private final int index;
    private final String detail;

    SyntaxException(String pattern, int index, String detail) {
      super("layer pattern \"" + pattern + "\", position " + (index + 1) + ": " + detail);
      this.index = index;
      this.detail = detail;
    }

    /** 0-based index of the offending character in the pattern. */
    public int index() {
      return index;
    }

    /** What was wrong, without the pattern and position. */
    public String detail() {
      return detail;
    }
  }
}
