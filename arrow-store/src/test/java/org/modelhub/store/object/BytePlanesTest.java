package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BytePlanesTest {
  /**
   * Split and merge against the definition (plane p holds byte {@code width - 1 - p} of each
   * value), for float32's four-at-a-time split and its tail, other widths, values that start
   * inside an array and planes read in place from inside another array.
   */
  @Test void splitAndMergeFollowTheDefinition() {
    Random rnd = new Random(7);
    for (int width : new int[] {1, 2, 4, 8}) {
      for (int n : new int[] {0, 1, 3, 4, 5, 17, 1001}) {
        for (int off : new int[] {0, 3}) {
          byte[] src = new byte[off + n * width];
          rnd.nextBytes(src);
          byte[][] planes = new byte[width][n];
          BytePlanes.split(src, off, n, width, planes);
          for (int p = 0; p < width; p++) {
            for (int i = 0; i < n; i++) {
              assertEquals(src[off + i * width + width - 1 - p], planes[p][i],
                  "width " + width + " n " + n + " plane " + p + " value " + i);
            }
          }
          // each plane in place at offset 5 of a larger array, as a raw plane in an object
          byte[][] inPlace = new byte[width][];
          int[] from = new int[width];
          for (int p = 0; p < width; p++) {
            inPlace[p] = new byte[n + 9];
            System.arraycopy(planes[p], 0, inPlace[p], 5, n);
            from[p] = 5;
          }
          byte[] out = new byte[2 + n * width];
          BytePlanes.merge(inPlace, from, width, n, width, out, 2);
          assertArrayEquals(Arrays.copyOfRange(src, off, src.length),
              Arrays.copyOfRange(out, 2, out.length));
          if (width > 1) {
            BytePlanes.merge(inPlace, from, 1, n, width, out, 2);
            for (int i = 0; i < n * width; i++) {
              byte want = i % width == width - 1 ? src[off + i] : 0;
              assertEquals(want, out[2 + i], "top plane only, byte " + i);
            }
          }
        }
      }
    }
  }
}
