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

  /** Order-0 entropy in bits per byte of {@code len} bytes of {@code b} from {@code off}. */
  static double entropy(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    long[] h = new long[256];
    for (int i = off, end = off + len; i < end; i++) {
      h[b[i] & 0xff]++;
    }
    return entropy(h, len);
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
      return entropy(b, 0, len);
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
