package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;

/** {@code dlv eval}: the test phase of a version, printed, recorded, seen by SQL; Ctrl-C. */
class EvalCommandTest {
  private static final String FASHION = "data/fashion-mnist/t10k-images-idx3-ubyte.gz";

  @TempDir Path dir;
  private Path repo;

  @BeforeEach void lenet() {
    repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    DlvRun.run(repo, "add", Corpus.path("caffe/lenet.prototxt").toString(),
        Corpus.path("caffe/lenet_iter_10000.caffemodel").toString()).expect(0);
    DlvRun.run(repo, "commit", "-m", "LeNet", "--name", "lenet").expect(0);
  }

  @Test void printsRecordsAndShowsInSql() {
    DlvRun r = DlvRun.run(repo, "eval", "lenet@1", "--data", Corpus.path(FASHION).toString(),
        "--examples", "200").expect(0);
    assertTrue(r.out.contains("lenet@1 (") && r.out.contains(": 200 examples"), r.out);
    assertTrue(r.out.contains("confusion matrix (rows: actual class, columns: predicted"
        + " class)"), r.out);
    assertTrue(r.out.contains("recorded as test 1 of lenet@1"), r.out);
    Matcher m = Pattern.compile("accuracy +([0-9.]+)%").matcher(r.out);
    assertTrue(m.find(), r.out);
    double accuracy = Double.parseDouble(m.group(1)) / 100;
    long rows = r.out.lines().filter(l -> l.matches(" +[0-9] +[0-9 ]+[0-9.]+%|.*-")).count();
    assertEquals(10, rows, "a row per class: " + r.out);

    DlvRun q = DlvRun.run(repo, "query", "--format", "csv", "SELECT m.STEP, m.VAL FROM METRICS m"
        + " JOIN VERSIONS v ON v.ID = m.VERSION_ID WHERE v.MODEL = 'lenet'"
        + " AND m.NAME = 'eval.accuracy'").expect(0);
    String[] line = q.out.strip().lines().reduce((a, b) -> b).orElseThrow().split(",");
    assertEquals("1", line[0], q.out);
    assertEquals(accuracy, Double.parseDouble(line[1]), 0.00005, q.out);
    DlvRun.run(repo, "fsck").expect(0);
  }

  @Test void badInputIsOneLine() {
    DlvRun r = DlvRun.run(repo, "eval", "lenet@1", "--data", dir.resolve("none.csv").toString())
        .expect(1);
    assertTrue(r.err.startsWith("dlv eval: error: data ") && r.err.contains("none.csv does not"
        + " exist"), r.err);
    r = DlvRun.run(repo, "eval", "lenet@1", "--data", Corpus.path("data/iris.csv").toString())
        .expect(1);
    assertTrue(r.err.contains("lenet@1: network 'LeNet', layer 'data' (INPUT): takes examples"
        + " of shape [1,28,28] but the data's have shape [4]"), r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    r = DlvRun.run(repo, "eval", "lenet@2", "--data", Corpus.path(FASHION).toString())
        .expect(1);
    assertTrue(r.err.contains("unknown version 'lenet@2'"), r.err);
    DlvRun.run(repo, "eval", "lenet@1").expect(2);
  }

  /** A real Ctrl-C (SIGINT) to a dlv on a terminal: it stops, records nothing. */
  @Test void ctrlCStopsCleanly() throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/bin/script")),
        "needs util-linux 'script' to give the command a terminal");
    // one example per batch: the test runs long enough to be interrupted
    Path conf = Files.writeString(dir.resolve("slow.conf"), "batch_size: 1\n");
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    String cmd = String.join(" ", quote(java), "-cp",
        quote(System.getProperty("java.class.path")), Dlv.class.getName(), "eval", "lenet@1",
        "--repo", quote(repo.toString()), "--data", quote(Corpus.path(FASHION).toString()),
        "--config", quote(conf.toString()));
    Process p = new ProcessBuilder("/usr/bin/script", "-qec", cmd, "/dev/null")
        .redirectErrorStream(true).start();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    InputStream in = p.getInputStream();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!seen.toString(StandardCharsets.UTF_8).contains("testing [")
        && System.nanoTime() < deadline) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      seen.write(b);
    }
    assertTrue(seen.toString(StandardCharsets.UTF_8).contains("testing ["), seen.toString(
        StandardCharsets.UTF_8));
    ProcessHandle dlv = p.toHandle().descendants().filter(h -> h.info().command()
        .map(c -> c.endsWith("java")).orElse(false)).findFirst().orElseThrow();
    new ProcessBuilder("kill", "-INT", Long.toString(dlv.pid())).start().waitFor();
    seen.write(in.readAllBytes());
    String out = seen.toString(StandardCharsets.UTF_8);
    assertEquals(130, p.waitFor(), out);
    assertTrue(out.contains("stopping at the next step"), out);
    assertTrue(out.contains("dlv eval: test cancelled; nothing recorded"), out);
    DlvRun q = DlvRun.run(repo, "query", "--format", "csv",
        "SELECT COUNT(*) AS N FROM METRICS WHERE NAME LIKE 'eval.%'").expect(0);
    assertTrue(q.out.strip().endsWith("0"), q.out);
    assertFalse(DlvRun.run(repo, "fsck").expect(0).out.contains("error"));
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
