/** The ONNX format: {@link org.modelhub.store.format.onnx.OnnxImporter} and its exporter. */
package org.modelhub.store.format.onnx;
