package org.modelhub.store.catalog;

import java.util.List;

/**
 * The H2 catalog's tables. Their names and columns are the SQL tables of DESIGN.md, so the
 * Calcite adapter can push whole queries into H2. TENSORS is a view joining each version's
 * tensor entries with the object that stores their values (objects are shared by dedup).
 */
final class CatalogSchema {
  /** Bumped when the tables change; stored in the SETTINGS table. */
  static final int VERSION = 1;

  static final List<String> DDL = List.of(
      "CREATE TABLE IF NOT EXISTS SETTINGS (NAME VARCHAR(100) PRIMARY KEY, VAL VARCHAR)",
      "CREATE TABLE IF NOT EXISTS MODELS ("
          + " NAME VARCHAR(200) PRIMARY KEY,"
          + " CREATED TIMESTAMP NOT NULL,"
          + " LATEST_VERSION INT NOT NULL,"
          + " VERSION_COUNT INT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS VERSIONS ("
          + " ID CHAR(64) PRIMARY KEY,"
          + " MODEL VARCHAR(200) NOT NULL REFERENCES MODELS(NAME),"
          + " VERSION INT NOT NULL,"
          + " CREATED TIMESTAMP NOT NULL,"
          + " AUTHOR VARCHAR(200),"
          + " MESSAGE VARCHAR,"
          + " FORMAT VARCHAR(40),"
          + " NETWORK_NAME VARCHAR(200),"
          + " NUM_LAYERS INT NOT NULL,"
          + " NUM_PARAMS BIGINT NOT NULL,"
          + " RAW_BYTES BIGINT NOT NULL,"
          + " STORED_BYTES BIGINT NOT NULL,"
          + " NETWORK_ATTRS CHARACTER LARGE OBJECT,"
          + " UNIQUE (MODEL, VERSION))",
      "CREATE TABLE IF NOT EXISTS LINEAGE ("
          + " PARENT_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " CHILD_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " KIND VARCHAR(20) NOT NULL,"
          + " ORDINAL INT NOT NULL,"
          + " PRIMARY KEY (CHILD_ID, PARENT_ID))",
      "CREATE INDEX IF NOT EXISTS LINEAGE_PARENT ON LINEAGE(PARENT_ID)",
      "CREATE TABLE IF NOT EXISTS LAYERS ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " NAME VARCHAR(400) NOT NULL,"
          + " TYPE VARCHAR(60) NOT NULL,"
          + " ORDINAL INT NOT NULL,"
          + " ATTRS CHARACTER LARGE OBJECT,"
          + " NUM_PARAMS BIGINT NOT NULL,"
          + " PRIMARY KEY (VERSION_ID, NAME))",
      "CREATE INDEX IF NOT EXISTS LAYERS_TYPE ON LAYERS(TYPE)",
      "CREATE TABLE IF NOT EXISTS EDGES ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " SRC VARCHAR(400) NOT NULL,"
          + " DST VARCHAR(400) NOT NULL,"
          + " SLOT INT NOT NULL,"
          + " PRIMARY KEY (VERSION_ID, DST, SLOT))",
      "CREATE INDEX IF NOT EXISTS EDGES_SRC ON EDGES(VERSION_ID, SRC)",
      "CREATE TABLE IF NOT EXISTS OBJECTS ("
          + " SHA256 CHAR(64) PRIMARY KEY,"
          + " OBJECT_ID CHAR(64) NOT NULL,"
          + " ENCODING VARCHAR(20) NOT NULL,"
          + " COMPRESSION VARCHAR(20) NOT NULL,"
          + " BASE CHAR(64),"
          + " RAW_BYTES BIGINT NOT NULL,"
          + " STORED_BYTES BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS TENSOR_ENTRIES ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " NAME VARCHAR(500) NOT NULL,"
          + " LAYER VARCHAR(400) NOT NULL,"
          + " PARAM VARCHAR(100) NOT NULL,"
          + " ORDINAL INT NOT NULL,"
          + " SHAPE VARCHAR(200) NOT NULL,"
          + " DTYPE VARCHAR(20) NOT NULL,"
          + " NUM_VALUES BIGINT NOT NULL,"
          + " SHA256 CHAR(64) NOT NULL REFERENCES OBJECTS(SHA256),"
          + " PRIMARY KEY (VERSION_ID, NAME))",
      "CREATE INDEX IF NOT EXISTS TENSOR_ENTRIES_SHA ON TENSOR_ENTRIES(SHA256)",
      "CREATE OR REPLACE VIEW TENSORS AS SELECT t.VERSION_ID, t.NAME, t.LAYER, t.PARAM,"
          + " t.ORDINAL, t.SHAPE, t.DTYPE, t.NUM_VALUES, o.ENCODING, o.COMPRESSION,"
          + " o.BASE, o.RAW_BYTES, o.STORED_BYTES, t.SHA256, o.OBJECT_ID"
          + " FROM TENSOR_ENTRIES t JOIN OBJECTS o ON t.SHA256 = o.SHA256",
      "CREATE TABLE IF NOT EXISTS METRICS ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " NAME VARCHAR(200) NOT NULL,"
          + " STEP BIGINT NOT NULL,"
          + " VAL DOUBLE PRECISION,"
          + " PRIMARY KEY (VERSION_ID, NAME, STEP))",
      "CREATE TABLE IF NOT EXISTS HYPERPARAMS ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " NAME VARCHAR(200) NOT NULL,"
          + " VAL VARCHAR,"
          + " PRIMARY KEY (VERSION_ID, NAME))",
      "CREATE TABLE IF NOT EXISTS FILES ("
          + " VERSION_ID CHAR(64) NOT NULL REFERENCES VERSIONS(ID),"
          + " PATH VARCHAR(1000) NOT NULL,"
          + " SIZE BIGINT NOT NULL,"
          + " SHA256 CHAR(64) NOT NULL,"
          + " PRIMARY KEY (VERSION_ID, PATH))",
      "CREATE TABLE IF NOT EXISTS QUERIES ("
          + " NAME VARCHAR(200) PRIMARY KEY,"
          + " TEXT VARCHAR NOT NULL,"
          + " CREATED TIMESTAMP NOT NULL)",
      "CREATE TABLE IF NOT EXISTS STAGE ("
          + " PATH VARCHAR(2000) PRIMARY KEY,"
          + " ROLE VARCHAR(20) NOT NULL,"
          + " FORMAT VARCHAR(40),"
          + " SIZE BIGINT NOT NULL,"
          + " ADDED TIMESTAMP NOT NULL)");

  private CatalogSchema() {
  }
}
