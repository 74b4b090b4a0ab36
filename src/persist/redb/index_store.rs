//! The resource index in redb: one table per level (records as JSON), a parent→children
//! multimap, counters, the owner of each stored file, and the removal intents that make crashes
//! safe. Nothing else touches these tables.

use std::sync::Arc;

use redb::{
    Database, MultimapTableDefinition, ReadableDatabase, ReadableMultimapTable, ReadableTable,
    ReadableTableMetadata, TableDefinition, WriteTransaction,
};

use super::database::META;
use crate::error::{Error, Result};
use crate::persist::index_store::IndexStore;
use crate::store::header::ParsedHeader;
use crate::store::ids::Level;
use crate::store::index::{
    Change, ChangeType, ChangedResource, Existing, Indexed, JournalMark, JournalMarks, NewInstance,
    Removal, ResourceRecord, Statistics, level_word,
};
use crate::store::views::{expected_instances, series_status};

const PATIENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("store_patients");
const STUDIES: TableDefinition<&str, &[u8]> = TableDefinition::new("store_studies");
const SERIES: TableDefinition<&str, &[u8]> = TableDefinition::new("store_series");
const INSTANCES: TableDefinition<&str, &[u8]> = TableDefinition::new("store_instances");
const CHILDREN: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("store_children");
/// Counters kept incrementally: counts per level, sizes, the change sequence.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("store_counters");
/// Which instance owns each stored file: tells the recovery at open whether a file left in
/// `incoming/` was committed (publish it) or not (delete it).
const FILES: TableDefinition<&str, &str> = TableDefinition::new("store_files");
/// Files unindexed but not yet deleted (a removal in progress). Whatever is left here after a
/// crash is deleted at the next open.
const FILE_INTENTS: TableDefinition<&str, u64> = TableDefinition::new("store_file_intents");

/// The changes log: seq → JSON `Change`, at most `MAX_CHANGES` (the oldest go first).
const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("store_changes");
const MAX_CHANGES: u64 = 100_000;

/// The import journal's marks, in the database's `meta` table (`JournalMarks`).
const JOURNAL_ROWS_KEY: &str = "import_journal_seq";
const JOURNAL_GENERATION_KEY: &str = "import_journal_generation";

fn table(level: Level) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match level {
        Level::Patient => PATIENTS,
        Level::Study => STUDIES,
        Level::Series => SERIES,
        Level::Instance => INSTANCES,
    }
}

fn count_key(level: Level) -> &'static str {
    match level {
        Level::Patient => "count_patients",
        Level::Study => "count_studies",
        Level::Series => "count_series",
        Level::Instance => "count_instances",
    }
}
const DISK_SIZE: &str = "disk_size";
const UNCOMPRESSED_SIZE: &str = "uncompressed_size";
const LAST_CHANGE: &str = "last_change";

fn encode(rec: &ResourceRecord) -> Result<Vec<u8>> {
    serde_json::to_vec(rec).map_err(|e| Error::Internal(format!("encode record: {e}")))
}

fn decode_change(bytes: &[u8]) -> Result<Change> {
    serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("decode change: {e}")))
}

/// Appends changes to the log inside a write transaction, numbering them from the last
/// change counter, and drops the oldest beyond `MAX_CHANGES`.
struct ChangeLog<'t> {
    table: redb::Table<'t, u64, &'static [u8]>,
    date: String,
}

impl<'t> ChangeLog<'t> {
    fn open(tx: &'t WriteTransaction, date: String) -> Result<Self> {
        Ok(ChangeLog {
            table: tx.open_table(CHANGES)?,
            date,
        })
    }

    fn log(&mut self, seq: u64, change_type: ChangeType, level: Level, id: &str) -> Result<()> {
        self.log_any(seq, change_type, ChangedResource::of(level), id)
    }

    fn log_any(
        &mut self,
        seq: u64,
        change_type: ChangeType,
        resource: ChangedResource,
        id: &str,
    ) -> Result<()> {
        let change = Change {
            change_type,
            date: self.date.clone(),
            id: id.to_string(),
            path: resource.path(id),
            resource_type: resource,
            seq,
        };
        let bytes = serde_json::to_vec(&change)
            .map_err(|e| Error::Internal(format!("encode change: {e}")))?;
        self.table.insert(seq, bytes.as_slice())?;
        Ok(())
    }

    fn trim(&mut self) -> Result<()> {
        let excess = self.table.len()?.saturating_sub(MAX_CHANGES);
        for _ in 0..excess {
            self.table.pop_first()?;
        }
        Ok(())
    }
}

fn decode(bytes: &[u8]) -> Result<ResourceRecord> {
    serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("decode record: {e}")))
}

#[derive(Clone)]
pub struct RedbIndexStore {
    db: Arc<Database>,
}

fn add(counters: &mut redb::Table<&str, u64>, key: &str, delta: i64) -> Result<()> {
    let old = counters.get(key)?.map(|v| v.value()).unwrap_or(0);
    let new = if delta >= 0 {
        old.saturating_add(delta as u64)
    } else {
        old.saturating_sub(delta.unsigned_abs())
    };
    counters.insert(key, new)?;
    Ok(())
}

impl RedbIndexStore {
    pub fn open(db: Arc<Database>) -> Result<Self> {
        let tx = db.begin_write()?;
        for level in Level::ALL {
            tx.open_table(table(level))?;
        }
        tx.open_multimap_table(CHILDREN)?;
        tx.open_table(COUNTERS)?;
        tx.open_table(FILE_INTENTS)?;
        tx.open_table(FILES)?;
        tx.open_table(CHANGES)?;
        tx.commit()?;
        Ok(RedbIndexStore { db })
    }
}

impl IndexStore for RedbIndexStore {
    fn get(&self, level: Level, id: &str) -> Result<Option<ResourceRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(table(level))?;
        let found = t.get(id)?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn contains(&self, level: Level, id: &str) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(table(level))?;
        Ok(t.get(id)?.is_some())
    }

    /// Children IDs of a resource, sorted by ID.
    fn children(&self, id: &str) -> Result<Vec<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_multimap_table(CHILDREN)?;
        let mut out = Vec::new();
        for v in t.get(id)? {
            out.push(v?.value().to_string());
        }
        Ok(out)
    }

    /// Every resource of a level, with its record.
    fn list(&self, level: Level) -> Result<Vec<(String, ResourceRecord)>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(table(level))?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push((k.value().to_string(), decode(v.value())?));
        }
        Ok(out)
    }

    fn find_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<(Level, String)>> {
        let tx = self.db.begin_read()?;
        let mut found = Vec::new();
        for level in Level::ALL {
            let t = tx.open_table(table(level))?;
            for row in t.range(prefix..)? {
                let (k, _) = row?;
                let key = k.value();
                if !key.starts_with(prefix) {
                    break;
                }
                found.push((level, key.to_string()));
                if found.len() >= limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    fn statistics(&self) -> Result<Statistics> {
        let tx = self.db.begin_read()?;
        let c = tx.open_table(COUNTERS)?;
        let get = |k: &str| -> Result<u64> { Ok(c.get(k)?.map(|v| v.value()).unwrap_or(0)) };
        Ok(Statistics {
            patients: get(count_key(Level::Patient))?,
            studies: get(count_key(Level::Study))?,
            series: get(count_key(Level::Series))?,
            instances: get(count_key(Level::Instance))?,
            disk_size: get(DISK_SIZE)?,
            uncompressed_size: get(UNCOMPRESSED_SIZE)?,
            last_change: get(LAST_CHANGE)?,
        })
    }

    fn changes(&self, since: u64, limit: usize) -> Result<(Vec<Change>, bool)> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CHANGES)?;
        let mut out = Vec::with_capacity(limit.min(1024));
        let mut rows = t.range(since.saturating_add(1)..)?;
        for row in rows.by_ref().take(limit) {
            out.push(decode_change(row?.1.value())?);
        }
        let done = rows.next().is_none();
        Ok((out, done))
    }

    fn last_change(&self) -> Result<Option<Change>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CHANGES)?;
        let last = t.last()?;
        last.map(|(_, v)| decode_change(v.value())).transpose()
    }

    fn clear_changes(&self) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.delete_table(CHANGES)?;
        tx.open_table(CHANGES)?;
        tx.commit()?;
        Ok(())
    }

    fn log_changes(&self, changes: &[(ChangeType, ChangedResource, String)]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin_write()?;
        // Not worth a device flush of its own: the next durable commit carries it.
        tx.set_durability(redb::Durability::None)
            .map_err(|e| Error::Internal(format!("changes log durability: {e}")))?;
        {
            let mut counters = tx.open_table(COUNTERS)?;
            let mut seq = counters.get(LAST_CHANGE)?.map(|v| v.value()).unwrap_or(0);
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string();
            let mut log = ChangeLog::open(&tx, stamp)?;
            for (change_type, resource, id) in changes {
                seq += 1;
                log.log_any(seq, *change_type, *resource, id)?;
            }
            log.trim()?;
            counters.insert(LAST_CHANGE, seq)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether a committed instance owns this stored file.
    fn file_owner(&self, uuid: &str) -> Result<Option<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(FILES)?;
        Ok(t.get(uuid)?.map(|v| v.value().to_string()))
    }

    fn pending_intents(&self) -> Result<Vec<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(FILE_INTENTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(row?.0.value().to_string());
        }
        Ok(out)
    }

    fn clear_intents(&self, uuids: &[String]) -> Result<()> {
        if uuids.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(FILE_INTENTS)?;
            for u in uuids {
                t.remove(u.as_str())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Indexes a batch in one transaction (see the trait for `existing`).
    fn commit_batch(&self, items: &[NewInstance<'_>], existing: Existing) -> Result<Vec<Indexed>> {
        let tx = self.db.begin_write()?;
        let out = insert_batch(&tx, items, existing)?;
        tx.commit()?;
        Ok(out)
    }

    fn journal_marks(&self) -> Result<Option<JournalMarks>> {
        let tx = self.db.begin_read()?;
        let meta = match tx.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Ok(Some(JournalMarks::default()));
            }
            Err(e) => return Err(e.into()),
        };
        let get = |key| -> Result<Option<u64>> { Ok(meta.get(key)?.map(|v| v.value())) };
        let (rows_up_to, generation) = (get(JOURNAL_ROWS_KEY)?, get(JOURNAL_GENERATION_KEY)?);
        Ok(Some(JournalMarks {
            recorded: rows_up_to.is_some() || generation.is_some(),
            rows_up_to: rows_up_to.unwrap_or(0),
            generation: generation.unwrap_or(0),
        }))
    }

    /// The rows and the mark in one transaction: a deferred one without a device flush (redb's
    /// `Durability::None`: the next durable commit of any writer persists it, mark included,
    /// so that a durable state never holds rows the mark does not cover).
    fn commit_batch_journaled(
        &self,
        items: &[NewInstance<'_>],
        existing: Existing,
        mark: JournalMark,
    ) -> Result<Vec<Indexed>> {
        let mut tx = self.db.begin_write()?;
        if let JournalMark::Deferred { .. } = mark {
            tx.set_durability(redb::Durability::None)
                .map_err(|e| Error::Internal(format!("import journal durability: {e}")))?;
        }
        let out = insert_batch(&tx, items, existing)?;
        {
            let mut meta = tx.open_table(META)?;
            match mark {
                JournalMark::Deferred { seq } => {
                    meta.insert(JOURNAL_ROWS_KEY, seq)?;
                }
                JournalMark::Checkpoint { seq } => {
                    meta.insert(JOURNAL_ROWS_KEY, seq)?;
                    meta.insert(JOURNAL_GENERATION_KEY, seq)?;
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// `dicomq check --repair`, in one transaction: indexes `add` (files found without a row)
    /// and removes the instances of `drop` (rows whose file is gone) with the ancestors they
    /// leave empty. Their files are gone already, so no removal intent is left behind.
    fn repair(&self, add: &[NewInstance<'_>], drop: &[String]) -> Result<Vec<Indexed>> {
        let tx = self.db.begin_write()?;
        let out = insert_batch(&tx, add, Existing::Keep)?;
        let mut gone = Vec::new();
        for id in drop {
            gone.extend(remove_in(&tx, Level::Instance, id)?.files);
        }
        {
            let mut intents = tx.open_table(FILE_INTENTS)?;
            for uuid in &gone {
                intents.remove(uuid.as_str())?;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Removes resources with their descendants, and ancestors left empty, in one transaction.
    /// The files are recorded as intents; the caller deletes them, then clears the intents.
    fn reconstruct(&self, header: &ParsedHeader, anonymized: bool) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut counters = tx.open_table(COUNTERS)?;
            let mut seq = counters.get(LAST_CHANGE)?.map(|v| v.value()).unwrap_or(0);
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string();
            let mut log = ChangeLog::open(&tx, stamp)?;
            for level in [Level::Series, Level::Study, Level::Patient] {
                let id = header.ids.at(level);
                let mut t = tx.open_table(table(level))?;
                let Some(mut rec) = t.get(id)?.map(|v| decode(v.value())).transpose()? else {
                    continue;
                };
                rec.main_tags = header.tags(level).clone();
                if level == Level::Study {
                    rec.patient_tags = header.patient.clone();
                }
                t.insert(id, encode(&rec)?.as_slice())?;
                drop(t);
                let change = match (level, anonymized) {
                    (Level::Series, false) => ChangeType::ModifiedSeries,
                    (Level::Study, false) => ChangeType::ModifiedStudy,
                    (_, false) => ChangeType::ModifiedPatient,
                    (Level::Series, true) => ChangeType::AnonymizedSeries,
                    (Level::Study, true) => ChangeType::AnonymizedStudy,
                    (_, true) => ChangeType::AnonymizedPatient,
                };
                seq += 1;
                log.log(seq, change, level, id)?;
            }
            log.trim()?;
            counters.insert(LAST_CHANGE, seq)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn remove(&self, level: Level, id: &str) -> Result<Removal> {
        let tx = self.db.begin_write()?;
        let removal = remove_in(&tx, level, id)?;
        tx.commit()?;
        Ok(removal)
    }
}

/// Indexes a batch inside `tx` (see `IndexStore::commit_batch`).
fn insert_batch(
    tx: &WriteTransaction,
    items: &[NewInstance<'_>],
    existing: Existing,
) -> Result<Vec<Indexed>> {
    let now = chrono::Utc::now();
    let stamp = now.format("%Y%m%dT%H%M%S").to_string();
    let mut out = Vec::with_capacity(items.len());
    // Replacements first, each as a removal (which opens the tables itself): the first
    // occurrence of an indexed instance takes its place below, a second one is AlreadyStored.
    let mut replaced: Vec<Option<Vec<String>>> = vec![None; items.len()];
    if existing == Existing::Replace {
        let mut seen = std::collections::HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let id = item.header.ids.instance.as_str();
            if seen.insert(id) && tx.open_table(INSTANCES)?.get(id)?.is_some() {
                replaced[i] = Some(remove_in(tx, Level::Instance, id)?.files);
            }
        }
    }
    {
        let mut counters = tx.open_table(COUNTERS)?;
        let mut files = tx.open_table(FILES)?;
        let mut children = tx.open_multimap_table(CHILDREN)?;
        let mut log = ChangeLog::open(tx, stamp.clone())?;
        let mut seq = counters.get(LAST_CHANGE)?.map(|v| v.value()).unwrap_or(0);
        for (item, replaced) in items.iter().zip(replaced) {
            let h = item.header;
            let mut inst_table = tx.open_table(INSTANCES)?;
            if inst_table.get(h.ids.instance.as_str())?.is_some() {
                out.push(Indexed::AlreadyStored);
                continue;
            }
            seq += 1;
            let record = item.record(seq, &stamp, now.timestamp());
            inst_table.insert(h.ids.instance.as_str(), encode(&record)?.as_slice())?;
            drop(inst_table);
            files.insert(item.file.uuid.as_str(), h.ids.instance.as_str())?;
            add(&mut counters, count_key(Level::Instance), 1)?;
            add(&mut counters, DISK_SIZE, item.file.size as i64)?;
            add(&mut counters, UNCOMPRESSED_SIZE, item.file.size as i64)?;
            children.insert(h.ids.series.as_str(), h.ids.instance.as_str())?;
            log.log(
                seq,
                ChangeType::NewInstance,
                Level::Instance,
                &h.ids.instance,
            )?;
            // Create missing ancestors, from the series up; touch the existing ones.
            for level in [Level::Series, Level::Study, Level::Patient] {
                let id = h.ids.at(level);
                let mut t = tx.open_table(table(level))?;
                let existing = t.get(id)?.map(|v| decode(v.value())).transpose()?;
                let created = existing.is_none();
                let mut rec =
                    existing.unwrap_or_else(|| ResourceRecord::new_ancestor(h, level, seq));
                // Touched in this second already (instances of a series arrive many a
                // second): the record would be written unchanged, its pages copied for nothing.
                if !created && rec.last_update == stamp && rec.updated_at == now.timestamp() {
                    continue;
                }
                rec.last_update = stamp.clone();
                rec.updated_at = now.timestamp();
                t.insert(id, encode(&rec)?.as_slice())?;
                if created {
                    add(&mut counters, count_key(level), 1)?;
                    if let Some(parent) = level.parent() {
                        children.insert(h.ids.at(parent), id)?;
                    }
                    seq += 1;
                    let change = match level {
                        Level::Series => ChangeType::NewSeries,
                        Level::Study => ChangeType::NewStudy,
                        _ => ChangeType::NewPatient,
                    };
                    log.log(seq, change, level, id)?;
                }
            }
            if series_completed(tx, &children, h)? {
                seq += 1;
                log.log(
                    seq,
                    ChangeType::CompletedSeries,
                    Level::Series,
                    &h.ids.series,
                )?;
            }
            out.push(match replaced {
                Some(old_files) => Indexed::Replaced { old_files },
                None => Indexed::Success,
            });
        }
        log.trim()?;
        counters.insert(LAST_CHANGE, seq)?;
    }
    Ok(out)
}

/// Whether the instance just indexed completes its series, as Orthanc decides to log
/// `CompletedSeries`: the count the new instance expects (`store::views::expected_instances`)
/// and the IndexInSeries of every instance of the series give `Complete`. Only series whose
/// instances declare a count pay for the walk over their instances.
fn series_completed(
    tx: &WriteTransaction,
    children: &redb::MultimapTable<&str, &str>,
    h: &ParsedHeader,
) -> Result<bool> {
    let Some(expected) = expected_instances(h.tags(Level::Series)) else {
        return Ok(false);
    };
    let instances = tx.open_table(INSTANCES)?;
    let mut indexes = Vec::new();
    for child in children.get(h.ids.series.as_str())? {
        let child = child?;
        if let Some(v) = instances.get(child.value())? {
            indexes.push(decode(v.value())?.index_in_series);
        }
    }
    Ok(series_status(Some(expected), &indexes) == "Complete")
}

/// Removes a resource inside `tx` (see `IndexStore::remove`).
fn remove_in(tx: &WriteTransaction, level: Level, id: &str) -> Result<Removal> {
    let mut removal = Removal {
        removed: Vec::new(),
        files: Vec::new(),
        remaining_ancestor: None,
    };
    let record = {
        let t = tx.open_table(table(level))?;
        let found = t.get(id)?;
        match found {
            Some(v) => decode(v.value())?,
            None => {
                return Err(Error::NotFound {
                    what: level_word(level),
                    id: id.to_string(),
                });
            }
        }
    };
    remove_subtree(tx, level, id, &mut removal)?;
    // Walk up: a parent left without children goes too (Orthanc does the same).
    let mut child_level = level;
    let mut parent = record.parent;
    while let (Some(pid), Some(plevel)) = (parent.clone(), child_level.parent()) {
        let mut children = tx.open_multimap_table(CHILDREN)?;
        children.remove(pid.as_str(), id_of_last(&removal, child_level))?;
        let empty = children.get(pid.as_str())?.next().is_none();
        drop(children);
        if !empty {
            removal.remaining_ancestor = Some((plevel, pid));
            break;
        }
        let prec = {
            let mut t = tx.open_table(table(plevel))?;
            let v = t.remove(pid.as_str())?;
            v.map(|v| decode(v.value())).transpose()?
        };
        let mut counters = tx.open_table(COUNTERS)?;
        add(&mut counters, count_key(plevel), -1)?;
        removal.removed.push((plevel, pid));
        child_level = plevel;
        parent = prec.and_then(|r| r.parent);
    }
    {
        let mut intents = tx.open_table(FILE_INTENTS)?;
        for f in &removal.files {
            intents.insert(f.as_str(), 0)?;
        }
        let mut counters = tx.open_table(COUNTERS)?;
        let mut seq = counters.get(LAST_CHANGE)?.map(|v| v.value()).unwrap_or(0);
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string();
        let mut log = ChangeLog::open(tx, stamp)?;
        for (level, id) in &removal.removed {
            seq += 1;
            log.log(seq, ChangeType::Deleted, *level, id)?;
        }
        log.trim()?;
        counters.insert(LAST_CHANGE, seq)?;
    }
    Ok(removal)
}

/// The ID of the last removed resource of `level` (the child whose link to remove).
fn id_of_last(removal: &Removal, level: Level) -> &str {
    removal
        .removed
        .iter()
        .rev()
        .find(|(l, _)| *l == level)
        .map(|(_, id)| id.as_str())
        .unwrap_or("")
}

fn remove_subtree(
    tx: &WriteTransaction,
    level: Level,
    id: &str,
    removal: &mut Removal,
) -> Result<()> {
    let mut kids: Vec<String> = Vec::new();
    {
        let mut children = tx.open_multimap_table(CHILDREN)?;
        for v in children.remove_all(id)? {
            kids.push(v?.value().to_string());
        }
    }
    if let Some(child_level) = level.child() {
        for kid in &kids {
            remove_subtree(tx, child_level, kid, removal)?;
        }
    }
    let rec = {
        let mut t = tx.open_table(table(level))?;
        let v = t.remove(id)?;
        v.map(|v| decode(v.value())).transpose()?
    };
    let mut counters = tx.open_table(COUNTERS)?;
    if let Some(rec) = rec {
        add(&mut counters, count_key(level), -1)?;
        if let Some(file) = rec.file {
            tx.open_table(FILES)?.remove(file.uuid.as_str())?;
            add(&mut counters, DISK_SIZE, -(file.size as i64))?;
            add(&mut counters, UNCOMPRESSED_SIZE, -(file.size as i64))?;
            removal.files.push(file.uuid);
        }
    }
    removal.removed.push((level, id.to_string()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::header::MainTags;

    fn index_with(ids: &[(Level, &str)]) -> (tempfile::TempDir, RedbIndexStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Arc::new(Database::create(dir.path().join("i.redb")).expect("db"));
        let index = RedbIndexStore::open(db.clone()).expect("open");
        let tx = db.begin_write().expect("tx");
        {
            for (level, id) in ids {
                let mut t = tx.open_table(table(*level)).expect("table");
                let rec = ResourceRecord {
                    parent: None,
                    main_tags: MainTags::new(),
                    patient_tags: MainTags::new(),
                    last_update: String::new(),
                    updated_at: 0,
                    file: None,
                    index_in_series: None,
                    seq: 0,
                    metadata: Default::default(),
                };
                t.insert(*id, encode(&rec).expect("encode").as_slice())
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        (dir, index)
    }

    #[test]
    fn conformance() {
        crate::persist::conformance::index_store::run(&|dir| {
            let db = Arc::new(Database::create(dir.join("index.redb")).expect("db"));
            Arc::new(RedbIndexStore::open(db).expect("open"))
        });
    }

    #[test]
    fn prefix_resolution() {
        let (_d, index) = index_with(&[
            (
                Level::Patient,
                "abcdef12-00000000-00000000-00000000-00000001",
            ),
            (Level::Study, "abcdef12-00000000-00000000-00000000-00000002"),
            (
                Level::Series,
                "12345678-00000000-00000000-00000000-00000003",
            ),
        ]);
        let (level, id) = index.resolve("12345678").expect("unique");
        assert_eq!(level, Level::Series);
        assert!(id.ends_with("3"));
        match index.resolve("abcdef12") {
            Err(Error::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates.len(), 2);
                assert!(candidates[0].contains("(patient)") && candidates[1].contains("(study)"));
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        let (level, _) = index
            .resolve("ABCDEF12-00000000-00000000-00000000-00000002")
            .expect("full IDs are case-insensitive");
        assert_eq!(level, Level::Study);
        assert!(matches!(
            index.resolve("abcdef1"),
            Err(Error::PrefixTooShort(_))
        ));
        assert!(matches!(
            index.resolve("ffffffff"),
            Err(Error::NotFound { .. })
        ));
    }
}

#[cfg(test)]
mod journal_tests {
    use super::*;
    use crate::store::header::parse_header;
    use crate::store::index::StoredFile;

    fn new_instance<'a>(header: &'a ParsedHeader, uuid: &str) -> NewInstance<'a> {
        NewInstance {
            header,
            file: StoredFile {
                uuid: uuid.to_string(),
                size: 1,
                sop_class: header.sop_class.clone(),
                transfer_syntax: header.transfer_syntax.clone(),
                crc32: Some(1),
            },
        }
    }

    /// What the import journal relies on: a deferred commit is visible at once and lost in a
    /// crash (the file as the disk holds it: copied while the database is open), a later
    /// durable commit of any writer persists it with its mark, and a checkpoint sets the
    /// generation.
    #[test]
    fn a_deferred_commit_is_visible_at_once_and_durable_only_with_a_later_durable_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("index.redb");
        let db = Arc::new(Database::create(&path).expect("db"));
        let index = RedbIndexStore::open(db.clone()).expect("open");
        let marks = index
            .journal_marks()
            .expect("marks")
            .expect("redb has them");
        assert!(!marks.recorded);
        let headers: Vec<ParsedHeader> = [1u64, 200, 300]
            .iter()
            .map(|seed| {
                let bytes = crate::testdata::small_instance(*seed, 1000);
                parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header")
            })
            .collect();
        let id = |i: usize| headers[i].ids.instance.as_str();
        let commit = |i: usize, mark| {
            let news = [new_instance(&headers[i], &format!("file-{i}"))];
            let out = index
                .commit_batch_journaled(&news, Existing::Keep, mark)
                .expect("commit");
            assert_eq!(out, vec![Indexed::Success]);
        };
        commit(0, JournalMark::Checkpoint { seq: 4 });
        commit(1, JournalMark::Deferred { seq: 5 });
        assert!(
            index.contains(Level::Instance, id(1)).expect("get"),
            "visible"
        );
        let crashed = |name: &str| {
            let copy = dir.path().join(name);
            std::fs::copy(&path, &copy).expect("copy");
            let db = Arc::new(Database::create(&copy).expect("reopen"));
            RedbIndexStore::open(db).expect("open")
        };
        let after = crashed("crash-1.redb");
        assert!(after.contains(Level::Instance, id(0)).expect("get"));
        assert!(
            !after.contains(Level::Instance, id(1)).expect("get"),
            "lost"
        );
        let marks = after.journal_marks().expect("marks").expect("some");
        assert_eq!((marks.rows_up_to, marks.generation), (4, 4));
        assert!(marks.recorded);
        assert_eq!(after.statistics().expect("stats").instances, 1);
        // Another writer's durable commit (a removal) persists the deferred rows and mark.
        index.remove(Level::Instance, id(0)).expect("remove");
        commit(2, JournalMark::Deferred { seq: 6 });
        let after = crashed("crash-2.redb");
        assert!(!after.contains(Level::Instance, id(0)).expect("get"));
        assert!(
            after.contains(Level::Instance, id(1)).expect("get"),
            "persisted"
        );
        assert!(!after.contains(Level::Instance, id(2)).expect("get"));
        let marks = after.journal_marks().expect("marks").expect("some");
        assert_eq!((marks.rows_up_to, marks.generation), (5, 4));
    }
}
