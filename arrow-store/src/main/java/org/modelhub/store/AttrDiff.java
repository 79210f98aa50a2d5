package org.modelhub.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.modelhub.store.model.NetworkJson;

/**
 * The paths at which two attribute values differ ({@code dl4j.layer.lossFn.softmaxClipEps
 * 1.0E-10 -> 0.0}), descending into maps, lists and strings that hold JSON documents (a DL4J
 * configuration is kept as JSON text).
 */
final class AttrDiff {
  private static final int MAX_SHOWN = 60;

  private AttrDiff() {
  }

  /** Up to {@code limit} differences, then a count of the rest. */
  static List<String> between(Object a, Object b, String prefix, int limit) {
    List<String> all = new ArrayList<>();
    walk(a, b, prefix, all);
    if (all.size() <= limit) {
      return all;
    }
    List<String> out = new ArrayList<>(all.subList(0, limit));
    out.add("... and " + (all.size() - limit) + " more");
    return out;
  }

  private static void walk(Object a, Object b, String path, List<String> out) {
    if (Objects.equals(a, b)) {
      return;
    }
    Object x = json(a);
    Object y = json(b);
    if (x instanceof Map && y instanceof Map) {
      Map<?, ?> mx = (Map<?, ?>) x;
      Map<?, ?> my = (Map<?, ?>) y;
      TreeSet<String> keys = new TreeSet<>();
      mx.keySet().forEach(k -> keys.add(String.valueOf(k)));
      my.keySet().forEach(k -> keys.add(String.valueOf(k)));
      for (String k : keys) {
        walk(mx.get(k), my.get(k), path.isEmpty() ? k : path + "." + k, out);
      }
    } else if (x instanceof List && y instanceof List
        && ((List<?>) x).size() == ((List<?>) y).size()) {
      List<?> lx = (List<?>) x;
      List<?> ly = (List<?>) y;
      for (int i = 0; i < lx.size(); i++) {
        walk(lx.get(i), ly.get(i), path + "[" + i + "]", out);
      }
    } else if (!Objects.equals(x, y)) {
      out.add(path + " " + show(a) + " -> " + show(b));
    }
  }

  /** A string holding a JSON object or array becomes that value; anything else stays. */
  private static Object json(Object v) {
    if (v instanceof String) {
      String s = ((String) v).trim();
      if ((s.startsWith("{") && s.endsWith("}")) || (s.startsWith("[") && s.endsWith("]"))) {
        try {
          return NetworkJson.MAPPER.readValue(s, Object.class);
        } catch (JsonProcessingException e) {
          return v;
        }
      }
    }
    return v;
  }

  private static String show(Object v) {
    if (v == null) {
      return "(absent)";
    }
    String s = v instanceof Map || v instanceof List ? NetworkJson.attrsToJsonValue(v)
        : String.valueOf(v);
    return s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN - 3) + "..." : s;
  }
}
