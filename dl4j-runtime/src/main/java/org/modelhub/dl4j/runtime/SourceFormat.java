package org.modelhub.dl4j.runtime;

import java.util.Map;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.Network;

/**
 * The format a layer came from, which decides how its weights are laid out: Caffe and ONNX
 * keep convolution kernels {@code [out,in,h,w]} and dense weights {@code [out,in]}; Keras
 * (TF.js) keeps {@code [h,w,in,out]} and {@code [in,out]} and flattens images channels last;
 * DL4J keeps {@code [out,in,h,w]} and {@code [in,out]}. A layer of no format (a neutral
 * network, a layer a DQL construct inserted) follows its network's format, and the neutral
 * layout is Caffe's.
 */
enum SourceFormat {
  CAFFE, ONNX, KERAS, DL4J, NEUTRAL;

  /** Whether dense weights are stored {@code [in,out]} rather than {@code [out,in]}. */
  boolean denseInputsFirst() {
    return this == KERAS || this == DL4J;
  }

  /** Whether images are laid out (and flattened) channels last. */
  boolean channelsLast() {
    return this == KERAS;
  }

  /** The format of a network: the one most of its layers name, else the network's own. */
  static SourceFormat of(Network network) {
    int[] counts = new int[values().length];
    for (Layer l : network.layers()) {
      SourceFormat f = own(l.attrs());
      if (f != null) {
        counts[f.ordinal()]++;
      }
    }
    SourceFormat best = null;
    for (SourceFormat f : values()) {
      if (counts[f.ordinal()] > 0 && (best == null || counts[f.ordinal()] > counts[best.ordinal()])) {
        best = f;
      }
    }
    if (best != null) {
      return best;
    }
    SourceFormat net = own(network.attrs());
    return net != null ? net : NEUTRAL;
  }

  /** The format of one layer, or of its network when the layer names none. */
  static SourceFormat of(Layer layer, SourceFormat network) {
    SourceFormat f = own(layer.attrs());
    return f != null ? f : network;
  }

  private static SourceFormat own(Map<String, Object> attrs) {
    if (attrs.containsKey("caffe")) {
      return CAFFE;
    }
    if (attrs.containsKey("onnx")) {
      return ONNX;
    }
    if (attrs.containsKey("keras") || attrs.containsKey("tfjs")) {
      return KERAS;
    }
    if (attrs.containsKey("dl4j")) {
      return DL4J;
    }
    return null;
  }
}
