package org.modelhub.store.format.safetensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.NetworkJson;

/**
 * Exports any model as {@code network.json} (the neutral network) and
 * {@code model.safetensors}; every network and dtype can be written this way.
 */
public final class SafetensorsExporter implements ModelExporter {
  public static final String NETWORK_FILE = "network.json";
  public static final String WEIGHTS_FILE = "model.safetensors";

  @Override public String format() {
    return "safetensors";
  }

  @Override public List<Path> write(ModelContent content, Path dir) throws IOException {
    Path net = dir.resolve(NETWORK_FILE);
    Files.writeString(net, NetworkJson.toJson(content.network(), true) + "\n",
        StandardCharsets.UTF_8);
    Path weights = dir.resolve(WEIGHTS_FILE);
    SafetensorsFile.write(weights, content.tensors(),
        Map.of("format", "modelhub", "network", NETWORK_FILE));
    return List.of(net, weights);
  }
}
