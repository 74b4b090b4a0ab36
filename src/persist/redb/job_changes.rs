//! A job change as the redb job store journals it and writes it to its tables: the record's
//! new JSON and every index key to remove or insert, decided when the change is made, so that
//! writing it needs no read of the tables and writing it twice (a replay of changes already in
//! the tables) leaves the same tables.
//!
//! A journal record holds one batch: `u32` count, then per change a flags byte, the ID
//! (`u16` length), the optional keys, and the new JSON (`u32` length). Decoding checks every
//! length against what remains.

use std::collections::HashMap;

use redb::{TableDefinition, WriteTransaction};

use crate::error::{Error, Result};
use crate::jobs::model::JobRecord;
use crate::jobs::state::JobState;
use crate::persist::job_store::{Change, priority_key};

pub(super) const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs_records");
pub(super) const PENDING: TableDefinition<(u32, u64), &str> = TableDefinition::new("jobs_pending");
pub(super) const HISTORY: TableDefinition<u64, &str> = TableDefinition::new("jobs_history");
pub(super) const LEASES: TableDefinition<&str, (&str, i64)> = TableDefinition::new("jobs_leases");

const OLD_PENDING: u8 = 1;
const OLD_HISTORY: u8 = 2;
const DROP_LEASE: u8 = 4;
const NEW: u8 = 8;
const NEW_PENDING: u8 = 16;
const NEW_HISTORY: u8 = 32;

pub(super) fn pending_key(r: &JobRecord) -> Option<(u32, u64)> {
    (r.state == JobState::Pending).then(|| (priority_key(r.priority), r.seq))
}

pub(super) fn history_key(r: &JobRecord) -> Option<u64> {
    if r.state.is_finished() {
        r.completion_seq
    } else {
        None
    }
}

pub(super) fn encode(r: &JobRecord) -> Result<Vec<u8>> {
    serde_json::to_vec(r).map_err(|e| Error::Internal(format!("encode job {}: {e}", r.id)))
}

/// The new version of a job.
pub(super) struct NewRecord {
    pub json: Vec<u8>,
    pub pending: Option<(u32, u64)>,
    pub history: Option<u64>,
}

/// One change, ready to write.
pub(super) struct Entry {
    pub id: String,
    pub old_pending: Option<(u32, u64)>,
    pub old_history: Option<u64>,
    /// The job leaves Running: it is no longer anyone's.
    pub drop_lease: bool,
    /// `None`: the job is deleted.
    pub new: Option<NewRecord>,
}

impl Entry {
    pub fn of(change: &Change<'_>) -> Result<Entry> {
        let (old, new) = match change {
            Change::Put { old, new } => (*old, Some(*new)),
            Change::Delete(old) => (Some(*old), None),
        };
        let id = match (new, old) {
            (Some(r), _) | (None, Some(r)) => r.id.clone(),
            (None, None) => String::new(),
        };
        Ok(Entry {
            id,
            old_pending: old.and_then(pending_key),
            old_history: old.and_then(history_key),
            drop_lease: old.is_some_and(|o| o.state == JobState::Running)
                && new.is_none_or(|n| n.state != JobState::Running),
            new: match new {
                Some(n) => Some(NewRecord {
                    json: encode(n)?,
                    pending: pending_key(n),
                    history: history_key(n),
                }),
                None => None,
            },
        })
    }
}

/// Writes `entries` into the job tables of `tx`, as if one after the other. Only the last
/// change of each job writes its record and its new keys: the keys its earlier changes removed
/// or inserted are removed first (a job's change removes what its previous change inserted, and
/// no two jobs share a key), so a job changed four times between two writes of the tables costs
/// one record write, not four.
pub(super) fn write_entries(tx: &WriteTransaction, entries: &[Entry]) -> Result<()> {
    let mut records = tx.open_table(RECORDS)?;
    let mut pending = tx.open_table(PENDING)?;
    let mut history = tx.open_table(HISTORY)?;
    let mut leases = tx.open_table(LEASES)?;
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        last.insert(e.id.as_str(), i);
    }
    let is_last = |i: usize, e: &Entry| last.get(e.id.as_str()) == Some(&i);
    for (i, e) in entries.iter().enumerate() {
        let earlier_new = e.new.as_ref().filter(|_| !is_last(i, e));
        for k in [e.old_pending, earlier_new.and_then(|n| n.pending)]
            .into_iter()
            .flatten()
        {
            pending.remove(k)?;
        }
        for k in [e.old_history, earlier_new.and_then(|n| n.history)]
            .into_iter()
            .flatten()
        {
            history.remove(k)?;
        }
        if e.drop_lease {
            leases.remove(e.id.as_str())?;
        }
    }
    for (i, e) in entries.iter().enumerate() {
        if !is_last(i, e) {
            continue;
        }
        match &e.new {
            Some(n) => {
                records.insert(e.id.as_str(), n.json.as_slice())?;
                if let Some(k) = n.pending {
                    pending.insert(k, e.id.as_str())?;
                }
                if let Some(k) = n.history {
                    history.insert(k, e.id.as_str())?;
                }
            }
            None => {
                records.remove(e.id.as_str())?;
            }
        }
    }
    Ok(())
}

/// One batch as one journal payload.
pub(super) fn encode_batch(entries: &[Entry]) -> Result<Vec<u8>> {
    let too_large = || Error::Internal("jobs journal: a change is too large".into());
    let size: usize = entries
        .iter()
        .map(|e| 1 + 2 + e.id.len() + 28 + e.new.as_ref().map_or(0, |n| 4 + n.json.len()))
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    out.extend_from_slice(
        &u32::try_from(entries.len())
            .map_err(|_| too_large())?
            .to_le_bytes(),
    );
    for e in entries {
        let mut flags = 0;
        for (set, bit) in [
            (e.old_pending.is_some(), OLD_PENDING),
            (e.old_history.is_some(), OLD_HISTORY),
            (e.drop_lease, DROP_LEASE),
            (e.new.is_some(), NEW),
            (
                e.new.as_ref().is_some_and(|n| n.pending.is_some()),
                NEW_PENDING,
            ),
            (
                e.new.as_ref().is_some_and(|n| n.history.is_some()),
                NEW_HISTORY,
            ),
        ] {
            if set {
                flags |= bit;
            }
        }
        out.push(flags);
        out.extend_from_slice(
            &u16::try_from(e.id.len())
                .map_err(|_| too_large())?
                .to_le_bytes(),
        );
        out.extend_from_slice(e.id.as_bytes());
        let put_pending = |out: &mut Vec<u8>, k: Option<(u32, u64)>| {
            if let Some((p, s)) = k {
                out.extend_from_slice(&p.to_le_bytes());
                out.extend_from_slice(&s.to_le_bytes());
            }
        };
        put_pending(&mut out, e.old_pending);
        if let Some(h) = e.old_history {
            out.extend_from_slice(&h.to_le_bytes());
        }
        if let Some(n) = &e.new {
            put_pending(&mut out, n.pending);
            if let Some(h) = n.history {
                out.extend_from_slice(&h.to_le_bytes());
            }
            let len = u32::try_from(n.json.len()).map_err(|_| too_large())?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&n.json);
        }
    }
    Ok(out)
}

/// Reads what `encode_batch` wrote; any inconsistency is an error (the checksum matched, so it
/// is not a torn write).
pub(super) fn decode_batch(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut r = Reader(bytes);
    let count = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let flags = r.take(1)?[0];
        let id_len = usize::from(u16::from_le_bytes(r.array()?));
        let id = std::str::from_utf8(r.take(id_len)?)
            .map_err(|_| bad_record())?
            .to_string();
        let old_pending = r.pending(flags & OLD_PENDING != 0)?;
        let old_history = r.history(flags & OLD_HISTORY != 0)?;
        let new = if flags & NEW != 0 {
            let pending = r.pending(flags & NEW_PENDING != 0)?;
            let history = r.history(flags & NEW_HISTORY != 0)?;
            let len = r.u32()? as usize;
            Some(NewRecord {
                json: r.take(len)?.to_vec(),
                pending,
                history,
            })
        } else {
            None
        };
        out.push(Entry {
            id,
            old_pending,
            old_history,
            drop_lease: flags & DROP_LEASE != 0,
            new,
        });
    }
    if !r.0.is_empty() {
        return Err(bad_record());
    }
    Ok(out)
}

fn bad_record() -> Error {
    Error::Internal("jobs journal: a record does not decode".into())
}

/// The unread part of a payload.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(bad_record());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| bad_record())
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn pending(&mut self, present: bool) -> Result<Option<(u32, u64)>> {
        if !present {
            return Ok(None);
        }
        Ok(Some((self.u32()?, self.u64()?)))
    }

    fn history(&mut self, present: bool) -> Result<Option<u64>> {
        if !present {
            return Ok(None);
        }
        Ok(Some(self.u64()?))
    }
}
