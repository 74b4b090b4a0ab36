//! The resource index on PostgreSQL, shared by every daemon (tables in `schema/v1_index.sql`).
//! The semantics are those of the redb index (src/persist/redb/index_store.rs) and so are the
//! records: the same JSON bytes, in `index_resources.record`, beside the columns looked up.
//!
//! Every write is one transaction that first locks the one row of `index_counters`: writers
//! take turns as they do on redb, so a write reads what the others committed and decides as
//! the redb index decides (an instance already there is `AlreadyStored`, whichever daemon
//! stored it first), the counters stay exact, and the changes log is numbered in commit order
//! without gaps (a reader that saw change N has seen every change before it: the find cache
//! relies on it). Reads take no lock. A batch costs a handful of round trips whatever its size
//! (the lock, one read of the rows it touches, one statement writing the rows it changed, the
//! counters and the changes, the commit), so the lock is held briefly; the group commit of the
//! store makes a batch of every import that arrived meanwhile.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use deadpool_postgres::Transaction;

use super::database::{PgDatabase, TX_MARK, TxMark};
use super::error::is_retryable;
use crate::error::{Error, Result};
use crate::persist::index_store::IndexStore;
use crate::store::header::ParsedHeader;
use crate::store::ids::Level;
use crate::store::index::{
    Change, ChangeType, ChangedResource, Existing, Indexed, NewInstance, Removal, ResourceRecord,
    Statistics, level_word,
};
use crate::store::views::{expected_instances, series_status};

/// The changes log keeps the newest this many (as the redb index does).
const MAX_CHANGES: i64 = 100_000;

/// How long a write waits for the writer lock, and how long a writer holding it may stay
/// silent, before the server gives up on it (errors naming the lock, not hangs).
const WRITER_TIMEOUTS: &str =
    "SET LOCAL lock_timeout = '30s'; SET LOCAL idle_in_transaction_session_timeout = '60s'";

/// How many times a write is run when it failed before its commit was sent, in a way worth
/// another try (a connection lost and replaced, a server restarting).
const ATTEMPTS: u32 = 3;

pub struct PgIndexStore {
    db: Arc<PgDatabase>,
    /// How many changes the log keeps (`MAX_CHANGES`; fewer in tests).
    max_changes: i64,
}

impl PgIndexStore {
    pub fn new(db: Arc<PgDatabase>) -> Self {
        PgIndexStore {
            db,
            max_changes: MAX_CHANGES,
        }
    }

    /// Runs a read on a pooled connection.
    fn read<T>(
        &self,
        body: impl AsyncFnOnce(&deadpool_postgres::Client) -> Failable<T>,
    ) -> Result<T> {
        self.db.block_on(async {
            let client = self.db.client().await?;
            body(&client).await.map_err(|e| self.fail(e))
        })
    }

    /// Runs a write as one transaction holding the writer lock, committed before it returns.
    /// A failure before the commit was sent is retried when worth it (nothing was committed).
    /// A commit whose answer was lost (the connection broke) is not run again: the server is
    /// asked what became of the transaction, so the write is reported as done only when it
    /// committed, and as failed only when it did not (a batch's files are deleted then).
    fn write<T>(&self, body: impl AsyncFn(&mut Tx<'_>) -> Failable<T>) -> Result<T> {
        self.db.block_on(async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut client = self.db.client().await?;
                let staged = async {
                    let mut tx = Tx::begin(&mut client).await?;
                    tx.max_changes = self.max_changes;
                    let out = body(&mut tx).await?;
                    let mark = tx.mark.clone();
                    Ok::<_, Failure>((tx.finish().await?, mark, out))
                }
                .await;
                match staged {
                    Ok((tx, mark, out)) => {
                        return match tx.commit().await {
                            Ok(()) => Ok(out),
                            // No answer from the server (an answer is a refusal): ask.
                            Err(e)
                                if e.as_db_error().is_none()
                                    && self.db.committed_after_all(&mark).await == Some(true) =>
                            {
                                tracing::warn!(error = %e, "an index commit's answer was lost; it committed");
                                Ok(out)
                            }
                            Err(e) => Err(self.db.error(&e)),
                        };
                    }
                    Err(Failure::Pg(e)) if attempt < ATTEMPTS && is_retryable(&e) => {
                        tracing::debug!(error = %e, attempt, "index write retried");
                    }
                    Err(e) => return Err(self.fail(e)),
                }
            }
        })
    }

    fn fail(&self, e: Failure) -> Error {
        match e {
            Failure::Pg(e) => self.db.error(&e),
            Failure::Other(e) => e,
        }
    }

    /// The database's identity (written into the storage directory it is used with).
    pub fn identity(&self) -> Result<String> {
        self.read(async |c| {
            let row = c
                .query_one("SELECT identity FROM index_identity", &[])
                .await?;
            Ok(row.get(0))
        })
    }
}

/// An error inside a transaction: PostgreSQL's (maybe worth a retry) or ours.
#[derive(Debug)]
enum Failure {
    Pg(tokio_postgres::Error),
    Other(Error),
}

type Failable<T> = std::result::Result<T, Failure>;

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Pg(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

fn code(level: Level) -> i16 {
    match level {
        Level::Patient => 0,
        Level::Study => 1,
        Level::Series => 2,
        Level::Instance => 3,
    }
}

fn level_of(code: i16) -> Result<Level> {
    Level::ALL
        .get(usize::try_from(code).unwrap_or(usize::MAX))
        .copied()
        .ok_or_else(|| Error::Internal(format!("index row of unknown level {code}")))
}

fn encode(rec: &ResourceRecord) -> Result<Vec<u8>> {
    serde_json::to_vec(rec).map_err(|e| Error::Internal(format!("encode record: {e}")))
}

fn decode(bytes: &[u8]) -> Result<ResourceRecord> {
    serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("decode record: {e}")))
}

/// A change type or resource type as the log's text column holds it (its serde name).
fn name_of<T: serde::Serialize>(value: T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(Error::Internal(format!("change name: {other:?}"))),
    }
}

fn parse_name<T: serde::de::DeserializeOwned>(name: String) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(name))
        .map_err(|e| Error::Internal(format!("decode change: {e}")))
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn change_of(row: &tokio_postgres::Row) -> Result<Change> {
    let resource: ChangedResource = parse_name(row.get(2))?;
    let id: String = row.get(3);
    Ok(Change {
        change_type: parse_name(row.get(1))?,
        date: row.get(4),
        path: resource.path(&id),
        id,
        resource_type: resource,
        seq: to_u64(row.get(0)),
    })
}

/// One write transaction: the writer lock taken, the counters' changes and the changes log
/// collected, written by `finish` in one statement.
struct Tx<'c> {
    tx: Transaction<'c>,
    /// The transaction's ID, to ask whether it committed when the commit's answer is lost.
    mark: TxMark,
    /// The last change number as committed when the lock was taken.
    first: u64,
    /// How many changes the log keeps.
    max_changes: i64,
    /// The last change number (as committed when the lock was taken, then as logged here).
    seq: u64,
    date: String,
    now: i64,
    /// Patients, studies, series, instances, disk size, uncompressed size.
    deltas: [i64; 6],
    changes: Vec<(u64, ChangeType, ChangedResource, String)>,
    /// Rows a batch changed, written by `finish` (or by `write_rows` before a removal reads).
    rows: RowWrites,
}

impl<'c> Tx<'c> {
    async fn begin(client: &'c mut deadpool_postgres::Client) -> Failable<Tx<'c>> {
        let tx = client.transaction().await?;
        let lock = tx
            .prepare_cached(&format!(
                "SELECT last_change, {TX_MARK} FROM index_counters FOR UPDATE"
            ))
            .await?;
        // Sent together (one round trip): no writer waits for the lock forever, and a writer
        // that stops answering while it holds it is ended by the server, releasing it.
        let (_, row) =
            tokio::try_join!(tx.batch_execute(WRITER_TIMEOUTS), tx.query_one(&lock, &[]))?;
        let seq = to_u64(row.get(0));
        let mark = TxMark {
            txid: row.get(1),
            server_started: row.get(2),
        };
        let now = chrono::Utc::now();
        Ok(Tx {
            tx,
            mark,
            first: seq,
            max_changes: MAX_CHANGES,
            seq,
            date: now.format("%Y%m%dT%H%M%S").to_string(),
            now: now.timestamp(),
            deltas: [0; 6],
            changes: Vec::new(),
            rows: RowWrites::default(),
        })
    }

    /// Appends a change; its number.
    fn log(&mut self, change_type: ChangeType, resource: ChangedResource, id: &str) -> u64 {
        self.seq += 1;
        self.changes
            .push((self.seq, change_type, resource, id.to_string()));
        self.seq
    }

    fn count(&mut self, level: Level, delta: i64) {
        self.deltas[usize::from(code(level).unsigned_abs())] += delta;
    }

    fn size(&mut self, delta: i64) {
        self.deltas[4] += delta;
        self.deltas[5] += delta;
    }

    /// Writes the rows staged by a batch now (a removal is about to read them).
    async fn write_rows(&mut self) -> Failable<()> {
        if self.rows.ids.is_empty() {
            return Ok(());
        }
        let w = std::mem::take(&mut self.rows);
        let statement = self.tx.prepare_cached(UPSERT_ROWS).await?;
        self.tx
            .execute(
                &statement,
                &[&w.levels, &w.ids, &w.parents, &w.files, &w.records],
            )
            .await?;
        Ok(())
    }

    /// Writes the rows staged, the counters and the changes (dropping the oldest beyond
    /// `MAX_CHANGES`), in one statement: one round trip under the lock whatever the batch.
    /// Only the changes this batch pushes out are deleted, by a range of the key bounded on
    /// both sides (planned as an index scan, not a scan of the whole log per write).
    async fn finish(self) -> Failable<Transaction<'c>> {
        if self.changes.is_empty() && self.deltas == [0; 6] && self.rows.ids.is_empty() {
            return Ok(self.tx);
        }
        let statement = self
            .tx
            .prepare_cached(&format!(
                "WITH upserted AS ({UPSERT_ROWS}), counted AS (
                    UPDATE index_counters SET
                        patients = GREATEST(patients + $6, 0),
                        studies = GREATEST(studies + $7, 0),
                        series = GREATEST(series + $8, 0),
                        instances = GREATEST(instances + $9, 0),
                        disk_size = GREATEST(disk_size + $10, 0),
                        uncompressed_size = GREATEST(uncompressed_size + $11, 0),
                        last_change = $12
                ), logged AS (
                    INSERT INTO index_changes (seq, change_type, resource_type, id, date)
                    SELECT s, t, r, i, $17
                    FROM unnest($13::int8[], $14::text[], $15::text[], $16::text[]) AS c(s, t, r, i)
                )
                DELETE FROM index_changes WHERE seq > $19::int8 - $18::int8 AND seq <= $12 - $18"
            ))
            .await?;
        let mut seqs = Vec::with_capacity(self.changes.len());
        let mut types = Vec::with_capacity(self.changes.len());
        let mut resources = Vec::with_capacity(self.changes.len());
        let mut ids = Vec::with_capacity(self.changes.len());
        for (seq, change_type, resource, id) in &self.changes {
            seqs.push(to_i64(*seq));
            types.push(name_of(change_type)?);
            resources.push(name_of(resource)?);
            ids.push(id.as_str());
        }
        let (d, w) = (&self.deltas, &self.rows);
        self.tx
            .execute(
                &statement,
                &[
                    &w.levels,
                    &w.ids,
                    &w.parents,
                    &w.files,
                    &w.records,
                    &d[0],
                    &d[1],
                    &d[2],
                    &d[3],
                    &d[4],
                    &d[5],
                    &to_i64(self.seq),
                    &seqs,
                    &types,
                    &resources,
                    &ids,
                    &self.date,
                    &self.max_changes,
                    &to_i64(self.first),
                ],
            )
            .await?;
        Ok(self.tx)
    }

    /// The instance IDs of `ids` that are indexed.
    async fn indexed_instances(&self, ids: &[&str]) -> Failable<HashSet<String>> {
        let rows = self
            .tx
            .query(
                "SELECT id FROM index_resources WHERE level = 3 AND id = ANY($1::text[])",
                &[&ids],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

/// The rows a batch reads and writes, read once, changed in memory, written once.
struct Rows {
    rows: HashMap<(Level, String), Option<ResourceRecord>>,
    dirty: Vec<(Level, String)>,
    /// The IndexInSeries of every instance of a series, once a completion check needed them.
    series_indexes: HashMap<String, Vec<Option<u32>>>,
}

impl Rows {
    /// The rows of every instance of `items` and of their ancestors, as committed.
    async fn load(tx: &Tx<'_>, items: &[NewInstance<'_>]) -> Failable<Rows> {
        let mut keys = HashSet::new();
        for item in items {
            for level in Level::ALL {
                keys.insert((code(level), item.header.ids.at(level).to_string()));
            }
        }
        let (levels, ids): (Vec<i16>, Vec<String>) = keys.into_iter().unzip();
        let statement = tx
            .tx
            .prepare_cached(
                "SELECT r.level, r.id, r.record FROM index_resources r
                 JOIN unnest($1::int2[], $2::text[]) AS k(level, id)
                   ON r.level = k.level AND r.id = k.id",
            )
            .await?;
        let found = tx.tx.query(&statement, &[&levels, &ids]).await?;
        let mut rows: HashMap<(Level, String), Option<ResourceRecord>> = levels
            .iter()
            .zip(ids)
            .map(|(l, id)| Ok(((level_of(*l)?, id), None)))
            .collect::<Result<_>>()?;
        for row in found {
            let level = level_of(row.get(0))?;
            rows.insert((level, row.get(1)), Some(decode(row.get(2))?));
        }
        Ok(Rows {
            rows,
            dirty: Vec::new(),
            series_indexes: HashMap::new(),
        })
    }

    fn get(&self, level: Level, id: &str) -> Option<&ResourceRecord> {
        self.rows
            .get(&(level, id.to_string()))
            .and_then(Option::as_ref)
    }

    fn put(&mut self, level: Level, id: &str, rec: ResourceRecord) {
        if level == Level::Instance
            && let Some(parent) = &rec.parent
            && let Some(indexes) = self.series_indexes.get_mut(parent)
        {
            indexes.push(rec.index_in_series);
        }
        let key = (level, id.to_string());
        self.dirty.push(key.clone());
        self.rows.insert(key, Some(rec));
    }

    /// Whether the instance just put completes its series (as `series_completed` of the redb
    /// index decides): the series' instances as committed, with those of this batch.
    async fn series_completed(&mut self, tx: &Tx<'_>, h: &ParsedHeader) -> Failable<bool> {
        let Some(expected) = expected_instances(h.tags(Level::Series)) else {
            return Ok(false);
        };
        let series = h.ids.series.as_str();
        if !self.series_indexes.contains_key(series) {
            let committed = tx
                .tx
                .query(
                    "SELECT record FROM index_resources WHERE parent = $1 AND level = 3",
                    &[&series],
                )
                .await?;
            let mut indexes = Vec::with_capacity(committed.len());
            for row in committed {
                indexes.push(decode(row.get(0))?.index_in_series);
            }
            for (level, id) in &self.dirty {
                if let (Level::Instance, Some(Some(rec))) =
                    (level, self.rows.get(&(*level, id.clone())))
                    && rec.parent.as_deref() == Some(series)
                {
                    indexes.push(rec.index_in_series);
                }
            }
            self.series_indexes.insert(series.to_string(), indexes);
        }
        let indexes = &self.series_indexes[series];
        Ok(series_status(Some(expected), indexes) == "Complete")
    }

    /// Hands the rows changed (all of them still present: a batch only adds and touches) to
    /// `tx`, which writes them with its counters and changes.
    fn flush(self, tx: &mut Tx<'_>) -> Result<()> {
        let mut seen = HashSet::new();
        for key in self.dirty.iter().rev() {
            if !seen.insert(key) {
                continue;
            }
            let Some(Some(rec)) = self.rows.get(key) else {
                continue;
            };
            let w = &mut tx.rows;
            w.levels.push(code(key.0));
            w.ids.push(key.1.clone());
            w.parents.push(rec.parent.clone());
            w.files.push(rec.file.as_ref().map(|f| f.uuid.clone()));
            w.records.push(encode(rec)?);
        }
        Ok(())
    }
}

/// Rows to insert or overwrite, as the arrays of one statement.
#[derive(Default)]
struct RowWrites {
    levels: Vec<i16>,
    ids: Vec<String>,
    parents: Vec<Option<String>>,
    files: Vec<Option<String>>,
    records: Vec<Vec<u8>>,
}

/// Inserts or overwrites the rows of `RowWrites` ($1 to $5).
const UPSERT_ROWS: &str = "INSERT INTO index_resources (level, id, parent, file_uuid, record)
    SELECT * FROM unnest($1::int2[], $2::text[], $3::text[], $4::text[], $5::bytea[])
    ON CONFLICT (level, id) DO UPDATE SET parent = EXCLUDED.parent,
        file_uuid = EXCLUDED.file_uuid, record = EXCLUDED.record";

/// Indexes a batch inside `tx` (see `IndexStore::commit_batch`).
async fn insert_batch(
    tx: &mut Tx<'_>,
    items: &[NewInstance<'_>],
    existing: Existing,
) -> Failable<Vec<Indexed>> {
    // Replacements first, each as a removal: the first occurrence of an indexed instance takes
    // its place below, a second one is AlreadyStored.
    let mut replaced: Vec<Option<Vec<String>>> = vec![None; items.len()];
    if existing == Existing::Replace {
        let ids: Vec<&str> = items
            .iter()
            .map(|i| i.header.ids.instance.as_str())
            .collect();
        let indexed = tx.indexed_instances(&ids).await?;
        let mut seen = HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            if seen.insert(*id) && indexed.contains(*id) {
                replaced[i] = Some(remove_in(tx, Level::Instance, id, true).await?.files);
            }
        }
    }
    let mut rows = Rows::load(tx, items).await?;
    let mut out = Vec::with_capacity(items.len());
    for (item, replaced) in items.iter().zip(replaced) {
        let h = item.header;
        if rows.get(Level::Instance, &h.ids.instance).is_some() {
            out.push(Indexed::AlreadyStored);
            continue;
        }
        let seq = tx.log(
            ChangeType::NewInstance,
            ChangedResource::Instance,
            &h.ids.instance,
        );
        rows.put(
            Level::Instance,
            &h.ids.instance,
            item.record(seq, &tx.date, tx.now),
        );
        tx.count(Level::Instance, 1);
        tx.size(to_i64(item.file.size));
        // Create missing ancestors, from the series up; touch the existing ones.
        for level in [Level::Series, Level::Study, Level::Patient] {
            let id = h.ids.at(level);
            let existing = rows.get(level, id).cloned();
            let created = existing.is_none();
            let mut rec = existing.unwrap_or_else(|| ResourceRecord::new_ancestor(h, level, seq));
            rec.last_update = tx.date.clone();
            rec.updated_at = tx.now;
            rows.put(level, id, rec);
            if created {
                tx.count(level, 1);
                let change = match level {
                    Level::Series => ChangeType::NewSeries,
                    Level::Study => ChangeType::NewStudy,
                    _ => ChangeType::NewPatient,
                };
                tx.log(change, ChangedResource::of(level), id);
            }
        }
        if rows.series_completed(tx, h).await? {
            tx.log(
                ChangeType::CompletedSeries,
                ChangedResource::Series,
                &h.ids.series,
            );
        }
        out.push(match replaced {
            Some(old_files) => Indexed::Replaced { old_files },
            None => Indexed::Success,
        });
    }
    rows.flush(tx)?;
    Ok(out)
}

/// Removes a resource inside `tx` (see `IndexStore::remove`), its files recorded as intents
/// when `intents`.
async fn remove_in(tx: &mut Tx<'_>, level: Level, id: &str, intents: bool) -> Failable<Removal> {
    tx.write_rows().await?;
    let found = tx
        .tx
        .query_opt(
            "SELECT parent FROM index_resources WHERE level = $1 AND id = $2",
            &[&code(level), &id],
        )
        .await?;
    let Some(found) = found else {
        return Err(Error::NotFound {
            what: level_word(level),
            id: id.to_string(),
        }
        .into());
    };
    let mut removal = Removal {
        removed: Vec::new(),
        files: Vec::new(),
        remaining_ancestor: None,
    };
    // The resource and everything below it, lowest level first.
    let subtree = tx
        .tx
        .prepare_cached(
            "WITH RECURSIVE below(level, id) AS (
                 SELECT level, id FROM index_resources WHERE level = $1 AND id = $2
                 UNION ALL
                 SELECT r.level, r.id FROM index_resources r
                 JOIN below ON r.parent = below.id AND r.level = below.level + 1
             )
             DELETE FROM index_resources r USING below
             WHERE r.level = below.level AND r.id = below.id
             RETURNING r.level, r.id, r.record",
        )
        .await?;
    let mut gone = Vec::new();
    for row in tx.tx.query(&subtree, &[&code(level), &id]).await? {
        gone.push((
            level_of(row.get(0))?,
            row.get::<_, String>(1),
            decode(row.get(2))?,
        ));
    }
    gone.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (level, id, rec) in gone {
        tx.count(level, -1);
        if let Some(file) = rec.file {
            tx.size(-to_i64(file.size));
            removal.files.push(file.uuid);
        }
        removal.removed.push((level, id));
    }
    // Walk up: a parent left without children goes too (Orthanc does the same).
    let mut child_level = level;
    let mut parent: Option<String> = found.get(0);
    while let (Some(pid), Some(plevel)) = (parent.take(), child_level.parent()) {
        let left = tx
            .tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM index_resources WHERE parent = $1 AND level = $2)",
                &[&pid, &code(child_level)],
            )
            .await?;
        if left.get(0) {
            removal.remaining_ancestor = Some((plevel, pid));
            break;
        }
        let row = tx
            .tx
            .query_opt(
                "DELETE FROM index_resources WHERE level = $1 AND id = $2 RETURNING parent",
                &[&code(plevel), &pid],
            )
            .await?;
        tx.count(plevel, -1);
        removal.removed.push((plevel, pid));
        child_level = plevel;
        parent = row.and_then(|r| r.get(0));
    }
    if intents && !removal.files.is_empty() {
        tx.tx
            .execute(
                "INSERT INTO index_file_intents (uuid) SELECT unnest($1::text[])
                 ON CONFLICT DO NOTHING",
                &[&removal.files],
            )
            .await?;
    }
    for (level, id) in &removal.removed {
        tx.log(ChangeType::Deleted, ChangedResource::of(*level), id);
    }
    Ok(removal)
}

impl IndexStore for PgIndexStore {
    fn get(&self, level: Level, id: &str) -> Result<Option<ResourceRecord>> {
        self.read(async |c| {
            let statement = c
                .prepare_cached("SELECT record FROM index_resources WHERE level = $1 AND id = $2")
                .await?;
            let row = c.query_opt(&statement, &[&code(level), &id]).await?;
            Ok(row.map(|r| decode(r.get(0))).transpose()?)
        })
    }

    fn contains(&self, level: Level, id: &str) -> Result<bool> {
        self.read(async |c| {
            let statement = c
                .prepare_cached("SELECT 1 FROM index_resources WHERE level = $1 AND id = $2")
                .await?;
            Ok(c.query_opt(&statement, &[&code(level), &id])
                .await?
                .is_some())
        })
    }

    fn indexed(&self, level: Level, ids: &[&str]) -> Result<HashSet<String>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        self.read(async |c| {
            let statement = c
                .prepare_cached(
                    "SELECT id FROM index_resources WHERE level = $1 AND id = ANY($2::text[])",
                )
                .await?;
            let rows = c.query(&statement, &[&code(level), &ids]).await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn children(&self, id: &str) -> Result<Vec<String>> {
        self.read(async |c| {
            let statement = c
                .prepare_cached("SELECT id FROM index_resources WHERE parent = $1 ORDER BY id")
                .await?;
            let rows = c.query(&statement, &[&id]).await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn list(&self, level: Level) -> Result<Vec<(String, ResourceRecord)>> {
        self.read(async |c| {
            let statement = c
                .prepare_cached(
                    "SELECT id, record FROM index_resources WHERE level = $1 ORDER BY id",
                )
                .await?;
            let rows = c.query(&statement, &[&code(level)]).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push((row.get(0), decode(row.get(1))?));
            }
            Ok(out)
        })
    }

    fn find_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<(Level, String)>> {
        // Every ID starting with `prefix` sorts (bytewise) between it and it followed by the
        // highest character: an index range, not a scan.
        let upper = format!("{prefix}{}", char::MAX);
        self.read(async |c| {
            let statement = c
                .prepare_cached(
                    "SELECT id FROM index_resources
                     WHERE level = $1 AND id >= $2 AND id < $3 AND starts_with(id, $2)
                     ORDER BY id LIMIT $4",
                )
                .await?;
            let mut found = Vec::new();
            for level in Level::ALL {
                if found.len() >= limit {
                    break;
                }
                let room = to_i64(u64::try_from(limit - found.len()).unwrap_or(u64::MAX));
                let rows = c
                    .query(&statement, &[&code(level), &prefix, &upper, &room])
                    .await?;
                found.extend(rows.iter().map(|r| (level, r.get(0))));
            }
            Ok(found)
        })
    }

    fn statistics(&self) -> Result<Statistics> {
        self.read(async |c| {
            let statement = c
                .prepare_cached(
                    "SELECT patients, studies, series, instances, disk_size, uncompressed_size,
                            last_change FROM index_counters",
                )
                .await?;
            let row = c.query_one(&statement, &[]).await?;
            let get = |i: usize| to_u64(row.get(i));
            Ok(Statistics {
                patients: get(0),
                studies: get(1),
                series: get(2),
                instances: get(3),
                disk_size: get(4),
                uncompressed_size: get(5),
                last_change: get(6),
            })
        })
    }

    fn changes(&self, since: u64, limit: usize) -> Result<(Vec<Change>, bool)> {
        let take = i64::try_from(limit).unwrap_or(i64::MAX - 1);
        self.read(async |c| {
            let statement = c
                .prepare_cached(
                    "SELECT seq, change_type, resource_type, id, date FROM index_changes
                     WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .await?;
            let rows = c.query(&statement, &[&to_i64(since), &(take + 1)]).await?;
            let done = rows.len() <= limit;
            let mut out = Vec::with_capacity(rows.len().min(limit));
            for row in rows.iter().take(limit) {
                out.push(change_of(row)?);
            }
            Ok((out, done))
        })
    }

    fn last_change(&self) -> Result<Option<Change>> {
        self.read(async |c| {
            let row = c
                .query_opt(
                    "SELECT seq, change_type, resource_type, id, date FROM index_changes
                     ORDER BY seq DESC LIMIT 1",
                    &[],
                )
                .await?;
            Ok(row.as_ref().map(change_of).transpose()?)
        })
    }

    fn clear_changes(&self) -> Result<()> {
        self.write(async |tx| {
            tx.tx.execute("DELETE FROM index_changes", &[]).await?;
            Ok(())
        })
    }

    fn log_changes(&self, changes: &[(ChangeType, ChangedResource, String)]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        self.write(async |tx| {
            // Not worth a flush of its own (see the trait): the next durable commit carries it.
            tx.tx
                .batch_execute("SET LOCAL synchronous_commit TO OFF")
                .await?;
            for (change_type, resource, id) in changes {
                tx.log(*change_type, *resource, id);
            }
            Ok(())
        })
    }

    fn file_owner(&self, uuid: &str) -> Result<Option<String>> {
        self.read(async |c| {
            let statement = c
                .prepare_cached("SELECT id FROM index_resources WHERE file_uuid = $1")
                .await?;
            Ok(c.query_opt(&statement, &[&uuid]).await?.map(|r| r.get(0)))
        })
    }

    fn pending_intents(&self) -> Result<Vec<String>> {
        self.read(async |c| {
            let rows = c
                .query("SELECT uuid FROM index_file_intents ORDER BY uuid", &[])
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn clear_intents(&self, uuids: &[String]) -> Result<()> {
        if uuids.is_empty() {
            return Ok(());
        }
        self.read(async |c| {
            c.execute(
                "DELETE FROM index_file_intents WHERE uuid = ANY($1::text[])",
                &[&uuids],
            )
            .await?;
            Ok(())
        })
    }

    fn commit_batch(&self, items: &[NewInstance<'_>], existing: Existing) -> Result<Vec<Indexed>> {
        self.write(async |tx| insert_batch(tx, items, existing).await)
    }

    fn repair(&self, add: &[NewInstance<'_>], drop: &[String]) -> Result<Vec<Indexed>> {
        self.write(async |tx| {
            let out = insert_batch(tx, add, Existing::Keep).await?;
            for id in drop {
                remove_in(tx, Level::Instance, id, false).await?;
            }
            Ok(out)
        })
    }

    fn reconstruct(&self, header: &ParsedHeader, anonymized: bool) -> Result<()> {
        self.write(async |tx| {
            for level in [Level::Series, Level::Study, Level::Patient] {
                let id = header.ids.at(level);
                let row = tx
                    .tx
                    .query_opt(
                        "SELECT record FROM index_resources WHERE level = $1 AND id = $2",
                        &[&code(level), &id],
                    )
                    .await?;
                let Some(row) = row else {
                    continue;
                };
                let mut rec = decode(row.get(0))?;
                rec.main_tags = header.tags(level).clone();
                if level == Level::Study {
                    rec.patient_tags = header.patient.clone();
                }
                tx.tx
                    .execute(
                        "UPDATE index_resources SET record = $3 WHERE level = $1 AND id = $2",
                        &[&code(level), &id, &encode(&rec)?],
                    )
                    .await?;
                let change = match (level, anonymized) {
                    (Level::Series, false) => ChangeType::ModifiedSeries,
                    (Level::Study, false) => ChangeType::ModifiedStudy,
                    (_, false) => ChangeType::ModifiedPatient,
                    (Level::Series, true) => ChangeType::AnonymizedSeries,
                    (Level::Study, true) => ChangeType::AnonymizedStudy,
                    (_, true) => ChangeType::AnonymizedPatient,
                };
                tx.log(change, ChangedResource::of(level), id);
            }
            Ok(())
        })
    }

    fn remove(&self, level: Level, id: &str) -> Result<Removal> {
        self.write(async |tx| remove_in(tx, level, id, true).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new instance of `header` whose file is `f{i}`.
    fn new_instance(header: &ParsedHeader, i: usize) -> NewInstance<'_> {
        NewInstance {
            header,
            file: crate::store::index::StoredFile {
                uuid: format!("f{i}"),
                size: 10,
                sop_class: String::new(),
                transfer_syntax: String::new(),
                crc32: None,
            },
        }
    }

    #[test]
    fn conformance() {
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        crate::persist::conformance::index_store::run(&|dir| {
            Arc::new(PgIndexStore::new(server.database_for(dir)))
        });
    }

    /// PostgreSQL restarted (stopped as if it crashed): what was committed is there, a write
    /// while it is down fails with the reason (nothing half done), and the next writes run on
    /// new connections without a restart of the daemon.
    #[test]
    fn writes_go_on_after_postgresql_restarts() {
        use crate::store::header::parse_header;
        if super::super::test_server::server().is_none() {
            return;
        }
        let server = dicomq_testdata::postgres::PgServer::start().expect("a server of its own");
        let url = server.new_database();
        let db = PgDatabase::open(&url, std::time::Duration::from_secs(2)).expect("open");
        let index = PgIndexStore::new(db);
        let headers: Vec<ParsedHeader> = (0..3)
            .map(|seed| {
                let bytes = crate::testdata::small_instance(seed, 600);
                parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header")
            })
            .collect();
        let commit = |i: usize| index.commit_batch(&[new_instance(&headers[i], i)], Existing::Keep);
        assert_eq!(commit(0).expect("before"), vec![Indexed::Success]);
        server.stop();
        let down = commit(1).expect_err("the server is down");
        assert!(matches!(down, Error::Postgres { .. }), "{down}");
        server.start_again();
        assert_eq!(
            commit(1).expect("after the restart"),
            vec![Indexed::Success]
        );
        assert_eq!(commit(2).expect("and on"), vec![Indexed::Success]);
        let stats = index.statistics().expect("stats");
        assert_eq!(stats.instances, 3);
        let (log, _) = index.changes(0, 100).expect("changes");
        let seqs: Vec<u64> = log.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=stats.last_change).collect::<Vec<_>>());
        assert!(index.owns_file("f0").expect("owns") && index.owns_file("f1").expect("owns"));
    }

    /// A write's transaction bounds its wait for the writer lock and its silences.
    #[test]
    fn a_writer_neither_waits_nor_holds_the_lock_forever() {
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        let index = PgIndexStore::new(server.fresh());
        let shown = index
            .write(async |tx| {
                let mut out = Vec::new();
                for name in ["lock_timeout", "idle_in_transaction_session_timeout"] {
                    let row = tx.tx.query_one(&format!("SHOW {name}"), &[]).await?;
                    out.push(row.get::<_, String>(0));
                }
                Ok(out)
            })
            .expect("write");
        assert_eq!(shown, ["30s", "1min"]);
    }

    /// The changes log keeps the newest `max_changes`: each write deletes exactly the ones it
    /// pushes out (a range of the key, not a scan of the log).
    #[test]
    fn the_changes_log_keeps_the_newest() {
        use crate::store::header::parse_header;
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        let mut index = PgIndexStore::new(server.fresh());
        index.max_changes = 5;
        for i in 0..4u64 {
            let bytes = crate::testdata::small_instance(i, 600);
            let header = parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header");
            let stored = index.commit_batch(&[new_instance(&header, i as usize)], Existing::Keep);
            assert_eq!(stored.expect("commit"), vec![Indexed::Success]);
            let last = index.statistics().expect("statistics").last_change;
            let (kept, done) = index.changes(0, 100).expect("changes");
            assert!(done);
            let seqs: Vec<u64> = kept.iter().map(|c| c.seq).collect();
            let first = last.saturating_sub(4).max(1);
            assert_eq!(seqs, (first..=last).collect::<Vec<_>>(), "after write {i}");
        }
    }

    /// A commit whose answer was lost is settled by asking the server about its transaction.
    #[test]
    fn a_lost_commit_answer_is_settled_by_the_transaction_status() {
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        let index = PgIndexStore::new(server.fresh());
        let db = index.db.clone();
        let txid = |commit: bool| {
            db.block_on(async {
                let mut client = db.client().await.expect("client");
                let tx = Tx::begin(&mut client).await.expect("begin");
                let mark = tx.mark.clone();
                if commit {
                    tx.tx.commit().await.expect("commit");
                } else {
                    tx.tx.rollback().await.expect("rollback");
                }
                mark
            })
        };
        let (committed, rolled_back) = (txid(true), txid(false));
        assert_eq!(db.block_on(db.committed_after_all(&committed)), Some(true));
        assert_eq!(
            db.block_on(db.committed_after_all(&rolled_back)),
            Some(false)
        );
    }

    /// Two daemons (two pools on one database), two threads each, storing the same instances
    /// in different orders: each instance is indexed once (one `Success`, the others
    /// `AlreadyStored`), the counters are exact, and the changes log is numbered without a gap.
    #[test]
    fn concurrent_writers_index_each_instance_once() {
        use crate::store::header::parse_header;
        use crate::store::index::StoredFile;
        let Some(server) = super::super::test_server::server() else {
            return;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let daemons = [
            PgIndexStore::new(server.database_for(dir.path())),
            PgIndexStore::new(server.database_for(dir.path())),
        ];
        const N: u64 = 40;
        let headers: Vec<ParsedHeader> = (0..N)
            .map(|seed| {
                let bytes = crate::testdata::small_instance(seed, 600);
                parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header")
            })
            .collect();
        let answers: Vec<Vec<(usize, String, Indexed)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4usize)
                .map(|w| {
                    let (index, headers) = (&daemons[w % 2], &headers);
                    s.spawn(move || {
                        let mut order: Vec<usize> = (0..headers.len()).collect();
                        order.rotate_left(w * 7);
                        if w % 2 == 1 {
                            order.reverse();
                        }
                        let mut out = Vec::new();
                        for batch in order.chunks(3 + w) {
                            let items: Vec<NewInstance<'_>> = batch
                                .iter()
                                .map(|&i| NewInstance {
                                    header: &headers[i],
                                    file: StoredFile {
                                        uuid: format!("w{w}-{i}"),
                                        size: 10,
                                        sop_class: String::new(),
                                        transfer_syntax: String::new(),
                                        crc32: None,
                                    },
                                })
                                .collect();
                            let got = index.commit_batch(&items, Existing::Keep).expect("commit");
                            for (&i, answer) in batch.iter().zip(got) {
                                out.push((i, format!("w{w}-{i}"), answer));
                            }
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("worker"))
                .collect()
        });
        let mut winners: HashMap<usize, String> = HashMap::new();
        for (i, uuid, answer) in answers.into_iter().flatten() {
            if answer == Indexed::Success {
                assert!(
                    winners.insert(i, uuid).is_none(),
                    "instance {i} indexed twice"
                );
            } else {
                assert_eq!(answer, Indexed::AlreadyStored);
            }
        }
        assert_eq!(winners.len(), headers.len());
        for (index, other) in [(&daemons[0], &daemons[1]), (&daemons[1], &daemons[0])] {
            let stats = index.statistics().expect("stats");
            assert_eq!(stats, other.statistics().expect("stats"));
            assert_eq!((stats.instances, stats.disk_size), (N, N * 10));
            assert_eq!(
                stats.patients,
                index.list(Level::Patient).expect("list").len() as u64
            );
            assert_eq!(
                stats.series,
                index.list(Level::Series).expect("list").len() as u64
            );
            let (log, done) = index.changes(0, 10_000).expect("changes");
            assert!(done);
            let seqs: Vec<u64> = log.iter().map(|c| c.seq).collect();
            assert_eq!(seqs, (1..=stats.last_change).collect::<Vec<_>>());
            let new = log
                .iter()
                .filter(|c| c.change_type == ChangeType::NewInstance)
                .count();
            assert_eq!(new as u64, N);
        }
        for (i, uuid) in &winners {
            assert!(daemons[1].owns_file(uuid).expect("owns"), "{i}");
            let rec = daemons[0]
                .get(Level::Instance, &headers[*i].ids.instance)
                .expect("get")
                .expect("indexed");
            assert_eq!(&rec.file.expect("file").uuid, uuid);
        }
    }
}
