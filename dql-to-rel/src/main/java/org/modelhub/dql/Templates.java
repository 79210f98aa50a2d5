package org.modelhub.dql;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.store.model.LayerTypes;

/**
 * Layer templates of DQL: {@code TYPE(arg, ...)} for every layer type of the vocabulary. In
 * {@code has TYPE(...)} positional arguments match the type's attributes in the order below
 * ({@code POOL("MAX")} is a pool whose method is MAX; {@code *} matches anything); named ones
 * ({@code FC(units=10)}) match that attribute. In {@code insert = TYPE("name", ...)} the first
 * argument names the new layer and the rest set its attributes the same way.
 */
final class Templates {
  /** Attribute of each positional argument, per type. */
  static final Map<String, List<String>> ARGS = new LinkedHashMap<>();

  static {
    ARGS.put(LayerTypes.INPUT, List.of("shape"));
    ARGS.put(LayerTypes.CONV, List.of("filters", "kernel", "stride"));
    ARGS.put(LayerTypes.DECONV, List.of("filters", "kernel", "stride"));
    ARGS.put(LayerTypes.POOL, List.of("method", "kernel", "stride"));
    ARGS.put(LayerTypes.FC, List.of("units"));
    ARGS.put(LayerTypes.RELU, List.of());
    ARGS.put(LayerTypes.PRELU, List.of());
    ARGS.put(LayerTypes.SIGMOID, List.of());
    ARGS.put(LayerTypes.TANH, List.of());
    ARGS.put(LayerTypes.LRN, List.of("size"));
    ARGS.put(LayerTypes.DROPOUT, List.of("ratio"));
    ARGS.put(LayerTypes.BATCHNORM, List.of("eps"));
    ARGS.put(LayerTypes.SCALE, List.of());
    ARGS.put(LayerTypes.SOFTMAX, List.of("axis"));
    ARGS.put(LayerTypes.CONCAT, List.of("axis"));
    ARGS.put(LayerTypes.ELTWISE, List.of("op"));
    ARGS.put(LayerTypes.FLATTEN, List.of("axis"));
    ARGS.put(LayerTypes.RESHAPE, List.of("shape"));
    ARGS.put(LayerTypes.OUTPUT, List.of("units"));
    ARGS.put(LayerTypes.LOSS, List.of("loss"));
    ARGS.put(LayerTypes.ACTIVATION, List.of("activation"));
    ARGS.put(LayerTypes.UPSAMPLE, List.of());
    ARGS.put(LayerTypes.EMBEDDING, List.of("units"));
  }

  private Templates() {
  }

  /** The type in canonical case, or an error listing the known types. */
  static String type(Ast.Pos pos, String name) {
    String t = LayerTypes.normalize(name);
    if (!ARGS.containsKey(t)) {
      throw new DqlException(pos, "unknown layer type '" + name + "' (types: "
          + String.join(", ", ARGS.keySet()) + ")");
    }
    return t;
  }

  /**
   * The attribute each argument constrains or sets, in order; {@code skip} leading
   * positional arguments are not attributes (the new layer's name in an insert).
   */
  static Map<String, Ast.Literal> attributes(Ast.Template t, int skip) {
    List<String> positional = ARGS.get(t.type());
    Map<String, Ast.Literal> out = new LinkedHashMap<>();
    int p = 0;
    for (Ast.Argument a : t.args()) {
      if (a.key() != null) {
        out.put(a.key().toLowerCase(Locale.ROOT), a.value());
        continue;
      }
      if (p < skip) {
        p++;
        continue;
      }
      int index = p++ - skip;
      if (index >= positional.size()) {
        throw new DqlException(a.pos(), t.type() + " takes " + (positional.size() + skip)
            + " positional argument" + (positional.size() + skip == 1 ? "" : "s")
            + (positional.isEmpty() ? "" : " (" + (skip > 0 ? "name, " : "")
                + String.join(", ", positional) + ")") + "; name others like key=value");
      }
      out.put(positional.get(index), a.value());
    }
    return out;
  }
}
