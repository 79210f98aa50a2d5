package org.modelhub.store.format.caffe;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;

/**
 * A parsed Caffe file: the net-level fields, the layers (legacy ones upgraded, blobs taken
 * out) and each layer's blobs.
 */
record CaffeNet(Path file, NetParameter header, List<LayerParameter> layers,
    List<List<CaffeBlob>> blobs) {

  CaffeNet {
    requireNonNull(file, "file");
    requireNonNull(header, "header");
    layers = List.copyOf(layers);
    blobs = List.copyOf(blobs);
  }

  boolean hasBlobs() {
    return blobs.stream().anyMatch(b -> !b.isEmpty());
  }
}
