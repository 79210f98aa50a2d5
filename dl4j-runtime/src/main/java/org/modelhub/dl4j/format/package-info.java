/**
 * The DL4J model format: ModelSerializer zips, configuration JSON and Nd4j parameter vectors,
 * mapped onto ModelHub's networks and tensors and written back as ModelSerializer zips.
 */
package org.modelhub.dl4j.format;
