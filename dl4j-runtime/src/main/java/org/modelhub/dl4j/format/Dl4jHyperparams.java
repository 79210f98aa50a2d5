package org.modelhub.dl4j.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.modelhub.store.model.NetworkJson;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The training hyperparameters a DL4J configuration carries, under these keys.
 *
 * <ul>
 * <li>{@code iteration_count}, {@code epoch_count}: training progress saved with the network;
 * {@code data_type}; {@code backprop_type}, and {@code tbptt_fwd_length} /
 * {@code tbptt_back_length} for truncated backpropagation through time.</li>
 * <li>{@code seed}, {@code optimization_algo}: DL4J's random seed and optimisation algorithm.</li>
 * <li>{@code updater}: the updater in upper case ({@code SGD}, {@code ADAM}, {@code NESTEROVS});
 * {@code learning_rate}: its learning rate at iteration 0; {@code learning_rate_schedule}: its
 * schedule as DL4J's JSON, when it has one; the updater's other settings under their DL4J names
 * in snake case ({@code momentum}, {@code beta1}, {@code beta2}, {@code epsilon}, {@code rho},
 * {@code rms_decay}...). {@code bias_updater} and {@code bias_learning_rate} when the biases
 * have an updater of their own.</li>
 * <li>{@code l1}, {@code l2}, {@code weight_decay} and {@code l1_bias}, {@code l2_bias},
 * {@code weight_decay_bias}: regularisation coefficients at iteration 0, present only where
 * set.</li>
 * <li>{@code gradient_normalization} and {@code gradient_normalization_threshold}, when
 * gradients are normalised.</li>
 * </ul>
 *
 * <p>Layer settings are read from the layers that train (that have parameters and are not
 * frozen). A setting all of them share
 * appears once under its key; one that differs between layers appears per layer, as
 * {@code <layer>.<key>} ({@code fc1.learning_rate}).
 */
final class Dl4jHyperparams {
  /** One layer's DL4J configuration, its number of parameters and whether it is frozen. */
  record LayerConf(String name, NeuralNetConfiguration conf, long numParams, boolean frozen) {
    LayerConf {
      requireNonNull(name, "name");
      requireNonNull(conf, "conf");
    }
  }

  private Dl4jHyperparams() {
  }

  static Map<String, String> of(Dl4jModel model) {
    Map<String, String> out = new LinkedHashMap<>();
    network(model.model(), out);
    List<LayerConf> layers = new ArrayList<>();
    for (LayerConf l : model.layerConfs()) {
      if (l.numParams() > 0 && !l.frozen()) {
        layers.add(l);
      }
    }
    if (layers.isEmpty()) {
      layers = model.layerConfs();
    }
    List<Map<String, String>> perLayer = new ArrayList<>();
    Map<String, Boolean> shared = new LinkedHashMap<>();
    for (LayerConf l : layers) {
      Map<String, String> m = layer(l.conf());
      perLayer.add(m);
      m.keySet().forEach(k -> shared.put(k, Boolean.TRUE));
    }
    for (String key : shared.keySet()) {
      String first = perLayer.get(0).get(key);
      boolean same = first != null;
      for (Map<String, String> m : perLayer) {
        same &= first != null && first.equals(m.get(key));
      }
      shared.put(key, same);
      if (same) {
        out.put(key, first);
      }
    }
    for (int i = 0; i < layers.size(); i++) {
      for (Map.Entry<String, String> e : perLayer.get(i).entrySet()) {
        if (!shared.get(e.getKey())) {
          out.put(layers.get(i).name() + "." + e.getKey(), e.getValue());
        }
      }
    }
    return out;
  }

  private static void network(Model model, Map<String, String> out) {
    BackpropType backprop;
    int fwd;
    int back;
    if (model instanceof MultiLayerNetwork) {
      MultiLayerConfiguration c = ((MultiLayerNetwork) model).getLayerWiseConfigurations();
      out.put("iteration_count", Integer.toString(c.getIterationCount()));
      out.put("epoch_count", Integer.toString(c.getEpochCount()));
      out.put("data_type", String.valueOf(c.getDataType()));
      backprop = c.getBackpropType();
      fwd = c.getTbpttFwdLength();
      back = c.getTbpttBackLength();
    } else {
      ComputationGraphConfiguration c = ((ComputationGraph) model).getConfiguration();
      out.put("iteration_count", Integer.toString(c.getIterationCount()));
      out.put("epoch_count", Integer.toString(c.getEpochCount()));
      out.put("data_type", String.valueOf(c.getDataType()));
      backprop = c.getBackpropType();
      fwd = c.getTbpttFwdLength();
      back = c.getTbpttBackLength();
    }
    if (backprop != null) {
      out.put("backprop_type", backprop.name());
      if (backprop == BackpropType.TruncatedBPTT) {
        out.put("tbptt_fwd_length", Integer.toString(fwd));
        out.put("tbptt_back_length", Integer.toString(back));
      }
    }
  }

  private static Map<String, String> layer(NeuralNetConfiguration conf) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("seed", Long.toString(conf.getSeed()));
    if (conf.getOptimizationAlgo() != null) {
      m.put("optimization_algo", conf.getOptimizationAlgo().name());
    }
    org.deeplearning4j.nn.conf.layers.Layer l = conf.getLayer();
    if (!(l instanceof BaseLayer)) {
      return m;
    }
    BaseLayer b = (BaseLayer) l;
    updater(b.getIUpdater(), "", m);
    if (b.getBiasUpdater() != null) {
      updater(b.getBiasUpdater(), "bias_", m);
    }
    regularization(b.getRegularization(), "", m);
    regularization(b.getRegularizationBias(), "_bias", m);
    GradientNormalization g = b.getGradientNormalization();
    if (g != null && g != GradientNormalization.None) {
      m.put("gradient_normalization", g.name());
      m.put("gradient_normalization_threshold",
          number(b.getGradientNormalizationThreshold()));
    }
    return m;
  }

  private static void updater(IUpdater u, String prefix, Map<String, String> m) {
    if (u == null) {
      return;
    }
    m.put(prefix + "updater", u.getClass().getSimpleName().toUpperCase(Locale.ROOT));
    if (u.hasLearningRate()) {
      double lr = u.getLearningRate(0, 0);
      if (Double.isFinite(lr)) {
        m.put(prefix + "learning_rate", number(lr));
      }
    }
    Object json = Dl4jLayers.json(u);
    if (!(json instanceof Map)) {
      return;
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) json).entrySet()) {
      String field = String.valueOf(e.getKey());
      Object v = e.getValue();
      if (field.equals("@class") || field.equals("learningRate") || v == null) {
        continue;
      }
      String key = prefix + snake(field);
      if (v instanceof Number) {
        double d = ((Number) v).doubleValue();
        if (Double.isFinite(d)) {
          m.put(key, number(d));
        }
      } else if (v instanceof Map || v instanceof List) {
        m.put(key, jsonText(v));
      } else if (!"NaN".equals(v)) {
        m.put(key, String.valueOf(v));
      }
    }
  }

  private static void regularization(List<Regularization> list, String suffix,
      Map<String, String> m) {
    if (list == null) {
      return;
    }
    for (Regularization r : list) {
      String key;
      ISchedule s;
      if (r instanceof L1Regularization) {
        key = "l1";
        s = ((L1Regularization) r).getL1();
      } else if (r instanceof L2Regularization) {
        key = "l2";
        s = ((L2Regularization) r).getL2();
      } else if (r instanceof WeightDecay) {
        key = "weight_decay";
        s = ((WeightDecay) r).getCoeff();
      } else {
        m.put(snake(r.getClass().getSimpleName()) + suffix,
            jsonText(Dl4jLayers.json(r)));
        continue;
      }
      if (s != null) {
        m.put(key + suffix, number(s.valueAt(0, 0)));
      }
    }
  }

  private static String jsonText(Object value) {
    try {
      return NetworkJson.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  /** {@code rmsDecay} becomes {@code rms_decay}. */
  static String snake(String camel) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        if (i > 0) {
          sb.append('_');
        }
        sb.append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Integral values without a fraction ({@code 12345}), others as Java prints doubles. */
  static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
