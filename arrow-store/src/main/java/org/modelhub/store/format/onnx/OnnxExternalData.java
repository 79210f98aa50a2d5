package org.modelhub.store.format.onnx;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.onnx.proto.OnnxProto.StringStringEntryProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.model.Tensor;

/**
 * Writes the external data files of an exported model: tensors whose message says
 * {@code data_location: EXTERNAL} go back into the file and at the offset they came from, so
 * an unchanged model is rewritten byte for byte; a tensor that grew moves to the end.
 */
final class OnnxExternalData {
  private final Path dir;
  private final String modelFileName;
  private final Map<String, List<Placed>> files = new LinkedHashMap<>();

  private record Placed(long offset, ByteBuffer data) { }

  OnnxExternalData(Path dir, String modelFileName) {
    this.dir = requireNonNull(dir, "dir");
    this.modelFileName = requireNonNull(modelFileName, "modelFileName");
  }

  /** Reserves room for {@code tensor} and records its offset and length in the message. */
  void place(TensorProto.Builder b, Tensor tensor) {
    String location = OnnxTensors.entry(b, "location");
    Path target = location == null ? null : OnnxTensors.resolveLocation(dir, location);
    if (target == null || target.equals(dir.resolve(modelFileName).normalize())) {
      throw new ModelHubException("tensor '" + tensor.name() + "': external data location '"
          + location + "' is not a relative file name beside " + modelFileName);
    }
    List<Placed> placed = files.computeIfAbsent(location, k -> new ArrayList<>());
    long end = 0;
    for (Placed p : placed) {
      end = Math.max(end, p.offset + p.data.remaining());
    }
    String wanted = OnnxTensors.entry(b, "offset");
    long offset = end;
    if (wanted != null) {
      try {
        offset = Math.max(end, Long.parseLong(wanted.trim()));
      } catch (NumberFormatException e) {
        offset = end;
      }
    }
    placed.add(new Placed(offset, tensor.data()));
    long length = tensor.numBytes();
    List<StringStringEntryProto> entries = new ArrayList<>(b.getExternalDataList());
    boolean hasOffset = false;
    for (int i = 0; i < entries.size(); i++) {
      StringStringEntryProto e = entries.get(i);
      if (e.getKey().equals("offset")) {
        hasOffset = true;
        if (!e.getValue().equals(Long.toString(offset))) {
          entries.set(i, e.toBuilder().setValue(Long.toString(offset)).build());
        }
      } else if (e.getKey().equals("length") && !e.getValue().equals(Long.toString(length))) {
        entries.set(i, e.toBuilder().setValue(Long.toString(length)).build());
      }
    }
    if (!hasOffset && offset != 0) {
      entries.add(StringStringEntryProto.newBuilder().setKey("offset")
          .setValue(Long.toString(offset)).build());
    }
    b.clearExternalData().addAllExternalData(entries);
  }

  /** Writes every reserved file, zero-filling gaps; returns the files written. */
  List<Path> writeAll() throws IOException {
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, List<Placed>> f : files.entrySet()) {
      Path target = OnnxTensors.resolveLocation(dir, f.getKey());
      Files.createDirectories(target.getParent());
      List<Placed> placed = new ArrayList<>(f.getValue());
      placed.sort(Comparator.comparingLong(Placed::offset));
      try (OutputStream out = Files.newOutputStream(target);
          WritableByteChannel ch = Channels.newChannel(out)) {
        byte[] zeros = new byte[4096];
        long pos = 0;
        for (Placed p : placed) {
          while (pos < p.offset) {
            int n = (int) Math.min(zeros.length, p.offset - pos);
            out.write(zeros, 0, n);
            pos += n;
          }
          ByteBuffer data = p.data.duplicate();
          while (data.hasRemaining()) {
            pos += ch.write(data);
          }
        }
      }
      written.add(target);
    }
    return written;
  }
}
