package org.modelhub.jdbc;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed {@code jdbc:modelhub:} URL: {@code jdbc:modelhub:/path/to/repo[;create=true]},
 * {@code jdbc:modelhub:mem:NAME} or {@code jdbc:modelhub:remote:http://host:port}, each with
 * optional {@code ;key=value} properties.
 */
record ModelHubUrl(Kind kind, String location, Map<String, String> properties) {
  static final String PREFIX = "jdbc:modelhub:";

  /** Where the repository is. */
  enum Kind { FILE, MEMORY, REMOTE }

  ModelHubUrl {
    requireNonNull(kind, "kind");
    requireNonNull(location, "location");
    properties = Map.copyOf(properties);
  }

  static ModelHubUrl parse(String url) throws SQLException {
    if (!url.startsWith(PREFIX)) {
      throw new SQLException("not a ModelHub URL: " + url + " (expected " + PREFIX + "...)");
    }
    String rest = url.substring(PREFIX.length());
    String[] parts = rest.split(";");
    Map<String, String> props = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isBlank()) {
        continue;
      }
      int eq = parts[i].indexOf('=');
      if (eq <= 0) {
        throw new SQLException("bad property '" + parts[i] + "' in " + url
            + " (expected ;key=value)");
      }
      props.put(parts[i].substring(0, eq).trim(), parts[i].substring(eq + 1).trim());
    }
    String loc = parts.length == 0 ? "" : parts[0].trim();
    if (loc.isEmpty()) {
      throw new SQLException("no repository in " + url + ": use " + PREFIX + "/path/to/repo, "
          + PREFIX + "mem:NAME or " + PREFIX + "remote:http://host:port");
    }
    if (loc.startsWith("mem:")) {
      return new ModelHubUrl(Kind.MEMORY, loc.substring(4), props);
    }
    if (loc.startsWith("remote:")) {
      return new ModelHubUrl(Kind.REMOTE, loc.substring(7), props);
    }
    return new ModelHubUrl(Kind.FILE, loc, props);
  }

  Path path() {
    return Paths.get(location);
  }

  boolean create() {
    return Boolean.parseBoolean(properties.getOrDefault("create", "false"));
  }
}
