package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node of a network DAG: a name, a type of the shared vocabulary ({@link LayerTypes}),
 * attributes, and the names of the layers feeding it, in order.
 *
 * <p>Attribute values are JSON values: String, Number, Boolean, List or Map. Normalised
 * attributes ({@code filters}, {@code kernel}, {@code method}...) sit at the top level; a
 * format keeps what it needs for a faithful export under its own key ({@code caffe},
 * {@code onnx}...).
 */
public final class Layer {
  private final String name;
  private final String type;
  private final Map<String, Object> attrs;
  private final List<String> inputs;

  public Layer(String name, String type, Map<String, Object> attrs, List<String> inputs) {
    this.name = requireNonNull(name, "name");
    this.type = LayerTypes.normalize(requireNonNull(type, "type"));
    this.attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    this.inputs = List.copyOf(inputs);
  }

  public String name() {
    return name;
  }

  public String type() {
    return type;
  }

  public Map<String, Object> attrs() {
    return attrs;
  }

  public Object attr(String key) {
    return attrs.get(key);
  }

  public List<String> inputs() {
    return inputs;
  }

  public Layer withInputs(List<String> newInputs) {
    return new Layer(name, type, attrs, newInputs);
  }

  public Layer withName(String newName) {
    return new Layer(newName, type, attrs, inputs);
  }

  @Override public boolean equals(Object o) {
    return o instanceof Layer
        && ((Layer) o).name.equals(name)
        && ((Layer) o).type.equals(type)
        && ((Layer) o).attrs.equals(attrs)
        && ((Layer) o).inputs.equals(inputs);
  }

  @Override public int hashCode() {
    return Objects.hash(name, type, attrs, inputs);
  }

  @Override public String toString() {
    return name + ":" + type + inputs;
  }
}
