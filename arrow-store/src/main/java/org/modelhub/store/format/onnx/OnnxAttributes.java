package org.modelhub.store.format.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.GraphProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.SparseTensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TypeProto;

/**
 * Converts ONNX node attributes to readable JSON values and back, exactly: every field the
 * message had is written back with the same value (floats keep their bits), and fields with no
 * readable form (sub-graphs, type protos, unknown fields) travel as base64 messages.
 *
 * <p>An attribute is a JSON object with the message's own field names: {@code name},
 * {@code type}, and whichever of {@code f}, {@code i}, {@code s}, {@code t}, {@code floats},
 * {@code ints}, {@code strings}... it has. A tensor attribute whose values ModelHub can hold
 * becomes a weight tensor of the layer; {@code t} then names it ({@code {"param": "value"}}).
 */
final class OnnxAttributes {
  /** Takes a tensor attribute's values as a weight; returns the parameter name, or null. */
  interface TensorSink {
    String accept(String attributeName, TensorProto tensor) throws IOException;
  }

  /** Rebuilds a tensor from a {@code {"param": ...}} reference. */
  interface TensorSource {
    TensorProto tensor(Map<String, Object> ref);
  }

  private OnnxAttributes() {
  }

  static Map<String, Object> toJson(AttributeProto a, TensorSink sink) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    if (a.hasName()) {
      m.put("name", a.getName());
    }
    if (a.hasType()) {
      m.put("type", a.getType().name());
    }
    if (a.hasRefAttrName()) {
      m.put("ref_attr_name", a.getRefAttrName());
    }
    if (a.hasDocString()) {
      m.put("doc_string", a.getDocString());
    }
    if (a.hasF()) {
      m.put("f", jsonFloat(a.getF()));
    }
    if (a.hasI()) {
      m.put("i", a.getI());
    }
    if (a.hasS()) {
      putBytes(m, "s", a.getS());
    }
    if (a.hasT()) {
      m.put("t", tensorJson(a.getT(), sink.accept(a.getName(), a.getT())));
    }
    if (a.hasG()) {
      m.put("g", proto(a.getG()));
    }
    if (a.hasTp()) {
      m.put("tp", proto(a.getTp()));
    }
    if (a.hasSparseTensor()) {
      m.put("sparse_tensor", proto(a.getSparseTensor()));
    }
    if (a.getFloatsCount() > 0) {
      List<Object> floats = new ArrayList<>(a.getFloatsCount());
      for (int i = 0; i < a.getFloatsCount(); i++) {
        floats.add(jsonFloat(a.getFloats(i)));
      }
      m.put("floats", floats);
    }
    if (a.getIntsCount() > 0) {
      m.put("ints", new ArrayList<>(a.getIntsList()));
    }
    if (a.getStringsCount() > 0) {
      boolean utf8 = a.getStringsList().stream().allMatch(ByteString::isValidUtf8);
      List<String> strings = new ArrayList<>();
      for (ByteString s : a.getStringsList()) {
        strings.add(utf8 ? s.toStringUtf8() : b64(s.toByteArray()));
      }
      m.put(utf8 ? "strings" : "strings_base64", strings);
    }
    putProtos(m, "tensors", a.getTensorsList());
    putProtos(m, "graphs", a.getGraphsList());
    putProtos(m, "sparse_tensors", a.getSparseTensorsList());
    putProtos(m, "type_protos", a.getTypeProtosList());
    AttributeProto rest = a.toBuilder().clearName().clearType().clearRefAttrName()
        .clearDocString().clearF().clearI().clearS().clearT().clearG().clearTp()
        .clearSparseTensor().clearFloats().clearInts().clearStrings().clearTensors()
        .clearGraphs().clearSparseTensors().clearTypeProtos().build();
    if (rest.getSerializedSize() > 0) {
      m.put("extra", b64(rest.toByteArray()));
    }
    return m;
  }

  /** A tensor as JSON: a reference to the weight {@code param}, or the whole message. */
  static Map<String, Object> tensorJson(TensorProto t, String param) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (param == null) {
      m.put("proto", b64(t.toByteArray()));
      return m;
    }
    m.put("param", param);
    m.put("field", OnnxTensors.fieldOf(t));
    if (t.hasName()) {
      m.put("name", t.getName());
    }
    TensorProto rest = OnnxTensors.clearValues(t.toBuilder()).clearDims().clearDataType()
        .clearName().build();
    if (rest.getSerializedSize() > 0) {
      m.put("extra", b64(rest.toByteArray()));
    }
    return m;
  }

  /**
   * Rebuilds an attribute from {@link #toJson}'s output.
   *
   * @throws IllegalArgumentException naming the field that is not what it should be
   */
  static AttributeProto fromJson(Map<String, Object> m, TensorSource source) {
    AttributeProto.Builder b = AttributeProto.newBuilder();
    try {
      if (m.containsKey("extra")) {
        b.mergeFrom(unb64(m.get("extra")));
      }
      if (m.containsKey("name")) {
        b.setName(str(m.get("name")));
      }
      if (m.containsKey("type")) {
        b.setType(AttributeProto.AttributeType.valueOf(
            str(m.get("type")).toUpperCase(Locale.ROOT)));
      }
      if (m.containsKey("ref_attr_name")) {
        b.setRefAttrName(str(m.get("ref_attr_name")));
      }
      if (m.containsKey("doc_string")) {
        b.setDocString(str(m.get("doc_string")));
      }
      if (m.containsKey("f")) {
        b.setF(toFloat(m.get("f")));
      }
      if (m.containsKey("i")) {
        b.setI(toLong(m.get("i")));
      }
      if (m.containsKey("s")) {
        b.setS(ByteString.copyFromUtf8(str(m.get("s"))));
      }
      if (m.containsKey("s_base64")) {
        b.setS(ByteString.copyFrom(unb64(m.get("s_base64"))));
      }
      if (m.containsKey("t")) {
        b.setT(tensorFromJson(map(m.get("t")), source));
      }
      if (m.containsKey("g")) {
        b.setG(GraphProto.parseFrom(unb64(map(m.get("g")).get("proto"))));
      }
      if (m.containsKey("tp")) {
        b.setTp(TypeProto.parseFrom(unb64(map(m.get("tp")).get("proto"))));
      }
      if (m.containsKey("sparse_tensor")) {
        b.setSparseTensor(SparseTensorProto.parseFrom(
            unb64(map(m.get("sparse_tensor")).get("proto"))));
      }
      for (Object v : list(m.get("floats"))) {
        b.addFloats(toFloat(v));
      }
      for (Object v : list(m.get("ints"))) {
        b.addInts(toLong(v));
      }
      for (Object v : list(m.get("strings"))) {
        b.addStrings(ByteString.copyFromUtf8(str(v)));
      }
      for (Object v : list(m.get("strings_base64"))) {
        b.addStrings(ByteString.copyFrom(unb64(v)));
      }
      for (Object v : list(m.get("tensors"))) {
        b.addTensors(TensorProto.parseFrom(unb64(map(v).get("proto"))));
      }
      for (Object v : list(m.get("graphs"))) {
        b.addGraphs(GraphProto.parseFrom(unb64(map(v).get("proto"))));
      }
      for (Object v : list(m.get("sparse_tensors"))) {
        b.addSparseTensors(SparseTensorProto.parseFrom(unb64(map(v).get("proto"))));
      }
      for (Object v : list(m.get("type_protos"))) {
        b.addTypeProtos(TypeProto.parseFrom(unb64(map(v).get("proto"))));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("attribute '" + m.get("name")
          + "' holds a base64 message that does not parse: " + e.getMessage(), e);
    }
    return b.build();
  }

  static TensorProto tensorFromJson(Map<String, Object> ref, TensorSource source)
      throws InvalidProtocolBufferException {
    if (ref.containsKey("proto")) {
      return TensorProto.parseFrom(unb64(ref.get("proto")));
    }
    return source.tensor(ref);
  }

  private static void putBytes(Map<String, Object> m, String key, ByteString bytes) {
    if (bytes.isValidUtf8()) {
      m.put(key, bytes.toStringUtf8());
    } else {
      m.put(key + "_base64", b64(bytes.toByteArray()));
    }
  }

  private static void putProtos(Map<String, Object> m, String key,
      List<? extends MessageLite> protos) {
    if (!protos.isEmpty()) {
      List<Object> out = new ArrayList<>();
      protos.forEach(p -> out.add(proto(p)));
      m.put(key, out);
    }
  }

  static Map<String, Object> proto(MessageLite message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("proto", b64(message.toByteArray()));
    return m;
  }

  static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  static byte[] unb64(Object text) {
    try {
      return Base64.getDecoder().decode(str(text));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not base64: " + e.getMessage(), e);
    }
  }

  /**
   * A float as JSON: the shortest decimal that reads back to the same bits, so attributes stay
   * readable ({@code 1.0E-4}, not {@code 1.0000000474974513E-4}); non-finite values and NaN
   * payloads become strings.
   */
  static Object jsonFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      if (Float.isInfinite(f) || bits == Float.floatToRawIntBits(Float.NaN)) {
        return Float.toString(f);
      }
      return String.format(Locale.ROOT, "0x%08x", bits);
    }
    double d = Double.parseDouble(Float.toString(f));
    return Float.floatToRawIntBits((float) d) == bits ? d : (double) f;
  }

  static float toFloat(Object v) {
    if (v instanceof Number) {
      return ((Number) v).floatValue();
    }
    String s = str(v);
    if (s.startsWith("0x")) {
      return Float.intBitsToFloat(Integer.parseUnsignedInt(s.substring(2), 16));
    }
    return Float.parseFloat(s);
  }

  static long toLong(Object v) {
    if (v instanceof Number) {
      return ((Number) v).longValue();
    }
    throw new IllegalArgumentException("expected an integer, got " + v);
  }

  static String str(Object v) {
    if (v instanceof String) {
      return (String) v;
    }
    throw new IllegalArgumentException("expected a string, got " + v);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object v) {
    if (v instanceof Map) {
      return (Map<String, Object>) v;
    }
    throw new IllegalArgumentException("expected an object, got " + v);
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object v) {
    if (v == null) {
      return List.of();
    }
    if (v instanceof List) {
      return (List<Object>) v;
    }
    throw new IllegalArgumentException("expected a list, got " + v);
  }
}
