package org.modelhub.store.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every delta operation inverts bit-exactly, for values of every width. */
class DeltaOpTest {
  @Test void roundTripsEveryWidth() {
    Random r = new Random(7);
    for (DeltaOp op : DeltaOp.values()) {
      for (int width : new int[] {1, 2, 4, 8}) {
        byte[] value = new byte[width * 257];
        byte[] base = new byte[value.length];
        r.nextBytes(value);
        r.nextBytes(base);
        // extremes: all ones against all zeros and back, equal values
        for (int i = 0; i < width; i++) {
          value[i] = (byte) 0xFF;
          base[i] = 0;
          value[width + i] = 0;
          base[width + i] = (byte) 0xFF;
          value[2 * width + i] = base[2 * width + i];
        }
        byte[] delta = new byte[value.length];
        op.encode(value, base, delta, value.length, width);
        byte[] back = new byte[value.length];
        op.decode(delta, base, back, value.length, width);
        assertArrayEquals(value, back, op + " width " + width);
        for (int i = 0; i < width; i++) {
          assertEquals(0, delta[2 * width + i], op + ": equal values give a zero delta");
        }
      }
    }
  }

  /** A small change of either sign has zero high bytes under zigzag, not under sub. */
  @Test void zigzagKeepsSmallChangesSmall() {
    float[] base = {0.5f, -0.25f, 1e-3f, -7f};
    ByteBuffer v = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : base) {
      b.putFloat(x);
      // the next float down: a difference of -1 in the bits
      v.putFloat(Float.intBitsToFloat(Float.floatToRawIntBits(x) - 1));
    }
    byte[] zigzag = new byte[16];
    byte[] sub = new byte[16];
    DeltaOp.ZIGZAG.encode(v.array(), b.array(), zigzag, 16, 4);
    DeltaOp.SUB.encode(v.array(), b.array(), sub, 16, 4);
    ByteBuffer z = ByteBuffer.wrap(zigzag).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer s = ByteBuffer.wrap(sub).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      assertEquals(1, z.getInt(4 * i), "zigzag of -1");
      assertEquals(-1, s.getInt(4 * i), "sub of -1: every byte 0xFF");
    }
    assertEquals(DeltaOp.ZIGZAG, DeltaOp.parse("zigzag"));
  }
}
