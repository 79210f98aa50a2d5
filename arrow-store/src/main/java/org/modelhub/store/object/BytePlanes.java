package org.modelhub.store.object;

/**
 * Bytewise segmentation of fixed-width little-endian values: value {@code i} of width
 * {@code w} becomes byte {@code i} of planes {@code 0..w-1}, plane 0 holding the most
 * significant byte (for float32: the sign and the top seven exponent bits).
 */
final class BytePlanes {
  private BytePlanes() {
  }

  /** Splits {@code n} values of {@code src} (from {@code off}) into {@code planes}. */
  static void split(byte[] src, int off, int n, int width, byte[][] planes) {
    if (width == 4) {
      byte[] p0 = planes[0];
      byte[] p1 = planes[1];
      byte[] p2 = planes[2];
      byte[] p3 = planes[3];
      for (int i = 0, s = off; i < n; i++, s += 4) {
        p3[i] = src[s];
        p2[i] = src[s + 1];
        p1[i] = src[s + 2];
        p0[i] = src[s + 3];
      }
      return;
    }
    for (int p = 0; p < width; p++) {
      byte[] plane = planes[p];
      int b = off + width - 1 - p;
      for (int i = 0; i < n; i++, b += width) {
        plane[i] = src[b];
      }
    }
  }

  /**
   * Joins planes back into little-endian values at {@code dst[off..]}; planes from
   * {@code k} on are treated as zero (a progressive read of the top {@code k} planes).
   */
  static void merge(byte[][] planes, int k, int n, int width, byte[] dst, int off) {
    if (width == 4 && k == 4) {
      byte[] p0 = planes[0];
      byte[] p1 = planes[1];
      byte[] p2 = planes[2];
      byte[] p3 = planes[3];
      for (int i = 0, d = off; i < n; i++, d += 4) {
        dst[d] = p3[i];
        dst[d + 1] = p2[i];
        dst[d + 2] = p1[i];
        dst[d + 3] = p0[i];
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
      for (int i = 0; i < n; i++, b += width) {
        dst[b] = plane[i];
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
      int start = (int) ((long) (len - run) * s / 7);
      for (int i = start; i < start + run; i++) {
        h[b[i] & 0xff]++;
      }
      total += run;
    }
    return entropy(h, total);
  }
}
