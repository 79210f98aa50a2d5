package org.modelhub.store.format.caffe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.TextFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter;
import org.modelhub.store.model.NetworkJson;

/** The descriptor-driven conversion between Caffe messages and attribute JSON. */
class CaffeJsonTest {
  @Test void floatsSurviveTheCatalogsJson() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      if (!Float.isFinite(f)) {
        continue;
      }
      String json = NetworkJson.MAPPER.writeValueAsString(Map.of("v", CaffeJson.floatValue(f)));
      Object back = NetworkJson.parseAttrs(json).get("v");
      assertEquals(Float.floatToRawIntBits(f),
          Float.floatToRawIntBits(CaffeJson.toFloat(back, "v")), json);
    }
    for (float f : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        -0f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-4f, 0.999f}) {
      String json = NetworkJson.MAPPER.writeValueAsString(Map.of("v", CaffeJson.floatValue(f)));
      Object back = NetworkJson.parseAttrs(json).get("v");
      assertEquals(Float.floatToIntBits(f), Float.floatToIntBits(CaffeJson.toFloat(back, "v")),
          json);
    }
  }

  @Test void anyLayerParameterRoundTrips() throws Exception {
    LayerParameter lp = TextFormat.parse(String.join("\n",
        "name: \"x\" type: \"Weird\" bottom: \"a\" top: \"b\" phase: TEST",
        "loss_weight: 0.5 propagate_down: false",
        "include { phase: TRAIN stage: \"s\" min_level: -2 }",
        "param { name: \"shared\" share_mode: PERMISSIVE lr_mult: 0.1 }",
        "convolution_param { num_output: 4000000000 kernel_size: 3 kernel_size: 5",
        "  weight_filler { type: \"gaussian\" std: 0.01 variance_norm: AVERAGE } engine: CUDNN }",
        "python_param { param_str: \"ünïcode\" }",
        "reshape_param { shape { dim: 0 dim: -1 dim: 9000000000 } }",
        "transform_param { mean_value: 104 mean_value: 117.5 }"), LayerParameter.class);
    Map<String, Object> map = CaffeJson.toMap(lp);
    Map<?, ?> conv = (Map<?, ?>) map.get("convolution_param");
    assertEquals(4000000000L, conv.get("num_output"));
    assertEquals("CUDNN", conv.get("engine"));
    assertEquals(List.of(0, -1, 9000000000L),
        ((Map<?, ?>) ((Map<?, ?>) map.get("reshape_param")).get("shape")).get("dim"));
    // through the catalog's JSON text and back into a message
    Map<String, Object> json = NetworkJson.parseAttrs(NetworkJson.attrsToJson(map));
    assertEquals(map, json);
    LayerParameter.Builder b = LayerParameter.newBuilder();
    CaffeJson.merge(json, b, "");
    assertEquals(lp, b.build());
  }

  @Test void mergeNamesTheBadField() {
    assertThrows(IllegalArgumentException.class, () -> merge(Map.of("nme", "x")), "nme");
    var e = assertThrows(IllegalArgumentException.class, () -> merge(Map.of(
        "pooling_param", Map.of("pool", "MEDIAN"))));
    assertTrue(e.getMessage().startsWith("pooling_param.pool: \"MEDIAN\" is not one of"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> merge(Map.of(
        "convolution_param", Map.of("kernel_size", List.of(3, -1)))));
    assertTrue(e.getMessage().startsWith("convolution_param.kernel_size[1]: -1 is out of"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> merge(Map.of("bottom", "a")));
    assertTrue(e.getMessage().startsWith("bottom: expected a list"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> merge(Map.of(
        "dropout_param", Map.of("dropout_ratio", "half"))));
    assertTrue(e.getMessage().startsWith("dropout_param.dropout_ratio: expected a number"),
        e.getMessage());
  }

  @Test void everyV1FieldHasItsModernCounterpart() {
    Set<String> folded = Set.of("type", "blobs_lr", "weight_decay", "param",
        "blob_share_mode");
    for (FieldDescriptor f : V1LayerParameter.getDescriptor().getFields()) {
      if (folded.contains(f.getName())) {
        continue;
      }
      FieldDescriptor m = LayerParameter.getDescriptor().findFieldByName(f.getName());
      assertNotNull(m, f.getName());
      assertEquals(f.getType(), m.getType(), f.getName());
      assertEquals(f.isRepeated(), m.isRepeated(), f.getName());
      if (f.getType() == FieldDescriptor.Type.MESSAGE) {
        assertEquals(f.getMessageType(), m.getMessageType(), f.getName());
      }
    }
    for (V1LayerParameter.LayerType t : V1LayerParameter.LayerType.values()) {
      LayerParameter lp = CaffeV1.upgrade(V1LayerParameter.newBuilder().setType(t).build());
      assertEquals(t != V1LayerParameter.LayerType.NONE, lp.hasType(), t.name());
    }
  }

  private static void merge(Map<String, Object> map) {
    CaffeJson.merge(new LinkedHashMap<>(map), LayerParameter.newBuilder(), "");
  }
}
