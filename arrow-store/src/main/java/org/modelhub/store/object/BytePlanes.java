package org.modelhub.store.object;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Bytewise segmentation of fixed-width little-endian values: value {@code i} of width
 * {@code w} becomes byte {@code i} of planes {@code 0..w-1}, plane 0 holding the most
 * significant byte (for float32: the sign and the top seven exponent bits).
 */
final class BytePlanes {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private BytePlanes() {
  }

  /** Splits {@code n} values of {@code src} (from {@code off}) into {@code planes}. */
  static void split(byte[] src, int off, int n, int width, byte[][] planes) {
    int i = 0;
    if (width == 4) {
      i = split4(src, off, n, planes[0], planes[1], planes[2], planes[3]);
    }
    for (int p = 0; p < width; p++) {
      byte[] plane = planes[p];
      for (int j = i, b = off + j * width + width - 1 - p; j < n; j++, b += width) {
        plane[j] = src[b];
      }
    }
  }

  /**
   * Splits float32 values four at a time, as a 4x4 byte transpose in registers: four int
   * loads and four int stores instead of sixteen byte loads and stores (2-3x faster). Returns
   * how many values it split (a multiple of 4); the rest are the caller's.
   */
  private static int split4(byte[] src, int off, int n, byte[] p0, byte[] p1, byte[] p2,
      byte[] p3) {
    int i = 0;
    for (int s = off; i + 3 < n; i += 4, s += 16) {
      // values a, b, c, d with bytes a0 (least significant) .. a3
      int a = (int) INT.get(src, s);
      int b = (int) INT.get(src, s + 4);
      int c = (int) INT.get(src, s + 8);
      int d = (int) INT.get(src, s + 12);
      int ab02 = (a & 0x00ff00ff) | (b & 0x00ff00ff) << 8;
      int ab13 = (a >>> 8 & 0x00ff00ff) | (b & 0xff00ff00);
      int cd02 = (c & 0x00ff00ff) | (d & 0x00ff00ff) << 8;
      int cd13 = (c >>> 8 & 0x00ff00ff) | (d & 0xff00ff00);
      INT.set(p3, i, (ab02 & 0xffff) | cd02 << 16);
      INT.set(p1, i, ab02 >>> 16 | (cd02 & 0xffff0000));
      INT.set(p2, i, (ab13 & 0xffff) | cd13 << 16);
      INT.set(p0, i, ab13 >>> 16 | (cd13 & 0xffff0000));
    }
    return i;
  }

  /**
   * Joins planes back into little-endian values at {@code dst[off..]}: plane {@code p} is
   * {@code n} bytes of {@code planes[p]} from {@code from[p]}; planes from {@code k} on are
   * treated as zero (a progressive read of the top {@code k} planes).
   */
  static void merge(byte[][] planes, int[] from, int k, int n, int width, byte[] dst,
      int off) {
    if (width == 4 && k == 4) {
      byte[] p0 = planes[0];
      byte[] p1 = planes[1];
      byte[] p2 = planes[2];
      byte[] p3 = planes[3];
      int f0 = from[0];
      int f1 = from[1];
      int f2 = from[2];
      int f3 = from[3];
      for (int i = 0, d = off; i < n; i++, d += 4) {
        dst[d] = p3[f3 + i];
        dst[d + 1] = p2[f2 + i];
        dst[d + 2] = p1[f1 + i];
        dst[d + 3] = p0[f0 + i];
      }
      return;
    }
    for (int p = 0; p < width; p++) {
      int b = off + width - 1 - p;
      if (p >= k) {
        for (int i = 0; i < n; i++, b += width) {
          dst[b] = 0;
        }
        continue;
      }
      byte[] plane = planes[p];
      for (int i = 0, at = from[p]; i < n; i++, at++, b += width) {
        dst[b] = plane[at];
      }
    }
  }

  /** Symbol counts of {@code n} bytes of {@code b}. */
  static long[] histogram(byte[] b, int n) {
    // four tables, so that runs of one symbol do not serialise on one counter
    int[] h0 = new int[256];
    int[] h1 = new int[256];
    int[] h2 = new int[256];
    int[] h3 = new int[256];
    int i = 0;
    for (; i + 3 < n; i += 4) {
      h0[b[i] & 0xff]++;
      h1[b[i + 1] & 0xff]++;
      h2[b[i + 2] & 0xff]++;
      h3[b[i + 3] & 0xff]++;
    }
    for (; i < n; i++) {
      h0[b[i] & 0xff]++;
    }
    long[] h = new long[256];
    for (int s = 0; s < 256; s++) {
      h[s] = (long) h0[s] + h1[s] + h2[s] + h3[s];
    }
    return h;
  }

  static double entropy(long[] h, long total) {
    double e = 0;
    for (long c : h) {
      if (c > 0) {
        double p = c / (double) total;
        e -= p * Math.log(p);
      }
    }
    return e / Math.log(2);
  }

  /**
   * Order-0 entropy of a sample of {@code len} bytes: up to 8 runs of 2 KiB spread over the
   * plane, so the per-plane compression choice costs little whatever the plane's size.
   */
  static double sampledEntropy(byte[] b, int len) {
    int run = 2048;
    if (len <= 8 * run) {
      return entropy(histogram(b, len), len);
    }
    long[] h = new long[256];
    long total = 0;
    for (int s = 0; s < 8; s++) {
      int start = pieceStart(len, run, s, 8);
      for (int i = start; i < start + run; i++) {
        h[b[i] & 0xff]++;
      }
      total += run;
    }
    return entropy(h, total);
  }

  /**
   * Where piece {@code k} of {@code pieces} pieces of {@code piece} bytes starts when they are
   * spread evenly over {@code n} bytes (the first at 0, the last ending at {@code n}): the
   * samples that judge a large plane or tensor by a part of it.
   */
  static int pieceStart(int n, int piece, int k, int pieces) {
    return (int) ((long) (n - piece) * k / (pieces - 1));
  }
}
