//! The resource index: patients, studies, series and instances with their records, the
//! parent→children links, the counters, which instance owns each stored file, and the removal
//! intents that make crashes safe. The redb implementation is src/persist/redb/index_store.rs;
//! src/persist/conformance/index_store.rs is what any implementation must pass.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::store::header::ParsedHeader;
use crate::store::ids::Level;
use crate::store::index::{
    Change, ChangeType, ChangedResource, Existing, Indexed, JournalMark, JournalMarks, NewInstance,
    Removal, ResourceRecord, Statistics,
};

/// How many matches of a prefix are enough to call it ambiguous (and list them).
const PREFIX_CANDIDATES: usize = 11;

pub trait IndexStore: Send + Sync {
    fn get(&self, level: Level, id: &str) -> Result<Option<ResourceRecord>>;

    fn contains(&self, level: Level, id: &str) -> Result<bool>;

    /// Which of `ids` are indexed at `level` (an import asks about a whole batch at once: one
    /// round trip to a database server instead of one per file).
    fn indexed(&self, level: Level, ids: &[&str]) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for id in ids {
            if self.contains(level, id)? {
                found.insert(id.to_string());
            }
        }
        Ok(found)
    }

    /// Children IDs of a resource, sorted by ID.
    fn children(&self, id: &str) -> Result<Vec<String>>;

    /// Every resource of a level with its record, sorted by ID.
    fn list(&self, level: Level) -> Result<Vec<(String, ResourceRecord)>>;

    /// The resources whose ID starts with `prefix` (lowercase), level by level from the
    /// patients down, each level sorted by ID; a level stops being read once `limit` were found
    /// in all, so a few more than `limit` may come back.
    fn find_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<(Level, String)>>;

    fn statistics(&self) -> Result<Statistics>;

    /// The changes log after `since`, oldest first, at most `limit`; and whether that reached
    /// the end of the log. Storing an instance logs `NewInstance` then, for the ancestors it
    /// created, `NewSeries`, `NewStudy`, `NewPatient` (Orthanc's order); a removal logs
    /// `Deleted` for every resource it removed. The oldest entries beyond a bound are dropped.
    fn changes(&self, since: u64, limit: usize) -> Result<(Vec<Change>, bool)>;

    /// The last change logged, if the log holds any.
    fn last_change(&self) -> Result<Option<Change>>;

    /// Empties the changes log (Orthanc's `DELETE /changes`); numbering goes on.
    fn clear_changes(&self) -> Result<()>;

    /// Appends changes that no index write carries (the jobs' events), numbered after the
    /// last, in order. They need not be durable at return: a crash may lose the last ones
    /// (the jobs themselves are durable in the job store); the next durable write keeps them.
    fn log_changes(&self, changes: &[(ChangeType, ChangedResource, String)]) -> Result<()>;

    /// Whether a committed instance owns this stored file.
    fn owns_file(&self, uuid: &str) -> Result<bool> {
        Ok(self.file_owner(uuid)?.is_some())
    }

    /// The ID of the committed instance that owns this stored file.
    fn file_owner(&self, uuid: &str) -> Result<Option<String>>;

    /// Files of committed removals not yet deleted (left by a crash, or by a failed delete).
    fn pending_intents(&self) -> Result<Vec<String>>;

    fn clear_intents(&self, uuids: &[String]) -> Result<()>;

    /// Indexes a batch all or nothing, recording which instance owns each file. An instance
    /// twice in the batch is `AlreadyStored` the second time, and so is one indexed before
    /// with `Existing::Keep`; its file is the caller's to delete. With `Existing::Replace`, an
    /// instance indexed before is removed in the same transaction (as `remove` does: `Deleted`
    /// logged, ancestors left empty removed, its files recorded as intents) and the new one
    /// indexed: `Replaced` names the old files.
    fn commit_batch(&self, items: &[NewInstance<'_>], existing: Existing) -> Result<Vec<Indexed>>;

    /// The import journal's marks, when this index can defer the durability of a commit to
    /// it (`store/import_journal.rs`); `None` when it cannot (imports then commit durably).
    fn journal_marks(&self) -> Result<Option<JournalMarks>> {
        Ok(None)
    }

    /// `commit_batch` under the import journal (`mark`: deferred, or a durable checkpoint),
    /// recording the mark in the same transaction. Only when `journal_marks` is `Some`.
    fn commit_batch_journaled(
        &self,
        _items: &[NewInstance<'_>],
        _existing: Existing,
        _mark: JournalMark,
    ) -> Result<Vec<Indexed>> {
        Err(Error::Internal("this index has no import journal".into()))
    }

    /// `dicomq check --repair`, all or nothing: indexes `add` (files found without a row) and
    /// removes the instances of `drop` (rows whose file is gone) with the ancestors they leave
    /// empty. Their files are gone already, so no removal intent is left behind.
    fn repair(&self, add: &[NewInstance<'_>], drop: &[String]) -> Result<Vec<Indexed>>;

    /// Orthanc's reconstruction after a modification: the series, study and patient of
    /// `header`'s instance take their main tags from it (the study its patient tags too), and
    /// each gets a `Modified*` (or `Anonymized*`) change, in one commit. A resource that does
    /// not exist is skipped.
    fn reconstruct(&self, header: &ParsedHeader, anonymized: bool) -> Result<()>;

    /// Removes a resource with its descendants, and ancestors left empty, all or nothing. The
    /// files are recorded as intents; the caller deletes them, then clears the intents.
    fn remove(&self, level: Level, id: &str) -> Result<Removal>;

    /// Finds the resource whose ID starts with `prefix` (at least 8 characters, or a full ID,
    /// any case).
    fn resolve(&self, prefix: &str) -> Result<(Level, String)> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 8 {
            return Err(Error::PrefixTooShort(prefix));
        }
        let mut found = self.find_prefix(&prefix, PREFIX_CANDIDATES)?;
        match found.len() {
            0 => Err(Error::NotFound {
                what: "resource",
                id: prefix,
            }),
            1 => Ok(found.remove(0)),
            _ => Err(Error::Ambiguous {
                prefix,
                candidates: found
                    .into_iter()
                    .map(|(l, id)| format!("{id} ({})", l.name().to_lowercase()))
                    .collect(),
            }),
        }
    }
}
