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
    assertArrayEquals(plane, PlaneCodec.decode(coded, 0, coded.length, plane.length).toArray());
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

  @Test void rejectsBadHeaders() throws IOException {
    byte[] coded = PlaneCodec.encode(new byte[1000], 1000, Compression.ZSTD);
    assertThrows(IOException.class, () -> PlaneCodec.decode(coded, 0, 3, 1000));
    assertThrows(IOException.class, () -> PlaneCodec.decode(coded, 0, coded.length, 999));
    byte[] tag = coded.clone();
    tag[0] = 42;
    IOException e = assertThrows(IOException.class,
        () -> PlaneCodec.decode(tag, 0, tag.length, 1000));
    assertTrue(e.getMessage().contains("tag 42"), e.getMessage());
  }
}
