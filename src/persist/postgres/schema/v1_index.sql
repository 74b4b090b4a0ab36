-- The resource index (src/persist/postgres/index_store.rs), shared by every daemon.

-- Every resource of every level. `record` is the ResourceRecord as JSON, the bytes the redb
-- index keeps; the columns beside it are what is looked up. IDs sort bytewise ("C"), as redb
-- sorts them, so listings and prefix searches come out in the same order.
CREATE TABLE index_resources (
    level     SMALLINT NOT NULL,          -- 0 patient, 1 study, 2 series, 3 instance
    id        TEXT COLLATE "C" NOT NULL,
    parent    TEXT COLLATE "C",
    file_uuid TEXT COLLATE "C" UNIQUE,    -- instances: the stored file they own
    record    BYTEA NOT NULL,
    PRIMARY KEY (level, id)
);
CREATE INDEX index_resources_children ON index_resources (parent, id);

-- Files of committed removals not yet deleted.
CREATE TABLE index_file_intents (
    uuid TEXT COLLATE "C" PRIMARY KEY
);

-- The changes log, numbered in commit order: every writer takes the counters row first, so
-- the numbers have no gaps and a reader that saw N has seen everything before N.
CREATE TABLE index_changes (
    seq           BIGINT PRIMARY KEY,
    change_type   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    date          TEXT NOT NULL
);

-- One row: the totals and the last change. Its row lock is the index's writer lock.
CREATE TABLE index_counters (
    singleton         BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    patients          BIGINT NOT NULL DEFAULT 0,
    studies           BIGINT NOT NULL DEFAULT 0,
    series            BIGINT NOT NULL DEFAULT 0,
    instances         BIGINT NOT NULL DEFAULT 0,
    disk_size         BIGINT NOT NULL DEFAULT 0,
    uncompressed_size BIGINT NOT NULL DEFAULT 0,
    last_change       BIGINT NOT NULL DEFAULT 0
);
INSERT INTO index_counters DEFAULT VALUES;

-- Who this database is: written into the storage directory it uses (`dicomq-storage-id`), so
-- that a storage directory is never shared by two indexes.
CREATE TABLE index_identity (
    identity TEXT NOT NULL
);
INSERT INTO index_identity SELECT gen_random_uuid()::text;
