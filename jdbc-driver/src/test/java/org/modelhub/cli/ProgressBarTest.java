package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.format.safetensors.SafetensorsExporter;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/**
 * Long commands draw a progress bar on a terminal and print none when piped. The terminal is
 * a real pseudo-terminal from util-linux's {@code script}.
 */
class ProgressBarTest {
  @TempDir Path dir;

  @Test void barOnTerminalQuietWhenPiped() throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/bin/script")),
        "needs util-linux 'script' to give the command a terminal");
    Random r = new Random(3);
    List<Tensor> ts = List.of(TestModels.random("ip1/W", new long[] {500, 8000}, r),
        TestModels.random("ip2/W", new long[] {10, 500}, r));
    ModelContent c = new ModelContent(TestModels.lenet(), ts);
    Path files = Files.createDirectories(dir.resolve("files"));
    new SafetensorsExporter().write(c, files);

    Path repo = dir.resolve("repo");
    Repository.init(repo).close();
    String[] add = {"add", "--repo=" + repo, files.resolve("network.json").toString(),
        files.resolve("model.safetensors").toString()};

    DlvRun.run(null, add).expect(0);
    ProcessResult tty = runDlv(true, "commit", "--repo=" + repo, "-m", "on a terminal");
    assertEquals(0, tty.code, tty.output);
    assertTrue(tty.output.contains("storing weights") && tty.output.contains("100%"),
        tty.output);

    DlvRun.run(null, add).expect(0);
    ProcessResult piped = runDlv(false, "commit", "--repo=" + repo, "-m", "piped");
    assertEquals(0, piped.code, piped.output);
    assertTrue(piped.output.contains("committed"), piped.output);
    assertFalse(piped.output.contains("storing weights"), piped.output);
    assertFalse(piped.output.contains("\r"), piped.output);
  }

  private record ProcessResult(int code, String output) { }

  private ProcessResult runDlv(boolean terminal, String... args)
      throws IOException, InterruptedException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    StringBuilder cmd = new StringBuilder();
    cmd.append(quote(java)).append(" -cp ").append(quote(System.getProperty("java.class.path")))
        .append(' ').append(Dlv.class.getName());
    for (String a : args) {
      cmd.append(' ').append(quote(a));
    }
    ProcessBuilder pb = terminal
        ? new ProcessBuilder("/usr/bin/script", "-qec", cmd.toString(), "/dev/null")
        : new ProcessBuilder("/bin/sh", "-c", cmd + " 2>&1 | cat");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new ProcessResult(p.waitFor(), out);
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
