package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.modelhub.store.ModelHubException;

/**
 * One {@code vary} clause of an evaluate run: a setting and the values it takes, listed
 * ({@code vary config.base_lr in [0.1, 0.01]}) or {@code auto} (the setting's default grid,
 * {@link TrainingConfig#autoValues}).
 */
public record GridAxis(Setting setting, List<String> values, boolean auto) {
  public GridAxis {
    requireNonNull(setting, "setting");
    values = List.copyOf(values);
    if (auto && !values.isEmpty()) {
      throw new IllegalArgumentException("an auto axis has no listed values");
    }
    if (!auto && values.isEmpty()) {
      throw new ModelHubException("vary " + setting.label() + " in []: list at least one value");
    }
    // values are checked now, so that a bad one fails before any training
    TrainingConfig probe = TrainingConfig.defaults();
    for (String v : auto ? TrainingConfig.autoValues(setting) : values) {
      probe.with(setting, v);
    }
  }

  /** {@code vary SETTING in [values]}. */
  public static GridAxis of(Setting setting, List<String> values) {
    return new GridAxis(setting, values, false);
  }

  /** {@code vary SETTING auto}. */
  public static GridAxis auto(Setting setting) {
    return new GridAxis(setting, List.of(), true);
  }

  /** The values the axis takes: the listed ones, or the default grid. */
  public List<String> expand() {
    return auto ? TrainingConfig.autoValues(setting) : values;
  }
}
