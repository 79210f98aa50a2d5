package org.modelhub.store.format.caffe;

import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.ParamSpec;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter.LayerType;

/**
 * Upgrades the legacy layer form ({@code layers {...}}, NetParameter field 2) to
 * LayerParameter the way Caffe's own upgrade does, so old networks map like new ones.
 */
final class CaffeV1 {
  private static final Map<LayerType, String> TYPES = new EnumMap<>(LayerType.class);

  static {
    String[][] names = {
        {"ABSVAL", "AbsVal"}, {"ACCURACY", "Accuracy"}, {"ARGMAX", "ArgMax"}, {"BNLL", "BNLL"},
        {"CONCAT", "Concat"}, {"CONTRASTIVE_LOSS", "ContrastiveLoss"},
        {"CONVOLUTION", "Convolution"}, {"DECONVOLUTION", "Deconvolution"}, {"DATA", "Data"},
        {"DROPOUT", "Dropout"}, {"DUMMY_DATA", "DummyData"},
        {"EUCLIDEAN_LOSS", "EuclideanLoss"}, {"ELTWISE", "Eltwise"}, {"EXP", "Exp"},
        {"FLATTEN", "Flatten"}, {"HDF5_DATA", "HDF5Data"}, {"HDF5_OUTPUT", "HDF5Output"},
        {"HINGE_LOSS", "HingeLoss"}, {"IM2COL", "Im2col"}, {"IMAGE_DATA", "ImageData"},
        {"INFOGAIN_LOSS", "InfogainLoss"}, {"INNER_PRODUCT", "InnerProduct"}, {"LRN", "LRN"},
        {"MEMORY_DATA", "MemoryData"}, {"MULTINOMIAL_LOGISTIC_LOSS", "MultinomialLogisticLoss"},
        {"MVN", "MVN"}, {"POOLING", "Pooling"}, {"POWER", "Power"}, {"RELU", "ReLU"},
        {"SIGMOID", "Sigmoid"}, {"SIGMOID_CROSS_ENTROPY_LOSS", "SigmoidCrossEntropyLoss"},
        {"SILENCE", "Silence"}, {"SOFTMAX", "Softmax"}, {"SOFTMAX_LOSS", "SoftmaxWithLoss"},
        {"SPLIT", "Split"}, {"SLICE", "Slice"}, {"TANH", "TanH"},
        {"WINDOW_DATA", "WindowData"}, {"THRESHOLD", "Threshold"},
    };
    for (String[] n : names) {
      TYPES.put(LayerType.valueOf(n[0]), n[1]);
    }
  }

  private CaffeV1() {
  }

  /** The LayerParameter equivalent of a legacy layer (blobs included). */
  static LayerParameter upgrade(V1LayerParameter v1) {
    LayerParameter.Builder b = LayerParameter.newBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : v1.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      switch (f.getName()) {
        case "type":
          if (TYPES.containsKey(v1.getType())) {
            b.setType(TYPES.get(v1.getType()));
          }
          break;
        case "blobs_lr": case "weight_decay": case "param": case "blob_share_mode":
          // folded into ParamSpec below
          break;
        default: {
          // The remaining fields share name and message type with LayerParameter.
          FieldDescriptor target = LayerParameter.getDescriptor().findFieldByName(f.getName());
          if (f.isRepeated()) {
            for (Object v : (List<?>) e.getValue()) {
              b.addRepeatedField(target, v);
            }
          } else {
            b.setField(target, e.getValue());
          }
        }
      }
    }
    int params = Math.max(Math.max(v1.getBlobsLrCount(), v1.getWeightDecayCount()),
        Math.max(v1.getParamCount(), v1.getBlobShareModeCount()));
    for (int i = 0; i < params; i++) {
      ParamSpec.Builder p = ParamSpec.newBuilder();
      if (i < v1.getParamCount()) {
        p.setName(v1.getParam(i));
      }
      if (i < v1.getBlobShareModeCount()) {
        p.setShareMode(ParamSpec.DimCheckMode.forNumber(v1.getBlobShareMode(i).getNumber()));
      }
      if (i < v1.getBlobsLrCount()) {
        p.setLrMult(v1.getBlobsLr(i));
      }
      if (i < v1.getWeightDecayCount()) {
        p.setDecayMult(v1.getWeightDecay(i));
      }
      b.addParam(p);
    }
    return b.buildPartial();
  }
}
