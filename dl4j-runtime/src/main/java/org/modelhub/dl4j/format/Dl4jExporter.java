package org.modelhub.dl4j.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;

/**
 * Exports a network imported from DL4J as a ModelSerializer zip ({@code model.zip}): rebuilds
 * the DL4J network from the configuration its {@code dl4j} attribute keeps, sets every
 * parameter from its tensor and writes the zip without updater state.
 */
public final class Dl4jExporter implements ModelExporter {
  /** The file a DL4J export writes. */
  public static final String FILE_NAME = "model.zip";

  @Override public String format() {
    return "dl4j";
  }

  @Override public List<Path> write(ModelContent content, Path dir) throws IOException {
    Network network = content.network();
    String json = Dl4jImporter.configurationOf(network);
    if (json == null) {
      throw new ModelHubException("network '" + network.name() + "' was not built by DL4J:"
          + " a DL4J export needs a DL4J-built network (one imported from a DL4J model zip or"
          + " configuration); a later runtime bridge will build DL4J graphs from any network");
    }
    Dl4jModel model;
    try {
      model = Dl4jConfig.parse(json).init(null);
    } catch (Dl4jInputException e) {
      throw new ModelHubException("network '" + network.name() + "': its DL4J configuration"
          + " cannot be used: " + e.getMessage(), e);
    }
    requireSameLayers(network, model.layers());
    model.setParams(content.tensors());
    Path zip = dir.resolve(FILE_NAME);
    model.write(zip);
    return List.of(zip);
  }

  /**
   * Refuses a network edited after import (a slice, an inserted layer): its DL4J
   * configuration would no longer describe it, and the export would silently undo the edit.
   */
  private static void requireSameLayers(Network network, List<Layer> fromConfig) {
    List<Layer> layers = network.layers();
    for (int i = 0; i < Math.max(layers.size(), fromConfig.size()); i++) {
      Layer have = i < layers.size() ? layers.get(i) : null;
      Layer want = i < fromConfig.size() ? fromConfig.get(i) : null;
      if (have != null && want != null && text(have).equals(text(want))) {
        continue;
      }
      String what = have == null
          ? "lacks layer '" + want.name() + "' (" + want.type() + ") of its DL4J configuration"
          : want == null
              ? "has layer '" + have.name() + "' (" + have.type() + ") that its DL4J"
                  + " configuration does not"
              : "has layer '" + have.name() + "' (" + have.type() + ") where its DL4J"
                  + " configuration has '" + want.name() + "' (" + want.type() + ")"
                  + (have.name().equals(want.name()) ? " with other attributes or inputs" : "");
      throw new ModelHubException("network '" + network.name() + "' " + what + ": it was"
          + " changed since it was imported from DL4J, and a DL4J export needs a DL4J-built"
          + " network; a later runtime bridge will build DL4J graphs from any network");
    }
  }

  /** Compared as JSON text: attributes read back from storage may hold other number types. */
  private static String text(Layer layer) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", layer.name());
    m.put("type", layer.type());
    m.put("inputs", layer.inputs());
    m.put("attrs", layer.attrs());
    return NetworkJson.attrsToJson(m);
  }
}
