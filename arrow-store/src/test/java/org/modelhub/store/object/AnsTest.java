package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class AnsTest {
  private static byte[] plane(int n, long seed, IntUnaryOperator symbol) {
    Random r = new Random(seed);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) symbol.applyAsInt(r.nextInt(1 << 20));
    }
    return b;
  }

  /** Codes and decodes a plane (a single-symbol plane is {@link PlaneCodec#CONST}'s). */
  private static byte[] roundTrip(byte[] src) throws IOException {
    long[] counts = BytePlanes.histogram(src, src.length);
    if (Arrays.stream(counts).filter(c -> c > 0).count() < 2) {
      return src;
    }
    Ans.Table table = Ans.Table.of(counts, src.length);
    byte[] coded = Ans.encode(src, src.length, table);
    // the estimate is the ideal code length; the states' finite precision adds a little
    assertEquals(table.codedBytes(counts), coded.length, 16 + coded.length / 1000.0,
        "the size estimate");
    byte[] back = new byte[src.length];
    Ans.decode(coded, 0, coded.length, back, src.length);
    assertArrayEquals(src, back);
    return coded;
  }

  /** Uniform, skewed, two-symbol and nearly constant planes, of lengths around the states. */
  @Test void roundTripsEveryShapeOfPlane() throws IOException {
    for (int n : new int[] {2, 3, 4, 5, 7, 8, 9, 1000, 65_537}) {
      roundTrip(plane(n, n, x -> x));
      roundTrip(plane(n, n + 1, x -> x % 2));
      roundTrip(plane(n, n + 2, x -> x < 1000 ? x : 7));
      roundTrip(plane(n, n + 3, x -> (int) Math.abs(Math.log(x + 1.0) * 9)));
      byte[] two = new byte[n];
      two[n - 1] = 1;
      roundTrip(two);
    }
  }

  /**
   * Within two hundredths of a bit per byte of the order-0 entropy (what 12-bit frequencies
   * allow a plane with many rare symbols), and below one bit.
   */
  @Test void codesAtTheEntropy() throws IOException {
    int n = 1 << 20;
    for (IntUnaryOperator f : new IntUnaryOperator[] {
        x -> x, x -> x % 3 == 0 ? x % 5 : 0, x -> x < 5000 ? 1 : 0,
        x -> (int) Math.abs(Math.log(x + 1.0) * 9)}) {
      byte[] src = plane(n, 42, f);
      long[] counts = BytePlanes.histogram(src, n);
      double entropy = BytePlanes.entropy(counts, n);
      double bits = 8.0 * roundTrip(src).length / n;
      assertTrue(bits < entropy + 0.02, bits + " bits per byte against an entropy of "
          + entropy);
    }
  }

  /** Rare symbols keep a frequency of at least one; the table sums to 2^12. */
  @Test void normalisesRareSymbols() {
    long[] counts = new long[256];
    counts[0] = 10_000_000;
    for (int s = 1; s < 256; s++) {
      counts[s] = 1;
    }
    Ans.Table t = Ans.Table.of(counts, 10_000_255);
    assertEquals(1 << Ans.SCALE_BITS, Arrays.stream(t.freq).sum());
    assertTrue(Arrays.stream(t.freq).allMatch(f -> f >= 1));
  }

  /** A cut or damaged stream is an IOException, never an index error or silent garbage. */
  /**
   * The normalisation gives the tables of the greedy it implements: each slot to the symbol
   * that gains the most by it (a scan of all symbols per slot, ties to the smaller symbol),
   * on planes small and large, flat and peaked, short of slots and over.
   */
  @Test void normalisationIsTheGreedyScan() {
    Random r = new Random(11);
    for (int trial = 0; trial < 300; trial++) {
      long[] counts = new long[256];
      int distinct = 2 + r.nextInt(255);
      long total = 0;
      for (int i = 0; i < distinct; i++) {
        long c = trial % 3 == 0 ? 1 + r.nextInt(3) : 1 + (long) Math.abs(r.nextGaussian()
            * (trial % 3 == 1 ? 50 : 100_000));
        counts[r.nextInt(256)] += c;
      }
      for (long c : counts) {
        total += c;
      }
      if (Arrays.stream(counts).filter(c -> c > 0).count() < 2) {
        continue;
      }
      assertArrayEquals(greedyScan(counts, total), Ans.Table.of(counts, total).freq,
          "trial " + trial);
    }
  }

  /** The normalisation's definition, one scan of all symbols per slot. */
  private static int[] greedyScan(long[] counts, long total) {
    int m = 1 << Ans.SCALE_BITS;
    int[] f = new int[256];
    int sum = 0;
    for (int s = 0; s < 256; s++) {
      if (counts[s] > 0) {
        f[s] = (int) Math.max(1, Math.round((double) counts[s] * m / total));
        sum += f[s];
      }
    }
    while (sum != m) {
      int best = -1;
      double bestGain = 0;
      for (int s = 0; s < 256; s++) {
        if (counts[s] == 0 || sum > m && f[s] == 1) {
          continue;
        }
        double gain = sum < m ? counts[s] * Math.log((f[s] + 1.0) / f[s])
            : -counts[s] * Math.log(f[s] / (f[s] - 1.0));
        if (best < 0 || gain > bestGain) {
          best = s;
          bestGain = gain;
        }
      }
      f[best] += sum < m ? 1 : -1;
      sum += sum < m ? 1 : -1;
    }
    return f;
  }

  @Test void rejectsDamagedStreams() throws IOException {
    byte[] src = plane(100_000, 7, x -> (int) Math.abs(Math.log(x + 1.0) * 9));
    byte[] coded = roundTrip(src);
    byte[] out = new byte[src.length];
    for (int cut : new int[] {0, 10, 40, coded.length / 2, coded.length - 1}) {
      assertThrows(IOException.class,
          () -> Ans.decode(Arrays.copyOf(coded, cut), 0, cut, out, src.length), "cut " + cut);
    }
    int detected = 0;
    for (int at = 60; at < coded.length; at += coded.length / 50) {
      byte[] bad = coded.clone();
      bad[at] ^= 0x5a;
      try {
        Ans.decode(bad, 0, bad.length, out, src.length);
      } catch (IOException e) {
        detected++;
      }
    }
    // the end-state check catches nearly all damage; the tensor's sha256 catches the rest
    assertTrue(detected >= 40, detected + " of 50 damaged streams detected");
    byte[] badTable = coded.clone();
    badTable[32] ^= 1;
    assertThrows(IOException.class, () -> Ans.decode(badTable, 0, badTable.length, out,
        src.length));
  }

  /**
   * A table of {@value Ans#FINE_SCALE_BITS} bits codes many rare symbols closer to their
   * entropy than 12 bits can (each rare symbol takes at least 1/4096 there), its frequencies
   * of up to three varint bytes read back, and a decoder can map each symbol to two outputs.
   */
  @Test void finerTablesForManyRareSymbols() throws IOException {
    int n = 300_000;
    // one symbol at half the plane (a frequency of 2^13, three varint bytes), 200 rare ones
    byte[] src = plane(n, 5, x -> x < 1 << 19 ? 0 : 1 + x % 200);
    for (int i = 0; i < n; i += 997) {
      src[i] = (byte) (201 + i % 50);
    }
    long[] counts = BytePlanes.histogram(src, n);
    Ans.Table coarse = Ans.Table.of(counts, n);
    Ans.Table fine = Ans.Table.of(counts, n, Ans.FINE_SCALE_BITS);
    assertEquals(1 << Ans.FINE_SCALE_BITS, Arrays.stream(fine.freq).sum());
    byte[] coded = Ans.encode(src, n, fine);
    assertTrue(coded.length < Ans.encode(src, n, coarse).length, "finer is smaller");
    byte[] back = new byte[n];
    byte[] twice = new byte[n];
    byte[] map = new byte[256];
    byte[] map2 = new byte[256];
    for (int s = 0; s < 256; s++) {
      map[s] = (byte) s;
      map2[s] = (byte) (s * 2);
    }
    Ans.decode(coded, 0, coded.length, n, Ans.FINE_SCALE_BITS,
        new Ans.Output(251, false, back, map, twice, map2));
    assertArrayEquals(src, back);
    for (int i = 0; i < n; i++) {
      assertEquals((byte) (src[i] * 2), twice[i]);
    }
    // a table that codes a symbol past the caller's alphabet, or read at another scale
    IOException e = assertThrows(IOException.class, () -> Ans.decode(coded, 0, coded.length, n,
        Ans.FINE_SCALE_BITS, new Ans.Output(250, false, back, map, null, null)));
    assertTrue(e.getMessage().contains("symbol 250 of an alphabet of 250"), e.getMessage());
    assertThrows(IOException.class, () -> Ans.decode(coded, 0, coded.length, back, n));
  }

  /**
   * A table of symbols 0..k-1 written dense (without its 32-byte presence bitmap) reads back
   * given k; read with another k, or as a bitmap table, it is an error.
   */
  @Test void denseTablesForNumberedSymbols() throws IOException {
    int n = 50_000;
    byte[] src = plane(n, 9, x -> x % 37);
    long[] counts = BytePlanes.histogram(src, n);
    Ans.Table t = Ans.Table.of(counts, n, Ans.FINE_SCALE_BITS);
    byte[] sparse = Ans.encode(src, n, t);
    byte[] dense = Ans.encode(src, n, t.dense());
    assertEquals(sparse.length - 32, dense.length);
    byte[] back = new byte[n];
    byte[] identity = new byte[256];
    for (int s = 0; s < 256; s++) {
      identity[s] = (byte) s;
    }
    Ans.decode(dense, 0, dense.length, n, Ans.FINE_SCALE_BITS,
        new Ans.Output(37, true, back, identity, null, null));
    assertArrayEquals(src, back);
    for (int k : new int[] {36, 38}) {
      assertThrows(IOException.class, () -> Ans.decode(dense, 0, dense.length, n,
          Ans.FINE_SCALE_BITS, new Ans.Output(k, true, back, identity, null, null)), "k=" + k);
    }
    assertThrows(IOException.class, () -> Ans.decode(dense, 0, dense.length, n,
        Ans.FINE_SCALE_BITS, new Ans.Output(256, false, back, identity, null, null)));
    long[] gap = counts.clone();
    gap[3] = 0;
    assertThrows(IllegalArgumentException.class,
        () -> Ans.Table.of(gap, n - counts[3], Ans.FINE_SCALE_BITS).dense());
  }
}
