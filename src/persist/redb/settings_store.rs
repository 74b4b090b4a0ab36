//! Settings in one small redb table, `settings` (key → value).

use std::sync::Arc;

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::error::Result;
use crate::persist::settings_store::SettingsStore;

const SETTINGS: TableDefinition<&str, &str> = TableDefinition::new("settings");

pub struct RedbSettingsStore {
    db: Arc<Database>,
}

impl RedbSettingsStore {
    pub fn open(db: Arc<Database>) -> Result<Self> {
        let tx = db.begin_write()?;
        tx.open_table(SETTINGS)?;
        tx.commit()?;
        Ok(RedbSettingsStore { db })
    }
}

impl SettingsStore for RedbSettingsStore {
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
    fn conformance() {
        crate::persist::conformance::settings_store::run(&|dir| {
            let db = Arc::new(Database::create(dir.join("index.redb")).expect("db"));
            Arc::new(RedbSettingsStore::open(db).expect("open"))
        });
    }
}
