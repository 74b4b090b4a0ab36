//! Settings switched at run time and kept across restarts (today: whether metrics are
//! collected), behind `SettingsStore`. Config values are the defaults; a setting recorded there
//! overrides them.

use std::sync::Arc;

use redb::Database;

use crate::error::Result;
use crate::persist::redb::settings_store::RedbSettingsStore;
use crate::persist::settings_store::SettingsStore;

const METRICS_ENABLED: &str = "MetricsEnabled";

#[derive(Clone)]
pub struct Settings {
    store: Arc<dyn SettingsStore>,
}

impl Settings {
    pub fn open(db: Arc<Database>) -> Result<Settings> {
        Ok(Self::over(Arc::new(RedbSettingsStore::open(db)?)))
    }

    /// Settings kept in `store`.
    pub fn over(store: Arc<dyn SettingsStore>) -> Settings {
        Settings { store }
    }

    /// Whether metrics are enabled, if `metrics enable|disable` ever said so.
    pub fn metrics_enabled(&self) -> Result<Option<bool>> {
        Ok(self.store.get(METRICS_ENABLED)?.map(|v| v == "true"))
    }

    /// Records the switch; committed (durable) before it returns.
    pub fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        self.store
            .set(METRICS_ENABLED, if enabled { "true" } else { "false" })
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
