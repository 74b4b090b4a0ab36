//! Settings in one small table, `settings` (key → value), shared by every daemon.

use std::sync::Arc;

use super::database::PgDatabase;
use crate::error::Result;
use crate::persist::settings_store::SettingsStore;

pub struct PgSettingsStore {
    db: Arc<PgDatabase>,
}

impl PgSettingsStore {
    pub fn new(db: Arc<PgDatabase>) -> Self {
        PgSettingsStore { db }
    }
}

impl SettingsStore for PgSettingsStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        self.db.block_on(async {
            let client = self.db.client().await?;
            let row = client
                .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])
                .await
                .map_err(|e| self.db.error(&e))?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.db.block_on(async {
            let client = self.db.client().await?;
            client
                .execute(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    &[&key, &value],
                )
                .await
                .map_err(|e| self.db.error(&e))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance() {
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        crate::persist::conformance::settings_store::run(&|dir| {
            Arc::new(PgSettingsStore::new(server.database_for(dir)))
        });
    }
}
