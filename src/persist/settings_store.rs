//! Settings kept across restarts, by key (src/settings.rs gives them meaning). The redb
//! implementation is src/persist/redb/settings_store.rs.

use crate::error::Result;

pub trait SettingsStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>>;

    /// Records `value`; committed (durable) before it returns.
    fn set(&self, key: &str, value: &str) -> Result<()>;
}
