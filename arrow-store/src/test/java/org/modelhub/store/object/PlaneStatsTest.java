package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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

  /**
   * On Gaussian float32 weights the estimate follows the coder, which codes the first two
   * planes as a pair: it comes within half a percent of the coded planes, whose size the
   * order-0 bound (with the pair) stays under, and which are well under the bound of the
   * planes coded apart.
   */
  @Test void estimatesThePairTheCoderTakes() throws Exception {
    int n = 200_000;
    byte[] value = GaussianWeights.values(n, 0.02, 4);
    byte[][] planes = GaussianWeights.planes(value);
    List<byte[]> coded = PlaneCodec.encode(planes, n, 4, Compression.ZSTD);
    assertEquals(PlaneCodec.JOINT, PlaneCodec.of(coded.get(0), 0, 5));
    long bytes = coded.stream().mapToLong(c -> c.length).sum();
    PlaneStats s = PlaneStats.of(value, null, 4, null, false);
    long framing = 64L * 4 + 600;
    assertEquals(bytes, s.estimate(n) - framing, bytes * 0.005, "estimate");
    assertTrue(s.bound(n) < bytes, s.bound(n) + " vs " + bytes);
    assertTrue(s.bound(n) < s.planesBound(n) - 0.1 * n / 8, "the pair's bound is lower");
    assertTrue(s.pairBits() < s.bits(0) + s.bits(1), "pair " + s.pairBits());
    // sampled, as the commit estimates: close to the full count
    assertEquals(s.estimate(n), PlaneStats.of(value, null, 4, null, true).estimate(n),
        bytes * 0.01, "sampled estimate");
  }
}
