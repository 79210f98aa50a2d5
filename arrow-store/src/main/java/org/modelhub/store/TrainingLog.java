package org.modelhub.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.NetworkJson;

/**
 * A training log: metrics per step and hyperparameters, read from CSV or JSON.
 *
 * <p>CSV: a header row, then one row per step. A column named {@code step}, {@code iteration},
 * {@code iter}, {@code batch} or {@code epoch} gives the step, the first of these present in
 * that order (otherwise the row number does); the other such columns and every other column
 * are metrics. A metric logged twice at one step is an error. Comment lines {@code # name = value} (or {@code name:
 * value}) are hyperparameters. JSON: {@code {"hyperparams": {...}, "metrics": [{"step": 1,
 * "loss": 0.5}, ...]}} (also {@code "hyperparameters"}, {@code "steps"} or {@code "log"}), a
 * bare array of step objects, or JSON Lines of step objects.
 */
public record TrainingLog(List<Metric> metrics, Map<String, String> hyperparams) {
  /** Step column names, in order of preference when a log has several. */
  private static final List<String> STEP_COLUMNS = List.of("step", "iteration", "iter",
      "batch", "epoch");
  private static final Set<String> METRIC_HINTS = Set.of("loss", "accuracy", "acc", "lr",
      "val_loss", "val_accuracy", "score");

  /** Whether a file looks like a training log (name and first lines). */
  public static boolean looksLikeLog(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!Files.isRegularFile(file)) {
      return false;
    }
    String head;
    try (InputStream in = Files.newInputStream(file)) {
      head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }
    if (name.endsWith(".csv") || name.endsWith(".tsv")) {
      for (String line : head.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        for (String col : split(line)) {
          String c = col.trim().toLowerCase(Locale.ROOT);
          if (STEP_COLUMNS.contains(c) || METRIC_HINTS.contains(c)) {
            return true;
          }
        }
        return false;
      }
      return false;
    }
    if (name.endsWith(".json") || name.endsWith(".jsonl")) {
      String h = head.replace(" ", "");
      return h.contains("\"hyperparams\"") || h.contains("\"hyperparameters\"")
          || STEP_COLUMNS.stream().anyMatch(c -> h.contains("\"" + c + "\":"));
    }
    return false;
  }

  public static TrainingLog read(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".json") || name.endsWith(".jsonl")) {
      return readJson(file);
    }
    return readCsv(file);
  }

  private static TrainingLog readCsv(Path file) throws IOException {
    List<Metric> metrics = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Map<String, String> hyper = new LinkedHashMap<>();
    List<String> header = null;
    int stepColumn = -1;
    int lineNo = 0;
    long row = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        if (line.startsWith("#")) {
          String body = line.substring(1).trim();
          int eq = body.indexOf('=');
          int colon = body.indexOf(':');
          int cut = eq >= 0 ? eq : colon;
          if (cut > 0) {
            hyper.put(body.substring(0, cut).trim(), body.substring(cut + 1).trim());
          }
          continue;
        }
        List<String> cells = split(line);
        if (header == null) {
          header = new ArrayList<>();
          for (String c : cells) {
            header.add(c.trim());
          }
          stepColumn = stepColumn(header);
          continue;
        }
        row++;
        if (cells.size() != header.size()) {
          throw new FormatException(file, "line " + lineNo, "has " + cells.size()
              + " columns, the header has " + header.size());
        }
        long step = row;
        if (stepColumn >= 0) {
          String s = cells.get(stepColumn).trim();
          try {
            step = (long) Double.parseDouble(s);
          } catch (NumberFormatException e) {
            throw new FormatException(file, "line " + lineNo + ", column '"
                + header.get(stepColumn) + "'", "'" + s + "' is not a step number");
          }
        }
        for (int i = 0; i < cells.size(); i++) {
          String s = cells.get(i).trim();
          if (i == stepColumn || s.isEmpty()) {
            continue;
          }
          double value;
          try {
            value = Double.parseDouble(s);
          } catch (NumberFormatException e) {
            throw new FormatException(file, "line " + lineNo + ", column '" + header.get(i)
                + "'", "'" + s + "' is not a number");
          }
          add(metrics, seen, new Metric(header.get(i), step, value), file, "line " + lineNo);
        }
      }
    }
    if (header == null) {
      throw new FormatException(file, "", "empty training log: expected a header row");
    }
    return new TrainingLog(metrics, hyper);
  }

  private static List<String> split(String line) {
    String sep = line.contains("\t") && !line.contains(",") ? "\t" : ",";
    List<String> out = new ArrayList<>();
    for (String s : line.split(sep, -1)) {
      String t = s.trim();
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      out.add(t);
    }
    return out;
  }

  private static TrainingLog readJson(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    // one JSON document, or JSON Lines: one step object per line
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = NetworkJson.MAPPER.readerFor(JsonNode.class)
        .readValues(text)) {
      while (it.hasNextValue()) {
        docs.add(it.nextValue());
      }
    } catch (JsonProcessingException e) {
      throw new FormatException(file, "line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr(), "malformed JSON: " + e.getOriginalMessage());
    }
    List<Metric> metrics = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Map<String, String> hyper = new LinkedHashMap<>();
    List<JsonNode> steps = new ArrayList<>();
    for (JsonNode doc : docs) {
      if (doc.isArray()) {
        doc.forEach(steps::add);
      } else if (doc.isObject() && (doc.has("hyperparams") || doc.has("hyperparameters")
          || doc.has("metrics") || doc.has("steps") || doc.has("log"))) {
        JsonNode hp = doc.has("hyperparams") ? doc.get("hyperparams")
            : doc.path("hyperparameters");
        hp.fields().forEachRemaining(e -> hyper.put(e.getKey(),
            e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        for (String key : List.of("metrics", "steps", "log")) {
          doc.path(key).forEach(steps::add);
        }
      } else if (doc.isObject()) {
        steps.add(doc);
      } else {
        throw new FormatException(file, "", "a training log must be a JSON object or array");
      }
    }
    long row = 0;
    for (JsonNode s : steps) {
      row++;
      if (!s.isObject()) {
        throw new FormatException(file, "step " + row, "each step must be a JSON object");
      }
      List<String> keys = new ArrayList<>();
      s.fieldNames().forEachRemaining(keys::add);
      int stepKey = stepColumn(keys);
      long step = stepKey < 0 ? row : s.get(keys.get(stepKey)).asLong();
      for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (stepKey >= 0 && e.getKey().equals(keys.get(stepKey))) {
          continue;
        }
        if (!e.getValue().isNumber()) {
          throw new FormatException(file, "step " + step + ", field '" + e.getKey() + "'",
              "'" + e.getValue() + "' is not a number");
        }
        add(metrics, seen, new Metric(e.getKey(), step, e.getValue().asDouble()), file,
            "step " + step);
      }
    }
    return new TrainingLog(metrics, hyper);
  }

  /** The column that holds the step: the most preferred step name present, or -1. */
  private static int stepColumn(List<String> names) {
    for (String preferred : STEP_COLUMNS) {
      for (int i = 0; i < names.size(); i++) {
        if (names.get(i).trim().toLowerCase(Locale.ROOT).equals(preferred)) {
          return i;
        }
      }
    }
    return -1;
  }

  private static void add(List<Metric> metrics, Set<String> seen, Metric m, Path file,
      String where) {
    if (!seen.add(m.name() + "\u0000" + m.step())) {
      throw new FormatException(file, where, "metric '" + m.name() + "' is logged twice at step "
          + m.step() + " (is the step column right?)");
    }
    metrics.add(m);
  }
}
