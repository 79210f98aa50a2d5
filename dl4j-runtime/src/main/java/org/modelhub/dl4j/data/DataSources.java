package org.modelhub.dl4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.runtime.TrainingConfig;

/**
 * Finds and reads the data a config names: an IDX images file (its labels file beside it), a
 * folder holding one IDX pair or one CSV file, or a CSV file; then splits it into training and
 * test examples and normalises both with statistics of the training part.
 */
public final class DataSources {
  private DataSources() {
  }

  /**
   * Reads every example of {@code path} (up to the config's {@code examples}, if set).
   *
   * @throws ModelHubException naming the path when it is missing or of no known kind;
   *     {@link FormatException} naming the place in a malformed file
   */
  public static LabeledData read(Path path, TrainingConfig config) {
    int limit = config.intValue(TrainingConfig.EXAMPLES);
    String label = config.get(TrainingConfig.LABEL_COLUMN);
    try {
      Path p = path.toAbsolutePath().normalize();
      if (!Files.exists(p)) {
        throw new ModelHubException("data " + p + " does not exist");
      }
      if (Files.isDirectory(p)) {
        return read(pick(p), config);
      }
      String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
      if (IdxReader.looksLikeIdx(p)) {
        Path partner = IdxReader.partner(p);
        if (partner == null) {
          throw new ModelHubException("IDX file " + p + " needs its "
              + (IdxReader.isLabelsName(p) ? "images" : "labels") + " file beside it, named"
              + " alike (t10k-images-idx3-ubyte.gz with t10k-labels-idx1-ubyte.gz)");
        }
        return IdxReader.isLabelsName(p) ? IdxReader.read(partner, p, limit)
            : IdxReader.read(p, partner, limit);
      }
      if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) {
        return CsvReader.read(p, label, limit);
      }
      throw new ModelHubException("data " + p + " is neither an IDX file (MNIST format) nor"
          + " a CSV file (.csv, .tsv, .txt)");
    } catch (IOException e) {
      throw new ModelHubException("cannot read data " + path + ": " + e.getMessage(), e);
    }
  }

  /** The data file of a folder: its one IDX images file, else its one CSV file. */
  private static Path pick(Path dir) throws IOException {
    List<Path> images = new ArrayList<>();
    List<Path> csv = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path f : s) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isRegularFile(f) && n.contains("idx") && !IdxReader.isLabelsName(f)) {
          images.add(f);
        } else if (Files.isRegularFile(f) && (n.endsWith(".csv") || n.endsWith(".tsv"))) {
          csv.add(f);
        }
      }
    }
    List<Path> found = !images.isEmpty() ? images : csv;
    if (found.size() == 1) {
      return found.get(0);
    }
    found.sort(null);
    throw new ModelHubException("data folder " + dir + (found.isEmpty()
        ? " holds no IDX images file and no CSV file"
        : " holds several data files (" + names(found) + "): name one"));
  }

  private static String names(List<Path> files) {
    List<String> n = new ArrayList<>();
    files.forEach(f -> n.add(f.getFileName().toString()));
    return String.join(", ", n);
  }

  /** Hex sha256 of a file's bytes. */
  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Hashing.sha256Hex(in);
    }
  }

  /**
   * Training and test examples for a config: {@code test_data} when set, else a seeded
   * random {@code test_fraction} of {@code input_data}; both normalised as {@code normalize}
   * says, with statistics of the training examples.
   */
  public static DataSplit split(TrainingConfig config) {
    String input = config.get(TrainingConfig.INPUT_DATA);
    if (input == null) {
      throw new ModelHubException("no training data: set input_data in the config file or"
          + " vary config.input_data");
    }
    LabeledData all = read(Path.of(input), config);
    LabeledData train;
    LabeledData test;
    String testPath = config.get(TrainingConfig.TEST_DATA);
    if (testPath != null) {
      train = all;
      test = read(Path.of(testPath), config);
    } else {
      int[] order = shuffled(all.size(), new Random(config.count(TrainingConfig.SEED)));
      int nTest = (int) Math.round(all.size() * config.number(TrainingConfig.TEST_FRACTION));
      train = all.subset(java.util.Arrays.copyOfRange(order, nTest, order.length));
      test = all.subset(java.util.Arrays.copyOfRange(order, 0, nTest));
    }
    if (train.size() == 0) {
      throw new ModelHubException("no training examples left in " + input + " ("
          + all.size() + " examples, test_fraction " + config.get(TrainingConfig.TEST_FRACTION)
          + ")");
    }
    Normalizer n = normalizer(config, train);
    return new DataSplit(train.normalized(n), test.normalized(n), n.spec());
  }

  /** Test examples alone: normalised as {@code normalize} says, with their own statistics. */
  public static LabeledData testOnly(Path path, TrainingConfig config) {
    LabeledData all = read(path, config);
    return all.normalized(normalizer(config, all));
  }

  /**
   * Test examples alone, normalised as a trained version records it (its
   * {@code normalization} hyperparameter, written by an evaluate run).
   *
   * @throws ModelHubException when the recorded normalisation does not fit the data
   */
  public static LabeledData testOnly(Path path, TrainingConfig config, String normalization) {
    LabeledData all = read(path, config);
    Normalizer n;
    try {
      n = Normalizer.parse(normalization);
    } catch (IllegalArgumentException e) {
      throw new ModelHubException("the version's normalization hyperparameter cannot be read: "
          + e.getMessage());
    }
    if (!n.fits(all.featureCount())) {
      throw new ModelHubException("the version was trained on examples of another size than"
          + " the " + all.featureCount() + " features of " + path);
    }
    return all.normalized(n);
  }

  private static Normalizer normalizer(TrainingConfig config, LabeledData train) {
    String how = config.get(TrainingConfig.NORMALIZE);
    boolean images = train.exampleShape().length == 3;
    switch (how) {
      case "none":
        return Normalizer.none();
      case "standardize":
        return Normalizer.standardize(train);
      case "minmax":
        return images ? Normalizer.scale(255f) : Normalizer.minMax(train);
      default:
        // auto: pixels to [0, 1], table columns to mean 0 and deviation 1
        return images ? Normalizer.scale(255f) : Normalizer.standardize(train);
    }
  }

  static int[] shuffled(int n, Random r) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
