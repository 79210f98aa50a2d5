/** Import and export of TF.js layers-models (model.json, weight shards, weights manifests). */
package org.modelhub.store.format.tfjs;
