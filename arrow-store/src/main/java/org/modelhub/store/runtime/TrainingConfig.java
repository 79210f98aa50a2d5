package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.LayerPattern;

/**
 * The training configuration of an evaluate run or a test: solver settings (learning rate,
 * batch size, iterations, updater...), the data, and per-layer settings. Immutable; read from
 * a config file of {@code key: value} lines (a Caffe solver file reads as one), see
 * docs/evaluate.md, where every key, its default and its {@code auto} grid are listed.
 */
public final class TrainingConfig {
  public static final String BASE_LR = "base_lr";
  public static final String BATCH_SIZE = "batch_size";
  public static final String ITERATIONS = "iterations";
  public static final String UPDATER = "updater";
  public static final String MOMENTUM = "momentum";
  public static final String WEIGHT_DECAY = "weight_decay";
  public static final String LR_POLICY = "lr_policy";
  public static final String GAMMA = "gamma";
  public static final String STEPSIZE = "stepsize";
  public static final String POWER = "power";
  public static final String INPUT_DATA = "input_data";
  public static final String TEST_DATA = "test_data";
  public static final String TEST_FRACTION = "test_fraction";
  public static final String TEST_INTERVAL = "test_interval";
  public static final String EXAMPLES = "examples";
  public static final String LABEL_COLUMN = "label_column";
  public static final String NORMALIZE = "normalize";
  public static final String SEED = "seed";

  /** Per-layer keys: an absolute learning rate, or a multiple of {@code base_lr}. */
  public static final String LR = "lr";
  public static final String LR_MULT = "lr_mult";
  public static final List<String> LAYER_KEYS = List.of(LR, LR_MULT);

  public static final List<String> UPDATERS =
      List.of("sgd", "nesterovs", "adam", "rmsprop", "adagrad");
  public static final List<String> LR_POLICIES = List.of("fixed", "step", "exp", "inv");
  public static final List<String> NORMALIZATIONS = List.of("auto", "standardize", "minmax",
      "none");

  private enum Kind { POSITIVE, NON_NEGATIVE, FRACTION, COUNT, NON_NEGATIVE_COUNT, INTEGER,
      CHOICE, PATH, TEXT }

  /** One config key: its kind, default and {@code auto} grid (empty: no auto grid). */
  private record Key(String name, Kind kind, String defaultValue, List<String> auto,
      List<String> choices) { }

  private static final Map<String, Key> KEYS = new LinkedHashMap<>();
  private static final Map<String, List<String>> LAYER_AUTO = Map.of(
      LR, List.of("0", "0.001", "0.01"),
      LR_MULT, List.of("0", "0.1", "1"));
  /** Caffe solver names of our keys. */
  private static final Map<String, String> SYNONYMS = Map.of("max_iter", ITERATIONS,
      "type", UPDATER, "solver_type", UPDATER, "random_seed", SEED);
  /** Caffe solver keys read and ignored, so that a Caffe solver file works as a config. */
  public static final Set<String> IGNORED = Set.of("net", "train_net", "test_net", "test_iter",
      "display", "average_loss", "snapshot", "snapshot_prefix", "snapshot_after_train",
      "snapshot_format", "solver_mode", "device_id", "debug_info", "test_initialization",
      "test_compute_loss", "iter_size", "regularization_type", "delta", "momentum2",
      "rms_decay");

  static {
    key(BASE_LR, Kind.POSITIVE, "0.01", List.of("0.1", "0.01", "0.001"));
    key(BATCH_SIZE, Kind.COUNT, "64", List.of("32", "64", "128"));
    key(ITERATIONS, Kind.COUNT, "100", List.of());
    key(UPDATER, Kind.CHOICE, "sgd", List.of("sgd", "nesterovs", "adam"), UPDATERS);
    key(MOMENTUM, Kind.FRACTION, "0.9", List.of("0.5", "0.9", "0.99"));
    key(WEIGHT_DECAY, Kind.NON_NEGATIVE, "0", List.of("0", "0.0001", "0.001"));
    key(LR_POLICY, Kind.CHOICE, "fixed", List.of(), LR_POLICIES);
    key(GAMMA, Kind.POSITIVE, "0.1", List.of());
    key(STEPSIZE, Kind.COUNT, "100", List.of());
    key(POWER, Kind.POSITIVE, "0.75", List.of());
    key(INPUT_DATA, Kind.PATH, null, List.of());
    key(TEST_DATA, Kind.PATH, null, List.of());
    key(TEST_FRACTION, Kind.FRACTION, "0.2", List.of());
    key(TEST_INTERVAL, Kind.NON_NEGATIVE_COUNT, "0", List.of());
    key(EXAMPLES, Kind.NON_NEGATIVE_COUNT, "0", List.of());
    key(LABEL_COLUMN, Kind.TEXT, null, List.of());
    key(NORMALIZE, Kind.CHOICE, "auto", List.of(), NORMALIZATIONS);
    key(SEED, Kind.INTEGER, "42", List.of());
  }

  private static void key(String name, Kind kind, String def, List<String> auto) {
    key(name, kind, def, auto, List.of());
  }

  private static void key(String name, Kind kind, String def, List<String> auto,
      List<String> choices) {
    KEYS.put(name, new Key(name, kind, def, auto, choices));
  }

  /** A per-layer setting as the config file or a grid point gives it. */
  public record LayerSetting(String pattern, String key, String value) {
    public LayerSetting {
      requireNonNull(pattern, "pattern");
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }

    /** As DQL and the hyperparameters write it: {@code m["conv*"].lr}. */
    public String label() {
      return "m[\"" + pattern + "\"]." + key;
    }
  }

  private static final Pattern LINE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*[:=]\\s*(.*)");
  private static final Pattern LAYER_LINE =
      Pattern.compile("\\s*m\\s*\\[\\s*(\"[^\"]*\"|'[^']*')\\s*\\]\\s*\\.\\s*([A-Za-z_]+)"
          + "\\s*[:=]\\s*(.*)");

  private final Map<String, String> values;
  private final List<LayerSetting> layers;

  private TrainingConfig(Map<String, String> values, List<LayerSetting> layers) {
    this.values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.layers = List.copyOf(layers);
  }

  /** Every key at its default. */
  public static TrainingConfig defaults() {
    return new TrainingConfig(Map.of(), List.of());
  }

  /**
   * Reads a config file. Relative paths in it ({@code input_data}, {@code test_data}) are
   * taken from the file's folder.
   *
   * @throws FormatException naming the line and what was wrong
   */
  public static TrainingConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelHubException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Path dir = file.toAbsolutePath().getParent();
    Map<String, String> values = new LinkedHashMap<>();
    List<LayerSetting> layers = new ArrayList<>();
    int lineNo = 0;
    for (String raw : text.split("\r?\n", -1)) {
      lineNo++;
      String line = stripComment(raw).trim();
      if (line.isEmpty()) {
        continue;
      }
      String where = "line " + lineNo;
      try {
        Matcher lm = LAYER_LINE.matcher(line);
        if (lm.matches()) {
          String pattern = lm.group(1).substring(1, lm.group(1).length() - 1);
          Setting s = Setting.layer(pattern, lm.group(2));
          layers.add(new LayerSetting(pattern, s.key(), checkLayerValue(s,
              unquote(lm.group(3)))));
          continue;
        }
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
          throw new ModelHubException("expected 'key: value' or 'm[\"pattern\"].key: value'");
        }
        String key = m.group(1).toLowerCase(Locale.ROOT);
        if (IGNORED.contains(key)) {
          continue;
        }
        String value = unquote(m.group(2));
        key = SYNONYMS.getOrDefault(key, key);
        if (key.equals(UPDATER)) {
          value = updaterName(value);
        }
        checkConfigKey(key);
        String checked = check(KEYS.get(key), value);
        if (KEYS.get(key).kind() == Kind.PATH) {
          checked = dir.resolve(checked).normalize().toString();
        }
        values.put(key, checked);
      } catch (FormatException e) {
        throw e;
      } catch (ModelHubException e) {
        throw new FormatException(file, where, e.getMessage());
      }
    }
    return new TrainingConfig(values, layers);
  }

  private static String stripComment(String line) {
    boolean quoted = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        quoted = c != quote;
      } else if (c == '"' || c == '\'') {
        // a quote inside m["..."] also opens a string: '#' there is text
        quoted = true;
        quote = c;
      } else if (c == '#') {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static String unquote(String text) {
    String t = text.trim();
    if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"")
        || t.startsWith("'") && t.endsWith("'"))) {
      return t.substring(1, t.length() - 1);
    }
    return t;
  }

  /** Caffe's solver types ({@code "Nesterov"}, {@code ADAGRAD}) as updater names. */
  private static String updaterName(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "nesterov": return "nesterovs";
      case "adagrad": case "ada_grad": return "adagrad";
      case "rms_prop": return "rmsprop";
      default: return v;
    }
  }

  /** Fails naming the known keys unless {@code key} is a config key. */
  static void checkConfigKey(String key) {
    if (!KEYS.containsKey(key)) {
      throw new ModelHubException("unknown config key '" + key + "' (keys: "
          + String.join(", ", KEYS.keySet()) + ")");
    }
  }

  /** The config keys, in documentation order. */
  public static List<String> keys() {
    return List.copyOf(KEYS.keySet());
  }

  /**
   * The same configuration with {@code setting} set to {@code value} (a per-layer setting is
   * added after those of the file, so it wins for the layers it matches). Relative paths are
   * taken from the current folder.
   *
   * @throws ModelHubException naming the setting when the value is not valid for it
   */
  public TrainingConfig with(Setting setting, String value) {
    requireNonNull(value, "value");
    if (setting.isLayerSetting()) {
      List<LayerSetting> l = new ArrayList<>(layers);
      l.add(new LayerSetting(setting.layerPattern(), setting.key(),
          checkLayerValue(setting, value)));
      return new TrainingConfig(values, l);
    }
    Key k = KEYS.get(setting.key());
    String v = setting.key().equals(UPDATER) ? updaterName(value) : value;
    String checked;
    try {
      checked = check(k, v);
    } catch (ModelHubException e) {
      throw new ModelHubException(setting.label() + ": " + e.getMessage(), e);
    }
    if (k.kind() == Kind.PATH) {
      checked = Path.of(checked).toAbsolutePath().normalize().toString();
    }
    Map<String, String> m = new LinkedHashMap<>(values);
    m.put(setting.key(), checked);
    return new TrainingConfig(m, layers);
  }

  private static String checkLayerValue(Setting s, String value) {
    try {
      double d = Double.parseDouble(value.trim());
      if (!(d >= 0) || Double.isInfinite(d)) {
        throw new ModelHubException("'" + value + "' must be a number >= 0");
      }
      return value.trim();
    } catch (NumberFormatException e) {
      throw new ModelHubException(s.label() + ": '" + value + "' is not a number");
    }
  }

  private static String check(Key k, String value) {
    String v = value.trim();
    try {
      switch (k.kind()) {
        case POSITIVE: {
          double d = Double.parseDouble(v);
          if (!(d > 0) || Double.isInfinite(d)) {
            throw bad(k, v, "a number > 0");
          }
          return v;
        }
        case NON_NEGATIVE: {
          double d = Double.parseDouble(v);
          if (!(d >= 0) || Double.isInfinite(d)) {
            throw bad(k, v, "a number >= 0");
          }
          return v;
        }
        case FRACTION: {
          double d = Double.parseDouble(v);
          if (!(d >= 0 && d < 1)) {
            throw bad(k, v, "a number in [0, 1)");
          }
          return v;
        }
        case COUNT:
          if (Long.parseLong(v) < 1) {
            throw bad(k, v, "a whole number >= 1");
          }
          return v;
        case NON_NEGATIVE_COUNT:
          if (Long.parseLong(v) < 0) {
            throw bad(k, v, "a whole number >= 0");
          }
          return v;
        case INTEGER:
          Long.parseLong(v);
          return v;
        case CHOICE: {
          String c = v.toLowerCase(Locale.ROOT);
          if (!k.choices().contains(c)) {
            throw bad(k, v, "one of " + String.join(", ", k.choices()));
          }
          return c;
        }
        case PATH:
          if (v.isEmpty()) {
            throw bad(k, v, "a file or folder path");
          }
          return v;
        default:
          return v;
      }
    } catch (NumberFormatException e) {
      throw bad(k, v, k.kind() == Kind.COUNT || k.kind() == Kind.NON_NEGATIVE_COUNT
          || k.kind() == Kind.INTEGER ? "a whole number" : "a number");
    }
  }

  private static ModelHubException bad(Key k, String v, String expected) {
    return new ModelHubException(k.name() + " '" + v + "' must be " + expected);
  }

  /**
   * The values {@code auto} stands for when varying {@code setting} (docs/evaluate.md).
   *
   * @throws ModelHubException when the setting has no default grid
   */
  public static List<String> autoValues(Setting setting) {
    List<String> auto = setting.isLayerSetting() ? LAYER_AUTO.get(setting.key())
        : KEYS.get(setting.key()).auto();
    if (auto == null || auto.isEmpty()) {
      throw new ModelHubException(setting.label() + " has no default grid: 'auto' works for "
          + autoKeys() + "; list the values instead");
    }
    return auto;
  }

  private static String autoKeys() {
    List<String> names = new ArrayList<>();
    KEYS.values().stream().filter(k -> !k.auto().isEmpty()).forEach(k -> names.add(k.name()));
    LAYER_KEYS.forEach(k -> names.add("m[...]." + k));
    return String.join(", ", names);
  }

  /** A value as set, or its default (null for keys without one). */
  public String get(String key) {
    checkConfigKey(key);
    String v = values.get(key);
    return v != null ? v : KEYS.get(key).defaultValue();
  }

  /** Whether the key was set (by the file or a grid point) rather than defaulted. */
  public boolean isSet(String key) {
    return values.containsKey(key);
  }

  public double number(String key) {
    return Double.parseDouble(get(key));
  }

  public long count(String key) {
    return Long.parseLong(get(key));
  }

  public int intValue(String key) {
    long n = count(key);
    if (n > Integer.MAX_VALUE) {
      throw new ModelHubException(key + " " + n + " is too large");
    }
    return (int) n;
  }

  /** The settings given explicitly, in order. */
  public Map<String, String> values() {
    return values;
  }

  /** Per-layer settings in order; for a layer, the last one that matches it wins. */
  public List<LayerSetting> layerSettings() {
    return layers;
  }

  /**
   * The learning rate of a layer: {@code base_lr} unless a per-layer setting matches it (the
   * last matching {@code lr} or {@code lr_mult} wins).
   */
  public double learningRate(String layerName) {
    double lr = number(BASE_LR);
    for (LayerSetting s : layers) {
      if (LayerPattern.compile(s.pattern()).matches(layerName)) {
        double v = Double.parseDouble(s.value());
        lr = s.key().equals(LR) ? v : number(BASE_LR) * v;
      }
    }
    return lr;
  }

  /**
   * Every key that has a value (set or default) and the per-layer settings, as a version's
   * hyperparameters record them.
   */
  public Map<String, String> effective() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : KEYS.keySet()) {
      String v = get(k);
      if (v != null) {
        m.put(k, v);
      }
    }
    for (LayerSetting s : layers) {
      m.put(s.label(), s.value());
    }
    return m;
  }

  @Override public boolean equals(Object o) {
    return o instanceof TrainingConfig && ((TrainingConfig) o).values.equals(values)
        && ((TrainingConfig) o).layers.equals(layers);
  }

  @Override public int hashCode() {
    return values.hashCode() * 31 + layers.hashCode();
  }

  @Override public String toString() {
    return effective().toString();
  }
}
