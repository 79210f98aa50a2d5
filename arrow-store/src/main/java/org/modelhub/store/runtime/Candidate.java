package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One candidate of an evaluate run: a source version under one point of the grid.
 *
 * @param number 1-based, in enumeration order (sources, then grid points, first axis
 *     slowest)
 * @param settings the grid point: setting label ({@code config.base_lr},
 *     {@code m["conv*"].lr}) to value
 */
public record Candidate(int number, String sourceId, String sourceLabel,
    Map<String, String> settings) {
  public Candidate {
    requireNonNull(sourceId, "sourceId");
    requireNonNull(sourceLabel, "sourceLabel");
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  /** {@code #3 lenet@1 base_lr=0.01 m["conv*"].lr=0}. */
  public String describe() {
    StringBuilder sb = new StringBuilder("#").append(number).append(' ').append(sourceLabel);
    settings.forEach((k, v) -> sb.append(' ').append(k.startsWith("config.")
        ? k.substring("config.".length()) : k).append('=').append(v));
    return sb.toString();
  }
}
