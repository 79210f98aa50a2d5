package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code src/test/python/test_jpype_dbapi.py}: Python reaching a repository through
 * JPype's DB-API ({@code jpype.dbapi2.connect("jdbc:modelhub:...")}) with the self-contained
 * jar, as a notebook does. It uses Debian's {@code /usr/bin/python3} (another
 * {@code python3} on the PATH, e.g. pyenv's, usually lacks JPype) or {@code MODELHUB_PYTHON};
 * {@code .ci/run} installs python3-jpype, elsewhere the test skips saying what is missing.
 */
class JpypeIT {
  private static final Path SCRIPT =
      Paths.get(System.getProperty("modelhub.python.dir"), "test_jpype_dbapi.py");

  @TempDir Path dir;

  @Test void notebookQueriesThroughJpypeDbApi() throws Exception {
    String env = System.getenv("MODELHUB_PYTHON");
    Path python = Paths.get(env == null || env.isEmpty() ? "/usr/bin/python3" : env);
    assumeTrue(Files.isExecutable(python), python + " not found; set MODELHUB_PYTHON");
    ShadedJarIT.Ran probe = ShadedJarIT.Ran.run(dir, null,
        List.of(python.toString(), "-c", "import jpype, jpype.dbapi2"));
    assumeTrue(probe.code == 0, "JPype is not installed for " + python
        + " (Debian: apt-get install python3-jpype; .ci/run does it):\n" + probe.err);

    // JAVA_HOME: JPype starts the JVM of this build, not whatever the system default is
    ShadedJarIT.Ran r = ShadedJarIT.Ran.run(dir, null,
        List.of(python.toString(), SCRIPT.toString(), "-v"),
        Map.of("MODELHUB_JDBC_JAR", ShadedJarIT.JAR.toString(),
            "JAVA_HOME", System.getProperty("java.home"))).expect(0);
    Matcher ran = Pattern.compile("(?m)^Ran (\\d+) tests? ").matcher(r.err);
    assertTrue(ran.find() && Integer.parseInt(ran.group(1)) > 0, r.toString());
    assertTrue(r.err.contains("\nOK"), r.toString());
    assertFalse(r.err.contains("skipped"), "every Python test must run:\n" + r);
  }
}
