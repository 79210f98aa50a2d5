package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PlaneStatsTest {
  /**
   * Each plane's entropy is that of the plane's bytes after the delta op, whatever path
   * counts them (float32's one-pass count included), over all values.
   */
  @Test void countsThePlanesOfTheDelta() {
    Random r = new Random(11);
    for (int width : new int[] {2, 4, 8}) {
      int n = 5000;
      byte[] value = new byte[n * width];
      byte[] base = new byte[n * width];
      for (int i = 0; i < value.length; i++) {
        // skewed bytes, so that the planes differ in entropy
        value[i] = (byte) (r.nextGaussian() * (1 + i % width * 20));
        base[i] = (byte) (value[i] + (r.nextInt(8) == 0 ? r.nextInt(5) - 2 : 0));
      }
      for (DeltaOp op : new DeltaOp[] {null, DeltaOp.XOR, DeltaOp.SUB}) {
        byte[] bytes = value;
        if (op != null) {
          bytes = new byte[value.length];
          op.encode(value, base, bytes, value.length, width);
        }
        PlaneStats s = PlaneStats.of(value, op == null ? null : base, width, op, false);
        for (int p = 0; p < width; p++) {
          long[] h = new long[256];
          for (int i = 0; i < n; i++) {
            h[bytes[i * width + width - 1 - p] & 0xff]++;
          }
          assertEquals(BytePlanes.entropy(h, n), s.bits(p), 1e-12,
              "width " + width + " op " + op + " plane " + p);
        }
      }
    }
  }
}
