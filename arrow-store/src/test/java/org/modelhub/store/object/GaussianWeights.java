package org.modelhub.store.object;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

/** Float32 weights drawn from a Gaussian, as little-endian bytes and as byte planes. */
final class GaussianWeights {
  private GaussianWeights() {
  }

  /** {@code n} values of standard deviation {@code scale}, little-endian. */
  static byte[] values(int n, double scale, long seed) {
    Random r = new Random(seed);
    byte[] raw = new byte[4 * n];
    FloatBuffer f = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0; i < n; i++) {
      f.put((float) (r.nextGaussian() * scale));
    }
    return raw;
  }

  /** The four byte planes of {@code values}, high byte first. */
  static byte[][] planes(byte[] values) {
    int n = values.length / 4;
    byte[][] planes = new byte[4][n];
    BytePlanes.split(values, 0, n, 4, planes);
    return planes;
  }
}
