package org.modelhub.store.object;

import java.util.Locale;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;

/** IPC buffer compression an encoding may apply: none, zstd or lz4 (Arrow's LZ4_FRAME). */
public enum Compression {
  NONE(CompressionUtil.CodecType.NO_COMPRESSION),
  ZSTD(CompressionUtil.CodecType.ZSTD),
  LZ4(CompressionUtil.CodecType.LZ4_FRAME);

  final CompressionUtil.CodecType codec;

  Compression(CompressionUtil.CodecType codec) {
    this.codec = codec;
  }

  /** The codec factory an Arrow writer needs for this compression. */
  CompressionCodec.Factory factory() {
    return this == NONE ? NoCompressionCodec.Factory.INSTANCE
        : CommonsCompressionFactory.INSTANCE;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Compression parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown compression '" + s
          + "' (known: none, zstd, lz4)");
    }
  }
}
