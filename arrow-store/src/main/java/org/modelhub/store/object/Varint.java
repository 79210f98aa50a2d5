package org.modelhub.store.object;

import java.io.IOException;

/**
 * Unsigned LEB128 varints of at most three bytes (values below 2^21): seven bits a byte, low
 * bits first, the top bit set on every byte but the last. The rANS frequency tables
 * ({@link Ans}) and the joint planes' lists of symbols ({@link JointCoder}) are written so.
 */
final class Varint {
  private Varint() {
  }

  /** The bytes {@code v} takes. */
  static int bytes(int v) {
    return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : 3;
  }

  /** Writes {@code v} at {@code p} and returns where it ends. */
  static int put(byte[] out, int p, int v) {
    for (; v >= 0x80; v >>>= 7) {
      out[p++] = (byte) (0x80 | (v & 0x7f));
    }
    out[p++] = (byte) v;
    return p;
  }

  /**
   * Reads a varint at {@code p[0]}, before {@code end}, and moves {@code p[0]} past it;
   * {@code what} names the stream in an error.
   */
  static int read(byte[] in, int[] p, int end, String what) throws IOException {
    int v = 0;
    for (int shift = 0; shift <= 14; shift += 7) {
      if (p[0] >= end) {
        throw new IOException(what + " ends inside a varint");
      }
      int b = in[p[0]++] & 0xff;
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    throw new IOException(what + " holds a varint of over 3 bytes");
  }
}
