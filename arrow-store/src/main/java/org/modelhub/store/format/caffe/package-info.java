/**
 * The Caffe format: networks from {@code .prototxt} (protobuf text) and weights from
 * {@code .caffemodel} (protobuf binary), parsed with ModelHub's own {@code caffe.proto}.
 */
package org.modelhub.store.format.caffe;
