//! Settings switched at run time and kept across restarts (today: whether metrics are
//! collected), in one small redb table. Config values are the defaults; a setting recorded here
//! overrides them. Nothing else touches this table.

use std::sync::Arc;

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::error::Result;

const SETTINGS: TableDefinition<&str, &str> = TableDefinition::new("settings");

const METRICS_ENABLED: &str = "MetricsEnabled";

#[derive(Clone)]
pub struct Settings {
    db: Arc<Database>,
}

impl Settings {
    pub fn open(db: Arc<Database>) -> Result<Settings> {
        let tx = db.begin_write()?;
        tx.open_table(SETTINGS)?;
        tx.commit()?;
        Ok(Settings { db })
    }

    /// Whether metrics are enabled, if `metrics enable|disable` ever said so.
    pub fn metrics_enabled(&self) -> Result<Option<bool>> {
        Ok(self.get(METRICS_ENABLED)?.map(|v| v == "true"))
    }

    /// Records the switch; committed (durable) before it returns.
    pub fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        self.set(METRICS_ENABLED, if enabled { "true" } else { "false" })
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SETTINGS)?;
        let found = t.get(key)?;
        Ok(found.map(|v| v.value().to_string()))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(SETTINGS)?;
            t.insert(key, value)?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_then_set_then_reopened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("i.redb");
        {
            let db = Arc::new(Database::create(&path).expect("db"));
            let s = Settings::open(db).expect("open");
            assert_eq!(s.metrics_enabled().expect("read"), None);
            s.set_metrics_enabled(false).expect("set");
            assert_eq!(s.metrics_enabled().expect("read"), Some(false));
        }
        let db = Arc::new(Database::create(&path).expect("db"));
        let s = Settings::open(db).expect("reopen");
        assert_eq!(s.metrics_enabled().expect("read"), Some(false));
        s.set_metrics_enabled(true).expect("set");
        assert_eq!(s.metrics_enabled().expect("read"), Some(true));
    }
}
