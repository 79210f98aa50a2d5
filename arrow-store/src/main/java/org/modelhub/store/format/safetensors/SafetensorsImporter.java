package org.modelhub.store.format.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/**
 * Imports safetensors weights with a neutral JSON network ({@code "format":
 * "modelhub-network"}). Tensor names must be {@code layer/param} with a layer of the network.
 * Several safetensors files (shards) may be staged together.
 */
public final class SafetensorsImporter implements ModelImporter {
  @Override public String format() {
    return "safetensors";
  }

  @Override public Optional<FileRole> recognize(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".safetensors")) {
      return Optional.of(FileRole.WEIGHTS);
    }
    if (name.endsWith(".json") && Files.isRegularFile(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        String head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        if (head.contains("\"" + NetworkJson.FORMAT + "\"")) {
          return Optional.of(FileRole.NETWORK);
        }
      }
    }
    return Optional.empty();
  }

  @Override public void check(Path file, FileRole role) throws IOException {
    if (role == FileRole.NETWORK) {
      readNetwork(file);
    } else {
      SafetensorsFile.read(file);
    }
  }

  @Override public ModelContent read(ImportInput input) throws IOException {
    Network network;
    if (input.networks().size() > 1) {
      throw new FormatException(input.networks().get(1), "",
          "only one network file can be staged per commit");
    } else if (input.networks().size() == 1) {
      network = readNetwork(input.networks().get(0));
    } else if (input.baseNetwork().isPresent()) {
      network = input.baseNetwork().get();
    } else {
      Path first = input.weights().isEmpty() ? Path.of("?") : input.weights().get(0);
      throw new FormatException(first, "", "safetensors weights need a network: stage a"
          + " modelhub network .json with them, or commit onto a parent version");
    }
    List<Tensor> tensors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Path file : input.weights()) {
      for (Tensor t : SafetensorsFile.read(file).tensors()) {
        String where = "tensor '" + t.name() + "'";
        if (!seen.add(t.name())) {
          throw new FormatException(file, where, "appears in more than one staged file");
        }
        if (!network.hasLayer(t.layer())) {
          throw new FormatException(file, where, "names layer '" + t.layer()
              + "', which network '" + network.name() + "' does not have"
              + " (tensor names are layer/param)");
        }
        tensors.add(t);
      }
    }
    return new ModelContent(network, tensors, Map.of(), List.of());
  }

  static Network readNetwork(Path file) throws IOException {
    JsonNode root;
    try {
      root = NetworkJson.MAPPER.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new FormatException(file, "line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr(), "malformed JSON: " + e.getOriginalMessage());
    }
    try {
      return NetworkJson.fromTree(root);
    } catch (IllegalArgumentException e) {
      throw new FormatException(file, "", e.getMessage());
    }
  }
}
