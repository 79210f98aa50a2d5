package org.modelhub.store.object;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.google.flatbuffers.FlatBufferBuilder;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.BodyCompressionMethod;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.MetadataVersion;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Standard Arrow IPC files, written and read without {@code --add-opens}.
 *
 * <p>Arrow's own file reader and writer hand off-heap buffers to NIO through
 * {@code ArrowBuf.nioBuffer()}, which needs reflective access to {@code java.nio} that Java 17
 * denies unless the JVM runs with {@code --add-opens=java.base/java.nio=ALL-UNNAMED}. A JDBC
 * driver loaded by DBeaver or JPype cannot count on that flag, so this class frames the file
 * itself and copies buffers through the heap. The bytes are those of {@code ArrowFileWriter}:
 * magic, schema message, record batches, footer, magic. The reader also loads any single
 * record batch on demand, without reading the others.
 */
final class ArrowIpc {
  private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
  private static final int STAGING = 1 << 20;
  /** {@link RawBatch#codec()} of a batch without buffer compression. */
  static final byte NO_CODEC = -1;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private ArrowIpc() {
  }

  /**
   * Copies {@code src} into {@code buf} at {@code index}. Arrow cannot take the address of a
   * direct (or mapped) buffer without {@code --add-opens}, so those go through the heap.
   */
  static void copyIn(ArrowBuf buf, long index, ByteBuffer src) {
    if (!src.isDirect()) {
      buf.setBytes(index, src);
      return;
    }
    byte[] chunk = new byte[(int) Math.min(STAGING, src.remaining())];
    ByteBuffer s = src.duplicate();
    for (long at = index; s.hasRemaining(); ) {
      int n = Math.min(chunk.length, s.remaining());
      s.get(chunk, 0, n);
      buf.setBytes(at, chunk, 0, n);
      at += n;
    }
  }

  /** Writes one IPC file: schema, record batches, footer. */
  static final class Writer {
    private final WriteChannel out;
    private final Schema schema;
    private final CompressionCodec codec;
    private final List<ArrowBlock> blocks = new ArrayList<>();

    Writer(WritableByteChannel channel, Schema schema, Compression compression)
        throws IOException {
      this.out = new HeapWriteChannel(channel);
      this.schema = schema;
      this.codec = compression.factory().createCodec(compression.codec);
      out.write(MAGIC);
      out.align();
      MessageSerializer.serialize(out, schema, IpcOption.DEFAULT);
    }

    /** Appends the root's current rows as one record batch. */
    void writeBatch(VectorSchemaRoot root) throws IOException {
      try (ArrowRecordBatch batch = new VectorUnloader(root, true, codec, true)
          .getRecordBatch()) {
        blocks.add(MessageSerializer.serialize(out, batch, IpcOption.DEFAULT));
      }
    }

    /**
     * Appends one record batch of one row whose columns are non-null binary values, given
     * in schema order: each column gets an empty validity buffer (Arrow allows none when the
     * null count is 0), its two offsets and its bytes.
     *
     * @return where the batch lies in the file (its metadata and body)
     */
    ArrowBlock writeBinaryBatch(List<byte[]> values) throws IOException {
      List<ByteBuffer> buffers = new ArrayList<>(3 * values.size());
      for (byte[] v : values) {
        buffers.add(EMPTY);
        buffers.add(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0)
            .putInt(v.length).flip());
        buffers.add(ByteBuffer.wrap(v));
      }
      return writeBuffers(1, values.size(), buffers);
    }

    /** Appends one uncompressed record batch of non-null columns, given their buffers. */
    private ArrowBlock writeBuffers(long length, int columns, List<ByteBuffer> data)
        throws IOException {
      FlatBufferBuilder fb = new FlatBufferBuilder(256);
      RecordBatch.startNodesVector(fb, columns);
      for (int c = columns - 1; c >= 0; c--) {
        FieldNode.createFieldNode(fb, length, 0);
      }
      int nodes = fb.endVector();
      long[] offsets = new long[data.size()];
      long body = 0;
      for (int c = 0; c < data.size(); c++) {
        offsets[c] = body;
        body += pad8(data.get(c).remaining());
      }
      RecordBatch.startBuffersVector(fb, data.size());
      for (int c = data.size() - 1; c >= 0; c--) {
        org.apache.arrow.flatbuf.Buffer.createBuffer(fb, offsets[c], data.get(c).remaining());
      }
      int buffers = fb.endVector();
      RecordBatch.startRecordBatch(fb);
      RecordBatch.addLength(fb, length);
      RecordBatch.addNodes(fb, nodes);
      RecordBatch.addBuffers(fb, buffers);
      int header = RecordBatch.endRecordBatch(fb);
      Message.startMessage(fb);
      Message.addVersion(fb, org.apache.arrow.flatbuf.MetadataVersion.V5);
      Message.addHeaderType(fb, MessageHeader.RecordBatch);
      Message.addHeader(fb, header);
      Message.addBodyLength(fb, body);
      fb.finish(Message.endMessage(fb));
      ByteBuffer meta = fb.dataBuffer();
      long start = out.getCurrentPosition();
      int metaLength = MessageSerializer.writeMessageBuffer(out, meta.remaining(), meta,
          IpcOption.DEFAULT);
      for (ByteBuffer b : data) {
        out.write(b.duplicate());
        out.align();
      }
      ArrowBlock block = new ArrowBlock(start, metaLength, body);
      blocks.add(block);
      return block;
    }

    void finish() throws IOException {
      out.writeIntLittleEndian(MessageSerializer.IPC_CONTINUATION_TOKEN);
      out.writeIntLittleEndian(0);
      long footerStart = out.getCurrentPosition();
      out.write(new ArrowFooter(schema, List.of(), blocks, Map.of(), MetadataVersion.DEFAULT),
          false);
      out.writeIntLittleEndian((int) (out.getCurrentPosition() - footerStart));
      out.write(MAGIC);
    }
  }

  /** Reads an IPC file: its footer first, then any record batch on demand. */
  static final class Reader {
    private final SeekableByteChannel in;
    private final BufferAllocator allocator;
    private final Schema schema;
    private final List<ArrowBlock> blocks;

    Reader(SeekableByteChannel in, BufferAllocator allocator) throws IOException {
      this(in, allocator, Footer.read(in));
    }

    /** A reader of a file whose footer was read before (a pack read for many tensors). */
    Reader(SeekableByteChannel in, BufferAllocator allocator, Footer footer) {
      this.in = in;
      this.allocator = allocator;
      this.schema = footer.schema();
      this.blocks = footer.blocks();
    }

    Schema schema() {
      return schema;
    }

    int batchCount() {
      return blocks.size();
    }

    /** The header of record batch {@code i}, read from its block's metadata. */
    private RecordBatch header(int i, ArrowBlock block) throws IOException {
      ByteBuffer meta = read(block.getOffset(), block.getMetadataLength())
          .order(ByteOrder.LITTLE_ENDIAN);
      int skip = meta.getInt(0) == MessageSerializer.IPC_CONTINUATION_TOKEN ? 8 : 4;
      Message message = Message.getRootAsMessage(
          meta.position(skip).slice().order(ByteOrder.LITTLE_ENDIAN));
      if (message.headerType() != MessageHeader.RecordBatch) {
        throw new IOException("block " + i + " is not a record batch");
      }
      return (RecordBatch) message.header(new RecordBatch());
    }

    /** Loads record batch {@code i} into {@code root} (created from {@link #schema()}). */
    void load(int i, VectorSchemaRoot root, Compression compression) throws IOException {
      ArrowBlock block = blocks.get(i);
      RecordBatch header = header(i, block);
      long bodyLength = block.getBodyLength();
      ArrowBuf body = allocator.buffer(bodyLength);
      ArrowRecordBatch batch;
      try {
        byte[] chunk = new byte[(int) Math.max(1, Math.min(STAGING, bodyLength))];
        in.position(block.getOffset() + block.getMetadataLength());
        for (long done = 0; done < bodyLength; ) {
          int n = (int) Math.min(chunk.length, bodyLength - done);
          ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
          while (b.hasRemaining()) {
            if (in.read(b) < 0) {
              throw new IOException("record batch " + i + " is truncated");
            }
          }
          body.setBytes(done, chunk, 0, n);
          done += n;
        }
        body.writerIndex(bodyLength);
      } catch (IOException | RuntimeException e) {
        body.close();
        throw e;
      }
      // takes over the body's reference: the batch's buffers are slices of it
      batch = MessageSerializer.deserializeRecordBatch(header, body);
      try (batch) {
        new VectorLoader(root, compression.factory()).load(batch);
      }
    }

    /**
     * Reads record batch {@code i}'s header and the prefix of its body that holds its first
     * {@code wanted} buffers (columns are laid out in schema order, so the top planes of a
     * planes object are a prefix), without touching the rest of the body.
     */
    RawBatch readRaw(int i, int wanted) throws IOException {
      ArrowBlock block = blocks.get(i);
      RecordBatch header = header(i, block);
      int buffers = header.buffersLength();
      if (buffers < wanted) {
        throw new IOException("record batch " + i + " has " + buffers + " buffers, expected "
            + wanted);
      }
      long[] offsets = new long[buffers];
      long[] lengths = new long[buffers];
      long end = 0;
      org.apache.arrow.flatbuf.Buffer b = new org.apache.arrow.flatbuf.Buffer();
      for (int j = 0; j < buffers; j++) {
        header.buffers(b, j);
        offsets[j] = b.offset();
        lengths[j] = b.length();
        if (j < wanted) {
          end = Math.max(end, offsets[j] + lengths[j]);
        }
      }
      if (end > block.getBodyLength()) {
        throw new IOException("record batch " + i + " names bytes past its body");
      }
      byte[] body = new byte[Math.toIntExact(end)];
      ByteBuffer bb = ByteBuffer.wrap(body);
      in.position(block.getOffset() + block.getMetadataLength());
      while (bb.hasRemaining()) {
        if (in.read(bb) < 0) {
          throw new IOException("record batch " + i + " is truncated");
        }
      }
      byte codec = header.compression() == null ? NO_CODEC : header.compression().codec();
      return new RawBatch(header.length(), codec, body, offsets, lengths);
    }

    private ByteBuffer read(long position, int length) throws IOException {
      return ArrowIpc.read(in, position, length);
    }
  }

  /**
   * An IPC file's footer: its schema and where its record batches lie. Objects never change
   * (they are named by their bytes' sha256), so a footer read once holds for every later read.
   */
  record Footer(Schema schema, List<ArrowBlock> blocks) {
    /** Reads and checks the magic bytes and the footer of {@code in}. */
    static Footer read(SeekableByteChannel in) throws IOException {
      long size = in.size();
      if (size < 2L * MAGIC.length + 12) {
        throw new IOException("not an Arrow IPC file: only " + size + " bytes");
      }
      ByteBuffer head = ArrowIpc.read(in, 0, MAGIC.length);
      ByteBuffer tail = ArrowIpc.read(in, size - MAGIC.length - 4, MAGIC.length + 4);
      if (!head.equals(ByteBuffer.wrap(MAGIC))
          || !tail.slice(4, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))) {
        throw new IOException("not an Arrow IPC file: magic bytes missing (truncated?)");
      }
      int footerLength = tail.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
      long footerStart = size - MAGIC.length - 4 - footerLength;
      if (footerLength <= 0 || footerStart < MAGIC.length) {
        throw new IOException("Arrow IPC footer length " + footerLength + " is invalid");
      }
      ArrowFooter footer = new ArrowFooter(org.apache.arrow.flatbuf.Footer.getRootAsFooter(
          ArrowIpc.read(in, footerStart, footerLength).order(ByteOrder.LITTLE_ENDIAN)));
      return new Footer(footer.getSchema(), List.copyOf(footer.getRecordBatches()));
    }
  }

  private static ByteBuffer read(SeekableByteChannel in, long position, int length)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    in.position(position);
    while (b.hasRemaining()) {
      if (in.read(b) < 0) {
        throw new IOException("unexpected end of file at byte " + (position + b.position()));
      }
    }
    return b.flip();
  }

  /** A record batch's row count, codec and body bytes, with each buffer's place in them. */
  record RawBatch(long length, byte codec, byte[] body, long[] offsets, long[] lengths) { }

  static long pad8(long n) {
    return (n + 7) & ~7L;
  }

  /**
   * Copies off-heap buffers to the channel through a heap staging buffer, allocated on the
   * first such buffer and no larger than it: planes objects write heap buffers only, and a
   * megabyte allocated (and zeroed) for each small tensor's object cost more than coding it.
   */
  private static final class HeapWriteChannel extends WriteChannel {
    private ByteBuffer staging;

    HeapWriteChannel(WritableByteChannel out) {
      super(out);
    }

    @Override public void write(ArrowBuf buffer) throws IOException {
      long start = buffer.readerIndex();
      long end = start + buffer.readableBytes();
      if (staging == null || staging.capacity() < Math.min(STAGING, end - start)) {
        staging = ByteBuffer.allocate((int) Math.max(1, Math.min(STAGING, end - start)));
      }
      for (long pos = start; pos < end; ) {
        int n = (int) Math.min(staging.capacity(), end - pos);
        staging.clear();
        buffer.getBytes(pos, staging.array(), 0, n);
        staging.limit(n);
        write(staging);
        pos += n;
      }
    }
  }
}
