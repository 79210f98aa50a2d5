package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.LayerPattern;

/**
 * A setting an evaluate run can vary: a config key ({@code config.base_lr}) or a per-layer
 * setting for the layers whose names match a pattern ({@code m["conv*"].lr}).
 *
 * @param layerPattern the layer-name pattern ({@link LayerPattern}), or null for a config key
 * @param key a key of {@link TrainingConfig}: a config key, or a layer key ({@code lr},
 *     {@code lr_mult}) when a pattern is given
 */
public record Setting(String layerPattern, String key) {
  public Setting {
    requireNonNull(key, "key");
    if (layerPattern == null) {
      TrainingConfig.checkConfigKey(key);
    } else {
      LayerPattern.compile(layerPattern);
      if (!TrainingConfig.LAYER_KEYS.contains(key)) {
        throw new ModelHubException("unknown layer setting '" + key + "' in m[\""
            + layerPattern + "\"]." + key + " (layer settings: "
            + String.join(", ", TrainingConfig.LAYER_KEYS) + ")");
      }
    }
  }

  /** A config key: {@code config(TrainingConfig.BASE_LR)}. */
  public static Setting config(String key) {
    return new Setting(null, key);
  }

  /** A per-layer setting: {@code layer("conv*", TrainingConfig.LR)}. */
  public static Setting layer(String pattern, String key) {
    return new Setting(requireNonNull(pattern, "pattern"), key);
  }

  public boolean isLayerSetting() {
    return layerPattern != null;
  }

  /** As DQL writes it: {@code config.base_lr} or {@code m["conv*"].lr}. */
  public String label() {
    return layerPattern == null ? "config." + key : "m[\"" + layerPattern + "\"]." + key;
  }

  /** As a hyperparameter name: {@code base_lr} or {@code m["conv*"].lr}. */
  public String hyperparamName() {
    return layerPattern == null ? key : "m[\"" + layerPattern + "\"]." + key;
  }

  @Override public String toString() {
    return label();
  }
}
