package org.modelhub.store.format.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.ModelContent;

/**
 * Writes a network and its weights as an ONNX model, {@code model.onnx} (plus the external data
 * files the model names, if any).
 *
 * <p>A network imported from ONNX is written back from what {@link OnnxImporter} kept: the
 * file without nodes and weights (network {@code attrs.onnx.model}), each layer's node
 * ({@code attrs.onnx}) and the tensors, so an unchanged network gives the same
 * {@code ModelProto}, byte for byte when the source was written canonically. Layers without an
 * ONNX node (from another format, or inserted by DQL) are built from their vocabulary type and
 * normalised attributes: Conv, ConvTranspose, MaxPool/AveragePool and their global forms, Gemm
 * (with a Flatten when its input is not 2-D), Relu, Sigmoid, Tanh, PRelu, LRN, Dropout,
 * BatchNormalization, Mul/Add for SCALE, Softmax, Concat, Sum/Mul/Sub/Div/Max/Min, Flatten,
 * Reshape, Constant and fused activations. Any other type is an error naming the layer.
 */
public final class OnnxExporter implements ModelExporter {
  @Override public String format() {
    return "onnx";
  }

  @Override public List<Path> write(ModelContent content, Path dir) throws IOException {
    return new OnnxGraphWriter(content, dir).write();
  }
}
