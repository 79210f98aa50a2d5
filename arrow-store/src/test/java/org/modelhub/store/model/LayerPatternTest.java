package org.modelhub.store.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.TestModels;

class LayerPatternTest {
  @Test void wildcardMatchesWholeNames() {
    LayerPattern p = LayerPattern.compile("conv*");
    assertTrue(p.matches("conv1"));
    assertTrue(p.matches("conv"));
    assertTrue(p.matches("conv1_relu"));
    assertFalse(p.matches("myconv1"));
    assertFalse(p.matches("Conv1"), "names match case-sensitively");
    assertEquals(List.of("conv1", "conv2"),
        p.select(TestModels.lenet()).stream().map(Layer::name).toList());
  }

  @Test void choicesMatchOneOfTheTexts() {
    LayerPattern p = LayerPattern.compile("conv[1,3,5]");
    assertTrue(p.matches("conv1"));
    assertTrue(p.matches("conv5"));
    assertFalse(p.matches("conv2"));
    assertFalse(p.matches("conv13"));
    // a longer choice is not cut short by a prefix of it
    assertTrue(LayerPattern.compile("fc[1,10]").matches("fc10"));
    assertTrue(LayerPattern.compile("[a, b]_x").matches("b_x"), "choices are trimmed");
  }

  @Test void capturesBindWhatTheWildcardMatched() {
    LayerPattern p = LayerPattern.compile("conv*($1)");
    assertEquals(List.of("$1"), p.captures());
    assertEquals(Optional.of(Map.of("$1", "3")), p.match("conv3"));
    assertEquals(Optional.empty(), p.match("pool3"));
    LayerPattern two = LayerPattern.compile("block[1,2]($1)_conv*($2)");
    assertEquals(Optional.of(Map.of("$1", "2", "$2", "b")), two.match("block2_convb"));
    assertEquals(Optional.of(Map.of()), LayerPattern.compile("ip1").match("ip1"));
    assertEquals("relu3", LayerPattern.substitute("relu$1", p.match("conv3").orElseThrow()));
  }

  @Test void regexCharactersAreLiteral() {
    assertTrue(LayerPattern.compile("input.1").matches("input.1"));
    assertFalse(LayerPattern.compile("input.1").matches("inputx1"));
    assertTrue(LayerPattern.compile("a(b)*").matches("a(b)c"));
    assertTrue(LayerPattern.compile("x[(,)]($1)").match("x(").isPresent());
  }

  @Test void badPatternsSayWhere() {
    LayerPattern.SyntaxException e = assertThrows(LayerPattern.SyntaxException.class,
        () -> LayerPattern.compile("conv[1,3"));
    assertEquals(4, e.index());
    assertTrue(e.getMessage().contains("position 5: '[' without a closing ']'"), e.getMessage());
    e = assertThrows(LayerPattern.SyntaxException.class,
        () -> LayerPattern.compile("conv1($1)"));
    assertTrue(e.getMessage().contains("must follow a * or a [...]"), e.getMessage());
    e = assertThrows(LayerPattern.SyntaxException.class, () -> LayerPattern.compile("c[1,,2]"));
    assertEquals(4, e.index());
    e = assertThrows(LayerPattern.SyntaxException.class, () -> LayerPattern.compile("c*($x)"));
    assertTrue(e.getMessage().contains("expected a capture such as '($1)'"), e.getMessage());
    e = assertThrows(LayerPattern.SyntaxException.class,
        () -> LayerPattern.compile("a*($1)b*($1)"));
    assertTrue(e.getMessage().contains("$1 appears twice"), e.getMessage());
    ModelHubException u = assertThrows(ModelHubException.class,
        () -> LayerPattern.substitute("relu$2", Map.of("$1", "1")));
    assertTrue(u.getMessage().contains("uses $2"), u.getMessage());
  }

  @Test void escapesAndTheParsedFormDqlReads() {
    assertTrue(LayerPattern.compile("a\\*b").matches("a*b"), "a backslash makes * literal");
    assertFalse(LayerPattern.compile("a\\*b").matches("axb"));
    LayerPattern p = LayerPattern.compile("block[1,2]($1)_*_conv*($2)");
    assertEquals(List.of(new LayerPattern.Text("block"),
        new LayerPattern.Choice(List.of("1", "2"), "$1"), new LayerPattern.Text("_"),
        new LayerPattern.Wildcard(null), new LayerPattern.Text("_conv"),
        new LayerPattern.Wildcard("$2")), p.segments());
    assertFalse(p.isFinite());
    assertTrue(LayerPattern.compile("conv[1,3]").isFinite());
    assertEquals(2, p.group("$2"), "one regex group per capture, in order");
    assertEquals(0, p.group("$3"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(p.regex())
        .matcher("block2_x_y_conv7");
    assertTrue(m.matches());
    assertEquals("7", m.group(p.group("$2")));
    assertEquals(Optional.of(Map.of("$1", "2", "$2", "7")), p.match("block2_x_y_conv7"));
    assertThrows(LayerPattern.SyntaxException.class, () -> LayerPattern.compile(""));
  }
}
