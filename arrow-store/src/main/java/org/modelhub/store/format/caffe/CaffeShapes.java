package org.modelhub.store.format.caffe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobShape;
import org.modelhub.store.format.caffe.proto.CaffeProto.ConvolutionParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.DummyDataParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.InnerProductParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.PoolingParameter;

/**
 * Infers blob shapes through a Caffe network, as far as its input shapes allow, to know the
 * shapes each layer's weights must have. Shapes are {@code long[]} with -1 for an unknown
 * dimension and {@code null} when even the rank is unknown; layers it does not model give
 * {@code null}, so checks built on it only reject what Caffe itself would reject.
 */
final class CaffeShapes {
  /** Layer types that never hold blobs, whatever their inputs. */
  private static final Set<String> NO_BLOBS = Set.of("Pooling", "ReLU", "Sigmoid", "TanH",
      "Dropout", "LRN", "AbsVal", "BNLL", "Power", "Exp", "Log", "ELU", "Threshold", "Swish",
      "Clip", "MVN", "Softmax", "Eltwise", "Split", "Concat", "Flatten", "Reshape", "Input",
      "Data", "ImageData", "HDF5Data", "WindowData", "DummyData", "MemoryData", "Accuracy",
      "Silence", "ArgMax", "Slice", "Crop", "Tile", "Reduction", "SPP", "Im2col",
      "HDF5Output");

  /** Layer types whose tops have the shape of their first bottom. */
  private static final Set<String> SAME_SHAPE = Set.of("ReLU", "PReLU", "Sigmoid", "TanH",
      "Dropout", "LRN", "AbsVal", "BNLL", "Power", "Exp", "Log", "ELU", "Threshold", "Swish",
      "Clip", "MVN", "Softmax", "Eltwise", "Split", "BatchNorm", "Scale", "Bias");

  private final Map<String, long[]> blobs = new HashMap<>();

  private CaffeShapes() {
  }

  /**
   * For each layer, the shapes its blobs must have: {@code null} when unknown, else one entry
   * per blob (itself {@code null} when only the count is known).
   */
  static List<List<long[]>> expectedBlobs(NetParameter header, List<LayerParameter> layers) {
    CaffeShapes s = new CaffeShapes();
    for (int i = 0; i < header.getInputCount(); i++) {
      long[] shape = null;
      if (i < header.getInputShapeCount()) {
        shape = dims(header.getInputShape(i));
      } else if (header.getInputShapeCount() == 0
          && header.getInputDimCount() >= 4 * (i + 1)) {
        shape = new long[4];
        for (int j = 0; j < 4; j++) {
          shape[j] = header.getInputDim(4 * i + j);
        }
      }
      s.blobs.put(header.getInput(i), shape);
    }
    List<List<long[]>> out = new ArrayList<>(layers.size());
    for (LayerParameter lp : layers) {
      out.add(s.layer(lp));
    }
    return out;
  }

  /** Whether a blob's shape is one Caffe accepts where {@code expected} is wanted. */
  static boolean compatible(CaffeBlob blob, long[] expected) {
    long[] actual = blob.shape();
    if (blob.legacy()) {
      // The 4-D form matches any shape of rank <= 4 once that is padded with leading 1s.
      if (expected.length > 4) {
        return false;
      }
      long[] padded = new long[4];
      Arrays.fill(padded, 1);
      System.arraycopy(expected, 0, padded, 4 - expected.length, expected.length);
      expected = padded;
    }
    if (actual.length != expected.length) {
      return false;
    }
    for (int i = 0; i < actual.length; i++) {
      if (expected[i] >= 0 && expected[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  private List<long[]> layer(LayerParameter lp) {
    List<long[]> bottoms = new ArrayList<>();
    for (String b : lp.getBottomList()) {
      bottoms.add(blobs.get(b));
    }
    long[] in = bottoms.isEmpty() ? null : bottoms.get(0);
    long[][] tops = new long[lp.getTopCount()][];
    List<long[]> expected = NO_BLOBS.contains(lp.getType()) ? List.of() : null;
    if (SAME_SHAPE.contains(lp.getType())) {
      Arrays.fill(tops, in);
    }
    switch (lp.getType()) {
      case "Convolution":
      case "Deconvolution":
        expected = convolution(lp, bottoms, tops);
        break;
      case "InnerProduct":
        expected = innerProduct(lp.getInnerProductParam(), in, tops);
        break;
      case "Embed": {
        long n = lp.getEmbedParam().hasNumOutput()
            ? Integer.toUnsignedLong(lp.getEmbedParam().getNumOutput()) : -1;
        long[] w = {lp.getEmbedParam().hasInputDim()
            ? Integer.toUnsignedLong(lp.getEmbedParam().getInputDim()) : -1, n};
        expected = lp.getEmbedParam().getBiasTerm() ? List.of(w, new long[] {n}) : List.of(w);
        if (in != null && tops.length > 0) {
          tops[0] = Arrays.copyOf(in, in.length + 1);
          tops[0][in.length] = n;
        }
        break;
      }
      case "Pooling":
        pooling(lp.getPoolingParam(), in, tops);
        break;
      case "BatchNorm": {
        long c = in == null ? -1 : in.length == 1 ? 1 : in[1];
        expected = List.of(new long[] {c}, new long[] {c}, new long[] {1});
        break;
      }
      case "Scale": {
        boolean bias = lp.getScaleParam().getBiasTerm();
        if (bottoms.size() > 1) {
          expected = bias ? Collections.singletonList(
              slice(in, lp.getScaleParam().getAxis(), lp.getScaleParam().getNumAxes()))
              : List.of();
        } else {
          long[] s = slice(in, lp.getScaleParam().getAxis(), lp.getScaleParam().getNumAxes());
          expected = bias ? Arrays.asList(s, s) : Collections.singletonList(s);
        }
        break;
      }
      case "Bias":
        expected = bottoms.size() > 1 ? List.of() : Collections.singletonList(
            slice(in, lp.getBiasParam().getAxis(), lp.getBiasParam().getNumAxes()));
        break;
      case "PReLU":
        expected = List.of(lp.getPreluParam().getChannelShared() ? new long[0]
            : new long[] {in == null || in.length < 2 ? -1 : in[1]});
        break;
      case "Parameter": {
        long[] s = dims(lp.getParameterParam().getShape());
        expected = List.of(s);
        if (tops.length > 0) {
          tops[0] = s;
        }
        break;
      }
      case "Input":
        for (int j = 0; j < tops.length; j++) {
          int n = lp.getInputParam().getShapeCount();
          tops[j] = n == 0 ? null : dims(lp.getInputParam().getShape(n == 1 ? 0 : Math.min(j,
              n - 1)));
        }
        break;
      case "DummyData":
        dummyData(lp.getDummyDataParam(), tops);
        break;
      case "Concat":
        concat(lp, bottoms, tops);
        break;
      case "Flatten":
        flatten(lp.getFlattenParam().getAxis(), lp.getFlattenParam().getEndAxis(), in, tops);
        break;
      default:
        break;
    }
    for (int j = 0; j < tops.length; j++) {
      blobs.put(lp.getTop(j), tops[j]);
    }
    return expected;
  }

  private static List<long[]> convolution(LayerParameter lp, List<long[]> bottoms,
      long[][] tops) {
    ConvolutionParameter p = lp.getConvolutionParam();
    boolean deconv = lp.getType().equals("Deconvolution");
    int count = p.getBiasTerm() ? 2 : 1;
    long[] in = bottoms.isEmpty() ? null : bottoms.get(0);
    if (p.getAxis() != 1) {
      return Collections.nCopies(count, null);
    }
    boolean hw = p.hasKernelH() || p.hasKernelW();
    int n = hw ? 2 : p.getKernelSizeCount() > 1 ? p.getKernelSizeCount()
        : in != null && in.length >= 3 ? in.length - 2 : 2;
    long[] kernel = hw ? new long[] {uint(p.getKernelH()), uint(p.getKernelW())}
        : spread(p.getKernelSizeList(), n, -1);
    long[] stride = p.hasStrideH() || p.hasStrideW()
        ? new long[] {uint(p.getStrideH()), uint(p.getStrideW())}
        : spread(p.getStrideList(), n, 1);
    long[] pad = p.hasPadH() || p.hasPadW()
        ? new long[] {uint(p.getPadH()), uint(p.getPadW())} : spread(p.getPadList(), n, 0);
    long[] dilation = spread(p.getDilationList(), n, 1);
    long filters = p.hasNumOutput() ? uint(p.getNumOutput()) : -1;
    long group = uint(p.getGroup());
    long channels = in != null && in.length == n + 2 ? in[1] : -1;
    long[] w = new long[n + 2];
    w[0] = deconv ? channels : filters;
    w[1] = divide(deconv ? filters : channels, group);
    System.arraycopy(kernel, 0, w, 2, n);
    for (int j = 0; j < tops.length && j < bottoms.size(); j++) {
      long[] x = bottoms.get(j);
      if (x == null || x.length != n + 2) {
        continue;
      }
      long[] y = new long[n + 2];
      y[0] = x[0];
      y[1] = filters;
      for (int d = 0; d < n; d++) {
        long extent = kernel[d] < 0 ? -1 : dilation[d] * (kernel[d] - 1) + 1;
        if (x[d + 2] < 0 || extent < 0 || stride[d] <= 0) {
          y[d + 2] = -1;
        } else if (deconv) {
          y[d + 2] = stride[d] * (x[d + 2] - 1) + extent - 2 * pad[d];
        } else {
          long span = x[d + 2] + 2 * pad[d] - extent;
          y[d + 2] = span < 0 ? -1 : span / stride[d] + 1;
        }
      }
      tops[j] = y;
    }
    return count == 2 ? List.of(w, new long[] {filters}) : List.of(w);
  }

  private static List<long[]> innerProduct(InnerProductParameter p, long[] in, long[][] tops) {
    long n = p.hasNumOutput() ? uint(p.getNumOutput()) : -1;
    long k = -1;
    int axis = in == null ? -1 : p.getAxis() < 0 ? p.getAxis() + in.length : p.getAxis();
    if (in != null && axis >= 0 && axis <= in.length) {
      k = 1;
      for (int i = axis; i < in.length; i++) {
        k = in[i] < 0 || k < 0 ? -1 : k * in[i];
      }
      if (tops.length > 0) {
        tops[0] = Arrays.copyOf(in, axis + 1);
        tops[0][axis] = n;
      }
    }
    long[] w = p.getTranspose() ? new long[] {k, n} : new long[] {n, k};
    return p.getBiasTerm() ? List.of(w, new long[] {n}) : List.of(w);
  }

  private static void pooling(PoolingParameter p, long[] in, long[][] tops) {
    if (in == null || in.length != 4) {
      return;
    }
    long[] out = in.clone();
    if (p.getGlobalPooling()) {
      out[2] = 1;
      out[3] = 1;
    } else {
      boolean hw = p.hasKernelH() || p.hasKernelW();
      long[] k = hw ? new long[] {uint(p.getKernelH()), uint(p.getKernelW())}
          : new long[] {p.hasKernelSize() ? uint(p.getKernelSize()) : -1,
              p.hasKernelSize() ? uint(p.getKernelSize()) : -1};
      long[] s = p.hasStrideH() || p.hasStrideW()
          ? new long[] {uint(p.getStrideH()), uint(p.getStrideW())}
          : new long[] {uint(p.getStride()), uint(p.getStride())};
      long[] pad = p.hasPadH() || p.hasPadW()
          ? new long[] {uint(p.getPadH()), uint(p.getPadW())}
          : new long[] {uint(p.getPad()), uint(p.getPad())};
      boolean ceil = p.getRoundMode() == PoolingParameter.RoundMode.CEIL;
      for (int d = 0; d < 2; d++) {
        long x = in[d + 2];
        if (x < 0 || k[d] < 0 || s[d] <= 0 || x + 2 * pad[d] < k[d]) {
          out[d + 2] = -1;
          continue;
        }
        long span = x + 2 * pad[d] - k[d];
        long y = (ceil ? (span + s[d] - 1) / s[d] : span / s[d]) + 1;
        // Caffe drops a last window that would start inside the padding only.
        if (pad[d] > 0 && (y - 1) * s[d] >= x + pad[d]) {
          y--;
        }
        out[d + 2] = y;
      }
    }
    Arrays.fill(tops, out);
  }

  private static void dummyData(DummyDataParameter p, long[][] tops) {
    for (int j = 0; j < tops.length; j++) {
      if (p.getShapeCount() > 0) {
        tops[j] = dims(p.getShape(Math.min(j, p.getShapeCount() - 1)));
      } else if (p.getNumCount() > 0 && p.getChannelsCount() > 0 && p.getHeightCount() > 0
          && p.getWidthCount() > 0) {
        tops[j] = new long[] {uint(p.getNum(Math.min(j, p.getNumCount() - 1))),
            uint(p.getChannels(Math.min(j, p.getChannelsCount() - 1))),
            uint(p.getHeight(Math.min(j, p.getHeightCount() - 1))),
            uint(p.getWidth(Math.min(j, p.getWidthCount() - 1)))};
      }
    }
  }

  private static void concat(LayerParameter lp, List<long[]> bottoms, long[][] tops) {
    if (tops.length == 0 || bottoms.isEmpty() || bottoms.contains(null)) {
      return;
    }
    long[] first = bottoms.get(0);
    int axis = lp.getConcatParam().hasAxis() || !lp.getConcatParam().hasConcatDim()
        ? lp.getConcatParam().getAxis() : (int) uint(lp.getConcatParam().getConcatDim());
    axis = axis < 0 ? axis + first.length : axis;
    if (axis < 0 || axis >= first.length) {
      return;
    }
    long[] out = first.clone();
    for (int i = 1; i < bottoms.size(); i++) {
      long[] b = bottoms.get(i);
      if (b.length != first.length) {
        return;
      }
      out[axis] = out[axis] < 0 || b[axis] < 0 ? -1 : out[axis] + b[axis];
    }
    tops[0] = out;
  }

  private static void flatten(int axis, int endAxis, long[] in, long[][] tops) {
    if (in == null || tops.length == 0) {
      return;
    }
    int a = axis < 0 ? axis + in.length : axis;
    int e = endAxis < 0 ? endAxis + in.length : endAxis;
    if (a < 0 || e >= in.length || a > e) {
      return;
    }
    long[] out = new long[in.length - (e - a)];
    System.arraycopy(in, 0, out, 0, a);
    long n = 1;
    for (int i = a; i <= e; i++) {
      n = n < 0 || in[i] < 0 ? -1 : n * in[i];
    }
    out[a] = n;
    System.arraycopy(in, e + 1, out, a + 1, in.length - e - 1);
    tops[0] = out;
  }

  /** The dimensions {@code [axis, axis + numAxes)} of {@code in} (-1: to the end). */
  private static long[] slice(long[] in, int axis, int numAxes) {
    if (in == null) {
      return null;
    }
    int a = axis < 0 ? axis + in.length : axis;
    int end = numAxes < 0 ? in.length : a + numAxes;
    if (a < 0 || end > in.length || a > end) {
      return null;
    }
    return Arrays.copyOfRange(in, a, end);
  }

  private static long divide(long a, long b) {
    return a >= 0 && b > 0 && a % b == 0 ? a / b : -1;
  }

  private static long[] spread(List<Integer> values, int n, long dflt) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = values.isEmpty() ? dflt : values.size() == 1 ? uint(values.get(0))
          : i < values.size() ? uint(values.get(i)) : dflt;
    }
    return out;
  }

  static long[] dims(BlobShape shape) {
    long[] out = new long[shape.getDimCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape.getDim(i);
    }
    return out;
  }

  private static long uint(int v) {
    return Integer.toUnsignedLong(v);
  }
}
