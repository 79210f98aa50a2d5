package org.modelhub.store.format.caffe;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.format.caffe.proto.CaffeProto.LayerParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.format.caffe.proto.CaffeProto.V1LayerParameter;

/**
 * Parses prototxt (protobuf text) and caffemodel (protobuf binary) files into
 * {@link CaffeNet}s; every error names the file and the line:column or byte offset.
 */
final class CaffeReader {
  private static final int LAYER_FIELD = NetParameter.LAYER_FIELD_NUMBER;
  private static final int V1_LAYER_FIELD = NetParameter.LAYERS_FIELD_NUMBER;
  private static final Pattern POSITION = Pattern.compile("^-?\\d+:-?\\d+: ");

  private CaffeReader() {
  }

  /** Reads a protobuf text NetParameter. */
  static CaffeNet readText(Path file) throws IOException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new FormatException(file, "", "not UTF-8 text, so not a prototxt", e);
    }
    NetParameter.Builder b = NetParameter.newBuilder();
    try {
      TextFormat.getParser().merge(text, b);
    } catch (TextFormat.ParseException e) {
      String where = e.getLine() > 0 ? "line " + e.getLine() + ":" + e.getColumn() : "";
      throw new FormatException(file, where, stripPosition(e.getMessage()), e);
    }
    if (b.getLayerCount() > 0 && b.getLayersCount() > 0) {
      throw new FormatException(file, "", "mixes 'layer' and legacy 'layers' definitions");
    }
    if (!b.isInitialized()) {
      throw new FormatException(file, "", "missing required fields: "
          + String.join(", ", b.findInitializationErrors()));
    }
    List<LayerParameter> layers = new ArrayList<>(b.getLayerList());
    for (V1LayerParameter v1 : b.getLayersList()) {
      layers.add(CaffeV1.upgrade(v1));
    }
    NetParameter header = b.clearLayer().clearLayers().buildPartial();
    List<LayerParameter> stripped = new ArrayList<>();
    List<List<CaffeBlob>> blobs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      LayerParameter lp = layers.get(i);
      blobs.add(blobs(lp, file, "layer #" + (i + 1)));
      stripped.add(lp.getBlobsCount() == 0 ? lp : lp.toBuilder().clearBlobs().buildPartial());
    }
    return new CaffeNet(file, header, stripped, blobs);
  }

  /**
   * Reads a protobuf binary NetParameter one layer at a time, so that only the layer being
   * converted holds its values twice.
   */
  static CaffeNet readBinary(Path file) throws IOException {
    List<LayerParameter> layers = new ArrayList<>();
    List<List<CaffeBlob>> blobs = new ArrayList<>();
    ByteString.Output headerBytes = ByteString.newOutput();
    CodedOutputStream headerOut = CodedOutputStream.newInstance(headerBytes);
    int modern = 0;
    int legacy = 0;
    try (InputStream raw = Files.newInputStream(file)) {
      CodedInputStream in = CodedInputStream.newInstance(raw, 1 << 16);
      in.setSizeLimit(Integer.MAX_VALUE);
      while (true) {
        long start = in.getTotalBytesRead();
        int tag;
        try {
          tag = in.readTag();
          if (tag == 0) {
            break;
          }
          int field = WireFormat.getTagFieldNumber(tag);
          boolean delimited =
              WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
          if (delimited && (field == LAYER_FIELD || field == V1_LAYER_FIELD)) {
            int length = in.readRawVarint32();
            int limit = in.pushLimit(length);
            LayerParameter lp;
            if (field == LAYER_FIELD) {
              lp = LayerParameter.parser().parsePartialFrom(in);
              modern++;
            } else {
              lp = CaffeV1.upgrade(V1LayerParameter.parser().parsePartialFrom(in));
              legacy++;
            }
            in.popLimit(limit);
            String where = "layer #" + (layers.size() + 1) + " at byte " + start;
            blobs.add(blobs(lp, file, where));
            layers.add(lp.getBlobsCount() == 0 ? lp : lp.toBuilder().clearBlobs().buildPartial());
          } else {
            in.skipField(tag, headerOut);
          }
        } catch (InvalidProtocolBufferException e) {
          throw new FormatException(file, "byte offset " + in.getTotalBytesRead(),
              e.getMessage() + (layers.size() > 0 || start > 0
                  ? " (in the field starting at byte " + start + ", after "
                      + layers.size() + " layers)" : ""), e);
        }
      }
    }
    if (modern > 0 && legacy > 0) {
      throw new FormatException(file, "", "mixes 'layer' and legacy 'layers' definitions");
    }
    headerOut.flush();
    NetParameter header;
    try {
      header = NetParameter.parser().parsePartialFrom(headerBytes.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new FormatException(file, "", "bad net-level field: " + e.getMessage(), e);
    }
    return new CaffeNet(file, header, layers, blobs);
  }

  private static List<CaffeBlob> blobs(LayerParameter lp, Path file, String where) {
    if (!lp.isInitialized()) {
      throw new FormatException(file, where + " ('" + lp.getName() + "')",
          "missing required fields: " + String.join(", ", lp.findInitializationErrors()));
    }
    List<CaffeBlob> out = new ArrayList<>(lp.getBlobsCount());
    for (int i = 0; i < lp.getBlobsCount(); i++) {
      BlobProto p = lp.getBlobs(i);
      try {
        out.add(CaffeBlob.of(p));
      } catch (IllegalArgumentException e) {
        throw new FormatException(file, where + ", layer '" + lp.getName() + "' blob " + i,
            e.getMessage(), e);
      }
    }
    return out;
  }

  /** Drops a leading "line:column: " that the text parser repeats in its message. */
  static String stripPosition(String message) {
    Matcher m = POSITION.matcher(message);
    return m.find() ? message.substring(m.end()) : message;
  }
}
