package org.modelhub.store.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.model.LayerTypes;

/**
 * Maps ONNX operators onto the shared layer vocabulary (docs/formats.md): the layer type, the
 * normalised attributes, and the names of weight parameters by operator input slot.
 */
final class OnnxOperators {
  /** What the operator mapping needs to know about the tensors of a graph. */
  interface Facts {
    /** Whether the tensor is a constant (an initializer or computed from constants only). */
    boolean isConstant(String tensor);

    /** The tensor's shape when the file fixes it, else null. */
    long[] shape(String tensor);

    /** The values of a small constant numeric tensor, else null. */
    double[] values(String tensor);
  }

  private OnnxOperators() {
  }

  /** Whether the operator belongs to the standard ONNX operator set. */
  static boolean isStandard(NodeProto node) {
    return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
  }

  static String layerType(NodeProto node, Facts facts) {
    String op = node.getOpType();
    if (!isStandard(node)) {
      return op.toUpperCase(Locale.ROOT);
    }
    switch (op) {
      case "Conv": return LayerTypes.CONV;
      case "ConvTranspose": return LayerTypes.DECONV;
      case "MaxPool": case "AveragePool": case "GlobalMaxPool": case "GlobalAveragePool":
        return LayerTypes.POOL;
      case "Gemm":
        return node.getInputCount() > 1 && facts.isConstant(node.getInput(1))
            ? LayerTypes.FC : "GEMM";
      case "MatMul":
        if (node.getInputCount() > 1 && facts.isConstant(node.getInput(1))) {
          long[] w = facts.shape(node.getInput(1));
          if (w == null || w.length == 2) {
            return LayerTypes.FC;
          }
        }
        return "MATMUL";
      case "Relu": return LayerTypes.RELU;
      case "PRelu": return LayerTypes.PRELU;
      case "Sigmoid": return LayerTypes.SIGMOID;
      case "Tanh": return LayerTypes.TANH;
      case "LRN": return LayerTypes.LRN;
      case "Dropout": return LayerTypes.DROPOUT;
      case "BatchNormalization": return LayerTypes.BATCHNORM;
      case "Softmax": return LayerTypes.SOFTMAX;
      case "Concat": return LayerTypes.CONCAT;
      case "Add": case "Sum": case "Mul": case "Sub": case "Div": case "Max": case "Min":
        return LayerTypes.ELTWISE;
      case "Flatten": return LayerTypes.FLATTEN;
      case "Reshape": return LayerTypes.RESHAPE;
      case "Upsample": return LayerTypes.UPSAMPLE;
      case "Constant": return LayerTypes.CONSTANT;
      default: return op.toUpperCase(Locale.ROOT);
    }
  }

  /**
   * The parameter name of an initializer in input {@code slot} (docs/formats.md), or null when
   * the initializer's own name is used.
   */
  static String slotName(NodeProto node, int slot) {
    if (!isStandard(node)) {
      return null;
    }
    switch (node.getOpType()) {
      case "Conv": case "ConvTranspose": case "Gemm":
        return slot == 1 ? "W" : slot == 2 ? "b" : null;
      case "MatMul":
        return slot == 1 ? "W" : null;
      case "BatchNormalization":
        return slot >= 1 && slot <= 4 ? List.of("scale", "B", "mean", "var").get(slot - 1) : null;
      default:
        return null;
    }
  }

  /** The normalised attributes of a node already mapped to {@code type}. */
  static Map<String, Object> normalise(NodeProto node, String type, Facts facts) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!isStandard(node)) {
      return m;
    }
    String op = node.getOpType();
    switch (type) {
      case LayerTypes.CONV: case LayerTypes.DECONV:
        convolution(node, type, facts, m);
        break;
      case LayerTypes.POOL:
        m.put("method", op.contains("Max") ? LayerTypes.MAX : LayerTypes.AVG);
        boolean global = op.startsWith("Global");
        if (!global) {
          putInts(m, "kernel", node, "kernel_shape");
          putInts(m, "stride", node, "strides");
          putPad(m, node);
        }
        m.put("global", global);
        break;
      case LayerTypes.FC:
        fullyConnected(node, facts, m);
        break;
      case LayerTypes.LRN:
        putInt(m, "size", node, "size");
        putFloat(m, "alpha", node, "alpha");
        putFloat(m, "beta", node, "beta");
        putFloat(m, "k", node, "bias");
        // ONNX's LRN always normalises across channels.
        m.put("region", "ACROSS_CHANNELS");
        break;
      case LayerTypes.DROPOUT:
        putFloat(m, "ratio", node, "ratio");
        if (!m.containsKey("ratio") && node.getInputCount() > 1) {
          double[] ratio = facts.values(node.getInput(1));
          if (ratio != null && ratio.length == 1) {
            m.put("ratio", ratio[0]);
          }
        }
        break;
      case LayerTypes.BATCHNORM:
        putFloat(m, "eps", node, "epsilon");
        putFloat(m, "momentum", node, "momentum");
        break;
      case LayerTypes.SOFTMAX: case LayerTypes.CONCAT: case LayerTypes.FLATTEN:
        putInt(m, "axis", node, "axis");
        break;
      case LayerTypes.ELTWISE:
        m.put("op", eltwiseOp(op));
        break;
      case LayerTypes.RESHAPE:
        putInts(m, "shape", node, "shape");
        if (!m.containsKey("shape") && node.getInputCount() > 1) {
          double[] shape = facts.values(node.getInput(1));
          if (shape != null) {
            List<Long> dims = new ArrayList<>();
            for (double d : shape) {
              dims.add((long) d);
            }
            m.put("shape", dims);
          }
        }
        break;
      default:
        break;
    }
    return m;
  }

  private static String eltwiseOp(String op) {
    switch (op) {
      case "Add": case "Sum": return "SUM";
      case "Mul": return "PROD";
      case "Sub": return "SUB";
      case "Div": return "DIV";
      case "Max": return "MAX";
      default: return "MIN";
    }
  }

  private static void convolution(NodeProto node, String type, Facts facts,
      Map<String, Object> m) {
    long[] w = node.getInputCount() > 1 ? facts.shape(node.getInput(1)) : null;
    AttributeProto group = attribute(node, "group");
    long groups = group != null && group.hasI() ? group.getI() : 1;
    if (w != null && w.length >= 3) {
      m.put("filters", type.equals(LayerTypes.CONV) ? w[0] : w[1] * groups);
    }
    putInts(m, "kernel", node, "kernel_shape");
    if (!m.containsKey("kernel") && w != null && w.length >= 3) {
      List<Long> kernel = new ArrayList<>();
      for (long d : Arrays.copyOfRange(w, 2, w.length)) {
        kernel.add(d);
      }
      m.put("kernel", kernel);
    }
    putInts(m, "stride", node, "strides");
    putPad(m, node);
    putInts(m, "dilation", node, "dilations");
    putInt(m, "group", node, "group");
    m.put("bias", node.getInputCount() > 2 && !node.getInput(2).isEmpty());
  }

  private static void fullyConnected(NodeProto node, Facts facts, Map<String, Object> m) {
    long[] w = facts.shape(node.getInput(1));
    if (node.getOpType().equals("Gemm")) {
      AttributeProto transB = attribute(node, "transB");
      boolean transposed = transB != null && transB.getI() != 0;
      if (w != null && w.length == 2) {
        m.put("units", transposed ? w[0] : w[1]);
      }
      m.put("bias", node.getInputCount() > 2 && !node.getInput(2).isEmpty());
    } else {
      if (w != null && w.length == 2) {
        m.put("units", w[1]);
      }
      m.put("bias", false);
    }
  }

  /** {@code pad}: [h, w] when both sides agree, else the ONNX begin/end list, or same/valid. */
  private static void putPad(Map<String, Object> m, NodeProto node) {
    AttributeProto auto = attribute(node, "auto_pad");
    String mode = auto == null ? "NOTSET" : auto.getS().toStringUtf8();
    if (mode.startsWith("SAME")) {
      m.put("pad", "same");
      return;
    }
    if (mode.equals("VALID")) {
      m.put("pad", "valid");
      return;
    }
    AttributeProto pads = attribute(node, "pads");
    if (pads == null || pads.getIntsCount() == 0) {
      return;
    }
    List<Long> all = pads.getIntsList();
    int k = all.size() / 2;
    if (all.size() % 2 == 0 && all.subList(0, k).equals(all.subList(k, all.size()))) {
      m.put("pad", new ArrayList<>(all.subList(0, k)));
    } else {
      m.put("pad", new ArrayList<>(all));
    }
  }

  static AttributeProto attribute(NodeProto node, String name) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  private static void putInts(Map<String, Object> m, String key, NodeProto node, String name) {
    AttributeProto a = attribute(node, name);
    if (a != null && a.getIntsCount() > 0) {
      m.put(key, new ArrayList<>(a.getIntsList()));
    }
  }

  private static void putInt(Map<String, Object> m, String key, NodeProto node, String name) {
    AttributeProto a = attribute(node, name);
    if (a != null && a.hasI()) {
      m.put(key, a.getI());
    }
  }

  private static void putFloat(Map<String, Object> m, String key, NodeProto node,
      String name) {
    AttributeProto a = attribute(node, name);
    if (a != null && a.hasF()) {
      m.put(key, OnnxAttributes.jsonFloat(a.getF()));
    }
  }
}
