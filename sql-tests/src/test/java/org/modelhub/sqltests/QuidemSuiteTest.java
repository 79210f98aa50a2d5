package org.modelhub.sqltests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.hydromatic.quidem.Quidem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every Quidem script of {@code src/test/resources/sql} through the
 * {@code jdbc:modelhub:} driver against a repository built from the corpus
 * ({@link CorpusRepository}), as Calcite's QuidemTest runs its {@code .iq} files. Scripts
 * {@code !use repo}, or {@code dql}: a second copy that DQL statements may add versions to.
 *
 * <p>A Quidem script is its own expected output: each script's actual output goes to
 * {@code target/quidem/NAME.iq}, and the test fails with a diff when it differs from the
 * script. After checking that a new output is right, copy it over the script.
 */
class QuidemSuiteTest {
  private static final Path REPO = Paths.get("target", "sql-tests-repo").toAbsolutePath();
  /** The same repository again, for scripts that create versions (DQL slice, construct). */
  private static final Path DQL_REPO =
      Paths.get("target", "sql-tests-dql-repo").toAbsolutePath();
  private static final Path OUT = Paths.get("target", "quidem");

  @BeforeAll static void buildRepository() {
    CorpusRepository.build(REPO);
    CorpusRepository.build(DQL_REPO);
  }

  static List<String> scripts() throws IOException {
    try (Stream<Path> s = Files.list(scriptDir())) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".iq")).sorted()
          .collect(Collectors.toList());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scripts")
  void script(String name) throws IOException {
    Path in = scriptDir().resolve(name);
    Path out = OUT.resolve(name);
    Files.createDirectories(OUT);
    try (Reader reader = Files.newBufferedReader(in, StandardCharsets.UTF_8);
         Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      new Quidem(Quidem.configBuilder().withReader(reader).withWriter(writer)
          .withConnectionFactory(QuidemSuiteTest::connect).build()).execute();
    }
    List<String> expected = Files.readAllLines(in, StandardCharsets.UTF_8);
    List<String> actual = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertFalse(expected.isEmpty(), name + " is empty");
    String diff = LineDiff.diff(expected, actual);
    if (!diff.isEmpty()) {
      fail("output of sql/" + name + " differs from the script (actual output: "
          + out.toAbsolutePath() + ")\n" + diff);
    }
  }

  /** The connections a script can {@code !use}; no reference database for {@code !verify}. */
  private static Connection connect(String name, boolean reference) throws SQLException {
    if (reference) {
      return null;
    }
    if (name.equals("repo")) {
      return DriverManager.getConnection("jdbc:modelhub:" + REPO);
    }
    if (name.equals("dql")) {
      return DriverManager.getConnection("jdbc:modelhub:" + DQL_REPO);
    }
    throw new IllegalArgumentException("unknown connection '" + name + "' (known: repo, dql)");
  }

  private static Path scriptDir() {
    try {
      return Paths.get(QuidemSuiteTest.class.getResource("/sql").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
