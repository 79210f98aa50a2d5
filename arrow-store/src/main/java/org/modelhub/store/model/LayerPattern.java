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
 * A pattern over layer names, as DQL writes them in {@code m["conv*($1)"]}: it matches the
 * whole name; {@code *} matches any run of characters (greedily), {@code [1,3,5]} one of the
 * listed texts, and {@code ($1)} right after either captures what it matched. Everything
 * else matches itself, case-sensitively.
 *
 * <pre>LayerPattern.compile("conv*($1)").match("conv3")   // Optional[{$1=3}]
 * LayerPattern.compile("conv[1,3,5]").matches("conv2") // false</pre>
 */
public final class LayerPattern {
  private final String text;
  private final Pattern regex;
  private final List<String> captures;

  private LayerPattern(String text, Pattern regex, List<String> captures) {
    this.text = text;
    this.regex = regex;
    this.captures = captures;
  }

  /**
   * Compiles a pattern.
   *
   * @throws SyntaxException naming the position (0-based) and what was expected there
   */
  public static LayerPattern compile(String pattern) {
    requireNonNull(pattern, "pattern");
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    List<String> names = new ArrayList<>();
    boolean afterWildcard = false;
    int group = -1;
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '*' || c == '[') {
        flush(literal, re);
        group = re.length();
        if (c == '*') {
          re.append("(.*)");
          i++;
        } else {
          i = alternatives(pattern, i, re);
        }
        afterWildcard = true;
        continue;
      }
      if (c == '(' && pattern.startsWith("($", i)) {
        if (!afterWildcard) {
          throw new SyntaxException(pattern, i, "a capture '($N)' must follow '*' or '[...]'");
        }
        int close = pattern.indexOf(')', i);
        String name = close < 0 ? "" : pattern.substring(i + 1, close);
        if (close < 0 || !name.matches("\\$[0-9]+")) {
          throw new SyntaxException(pattern, i, "expected a capture such as '($1)'");
        }
        if (names.contains(name)) {
          throw new SyntaxException(pattern, i, "capture " + name + " appears twice");
        }
        names.add(name);
        // the wildcard's group becomes named: $1 -> c1
        re.insert(group + 1, "?<c" + name.substring(1) + ">");
        i = close + 1;
        afterWildcard = false;
        continue;
      }
      if (c == ']') {
        throw new SyntaxException(pattern, i, "']' without '['");
      }
      literal.append(c);
      afterWildcard = false;
      i++;
    }
    flush(literal, re);
    return new LayerPattern(pattern, Pattern.compile(re.toString(), Pattern.DOTALL),
        Collections.unmodifiableList(names));
  }

  /** Appends {@code [a,b,c]} starting at {@code start} as a group; returns the next index. */
  private static int alternatives(String pattern, int start, StringBuilder re) {
    int close = pattern.indexOf(']', start);
    if (close < 0) {
      throw new SyntaxException(pattern, start, "'[' without ']'");
    }
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
      items.add(Pattern.quote(t));
      at += item.length() + 1;
    }
    // longest first, so that [1,10] matches all of "10"
    items.sort((a, b) -> b.length() - a.length());
    re.append('(').append(String.join("|", items)).append(')');
    return close + 1;
  }

  private static void flush(StringBuilder literal, StringBuilder re) {
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
      literal.setLength(0);
    }
  }

  /** The pattern as written. */
  public String text() {
    return text;
  }

  /** Capture names in order of appearance ({@code $1}, {@code $2}...). */
  public List<String> captures() {
    return captures;
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
    for (String name : captures) {
      out.put(name, m.group("c" + name.substring(1)));
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

    SyntaxException(String pattern, int index, String message) {
      super("layer pattern \"" + pattern + "\", position " + (index + 1) + ": " + message);
      this.index = index;
    }

    /** 0-based index of the offending character in the pattern. */
    public int index() {
      return index;
    }
  }
}
