package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Tensor;

/** Lossy archival schemes: errors within each scheme's bound, recorded exactly. */
class LossySchemeTest {
  private static Tensor weights(int n) {
    SplittableRandom r = new SplittableRandom(11);
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat(4 * i, (float) ((r.nextDouble() - 0.5) * 0.2));
    }
    return new Tensor("fc/W", DType.FLOAT32, new long[] {n}, b);
  }

  /**
   * Each scheme's worst case for values in [-0.1, 0.1]: half an ulp of float16 (11 bits) and
   * bfloat16 (8 bits) at 0.1, half a step of K-bit fixed point over a range of 2 x 0.125 and
   * of K-bit quantisation over a range of 0.2.
   */
  @ParameterizedTest
  @CsvSource({"float16, 0.0000306", "bfloat16, 0.000245", "fixed8, 0.000977",
      "fixed12, 0.0000611", "quant4, 0.0068", "quant8, 0.0004", "quant16, 0.0000016"})
  void errorsStayWithinTheSchemeAndAreRecorded(String spec, double bound) throws Exception {
    Tensor t = weights(5000);
    float[] exact = t.toFloats();
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      ObjectInfo o = store.putLossy(t, LossyScheme.parse(spec));
      assertEquals(LossyScheme.parse(spec).label(), o.lossy());
      assertTrue(o.isLossy() && o.storedBytes() < t.numBytes(), o.toString());
      Tensor back = store.get(o, t.name(), t.dtype(), t.shape(), "fc/W");
      float[] got = back.toFloats();
      double max = 0;
      double sq = 0;
      for (int i = 0; i < got.length; i++) {
        double e = Math.abs((double) got[i] - exact[i]);
        max = Math.max(max, e);
        sq += e * e;
      }
      assertTrue(max > 0 && max <= bound, spec + ": max error " + max + " > " + bound);
      assertEquals(max, o.maxAbsError(), 0.0, "the recorded max abs error is the measured one");
      assertEquals(Math.sqrt(sq / got.length), o.rmse(), 1e-12);
      assertNotEquals(t.sha256(), o.decodedSha256());
      assertEquals(o.decodedSha256(), Hashing.sha256Hex(back.data()));
    }
  }

  @Test void badSpecsSayWhatIsKnown() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LossyScheme.parse("int8"));
    assertTrue(e.getMessage().contains("known: float16, bfloat16, fixedK, quantK"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LossyScheme.parse("quant"));
    assertTrue(e.getMessage().contains("give the bits"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LossyScheme.parse("fixed1"));
    assertTrue(e.getMessage().contains("2 to 16 bits"), e.getMessage());
  }

  @Test void onlyFloat32IsArchivedLossy() throws Exception {
    Tensor ints = new Tensor("ids", DType.INT32, new long[] {2},
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN));
    try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
      assertThrows(IllegalArgumentException.class,
          () -> store.putLossy(ints, LossyScheme.parse("bfloat16")));
    }
  }
}
