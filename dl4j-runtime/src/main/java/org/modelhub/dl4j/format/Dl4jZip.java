package org.modelhub.dl4j.format;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.modelhub.store.format.FormatException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two entries of a DL4J ModelSerializer zip that make a model: the configuration JSON and
 * the flat parameter vector. Read one entry at a time, as ModelSerializer's restore does, so
 * that an error names its entry and the updater state is never loaded.
 */
final class Dl4jZip {
  static final String CONFIGURATION = "configuration.json";
  static final String COEFFICIENTS = "coefficients.bin";
  /** ModelSerializer's marker for a network without parameters. */
  static final String NO_PARAMS = "noParams.marker";

  private final Dl4jConfig config;
  private final INDArray params;

  private Dl4jZip(Dl4jConfig config, INDArray params) {
    this.config = requireNonNull(config, "config");
    this.params = params;
  }

  Dl4jConfig config() {
    return config;
  }

  /** The flat parameter vector, or null for a network without parameters. */
  INDArray params() {
    return params;
  }

  /** Whether a zip holds a DL4J model; one too damaged to list is judged by its first entry. */
  static boolean isModelZip(Path file) {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      return zip.getEntry(CONFIGURATION) != null || zip.getEntry(COEFFICIENTS) != null;
    } catch (IOException e) {
      // no central directory (a truncated download): ModelSerializer writes its entries first
      try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file))) {
        ZipEntry first = in.getNextEntry();
        return first != null
            && (CONFIGURATION.equals(first.getName()) || COEFFICIENTS.equals(first.getName()));
      } catch (IOException | RuntimeException e2) {
        return false;
      }
    }
  }

  /**
   * Reads configuration and parameters, and checks that their sizes agree.
   *
   * @throws FormatException naming the zip, the entry and what was wrong
   */
  static Dl4jZip read(Path file) throws IOException {
    try (ZipFile zip = open(file)) {
      ZipEntry confEntry = zip.getEntry(CONFIGURATION);
      if (confEntry == null) {
        throw new FormatException(file, null, "not a DL4J model zip: it has no entry "
            + CONFIGURATION + " (entries: " + entryNames(zip) + ")");
      }
      String json;
      try (InputStream in = zip.getInputStream(confEntry)) {
        json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new FormatException(file, "entry " + CONFIGURATION,
            "cannot be read: " + Dl4jInputException.rootMessage(e), e);
      }
      Dl4jConfig config;
      try {
        config = Dl4jConfig.parse(json);
      } catch (Dl4jInputException e) {
        throw e.in(file, "entry " + CONFIGURATION);
      }
      long expected;
      try {
        expected = config.numParams();
      } catch (Dl4jInputException e) {
        throw e.in(file, "entry " + CONFIGURATION);
      }
      ZipEntry coefEntry = zip.getEntry(COEFFICIENTS);
      if (coefEntry == null || coefEntry.getSize() == 0) {
        if (expected == 0 && (coefEntry == null || zip.getEntry(NO_PARAMS) != null)) {
          return new Dl4jZip(config, null);
        }
        throw new FormatException(file, null, coefEntry == null
            ? "not a DL4J model zip: it has no entry " + COEFFICIENTS + " for the "
                + expected + " parameters its configuration needs"
            : "entry " + COEFFICIENTS + " is empty but the configuration needs " + expected
                + " parameters");
      }
      INDArray params;
      try (InputStream in = zip.getInputStream(coefEntry)) {
        // the central directory knows the size; an entry of unknown size is bounded by reading
        long size = coefEntry.getSize() >= 0 ? coefEntry.getSize() : Long.MAX_VALUE;
        params = Nd4jArrays.read(in, size);
      } catch (Dl4jInputException e) {
        throw e.in(file, "entry " + COEFFICIENTS);
      }
      if (params.length() != expected) {
        throw new FormatException(file, "entry " + COEFFICIENTS, String.format(Locale.ROOT,
            "the parameter vector has %d values but the configuration needs %d",
            params.length(), expected));
      }
      return new Dl4jZip(config, params);
    }
  }

  private static ZipFile open(Path file) throws IOException {
    try {
      return new ZipFile(file.toFile());
    } catch (ZipException e) {
      long size = Files.size(file);
      throw new FormatException(file, "byte " + size + " (end of file)", "not a readable zip"
          + " archive, truncated or damaged: " + e.getMessage(), e);
    }
  }

  private static String entryNames(ZipFile zip) {
    List<String> names = new ArrayList<>();
    Enumeration<? extends ZipEntry> en = zip.entries();
    while (en.hasMoreElements() && names.size() < 10) {
      names.add(en.nextElement().getName());
    }
    return names.isEmpty() ? "none" : String.join(", ", names);
  }
}
