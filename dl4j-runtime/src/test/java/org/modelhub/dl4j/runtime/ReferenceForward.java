package org.modelhub.dl4j.runtime;

import java.util.HashMap;
import java.util.Map;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * A plain-Java forward pass over a stored Caffe- or ONNX-style network (images channels
 * first, kernels {@code [out,in,h,w]}, dense weights {@code [out,in]}), written from the
 * formats' definitions and independent of DL4J: what the bridge's outputs are checked
 * against.
 */
final class ReferenceForward {
  private record Value(float[] v, long[] shape) { }

  private final Network net;
  private final Map<String, Tensor> tensors;

  ReferenceForward(ModelContent content) {
    this.net = content.network();
    this.tensors = content.tensorMap();
  }

  /** Class probabilities of one example of shape {@code [c,h,w]}. */
  float[] probabilities(float[] example, long[] shape, String output) {
    Map<String, Value> memo = new HashMap<>();
    return eval(output, example, shape, memo).v();
  }

  private Value eval(String name, float[] x, long[] xs, Map<String, Value> memo) {
    Value done = memo.get(name);
    if (done != null) {
      return done;
    }
    Layer l = net.layer(name);
    Value in = l.inputs().isEmpty() ? null : eval(l.inputs().get(0), x, xs, memo);
    Value out;
    switch (l.type()) {
      case LayerTypes.INPUT:
        out = new Value(x, xs);
        break;
      case LayerTypes.CONV:
        out = conv(l, in);
        break;
      case LayerTypes.POOL:
        out = pool(l, in);
        break;
      case LayerTypes.FC:
        out = fc(l, in);
        break;
      case LayerTypes.RELU: {
        float[] v = in.v().clone();
        for (int i = 0; i < v.length; i++) {
          v[i] = Math.max(0, v[i]);
        }
        out = new Value(v, in.shape());
        break;
      }
      case LayerTypes.SIGMOID:
      case LayerTypes.TANH: {
        float[] v = in.v().clone();
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (l.type().equals(LayerTypes.TANH) ? Math.tanh(v[i])
              : 1 / (1 + Math.exp(-v[i])));
        }
        out = new Value(v, in.shape());
        break;
      }
      case LayerTypes.DROPOUT:
        out = in;
        break;
      case LayerTypes.BATCHNORM:
        out = batchNorm(l, in);
        break;
      case LayerTypes.SCALE:
        out = scale(l, in);
        break;
      case LayerTypes.LRN:
        out = lrn(l, in);
        break;
      case LayerTypes.ELTWISE: {
        float[] v = in.v().clone();
        for (int k = 1; k < l.inputs().size(); k++) {
          float[] o = eval(l.inputs().get(k), x, xs, memo).v();
          for (int i = 0; i < v.length; i++) {
            v[i] += o[i];
          }
        }
        out = new Value(v, in.shape());
        break;
      }
      case LayerTypes.CONCAT: {
        java.util.List<Float> all = new java.util.ArrayList<>();
        long channels = 0;
        for (String i : l.inputs()) {
          Value v = eval(i, x, xs, memo);
          channels += v.shape()[0];
          for (float f : v.v()) {
            all.add(f);
          }
        }
        float[] v = new float[all.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = all.get(i);
        }
        long[] shape = in.shape().clone();
        shape[0] = channels;
        out = new Value(v, shape);
        break;
      }
      case LayerTypes.RESHAPE:
      case LayerTypes.FLATTEN:
        out = new Value(in.v(), new long[] {in.v().length});
        break;
      case LayerTypes.SOFTMAX:
      case "LOGSOFTMAX":
        out = new Value(softmax(in.v()), in.shape());
        break;
      default:
        throw new IllegalArgumentException("reference has no " + l.type());
    }
    memo.put(name, out);
    return out;
  }

  private Value conv(Layer l, Value in) {
    Tensor w = tensors.get(l.name() + "/W");
    Tensor b = tensors.get(l.name() + "/b");
    long[] ws = w.shape();
    int o = (int) ws[0];
    int c = (int) ws[1];
    int kh = (int) ws[2];
    int kw = (int) ws[3];
    int h = (int) in.shape()[1];
    int wd = (int) in.shape()[2];
    int[] pad = ints(l.attr("pad"));
    int[] stride = ints(l.attr("stride"));
    int oh = (h + 2 * pad[0] - kh) / stride[0] + 1;
    int ow = (wd + 2 * pad[1] - kw) / stride[1] + 1;
    float[] wv = w.toFloats();
    float[] bv = b == null ? new float[o] : b.toFloats();
    float[] out = new float[o * oh * ow];
    for (int f = 0; f < o; f++) {
      for (int y = 0; y < oh; y++) {
        for (int xx = 0; xx < ow; xx++) {
          double sum = bv[f];
          for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < kh; i++) {
              for (int j = 0; j < kw; j++) {
                int iy = y * stride[0] - pad[0] + i;
                int ix = xx * stride[1] - pad[1] + j;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                  sum += wv[((f * c + ch) * kh + i) * kw + j] * in.v()[(ch * h + iy) * wd + ix];
                }
              }
            }
          }
          out[(f * oh + y) * ow + xx] = (float) sum;
        }
      }
    }
    return new Value(out, new long[] {o, oh, ow});
  }

  /** Caffe's BatchNorm: statistics stored times a scale factor, no scale or shift. */
  private Value batchNorm(Layer l, Value in) {
    float[] mean = tensors.get(l.name() + "/mean").toFloats();
    float[] var = tensors.get(l.name() + "/variance").toFloats();
    float sf = tensors.get(l.name() + "/scale_factor").toFloats()[0];
    double eps = ((Number) l.attr("eps")).doubleValue();
    int c = (int) in.shape()[0];
    int plane = in.v().length / c;
    float[] v = new float[in.v().length];
    for (int ch = 0; ch < c; ch++) {
      double m = mean[ch] / sf;
      double sd = Math.sqrt(var[ch] / sf + eps);
      for (int i = 0; i < plane; i++) {
        v[ch * plane + i] = (float) ((in.v()[ch * plane + i] - m) / sd);
      }
    }
    return new Value(v, in.shape());
  }

  private Value scale(Layer l, Value in) {
    float[] g = tensors.get(l.name() + "/gamma").toFloats();
    float[] b = tensors.get(l.name() + "/beta").toFloats();
    int c = (int) in.shape()[0];
    int plane = in.v().length / c;
    float[] v = new float[in.v().length];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < plane; i++) {
        v[ch * plane + i] = in.v()[ch * plane + i] * g[ch] + b[ch];
      }
    }
    return new Value(v, in.shape());
  }

  /** Caffe's LRN across channels: {@code x / (k + alpha/n * sum x^2)^beta}. */
  private static Value lrn(Layer l, Value in) {
    int n = ((Number) l.attr("size")).intValue();
    double alpha = ((Number) l.attr("alpha")).doubleValue();
    double beta = ((Number) l.attr("beta")).doubleValue();
    double k = ((Number) l.attr("k")).doubleValue();
    int c = (int) in.shape()[0];
    int plane = in.v().length / c;
    float[] v = new float[in.v().length];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < plane; i++) {
        double sum = 0;
        for (int o = Math.max(0, ch - n / 2); o <= Math.min(c - 1, ch + n / 2); o++) {
          double a = in.v()[o * plane + i];
          sum += a * a;
        }
        v[ch * plane + i] = (float) (in.v()[ch * plane + i] / Math.pow(k + alpha / n * sum, beta));
      }
    }
    return new Value(v, in.shape());
  }

  private static Value pool(Layer l, Value in) {
    int[] k = ints(l.attr("kernel"));
    int[] s = ints(l.attr("stride"));
    boolean max = "MAX".equals(l.attr("method"));
    int c = (int) in.shape()[0];
    int h = (int) in.shape()[1];
    int w = (int) in.shape()[2];
    int oh = (h - k[0]) / s[0] + 1;
    int ow = (w - k[1]) / s[1] + 1;
    float[] out = new float[c * oh * ow];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          for (int i = 0; i < k[0]; i++) {
            for (int j = 0; j < k[1]; j++) {
              float v = in.v()[(ch * h + y * s[0] + i) * w + x * s[1] + j];
              acc = max ? Math.max(acc, v) : acc + v;
            }
          }
          out[(ch * oh + y) * ow + x] = (float) (max ? acc : acc / (k[0] * k[1]));
        }
      }
    }
    return new Value(out, new long[] {c, oh, ow});
  }

  private Value fc(Layer l, Value in) {
    Tensor w = tensors.get(l.name() + "/W");
    Tensor b = tensors.get(l.name() + "/b");
    int out = (int) w.shape()[0];
    int n = (int) w.shape()[1];
    float[] wv = w.toFloats();
    float[] bv = b == null ? new float[out] : b.toFloats();
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double sum = bv[o];
      for (int i = 0; i < n; i++) {
        sum += wv[o * n + i] * in.v()[i];
      }
      y[o] = (float) sum;
    }
    return new Value(y, new long[] {out});
  }

  static float[] softmax(float[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    double[] e = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      e[i] = Math.exp(v[i] - max);
      sum += e[i];
    }
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (e[i] / sum);
    }
    return out;
  }

  private static int[] ints(Object attr) {
    java.util.List<?> l = (java.util.List<?>) attr;
    return new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
  }
}
