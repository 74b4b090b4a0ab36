-- Settings switched at run time (src/persist/postgres/settings_store.rs).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
