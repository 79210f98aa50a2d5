package org.modelhub.store.object;

import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/** A read-only seekable channel over a byte array. */
final class ByteArraySeekableChannel implements SeekableByteChannel {
  private final byte[] bytes;
  private int position;
  private boolean open = true;

  ByteArraySeekableChannel(byte[] bytes) {
    this.bytes = bytes;
  }

  @Override public int read(ByteBuffer dst) {
    if (position >= bytes.length) {
      return -1;
    }
    int n = Math.min(dst.remaining(), bytes.length - position);
    dst.put(bytes, position, n);
    position += n;
    return n;
  }

  @Override public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override public long position() {
    return position;
  }

  @Override public SeekableByteChannel position(long newPosition) {
    position = (int) Math.min(newPosition, bytes.length);
    return this;
  }

  @Override public long size() {
    return bytes.length;
  }

  @Override public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override public boolean isOpen() {
    return open;
  }

  @Override public void close() {
    open = false;
  }
}
