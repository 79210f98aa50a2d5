package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.modelhub.store.ModelHubException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dlv} command line: git-like version control for models. Each command is a thin
 * class that calls the store (or, later, SQL through the driver). Exit codes: 0 ok, 1
 * failure, 2 usage.
 */
@Command(name = "dlv", mixinStandardHelpOptions = true, versionProvider = Dlv.Version.class,
    description = "Version control for deep-learning models (ModelHub).",
    subcommands = {
        QuickstartCommand.class, InitCommand.class, AddCommand.class, StatusCommand.class,
        CommitCommand.class, CopyCommand.class, ListCommand.class, DescCommand.class,
        DiffCommand.class, LineageCommand.class, CheckoutCommand.class, FsckCommand.class,
        ArchiveCommand.class,
        QueryCommand.class, SqlCommand.class, EvalCommand.class,
        CommandLine.HelpCommand.class})
public final class Dlv implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs one command line and returns its exit code (for tests and embedding). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Dlv());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ModelHubException) {
        cmd.getErr().println("dlv " + cmd.getCommandName() + ": error: " + e.getMessage());
      } else {
        cmd.getErr().println("dlv " + cmd.getCommandName() + ": internal error: " + e);
        e.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return 1;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Prints the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override public String[] getVersion() {
      String v = Dlv.class.getPackage().getImplementationVersion();
      return new String[] {"dlv " + (v == null ? "(development build)" : v) + ", Java "
          + System.getProperty("java.version") + " (" + System.getProperty("os.name")
          .toLowerCase(Locale.ROOT) + ")"};
    }
  }
}
