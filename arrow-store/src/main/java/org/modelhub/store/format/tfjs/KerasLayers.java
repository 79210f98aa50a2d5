package org.modelhub.store.format.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Tensor;

/**
 * Maps Keras layer classes onto the shared layer vocabulary with normalised attributes, and
 * back for the parameter-free layers an edit (DQL {@code construct}) may add without a Keras
 * configuration.
 */
final class KerasLayers {
  /** What a Keras layer becomes: a vocabulary type and its normalised attributes. */
  record Mapped(String type, Map<String, Object> attrs) { }

  private KerasLayers() {
  }

  /** Maps one Keras layer; classes with no equivalent keep their own name in upper case. */
  static Mapped map(String className, JsonNode config) {
    Map<String, Object> a = new LinkedHashMap<>();
    int rank = spatialRank(className);
    switch (className) {
      case "InputLayer":
        JsonNode shape = config.has("batch_input_shape")
            ? config.get("batch_input_shape") : config.path("batch_shape");
        putShape(a, "shape", shape);
        return new Mapped(LayerTypes.INPUT, a);
      case "Conv1D": case "Conv2D": case "Conv3D":
        putConv(a, config, rank);
        return new Mapped(LayerTypes.CONV, a);
      case "Conv1DTranspose": case "Conv2DTranspose": case "Conv3DTranspose":
        putConv(a, config, rank);
        return new Mapped(LayerTypes.DECONV, a);
      case "DepthwiseConv1D": case "DepthwiseConv2D":
      case "SeparableConv1D": case "SeparableConv2D":
        putConv(a, config, rank);
        return new Mapped(className.toUpperCase(Locale.ROOT), a);
      case "MaxPooling1D": case "MaxPooling2D": case "MaxPooling3D":
      case "MaxPool1D": case "MaxPool2D": case "MaxPool3D":
        putPool(a, config, rank, LayerTypes.MAX);
        return new Mapped(LayerTypes.POOL, a);
      case "AveragePooling1D": case "AveragePooling2D": case "AveragePooling3D":
      case "AvgPool1D": case "AvgPool2D": case "AvgPool3D":
        putPool(a, config, rank, LayerTypes.AVG);
        return new Mapped(LayerTypes.POOL, a);
      case "GlobalMaxPooling1D": case "GlobalMaxPooling2D": case "GlobalMaxPooling3D":
      case "GlobalMaxPool1D": case "GlobalMaxPool2D": case "GlobalMaxPool3D":
        a.put("method", LayerTypes.MAX);
        a.put("global", true);
        return new Mapped(LayerTypes.POOL, a);
      case "GlobalAveragePooling1D": case "GlobalAveragePooling2D":
      case "GlobalAveragePooling3D": case "GlobalAvgPool1D": case "GlobalAvgPool2D":
      case "GlobalAvgPool3D":
        a.put("method", LayerTypes.AVG);
        a.put("global", true);
        return new Mapped(LayerTypes.POOL, a);
      case "Dense":
        putInt(a, "units", config.get("units"));
        putBool(a, "bias", config.get("use_bias"));
        putActivation(a, config);
        return new Mapped(LayerTypes.FC, a);
      case "Activation":
        return activationLayer(config.get("activation"));
      case "ReLU":
        return new Mapped(LayerTypes.RELU, a);
      case "PReLU":
        return new Mapped(LayerTypes.PRELU, a);
      case "Softmax":
        putInt(a, "axis", config.get("axis"));
        return new Mapped(LayerTypes.SOFTMAX, a);
      case "Dropout": case "SpatialDropout1D": case "SpatialDropout2D": case "SpatialDropout3D":
        putNumber(a, "ratio", config.get("rate"));
        return new Mapped(LayerTypes.DROPOUT, a);
      case "BatchNormalization":
        putNumber(a, "eps", config.get("epsilon"));
        putNumber(a, "momentum", config.get("momentum"));
        return new Mapped(LayerTypes.BATCHNORM, a);
      case "Concatenate":
        putInt(a, "axis", config.get("axis"));
        return new Mapped(LayerTypes.CONCAT, a);
      case "Add":
        a.put("op", "SUM");
        return new Mapped(LayerTypes.ELTWISE, a);
      case "Multiply":
        a.put("op", "PROD");
        return new Mapped(LayerTypes.ELTWISE, a);
      case "Subtract":
        a.put("op", "SUB");
        return new Mapped(LayerTypes.ELTWISE, a);
      case "Maximum":
        a.put("op", "MAX");
        return new Mapped(LayerTypes.ELTWISE, a);
      case "Minimum":
        a.put("op", "MIN");
        return new Mapped(LayerTypes.ELTWISE, a);
      case "Flatten":
        return new Mapped(LayerTypes.FLATTEN, a);
      case "Reshape":
        putShape(a, "shape", config.path("target_shape"));
        return new Mapped(LayerTypes.RESHAPE, a);
      case "UpSampling1D": case "UpSampling2D": case "UpSampling3D":
        return new Mapped(LayerTypes.UPSAMPLE, a);
      case "Embedding":
        return new Mapped(LayerTypes.EMBEDDING, a);
      default:
        // Lambda, LSTM, nested models...: unseen networks still import, under their own name
        putActivation(a, config);
        return new Mapped(className.toUpperCase(Locale.ROOT), a);
    }
  }

  private static Mapped activationLayer(JsonNode activation) {
    String name = activationName(activation);
    Map<String, Object> a = new LinkedHashMap<>();
    switch (name) {
      case "relu": return new Mapped(LayerTypes.RELU, a);
      case "sigmoid": return new Mapped(LayerTypes.SIGMOID, a);
      case "tanh": return new Mapped(LayerTypes.TANH, a);
      case "softmax": return new Mapped(LayerTypes.SOFTMAX, a);
      default:
        a.put("activation", normalisedActivation(name));
        return new Mapped(LayerTypes.ACTIVATION, a);
    }
  }

  /** The activation's Keras name, lower case; Keras 3 may serialise it as an object. */
  private static String activationName(JsonNode activation) {
    if (activation == null || activation.isNull()) {
      return "linear";
    }
    if (activation.isObject()) {
      JsonNode inner = activation.path("config");
      return (inner.isTextual() ? inner.asText() : activation.path("class_name").asText("linear"))
          .toLowerCase(Locale.ROOT);
    }
    return activation.asText().toLowerCase(Locale.ROOT);
  }

  private static String normalisedActivation(String name) {
    return "linear".equals(name) ? "IDENTITY" : name.toUpperCase(Locale.ROOT);
  }

  private static void putActivation(Map<String, Object> a, JsonNode config) {
    String name = activationName(config.get("activation"));
    if (!"linear".equals(name)) {
      a.put("activation", normalisedActivation(name));
    }
  }

  private static void putConv(Map<String, Object> a, JsonNode config, int rank) {
    putInt(a, "filters", config.get("filters"));
    putDims(a, "kernel", config.get("kernel_size"), rank);
    putDims(a, "stride", config.get("strides"), rank);
    putPadding(a, config.get("padding"));
    putDims(a, "dilation", config.get("dilation_rate"), rank);
    putInt(a, "group", config.get("groups"));
    putBool(a, "bias", config.get("use_bias"));
    putActivation(a, config);
  }

  private static void putPool(Map<String, Object> a, JsonNode config, int rank, String method) {
    a.put("method", method);
    putDims(a, "kernel", config.get("pool_size"), rank);
    // Keras: strides default to the pool size, so say what the layer does
    JsonNode strides = config.get("strides");
    putDims(a, "stride", strides == null || strides.isNull() ? config.get("pool_size") : strides,
        rank);
    putPadding(a, config.get("padding"));
  }

  private static void putPadding(Map<String, Object> a, JsonNode padding) {
    if (padding != null && padding.isTextual()) {
      a.put("pad", padding.asText().toLowerCase(Locale.ROOT));
    }
  }

  private static void putInt(Map<String, Object> a, String key, JsonNode v) {
    if (v != null && v.isIntegralNumber() && v.canConvertToInt()) {
      a.put(key, v.intValue());
    }
  }

  private static void putNumber(Map<String, Object> a, String key, JsonNode v) {
    if (v != null && v.isNumber()) {
      a.put(key, v.isIntegralNumber() && v.canConvertToInt() ? (Object) v.intValue()
          : (Object) v.doubleValue());
    }
  }

  private static void putBool(Map<String, Object> a, String key, JsonNode v) {
    if (v != null && v.isBoolean()) {
      a.put(key, v.booleanValue());
    }
  }

  /** A list of ints, or one int that Keras repeats over the spatial dimensions. */
  private static void putDims(Map<String, Object> a, String key, JsonNode v, int rank) {
    if (v == null) {
      return;
    }
    List<Integer> dims = new ArrayList<>();
    if (v.isIntegralNumber() && v.canConvertToInt()) {
      for (int i = 0; i < rank; i++) {
        dims.add(v.intValue());
      }
    } else if (v.isArray()) {
      for (JsonNode d : v) {
        if (!d.isIntegralNumber() || !d.canConvertToInt()) {
          return;
        }
        dims.add(d.intValue());
      }
    } else {
      return;
    }
    a.put(key, dims);
  }

  /** A shape with {@code null} (unknown) dimensions written as -1. */
  private static void putShape(Map<String, Object> a, String key, JsonNode v) {
    if (!v.isArray()) {
      return;
    }
    List<Integer> dims = new ArrayList<>();
    for (JsonNode d : v) {
      if (d.isNull()) {
        dims.add(-1);
      } else if (d.isIntegralNumber() && d.canConvertToInt()) {
        dims.add(d.intValue());
      } else {
        return;
      }
    }
    a.put(key, dims);
  }

  private static int spatialRank(String className) {
    if (className.contains("1D")) {
      return 1;
    }
    return className.contains("3D") ? 3 : 2;
  }

  /**
   * Checks a weight's shape against the layer that owns it, for the layers whose kernel and
   * bias shapes the configuration fixes.
   *
   * @return what is wrong, or null when the shape fits or cannot be checked
   */
  static String checkWeightShape(String className, JsonNode config, String param,
      long[] shape) {
    boolean conv = className.matches("Conv[123]D");
    boolean deconv = className.matches("Conv[123]DTranspose");
    if (conv || deconv) {
      JsonNode filters = config.get("filters");
      JsonNode kernelSize = config.get("kernel_size");
      if (filters == null || !filters.isIntegralNumber() || kernelSize == null
          || !kernelSize.isArray()) {
        return null;
      }
      int n = kernelSize.size();
      if ("bias".equals(param)) {
        return shape.length == 1 && shape[0] == filters.longValue() ? null
            : "expected [" + filters.longValue() + "] for " + filters.longValue() + " filters";
      }
      if (!"kernel".equals(param)) {
        return null;
      }
      boolean fits = shape.length == n + 2;
      for (int i = 0; fits && i < n; i++) {
        fits = shape[i] == kernelSize.get(i).asLong();
      }
      // Keras kernels are [k..., in, out]; a transposed convolution swaps in and out
      fits = fits && shape[deconv ? n : n + 1] == filters.longValue();
      return fits ? null : "expected " + kernelSize + " followed by "
          + (deconv ? "[" + filters.longValue() + ",in]" : "[in," + filters.longValue() + "]")
          + " (kernel_size " + kernelSize + ", filters " + filters.longValue() + ")";
    }
    if ("Dense".equals(className)) {
      JsonNode units = config.get("units");
      if (units == null || !units.isIntegralNumber()) {
        return null;
      }
      if ("kernel".equals(param)) {
        return shape.length == 2 && shape[1] == units.longValue() ? null
            : "expected [in," + units.longValue() + "] for " + units.longValue() + " units";
      }
      if ("bias".equals(param)) {
        return shape.length == 1 && shape[0] == units.longValue() ? null
            : "expected [" + units.longValue() + "] for " + units.longValue() + " units";
      }
    }
    return null;
  }

  /**
   * A Keras layer object (class_name, config, name) for a parameter-free vocabulary layer
   * that carries no Keras configuration, or null when the type has no parameter-free
   * Keras equivalent.
   */
  static Map<String, Object> synthesize(Layer layer) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", layer.name());
    config.put("trainable", true);
    config.put("dtype", "float32");
    String className;
    switch (layer.type()) {
      case LayerTypes.INPUT:
        if (!(layer.attr("shape") instanceof List)) {
          return null;
        }
        className = "InputLayer";
        config.remove("trainable");
        List<Object> shape = new ArrayList<>();
        for (Object d : (List<?>) layer.attr("shape")) {
          shape.add(d instanceof Number && ((Number) d).longValue() < 0 ? null : d);
        }
        config.put("batch_input_shape", shape);
        config.put("sparse", false);
        break;
      case LayerTypes.RELU: case LayerTypes.SIGMOID: case LayerTypes.TANH:
        className = "Activation";
        config.put("activation", layer.type().toLowerCase(Locale.ROOT));
        break;
      case LayerTypes.SOFTMAX:
        className = "Softmax";
        config.put("axis", layer.attrs().getOrDefault("axis", -1));
        break;
      case LayerTypes.ACTIVATION:
        if (!(layer.attr("activation") instanceof String)) {
          return null;
        }
        className = "Activation";
        String act = ((String) layer.attr("activation")).toLowerCase(Locale.ROOT);
        config.put("activation", "identity".equals(act) ? "linear" : act);
        break;
      case LayerTypes.DROPOUT:
        className = "Dropout";
        config.put("rate", layer.attrs().getOrDefault("ratio", 0.5));
        break;
      case LayerTypes.FLATTEN:
        className = "Flatten";
        break;
      case LayerTypes.CONCAT:
        className = "Concatenate";
        config.put("axis", layer.attrs().getOrDefault("axis", -1));
        break;
      case LayerTypes.ELTWISE:
        className = eltwiseClass(layer.attr("op"));
        if (className == null) {
          return null;
        }
        break;
      case LayerTypes.POOL:
        className = poolClass(layer, config);
        if (className == null) {
          return null;
        }
        break;
      default:
        return null;
    }
    Map<String, Object> keras = new LinkedHashMap<>();
    keras.put("class_name", className);
    keras.put("config", config);
    keras.put("name", layer.name());
    return keras;
  }

  private static String eltwiseClass(Object op) {
    if (op == null) {
      return "Add";
    }
    switch (op.toString().toUpperCase(Locale.ROOT)) {
      case "SUM": return "Add";
      case "PROD": return "Multiply";
      case "SUB": return "Subtract";
      case "MAX": return "Maximum";
      case "MIN": return "Minimum";
      default: return null;
    }
  }

  private static String poolClass(Layer layer, Map<String, Object> config) {
    boolean max = LayerTypes.MAX.equals(layer.attr("method"));
    if (!max && !LayerTypes.AVG.equals(layer.attr("method"))) {
      return null;
    }
    if (Boolean.TRUE.equals(layer.attr("global"))) {
      return max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D";
    }
    Object kernel = layer.attr("kernel");
    Object pad = layer.attrs().getOrDefault("pad", "valid");
    if (!(kernel instanceof List) || !("same".equals(pad) || "valid".equals(pad))) {
      // numeric padding has no Keras pooling equivalent
      return null;
    }
    config.put("pool_size", kernel);
    config.put("strides", layer.attrs().getOrDefault("stride", kernel));
    config.put("padding", pad);
    config.put("data_format", "channels_last");
    return max ? "MaxPooling2D" : "AveragePooling2D";
  }

  /** Whether some tensor belongs to the layer (so a synthesized Keras layer would lose it). */
  static boolean hasWeights(Layer layer, List<Tensor> tensors) {
    for (Tensor t : tensors) {
      if (t.layer().equals(layer.name())) {
        return true;
      }
    }
    return false;
  }
}
