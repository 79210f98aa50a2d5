package org.modelhub.store.format.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.model.ModelContent;

/**
 * Reads ONNX models ({@code .onnx}, a binary {@code ModelProto}) into ModelHub's network and
 * weights.
 *
 * <p>Layers. Each graph input that is not an initializer becomes an {@code INPUT} layer (named
 * after the input, with its {@code shape}, -1 for symbolic dimensions). Each node becomes one
 * layer, in file order, named by the node's name or, when it has none,
 * {@code <op_type in lower case>_<node index>}, made unique with a {@code _k} suffix. The type
 * comes from docs/formats.md's vocabulary ({@code Conv} is {@code CONV}, {@code Gemm} with a
 * constant weight is {@code FC}, {@code Add} is {@code ELTWISE} with {@code op: SUM}...); other
 * operators keep their name in upper case. A layer's inputs are the layers producing its input
 * tensors, once each, in slot order; initializers are parameters, not edges.
 *
 * <p>Constants. {@code Constant} and {@code ConstantOfShape} nodes are layers like any other
 * ({@code CONSTANT}, {@code CONSTANTOFSHAPE}) and feed their consumers through edges: a layer
 * per node keeps the file's structure, and the node's own tensors (the {@code value}
 * attribute, the shape initializer) become its weights ({@code constant_6/value}). The
 * {@code light_*} models of the ONNX test suite, whose weights are {@code ConstantOfShape}
 * outputs, therefore import as their real architecture (conv, relu, LRN, pool, FC layers)
 * whose weight slots are fed by {@code CONSTANTOFSHAPE} layers; the normalised attributes
 * ({@code filters}, {@code units}) still come from the shapes those nodes produce.
 *
 * <p>Weights. An initializer becomes the tensor {@code <layer>/<param>} of its first consumer,
 * where {@code param} is the input slot's name ({@code W}, {@code b} for Conv, ConvTranspose
 * and Gemm, {@code W} for MatMul, {@code scale}, {@code B}, {@code mean}, {@code var} for
 * BatchNormalization) or else the initializer's name with '/' replaced; later consumers name
 * it in their tensor-level inputs only. Initializers no node reads become tensors of one
 * pseudo layer {@code initializers} (type {@code CONSTANT}, no node on export). Tensor
 * attributes become weights of their layer under the attribute's name. Values keep their
 * dtype and bytes, from raw_data, a typed field, or an external data file beside the model.
 * Tensors ModelHub cannot hold (strings, unsigned 16-64 bit, complex, 8/4/2-bit floats and
 * integers, segments, sparse initializers) stay whole in the network attributes instead.
 *
 * <p>Faithful export. {@code attrs.onnx} of a layer holds the node: {@code op_type},
 * {@code domain}, tensor-level {@code inputs} and {@code outputs}, {@code attributes} as
 * readable JSON, {@code params} (parameter name to initializer name), {@code doc_string}, and
 * in {@code extra} (base64) whatever else the node message had. The network's
 * {@code attrs.onnx} summarises the file ({@code ir_version}, {@code opset_import},
 * {@code producer_name}, inputs, outputs...) and keeps in {@code model} (base64) the
 * {@code ModelProto} without nodes and without the values of extracted initializers, from which
 * {@link OnnxExporter} rebuilds the file exactly.
 */
public final class OnnxImporter implements ModelImporter {
  @Override public String format() {
    return "onnx";
  }

  @Override public Optional<FileRole> recognize(Path file) {
    Path name = file.getFileName();
    return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
        ? Optional.of(FileRole.MODEL) : Optional.empty();
  }

  @Override public void check(Path file, FileRole role) throws IOException {
    read(file);
  }

  @Override public ModelContent read(ImportInput input) throws IOException {
    List<Path> files = new ArrayList<>(input.models());
    for (Path p : input.networks()) {
      if (recognize(p).isPresent()) {
        files.add(p);
      }
    }
    for (Path p : input.weights()) {
      if (recognize(p).isPresent()) {
        files.add(p);
      }
    }
    if (files.size() != 1) {
      throw new ModelHubException(files.isEmpty() ? "no .onnx model staged"
          : "one .onnx model per version, got " + files.size() + ": " + files);
    }
    return read(files.get(0));
  }

  /** Reads one model file. */
  public ModelContent read(Path file) throws IOException {
    if (Files.size(file) > Integer.MAX_VALUE - 8) {
      throw new FormatException(file, "", "larger than 2 GB, the most a protobuf message"
          + " holds; such models keep their weights in external data files");
    }
    return new OnnxGraphReader(file, parse(file, Files.readAllBytes(file))).read();
  }

  /**
   * Parses a {@code ModelProto}, reporting where parsing stopped. Byte strings alias
   * {@code bytes}, so raw weights are not copied.
   */
  static ModelProto parse(Path file, byte[] bytes) {
    if (bytes.length == 0) {
      throw new FormatException(file, "byte 0", "empty file, not an ONNX model");
    }
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.enableAliasing(true);
    ModelProto model;
    try {
      model = ModelProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new FormatException(file, "byte offset " + in.getTotalBytesRead(),
          describe(e, bytes.length, in.getTotalBytesRead()), e);
    } catch (IOException e) {
      throw new FormatException(file, "byte offset " + in.getTotalBytesRead(),
          "cannot parse: " + e.getMessage(), e);
    }
    if (!model.hasGraph()) {
      throw new FormatException(file, "ModelProto", "no graph (field 7): not an ONNX model"
          + " or a truncated one");
    }
    if (!model.hasIrVersion()) {
      throw new FormatException(file, "ModelProto", "no ir_version (field 1): not an ONNX"
          + " model");
    }
    return model;
  }

  private static String describe(InvalidProtocolBufferException e, int size, int offset) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (m.contains("truncated") || m.contains("ended unexpectedly")) {
      return "the file ends inside a field (" + size + " bytes): truncated?";
    }
    if (m.contains("invalid tag") || m.contains("wire type")) {
      return "invalid protobuf field tag: not an ONNX model, or corrupted";
    }
    if (m.contains("end-group")) {
      return "mismatched group tags: not an ONNX model, or corrupted";
    }
    if (m.contains("negative size")) {
      return "a field has a negative length: corrupted";
    }
    if (m.contains("malformed varint")) {
      return "malformed varint: corrupted";
    }
    if (m.contains("recursion")) {
      return "messages nested too deeply";
    }
    return "not a valid ModelProto at byte " + offset + ": " + e.getMessage();
  }
}
