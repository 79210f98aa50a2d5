package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JointCoderTest {
  /** The byte planes of {@code n} Gaussian float32 weights of scale 0.05. */
  private static byte[][] gaussianPlanes(int n, long seed) {
    return GaussianWeights.planes(GaussianWeights.values(n, 0.05, seed));
  }

  private static PlaneCodec.Plane decode(byte[] coded, int n, PlaneCodec.Plane above)
      throws IOException {
    return PlaneCodec.decode(coded, 0, coded.length, n, above);
  }

  /**
   * Every j that has at most 256 symbols, with the sign in the symbol or apart, reads back
   * both planes exactly, for lengths that do and do not fill the last eight packed values;
   * the first plane decodes alone; the estimate is the coded size. Gaussian weights have
   * about 40 signed binades, so j = 4 and 5 (up to 640 and 1280 symbols) may not apply, nor,
   * with the sign apart, j = 5.
   */
  @Test void roundTripsEveryWidth() throws IOException {
    for (int n : new int[] {4096, 4099, 100_003}) {
      byte[][] planes = gaussianPlanes(n, n);
      long[] top = JointCoder.histogram(planes[0], planes[1], n);
      for (int jj = 2; jj <= 2 * JointCoder.MAX_J + 1; jj++) {
        int j = jj / 2;
        boolean apart = jj % 2 == 1;
        JointCoder.Choice c = JointCoder.choice(top, n, j, apart);
        if (c == null) {
          assertTrue(j >= (apart ? 5 : 4), "j=" + j + " apart " + apart);
          continue;
        }
        byte[][] pair = JointCoder.encode(planes[0], planes[1], n, c);
        assertEquals(PlaneCodec.JOINT, PlaneCodec.of(pair[0], 0, pair[0].length));
        assertEquals(PlaneCodec.PACKED, PlaneCodec.of(pair[1], 0, pair[1].length));
        PlaneCodec.Plane first = decode(pair[0], n, null);
        String what = "n=" + n + " j=" + j + " apart " + apart;
        assertArrayEquals(planes[0], first.toArray(), what);
        assertArrayEquals(planes[1], decode(pair[1], n, first).toArray(), what);
        long bytes = pair[0].length + pair[1].length;
        assertTrue(Math.abs(bytes - c.bytes()) <= 8 + bytes / 1000,
            "estimate " + c.bytes() + ", coded " + bytes + " (" + what + ")");
      }
    }
  }

  /**
   * On Gaussian weights the pair is chosen over coding the planes apart, and comes within
   * 0.02 bits per value of the best j's order-0 entropy plus its packed bits (the symbols'
   * list and the rANS table take most of that, about 500 bytes here).
   */
  @Test void thePairIsChosenWhereItPays() throws IOException {
    int n = 300_000;
    byte[][] planes = gaussianPlanes(n, 7);
    List<byte[]> coded = PlaneCodec.encode(planes, n, 4, Compression.ZSTD);
    assertEquals(PlaneCodec.JOINT, PlaneCodec.of(coded.get(0), 0, coded.get(0).length));
    assertEquals(PlaneCodec.PACKED, PlaneCodec.of(coded.get(1), 0, coded.get(1).length));
    long[] top = JointCoder.histogram(planes[0], planes[1], n);
    double bound = Double.MAX_VALUE;
    for (int j = 1; j <= JointCoder.MAX_J; j++) {
      long[] counts = new long[1 << (8 + j)];
      for (int s = 0; s < top.length; s++) {
        counts[s >>> (JointCoder.MAX_J - j)] += top[s];
      }
      bound = Math.min(bound, BytePlanes.entropy(counts, n) + 8 - j);
    }
    double bits = 8.0 * (coded.get(0).length + coded.get(1).length) / n;
    assertTrue(bits < bound + 0.02, bits + " bits per value, bound " + bound);
    // symmetric weights take the sign apart (a table half the size); weights of one sign keep
    // it in the symbol, where it costs nothing
    assertTrue(JointCoder.choose(top, n).signApart(), "Gaussian: sign apart");
    byte[][] positive = gaussianPlanes(n, 7);
    for (int i = 0; i < n; i++) {
      positive[0][i] &= 0x7f;
    }
    assertTrue(!JointCoder.choose(JointCoder.histogram(positive[0], positive[1], n), n)
        .signApart(), "one sign: in the symbol");
    PlaneCodec.Plane first = decode(coded.get(0), n, null);
    assertArrayEquals(planes[1], decode(coded.get(1), n, first).toArray());

    // without an LZ codec every plane stays raw; below the minimum the planes go apart
    List<byte[]> none = PlaneCodec.encode(planes, n, 4, Compression.NONE);
    for (byte[] plane : none) {
      assertEquals(PlaneCodec.RAW, PlaneCodec.of(plane, 0, plane.length));
    }
    int small = JointCoder.MIN_VALUES - 1;
    byte[][] few = gaussianPlanes(small, 3);
    assertEquals(PlaneCodec.ANS, PlaneCodec.of(
        PlaneCodec.encode(few, small, 4, Compression.ZSTD).get(0), 0, 5));
  }

  /**
   * Values spread over more binades than 256 signed symbols hold (220 exponents, both signs)
   * can be coded with the sign apart, where the exponent alone is the symbol for j = 1 (here
   * that does not pay: exponents and mantissas drawn uniformly have nothing to share); a nearly
   * constant first plane (a delta's) is left to rANS or LZ alone.
   */
  @Test void wideRangesTakeTheSignApartAndDeltasArePlanesAlone() throws IOException {
    int n = 50_000;
    Random r = new Random(9);
    byte[] raw = new byte[4 * n];
    java.nio.FloatBuffer f = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0; i < n; i++) {
      f.put((float) ((r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(),
          100 - r.nextInt(220))));
    }
    byte[][] planes = GaussianWeights.planes(raw);
    long[] top = JointCoder.histogram(planes[0], planes[1], n);
    for (int j = 1; j <= JointCoder.MAX_J; j++) {
      assertNull(JointCoder.choice(top, n, j, false), "signed symbols, j=" + j);
    }
    JointCoder.Choice c = JointCoder.choose(top, n);
    assertTrue(c.signApart() && c.j() == 1, c.toString());
    byte[][] pair = JointCoder.encode(planes[0], planes[1], n, c);
    PlaneCodec.Plane first = decode(pair[0], n, null);
    assertArrayEquals(planes[0], first.toArray());
    assertArrayEquals(planes[1], decode(pair[1], n, first).toArray());

    byte[][] delta = new byte[4][n];
    for (int i = 0; i < n; i++) {
      delta[0][i] = (byte) (r.nextInt(50) == 0 ? 1 : 0);
      delta[1][i] = (byte) r.nextInt(256);
    }
    PlaneCodec top0 = PlaneCodec.of(PlaneCodec.encode(delta, n, 4, Compression.ZSTD).get(0),
        0, 5);
    assertTrue(top0 == PlaneCodec.ANS || top0 == PlaneCodec.ZSTD, top0.toString());
  }

  /** A damaged pair is an error naming what is wrong, never wrong bytes. */
  @Test void rejectsDamage() throws IOException {
    int n = 10_000;
    byte[][] planes = gaussianPlanes(n, 11);
    long[] top = JointCoder.histogram(planes[0], planes[1], n);
    byte[][] pair = JointCoder.encode(planes[0], planes[1], n, JointCoder.choice(top, n, 3, false));
    PlaneCodec.Plane first = decode(pair[0], n, null);

    IOException e = assertThrows(IOException.class, () -> decode(pair[1], n, null));
    assertTrue(e.getMessage().contains("joint plane above"), e.getMessage());
    e = assertThrows(IOException.class,
        () -> decode(pair[1], n, new PlaneCodec.Plane(planes[0])));
    assertTrue(e.getMessage().contains("joint plane above"), e.getMessage());
    byte[] otherJ = pair[1].clone();
    otherJ[PlaneCodec.HEADER] = 2;
    e = assertThrows(IOException.class, () -> decode(otherJ, n, first));
    assertTrue(e.getMessage().contains("top 3"), e.getMessage());
    byte[] badJ = pair[0].clone();
    badJ[PlaneCodec.HEADER] = 9;
    e = assertThrows(IOException.class, () -> decode(badJ, n, null));
    assertTrue(e.getMessage().contains("expected 1..5"), e.getMessage());
    byte[] shortPacked = java.util.Arrays.copyOf(pair[1], pair[1].length - 1);
    assertThrows(IOException.class, () -> decode(shortPacked, n, first));
    for (int cut : new int[] {PlaneCodec.HEADER + 1, PlaneCodec.HEADER + 3, pair[0].length / 2,
        pair[0].length - 1}) {
      byte[] truncated = java.util.Arrays.copyOf(pair[0], cut);
      assertThrows(IOException.class, () -> decode(truncated, n, null), "cut " + cut);
    }
    // with the sign apart too: cut inside its signs or its stream
    byte[][] apart = JointCoder.encode(planes[0], planes[1], n,
        JointCoder.choice(top, n, 3, true));
    assertArrayEquals(planes[0], decode(apart[0], n, null).toArray());
    for (int cut : new int[] {PlaneCodec.HEADER + 40, apart[0].length - 100}) {
      byte[] truncated = java.util.Arrays.copyOf(apart[0], cut);
      assertThrows(IOException.class, () -> decode(truncated, n, null), "apart, cut " + cut);
    }
    // a list of symbols that does not cover the alphabet
    byte[] runs = pair[0].clone();
    runs[PlaneCodec.HEADER + 2]++;
    e = assertThrows(IOException.class, () -> decode(runs, n, null));
    assertTrue(e.getMessage().contains("symbols"), e.getMessage());
  }
}
