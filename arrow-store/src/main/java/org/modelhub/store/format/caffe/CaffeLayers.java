package org.modelhub.store.format.caffe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobShape;
import org.modelhub.store.format.caffe.proto.CaffeProto.ConvolutionParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.DummyDataParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LRNParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.MemoryDataParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.PoolingParameter;
import org.modelhub.store.model.LayerTypes;

/**
 * Maps Caffe layer types onto the shared vocabulary (docs/formats.md): the type, the
 * normalised attributes and the names of a layer's blobs.
 */
final class CaffeLayers {
  /** Caffe types with a vocabulary equivalent; any other keeps its own name upper-cased. */
  private static final Map<String, String> TYPES = new HashMap<>();

  /** Loss layers and the {@code loss} attribute naming their function. */
  static final Map<String, String> LOSSES = new LinkedHashMap<>();

  private static final Pattern BLOB_N = Pattern.compile("blob(\\d+)");

  static {
    for (String t : List.of("Input", "Data", "ImageData", "HDF5Data", "MemoryData",
        "WindowData", "DummyData")) {
      TYPES.put(t, LayerTypes.INPUT);
    }
    TYPES.put("Convolution", LayerTypes.CONV);
    TYPES.put("Deconvolution", LayerTypes.DECONV);
    TYPES.put("Pooling", LayerTypes.POOL);
    TYPES.put("InnerProduct", LayerTypes.FC);
    TYPES.put("ReLU", LayerTypes.RELU);
    TYPES.put("PReLU", LayerTypes.PRELU);
    TYPES.put("Sigmoid", LayerTypes.SIGMOID);
    TYPES.put("TanH", LayerTypes.TANH);
    TYPES.put("LRN", LayerTypes.LRN);
    TYPES.put("Dropout", LayerTypes.DROPOUT);
    TYPES.put("BatchNorm", LayerTypes.BATCHNORM);
    TYPES.put("Scale", LayerTypes.SCALE);
    TYPES.put("Softmax", LayerTypes.SOFTMAX);
    TYPES.put("Concat", LayerTypes.CONCAT);
    TYPES.put("Eltwise", LayerTypes.ELTWISE);
    TYPES.put("Flatten", LayerTypes.FLATTEN);
    TYPES.put("Reshape", LayerTypes.RESHAPE);
    TYPES.put("Embed", LayerTypes.EMBEDDING);
    LOSSES.put("SoftmaxWithLoss", "SOFTMAX_CROSS_ENTROPY");
    LOSSES.put("SigmoidCrossEntropyLoss", "SIGMOID_CROSS_ENTROPY");
    LOSSES.put("EuclideanLoss", "EUCLIDEAN");
    LOSSES.put("HingeLoss", "HINGE");
    LOSSES.put("MultinomialLogisticLoss", "MULTINOMIAL_LOGISTIC");
    LOSSES.put("InfogainLoss", "INFOGAIN");
    LOSSES.put("ContrastiveLoss", "CONTRASTIVE");
    LOSSES.keySet().forEach(t -> TYPES.put(t, LayerTypes.LOSS));
  }

  private CaffeLayers() {
  }

  /** The vocabulary type of a Caffe layer type. */
  static String vocabularyType(String caffeType) {
    String t = TYPES.get(caffeType);
    if (t != null) {
      return t;
    }
    // Loss layers added by forks (FocalLoss...) are still losses.
    if (caffeType.endsWith("Loss")) {
      return LayerTypes.LOSS;
    }
    return LayerTypes.normalize(caffeType);
  }

  /** The normalised attributes of a layer (docs/formats.md), defaults applied. */
  static Map<String, Object> normalisedAttrs(LayerParameter lp) {
    Map<String, Object> a = new LinkedHashMap<>();
    String type = lp.getType();
    switch (vocabularyType(type)) {
      case LayerTypes.INPUT:
        inputShape(lp, a);
        break;
      case LayerTypes.CONV:
      case LayerTypes.DECONV:
        convolution(lp.getConvolutionParam(), a);
        break;
      case LayerTypes.POOL:
        pooling(lp.getPoolingParam(), a);
        break;
      case LayerTypes.FC:
        if (lp.getInnerProductParam().hasNumOutput()) {
          a.put("units", unsigned(lp.getInnerProductParam().getNumOutput()));
        }
        a.put("bias", lp.getInnerProductParam().getBiasTerm());
        break;
      case LayerTypes.EMBEDDING:
        if (lp.getEmbedParam().hasNumOutput()) {
          a.put("units", unsigned(lp.getEmbedParam().getNumOutput()));
        }
        a.put("bias", lp.getEmbedParam().getBiasTerm());
        break;
      case LayerTypes.LRN: {
        LRNParameter p = lp.getLrnParam();
        a.put("size", unsigned(p.getLocalSize()));
        a.put("alpha", CaffeJson.floatValue(p.getAlpha()));
        a.put("beta", CaffeJson.floatValue(p.getBeta()));
        a.put("k", CaffeJson.floatValue(p.getK()));
        a.put("region", p.getNormRegion().name());
        break;
      }
      case LayerTypes.DROPOUT:
        a.put("ratio", CaffeJson.floatValue(lp.getDropoutParam().getDropoutRatio()));
        break;
      case LayerTypes.BATCHNORM:
        a.put("eps", CaffeJson.floatValue(lp.getBatchNormParam().getEps()));
        a.put("momentum",
            CaffeJson.floatValue(lp.getBatchNormParam().getMovingAverageFraction()));
        break;
      case LayerTypes.SCALE:
        a.put("bias", lp.getScaleParam().getBiasTerm());
        break;
      case LayerTypes.SOFTMAX:
        a.put("axis", lp.getSoftmaxParam().getAxis());
        break;
      case LayerTypes.CONCAT:
        a.put("axis", lp.getConcatParam().hasAxis() || !lp.getConcatParam().hasConcatDim()
            ? lp.getConcatParam().getAxis()
            : unsigned(lp.getConcatParam().getConcatDim()));
        break;
      case LayerTypes.FLATTEN:
        a.put("axis", lp.getFlattenParam().getAxis());
        break;
      case LayerTypes.ELTWISE:
        a.put("op", lp.getEltwiseParam().getOperation().name());
        break;
      case LayerTypes.RESHAPE:
        if (lp.getReshapeParam().hasShape()) {
          a.put("shape", dims(lp.getReshapeParam().getShape()));
        }
        break;
      case LayerTypes.LOSS:
        a.put("loss", LOSSES.getOrDefault(type,
            type.replaceFirst("Loss$", "").toUpperCase(Locale.ROOT)));
        break;
      default:
        break;
    }
    return a;
  }

  /** Names of a layer's blobs as tensors name them ({@code W}, {@code b}, {@code blob2}). */
  static List<String> blobNames(LayerParameter lp, int count) {
    List<String> known = knownNames(lp);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(i < known.size() ? known.get(i) : "blob" + i);
    }
    return out;
  }

  /** The blob index a tensor's parameter name stands for, or -1. */
  static int blobIndex(LayerParameter lp, String param) {
    int i = knownNames(lp).indexOf(param);
    if (i >= 0) {
      return i;
    }
    Matcher m = BLOB_N.matcher(param);
    return m.matches() && m.group(1).length() < 6 ? Integer.parseInt(m.group(1)) : -1;
  }

  private static List<String> knownNames(LayerParameter lp) {
    switch (lp.getType()) {
      case "Convolution":
      case "Deconvolution":
      case "InnerProduct":
        return List.of("W", "b");
      case "BatchNorm":
        return List.of("mean", "variance", "scale_factor");
      case "Scale":
        // With two bottoms the scale comes from the second bottom: the only blob is the bias.
        return lp.getBottomCount() > 1 ? List.of("beta") : List.of("gamma", "beta");
      default:
        return List.of();
    }
  }

  private static void inputShape(LayerParameter lp, Map<String, Object> a) {
    switch (lp.getType()) {
      case "Input":
        if (lp.getInputParam().getShapeCount() > 0) {
          a.put("shape", dims(lp.getInputParam().getShape(0)));
        }
        break;
      case "DummyData": {
        DummyDataParameter p = lp.getDummyDataParam();
        if (p.getShapeCount() > 0) {
          a.put("shape", dims(p.getShape(0)));
        } else if (p.getNumCount() > 0 && p.getChannelsCount() > 0 && p.getHeightCount() > 0
            && p.getWidthCount() > 0) {
          a.put("shape", List.of(unsigned(p.getNum(0)), unsigned(p.getChannels(0)),
              unsigned(p.getHeight(0)), unsigned(p.getWidth(0))));
        }
        break;
      }
      case "MemoryData": {
        MemoryDataParameter p = lp.getMemoryDataParam();
        if (p.hasBatchSize() && p.hasChannels() && p.hasHeight() && p.hasWidth()) {
          a.put("shape", List.of(unsigned(p.getBatchSize()), unsigned(p.getChannels()),
              unsigned(p.getHeight()), unsigned(p.getWidth())));
        }
        break;
      }
      default:
        break;
    }
  }

  private static void convolution(ConvolutionParameter p, Map<String, Object> a) {
    if (p.hasNumOutput()) {
      a.put("filters", unsigned(p.getNumOutput()));
    }
    boolean hw = p.hasKernelH() || p.hasKernelW();
    int n = hw ? 2 : Math.max(2, p.getKernelSizeCount());
    if (hw) {
      a.put("kernel", List.of(unsigned(p.getKernelH()), unsigned(p.getKernelW())));
    } else if (p.getKernelSizeCount() > 0) {
      a.put("kernel", spread(p.getKernelSizeList(), n, 0));
    }
    a.put("stride", p.hasStrideH() || p.hasStrideW()
        ? List.of(unsigned(p.getStrideH()), unsigned(p.getStrideW()))
        : spread(p.getStrideList(), n, 1));
    a.put("pad", p.hasPadH() || p.hasPadW()
        ? List.of(unsigned(p.getPadH()), unsigned(p.getPadW()))
        : spread(p.getPadList(), n, 0));
    a.put("dilation", spread(p.getDilationList(), n, 1));
    a.put("group", unsigned(p.getGroup()));
    a.put("bias", p.getBiasTerm());
  }

  private static void pooling(PoolingParameter p, Map<String, Object> a) {
    a.put("method", p.getPool() == PoolingParameter.PoolMethod.AVE ? LayerTypes.AVG
        : p.getPool().name());
    a.put("global", p.getGlobalPooling());
    if (p.getGlobalPooling()) {
      return;
    }
    if (p.hasKernelH() || p.hasKernelW()) {
      a.put("kernel", List.of(unsigned(p.getKernelH()), unsigned(p.getKernelW())));
    } else if (p.hasKernelSize()) {
      a.put("kernel", List.of(unsigned(p.getKernelSize()), unsigned(p.getKernelSize())));
    }
    a.put("stride", p.hasStrideH() || p.hasStrideW()
        ? List.of(unsigned(p.getStrideH()), unsigned(p.getStrideW()))
        : List.of(unsigned(p.getStride()), unsigned(p.getStride())));
    a.put("pad", p.hasPadH() || p.hasPadW()
        ? List.of(unsigned(p.getPadH()), unsigned(p.getPadW()))
        : List.of(unsigned(p.getPad()), unsigned(p.getPad())));
  }

  /** A repeated Caffe size: none means the default, one value applies to every axis. */
  private static List<Number> spread(List<Integer> values, int n, int dflt) {
    List<Number> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int v = values.isEmpty() ? dflt : values.size() == 1 ? values.get(0)
          : i < values.size() ? values.get(i) : dflt;
      out.add(unsigned(v));
    }
    return out;
  }

  static List<Number> dims(BlobShape shape) {
    List<Number> out = new ArrayList<>(shape.getDimCount());
    shape.getDimList().forEach(d -> out.add(CaffeJson.integer(d)));
    return out;
  }

  static Number unsigned(int v) {
    return CaffeJson.integer(Integer.toUnsignedLong(v));
  }
}
