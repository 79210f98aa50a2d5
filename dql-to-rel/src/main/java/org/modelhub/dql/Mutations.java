package org.modelhub.dql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.ops.LayerInit;
import org.modelhub.store.ops.NetworkEdit;

/**
 * Construct's mutations in the form the plan carries them to the {@code CONSTRUCT} function:
 * a JSON list (a literal of the plan, not SQL text), applied to one version for each binding
 * of its captures.
 */
final class Mutations {
  private static final Pattern CAPTURE_REF = Pattern.compile("\\$([1-9][0-9]?)");
  private static final TypeReference<List<Map<String, Object>>> LIST = new TypeReference<>() { };
  private static final TypeReference<Map<String, String>> BINDING = new TypeReference<>() { };

  private Mutations() {
  }

  /** The mutations of a construct statement as JSON. */
  static String toJson(List<Ast.Mutation> mutations) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Ast.Mutation m : mutations) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("selector", m.target().pattern().text());
      if (m instanceof Ast.Insert ins) {
        j.put("action", "insert");
        j.put("type", ins.layer().type());
        j.put("name", ins.layer().args().get(0).value().text());
        Map<String, Object> attrs = new LinkedHashMap<>();
        Templates.attributes(ins.layer(), 1).forEach((k, v) -> attrs.put(k, value(v)));
        j.put("attrs", attrs);
      } else {
        j.put("action", "delete");
      }
      out.add(j);
    }
    return NetworkJson.attrsToJsonValue(out);
  }

  /** A binding of captures as JSON ({@code {"1": "3"}}), one line of the bindings text. */
  static String bindingJson(Map<Integer, String> binding) {
    Map<String, String> m = new LinkedHashMap<>();
    binding.forEach((k, v) -> m.put(Integer.toString(k), v));
    return NetworkJson.attrsToJsonValue(m);
  }

  /**
   * Applies the mutations to a model for each binding (newline-separated JSON objects; an
   * empty text is the single empty binding). Returns the new content and a summary.
   */
  static Result apply(ModelContent source, String mutationsJson, String bindingsText,
      String seed) {
    List<Map<String, Object>> mutations;
    List<Map<Integer, String>> bindings = new ArrayList<>();
    try {
      mutations = NetworkJson.MAPPER.readValue(mutationsJson, LIST);
      String text = bindingsText == null ? "" : bindingsText.trim();
      if (text.isEmpty()) {
        bindings.add(Map.of());
      } else {
        for (String line : text.split("\n")) {
          Map<Integer, String> b = new LinkedHashMap<>();
          NetworkJson.MAPPER.readValue(line, BINDING).forEach((k, v) ->
              b.put(Integer.parseInt(k), v));
          if (!bindings.contains(b)) {
            bindings.add(b);
          }
        }
      }
    } catch (JsonProcessingException e) {
      throw new ModelHubException("malformed construct plan: " + e.getOriginalMessage(), e);
    }
    // the same edits in the same order however the query delivered the bindings
    bindings.sort(java.util.Comparator.comparing(Object::toString));
    ModelContent m = source;
    List<String> changes = new ArrayList<>();
    java.util.Set<String> inserted = new java.util.HashSet<>();
    for (Map<String, Object> mut : mutations) {
      NamePattern pattern = NamePattern.parse((String) mut.get("selector"), new Ast.Pos(1, 1));
      for (Map<Integer, String> binding : bindings) {
        for (Layer target : List.copyOf(m.network().layers())) {
          Map<Integer, String> caps = pattern.match(target.name()).orElse(null);
          if (caps == null || !agrees(caps, binding)) {
            continue;
          }
          Map<Integer, String> all = new LinkedHashMap<>(binding);
          all.putAll(caps);
          if ("delete".equals(mut.get("action"))) {
            if (m.network().hasLayer(target.name())) {
              m = NetworkEdit.delete(m, target.name());
              changes.add("deleted " + target.name());
            }
            continue;
          }
          String name = substitute((String) mut.get("name"), all);
          if (inserted.contains(name)) {
            continue; // the same binding reached again through another layer
          }
          if (m.network().hasLayer(name)) {
            throw new ModelHubException("construct cannot insert layer '" + name + "' after '"
                + target.name() + "' in network " + source.network().name() + ": a layer of"
                + " that name exists; choose another name (such as \"" + mut.get("type")
                .toString().toLowerCase(java.util.Locale.ROOT) + "_" + name + "\")");
          }
          inserted.add(name);
          @SuppressWarnings("unchecked")
          Map<String, Object> attrs = (Map<String, Object>) mut.get("attrs");
          Map<String, Object> resolved = new LinkedHashMap<>();
          attrs.forEach((k, v) -> resolved.put(k, v instanceof String s ? substitute(s, all)
              : v));
          Layer layer = new Layer(name, (String) mut.get("type"), resolved, List.of());
          List<Tensor> weights = LayerInit.weights(m.network(), target.name(), layer, seed);
          m = NetworkEdit.insertAfter(m, target.name(), layer, weights);
          changes.add("inserted " + layer.type() + " " + name + " after " + target.name());
        }
      }
    }
    return new Result(m, changes);
  }

  /** The edited model and what was done to it. */
  record Result(ModelContent content, List<String> changes) { }

  private static boolean agrees(Map<Integer, String> caps, Map<Integer, String> binding) {
    for (Map.Entry<Integer, String> e : caps.entrySet()) {
      String bound = binding.get(e.getKey());
      if (bound != null && !bound.equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  static String substitute(String text, Map<Integer, String> binding) {
    Matcher m = CAPTURE_REF.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = binding.get(Integer.parseInt(m.group(1)));
      m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? m.group() : v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** A literal as an attribute value: numbers as numbers, "3x3" kernels as lists. */
  static Object value(Ast.Literal l) {
    if (l.kind() == Ast.Literal.Kind.NUMBER) {
      double d = Double.parseDouble(l.text());
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
    }
    if (l.text().matches("\\d+(x\\d+)+")) {
      List<Long> dims = new ArrayList<>();
      for (String p : l.text().split("x")) {
        dims.add(Long.parseLong(p));
      }
      return dims;
    }
    return l.text();
  }
}
