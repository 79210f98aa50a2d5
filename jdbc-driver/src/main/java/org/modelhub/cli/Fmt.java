package org.modelhub.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Number, size and time formats of the command line ({@link Locale#ROOT} throughout). */
final class Fmt {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Fmt() {
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Bytes in binary units: {@code 1.6 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  /** A figure with four significant digits, or {@code -} when absent. */
  static String num(Double d) {
    if (d == null) {
      return "-";
    }
    if (d == 0) {
      return "0";
    }
    double a = Math.abs(d);
    if (a >= 1e-3 && a < 1e6) {
      return String.format(Locale.ROOT, "%.4g", d).replaceAll("(\\.\\d*?)0+$", "$1")
          .replaceAll("\\.$", "");
    }
    return String.format(Locale.ROOT, "%.3e", d);
  }

  static String percent(Double d) {
    return d == null ? "-" : String.format(Locale.ROOT, "%.2f%%", d * 100);
  }
}
