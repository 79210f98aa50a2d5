package org.modelhub.dql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** DQL's view of a layer pattern: numbered captures, LIKE prefilters, error positions. */
class NamePatternTest {
  private static final Ast.Pos AT = new Ast.Pos(2, 10);

  @Test void likePrefiltersCoverExactlyTheAlternatives() {
    assertEquals(List.of("conv%"), NamePattern.parse("conv*($1)", AT).likePatterns());
    assertEquals(List.of("conv1", "conv3", "conv5"),
        NamePattern.parse("conv[1,3,5]", AT).likePatterns());
    assertEquals(List.of("fc\\_%"), NamePattern.parse("fc_**", AT).likePatterns(),
        "LIKE's own wildcards are escaped; adjacent stars are one %");
    assertEquals(List.of("conv1", "conv3"), NamePattern.parse("conv[1,3]", AT).names());
  }

  @Test void capturesAreNumberedAndMatchLikeTheStore() {
    NamePattern p = NamePattern.parse("block[1,2]($1)_conv*($2)", AT);
    assertEquals(Set.of(1, 2), p.captures());
    assertEquals(Optional.of(Map.of(1, "2", 2, "a")), p.match("block2_conva"));
    assertEquals(Optional.empty(), p.match("block3_conva"));
    // the plan's DQL_CAPTURE reads captures through the regex and group number
    Matcher m = Pattern.compile(p.regex(), Pattern.DOTALL).matcher("block1_conv7");
    assertTrue(m.matches());
    assertEquals("7", m.group(p.groupOf(2)));
    assertEquals("7", DqlFunctions.capture("block1_conv7", p.regex(), p.groupOf(2)));
    assertEquals(p.layers().match("block1_conv7").orElseThrow().get("$2"), "7");
  }

  @Test void badPatternsPointAtTheCharacter() {
    DqlException e = assertThrows(DqlException.class, () -> NamePattern.parse("conv[1,", AT));
    assertEquals(2, e.line());
    assertEquals(15, e.column(), "column of '[' after the opening quote");
    assertTrue(e.getMessage().contains("bad layer pattern \"conv[1,\": '[' without a closing"),
        e.getMessage());
    e = assertThrows(DqlException.class, () -> NamePattern.parse("conv($1)", AT));
    assertTrue(e.getMessage().contains("a capture ($k) must follow a * or a [...]"),
        e.getMessage());
    e = assertThrows(DqlException.class, () -> NamePattern.parse(
        "[a,b,c,d][a,b,c,d][a,b,c,d][a,b,c,d][a,b]", AT));
    assertTrue(e.getMessage().contains("more than 256 alternatives"), e.getMessage());
  }
}
