package org.modelhub.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs {@code dlv} in-process against one repository and keeps what it printed. */
final class DlvRun {
  final int code;
  final String out;
  final String err;

  private DlvRun(int code, String out, String err) {
    this.code = code;
    this.out = out;
    this.err = err;
  }

  static DlvRun run(Path repo, String... args) {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    if (repo != null && !a.isEmpty() && !a.get(0).equals("init")) {
      a.add(1, "--repo=" + repo);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dlv.run(new PrintWriter(out), new PrintWriter(err), a.toArray(new String[0]));
    return new DlvRun(code, out.toString(), err.toString());
  }

  /** Fails with everything printed when the exit code is not {@code expected}. */
  DlvRun expect(int expected) {
    if (code != expected) {
      throw new AssertionError("exit " + code + ", expected " + expected + "\nstdout:\n" + out
          + "\nstderr:\n" + err);
    }
    return this;
  }
}
