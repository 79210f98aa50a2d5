package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlaneCodecTest {
  private static PlaneCodec chosen(byte[] plane, Compression lz) throws IOException {
    byte[] coded = PlaneCodec.encode(plane, plane.length, lz);
    assertArrayEquals(plane,
        PlaneCodec.decode(coded, 0, coded.length, plane.length, null).toArray());
    return PlaneCodec.of(coded, 0, coded.length);
  }

  /** Each kind of plane gets the codec that pays, and reads back exactly. */
  @Test void choosesWhatPays() throws IOException {
    int n = 100_000;
    Random r = new Random(3);
    byte[] random = new byte[n];
    r.nextBytes(random);
    assertEquals(PlaneCodec.RAW, chosen(random, Compression.ZSTD));
    assertEquals(PlaneCodec.CONST, chosen(new byte[n], Compression.ZSTD));
    byte[] skewed = new byte[n];
    for (int i = 0; i < n; i++) {
      skewed[i] = (byte) (60 + (int) Math.abs(r.nextGaussian() * 2));
    }
    assertEquals(PlaneCodec.ANS, chosen(skewed, Compression.ZSTD));
    // a few long runs: zstd's matches see them, an order-0 coder does not
    byte[] runs = new byte[n];
    for (int i = 0; i < n; i++) {
      runs[i] = (byte) ((i / 10_000) % 4 != 0 ? 0 : 1 + (i / 10_000) % 3);
    }
    assertEquals(PlaneCodec.ZSTD, chosen(runs, Compression.ZSTD));
    assertEquals(PlaneCodec.LZ4, chosen(runs, Compression.LZ4));
    assertEquals(PlaneCodec.RAW, chosen(skewed, Compression.NONE));
    assertEquals(PlaneCodec.RAW, chosen(new byte[10], Compression.ZSTD));
  }

  /**
   * A large plane tries zstd whole only when pieces of it code close to rANS: long runs still
   * get zstd, a nearly constant plane without runs gets rANS without the whole trial.
   */
  @Test void largePlanesTryLzOnPiecesFirst() throws IOException {
    int n = 1 << 20;
    byte[] runs = new byte[n];
    for (int i = 0; i < n; i++) {
      runs[i] = (byte) ((i / 50_000) % 4 != 0 ? 0 : 1 + (i / 50_000) % 3);
    }
    assertEquals(PlaneCodec.ZSTD, chosen(runs, Compression.ZSTD));
    assertEquals(PlaneCodec.LZ4, chosen(runs, Compression.LZ4));
    Random r = new Random(5);
    byte[] sparse = new byte[n];
    for (int i = 0; i < n; i++) {
      sparse[i] = (byte) (r.nextInt(10) == 0 ? r.nextInt(4) : 0);
    }
    assertEquals(PlaneCodec.ANS, chosen(sparse, Compression.ZSTD));
  }

  /**
   * The second plane of float32 values is coded with the first as context when that pays: its
   * top bit is the exponent's lowest, which the sign and the rest of the exponent can make
   * predictable. Here the values lie in three binades, 2^-5, 2^-8 and 2^-11, whose exponents'
   * low bits the first plane gives away.
   */
  @Test void theSecondPlaneTakesTheFirstAsContextWhenThatPays() throws IOException {
    for (int n : new int[] {300_000, 1 << 20}) {
      float[] w = new float[n];
      Random r = new Random(n);
      int[] binades = {-5, -8, -11};
      for (int i = 0; i < n; i++) {
        w[i] = (float) ((r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(),
            binades[r.nextInt(3)]));
      }
      byte[][] planes = new byte[4][n];
      byte[] raw = new byte[4 * n];
      java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
          .put(w);
      BytePlanes.split(raw, 0, n, 4, planes);
      byte[] alone = PlaneCodec.encode(planes[1], n, Compression.ZSTD);
      byte[] coded = PlaneCodec.encode(planes[1], n, Compression.ZSTD, planes[0], 0);
      assertEquals(PlaneCodec.CTX, PlaneCodec.of(coded, 0, coded.length), "n=" + n);
      assertTrue(coded.length < alone.length - n / 10, coded.length + " vs " + alone.length);
      PlaneCodec.Plane above = new PlaneCodec.Plane(planes[0]);
      assertArrayEquals(planes[1], PlaneCodec.decode(coded, 0, coded.length, n, above)
          .toArray());

      IOException e = assertThrows(IOException.class,
          () -> PlaneCodec.decode(coded, 0, coded.length, n, null));
      assertTrue(e.getMessage().contains("plane above"), e.getMessage());
      // a top-bit stream cut short or a length past the value is an error, not wrong bytes
      byte[] cut = coded.clone();
      cut[PlaneCodec.HEADER] = 3;
      cut[PlaneCodec.HEADER + 1] = 0;
      cut[PlaneCodec.HEADER + 2] = 0;
      cut[PlaneCodec.HEADER + 3] = 0;
      assertThrows(IOException.class, () -> PlaneCodec.decode(cut, 0, cut.length, n, above));
      byte[] past = coded.clone();
      past[PlaneCodec.HEADER + 3] = 0x7f;
      assertThrows(IOException.class, () -> PlaneCodec.decode(past, 0, past.length, n, above));
    }
    // a plane where the context gains little, or too short for the models to settle, is
    // coded alone
    int n = 300_000;
    byte[][] planes = GaussianWeights.planes(GaussianWeights.values(n, 0.05, 2));
    byte[] gaussian = PlaneCodec.encode(planes[1], n, Compression.ZSTD, planes[0], 0);
    assertEquals(PlaneCodec.RAW, PlaneCodec.of(gaussian, 0, gaussian.length));
    byte[] small = new byte[500];
    new Random(1).nextBytes(small);
    assertEquals(PlaneCodec.RAW, PlaneCodec.of(PlaneCodec.encode(small, 500, Compression.ZSTD,
        small, 0), 0, 500 + PlaneCodec.HEADER));
  }

  @Test void rejectsBadHeaders() throws IOException {
    byte[] coded = PlaneCodec.encode(new byte[1000], 1000, Compression.ZSTD);
    assertThrows(IOException.class, () -> PlaneCodec.decode(coded, 0, 3, 1000, null));
    assertThrows(IOException.class, () -> PlaneCodec.decode(coded, 0, coded.length, 999, null));
    byte[] tag = coded.clone();
    tag[0] = 42;
    IOException e = assertThrows(IOException.class,
        () -> PlaneCodec.decode(tag, 0, tag.length, 1000, null));
    assertTrue(e.getMessage().contains("tag 42"), e.getMessage());
  }
}
