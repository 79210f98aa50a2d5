package org.modelhub.store.object;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import org.modelhub.store.model.Hashing;

/** A channel that hashes and counts what passes through it. */
final class HashingChannel implements WritableByteChannel {
  private final WritableByteChannel out;
  private final MessageDigest md = Hashing.sha256();
  private long count;

  HashingChannel(WritableByteChannel out) {
    this.out = out;
  }

  @Override public int write(ByteBuffer src) throws IOException {
    ByteBuffer dup = src.duplicate();
    int n = out.write(src);
    dup.limit(dup.position() + n);
    md.update(dup);
    count += n;
    return n;
  }

  String sha256() {
    return Hashing.hex(md.digest());
  }

  long count() {
    return count;
  }

  @Override public boolean isOpen() {
    return out.isOpen();
  }

  @Override public void close() throws IOException {
    out.close();
  }
}
