//! The import journal (`HOME/imports.journal`): what makes a small import durable before its
//! answer while its index commit is not (`JournalMark::Deferred`, redb's `Durability::None`).
//!
//! A group of small imports writes one record per instance — the file's key, size, CRC-32,
//! the metadata its import attached, and the file's bytes — with one `pwrite` and one
//! `fdatasync` of this preallocated, zero-filled file (its blocks exist: the flush writes data
//! only). Neither the pool file nor the index commit is flushed: one device flush per group
//! instead of two. Every `checkpoint_every` records, or when the next group would not fit, a
//! group is a checkpoint instead: one `syncfs` of the storage (every file written since the last
//! checkpoint, and their publications), then a durable commit that records the last sequence
//! number as the journal's new generation; the journal is then written again from offset 0.
//!
//! A record is `magic, generation, seq, payload length, CRC-32 (of all that and the payload),
//! payload`. Records follow each other from offset 0 with consecutive sequence numbers, the
//! first of a generation `g` being `g + 1`. Reading stops at the first record that is torn, of
//! another generation, or out of sequence: the stale records of older generations left further
//! in the file are never read. The recovery at open (`store/journal_replay.rs`) settles the
//! records of the current generation.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::ids::Level;
use super::metadata::Attached;
use crate::error::{Error, Result};

/// The journal's size: about 800 records of 10 KB, written once per home (by the first small
/// import of a daemon).
pub const JOURNAL_BYTES: u64 = 8 << 20;
/// A checkpoint at least every this many records (a bound on what a recovery replays and on
/// the index pages a run of deferred commits holds).
pub const CHECKPOINT_EVERY: u64 = 1024;
/// Instances larger than this are not journaled (their file is synced beside the commit).
pub const MAX_JOURNALED_BYTES: usize = 1 << 20;
/// A record's payload is never longer (the file's bytes and a small head): a longer length
/// read back is not a record, and nothing that large is allocated.
const MAX_PAYLOAD: u64 = MAX_JOURNALED_BYTES as u64 + (64 << 10);

const MAGIC: [u8; 4] = *b"DQI1";
/// Magic, generation, seq, payload length, CRC-32.
const HEADER: u64 = 4 + 8 + 8 + 4 + 4;

/// What a record says of its instance, beside the file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RecordHead {
    key: String,
    size: u64,
    crc32: u32,
    attached: Vec<(Level, String, String)>,
}

/// One journaled instance, as the recovery reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    pub seq: u64,
    /// The blob key of the file the import wrote.
    pub key: String,
    pub size: u64,
    pub crc32: u32,
    /// The metadata the import attached (not in the file).
    pub attached: Attached,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// One instance of a group to journal.
pub struct ToJournal<'a> {
    pub key: &'a str,
    pub crc32: u32,
    pub attached: &'a Attached,
    pub bytes: &'a [u8],
}

/// What a group does with the journal (`ImportJournal::plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupPlan {
    /// Records `first..=last` written at `at`: their flush makes the group durable.
    Append { at: u64, first: u64, last: u64 },
    /// The journal is full or due: sync every file, commit durably as generation `seq`.
    Checkpoint { seq: u64 },
}

pub struct ImportJournal {
    path: PathBuf,
    /// The size of a journal created here.
    new_capacity: u64,
    checkpoint_every: u64,
    state: Mutex<State>,
}

struct State {
    /// The journal file, once it exists (created by the first group that needs it).
    file: Option<Arc<File>>,
    /// Its size (records never go past it).
    capacity: u64,
    /// It could not be created (a full disk): groups are not journaled in this process.
    unavailable: bool,
    generation: u64,
    /// The sequence number of the next record.
    next_seq: u64,
    /// Where the next record goes.
    end: u64,
    /// What the group being committed planned (taken by its commit).
    pending: Option<GroupPlan>,
    /// The next group checkpoints instead of writing records: a group was withdrawn (its
    /// numbers are given again, and a durable commit since, such as the undo of its rows, may
    /// have recorded them as having rows), or the index has not recorded its marks yet.
    checkpoint_next: bool,
}

fn crc(generation: u64, seq: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&generation.to_le_bytes());
    h.update(&seq.to_le_bytes());
    h.update(&(payload.len() as u32).to_le_bytes());
    h.update(payload);
    h.finalize()
}

impl ImportJournal {
    /// Opens the journal at `path`, if it exists, and reads the records of `generation`.
    /// Appends go after them until the caller `reset`s it. A missing journal is created (of
    /// `capacity` bytes) by the first group that needs it.
    pub fn open(
        path: &Path,
        capacity: u64,
        checkpoint_every: u64,
        generation: u64,
    ) -> Result<(ImportJournal, Vec<JournalRecord>)> {
        let io_err = |e: io::Error| Error::io(path, e);
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(e)),
        };
        let (records, end, existing) = match &file {
            Some(f) => {
                let len = f.metadata().map_err(io_err)?.len();
                let (records, end) = read_records(f, len, generation).map_err(io_err)?;
                (records, end, len)
            }
            None => (Vec::new(), 0, 0),
        };
        let next_seq = records.last().map_or(generation, |r| r.seq) + 1;
        let journal = ImportJournal {
            path: path.to_path_buf(),
            new_capacity: capacity,
            checkpoint_every: checkpoint_every.max(1),
            state: Mutex::new(State {
                file: file.map(Arc::new),
                capacity: existing,
                unavailable: false,
                generation,
                next_seq,
                end,
                pending: None,
                checkpoint_next: false,
            }),
        };
        Ok((journal, records))
    }

    /// Starts generation `generation` at offset 0 (every record before is settled).
    pub fn reset(&self, generation: u64) {
        let mut st = self.lock();
        st.generation = generation;
        st.next_seq = generation + 1;
        st.end = 0;
        st.pending = None;
        st.checkpoint_next = false;
    }

    /// The last sequence number given out (what a checkpoint now covers).
    pub fn last_seq(&self) -> u64 {
        self.lock().next_seq - 1
    }

    /// Makes the next group a checkpoint (before the first record of an index that has not
    /// recorded its marks yet).
    pub fn checkpoint_next(&self) {
        self.lock().checkpoint_next = true;
    }

    /// Whether groups may be journaled (false once the journal could not be created).
    pub fn available(&self) -> bool {
        !self.lock().unavailable
    }

    /// Whether records were written since the last checkpoint.
    pub fn has_records(&self) -> bool {
        self.lock().end > 0
    }

    /// Plans the group `group`: written now (one `pwrite`, not yet flushed) when it fits and
    /// no checkpoint is due, else a checkpoint. The plan waits for the group's commit (`take`).
    /// An error (the journal cannot be created or written): the group is not journaled.
    pub fn plan(&self, group: &[ToJournal<'_>]) -> Result<GroupPlan> {
        let mut st = self.lock();
        let file = self.file(&mut st)?;
        let records = group.len() as u64;
        let first = st.next_seq;
        let due = first - st.generation - 1 + records > self.checkpoint_every;
        let mut buf = Vec::new();
        for (i, item) in group.iter().enumerate() {
            encode_record(&mut buf, st.generation, first + i as u64, item)?;
        }
        if due || st.checkpoint_next || st.end + buf.len() as u64 > st.capacity {
            let plan = GroupPlan::Checkpoint { seq: first - 1 };
            st.pending = Some(plan);
            return Ok(plan);
        }
        let at = st.end;
        if let Err(e) = file.write_all_at(&buf, at) {
            erase(&file, st.capacity, at);
            return Err(Error::io(&self.path, e));
        }
        st.end += buf.len() as u64;
        st.next_seq += records;
        let plan = GroupPlan::Append {
            at,
            first,
            last: first + records - 1,
        };
        st.pending = Some(plan);
        Ok(plan)
    }

    /// The journal file, created now if it does not exist yet.
    fn file(&self, st: &mut State) -> Result<Arc<File>> {
        if let Some(file) = &st.file {
            return Ok(file.clone());
        }
        if st.unavailable {
            return Err(Error::Internal(format!(
                "{} could not be created",
                self.path.display()
            )));
        }
        let created = crate::atomic::create_zeroed(&self.path, self.new_capacity)
            .and_then(|()| OpenOptions::new().read(true).write(true).open(&self.path));
        match created {
            Ok(file) => {
                let file = Arc::new(file);
                st.file = Some(file.clone());
                st.capacity = self.new_capacity;
                Ok(file)
            }
            Err(e) => {
                st.unavailable = true;
                Err(Error::io(&self.path, e))
            }
        }
    }

    /// The plan of the group being committed, if it made one; it is then done with.
    pub fn take(&self) -> Option<GroupPlan> {
        self.lock().pending.take()
    }

    /// The plan of the group being committed, if it made one.
    pub fn planned(&self) -> Option<GroupPlan> {
        self.lock().pending
    }

    /// The flush of the records written so far, as a job of its own (it runs beside the
    /// group's index commit).
    pub fn flush_job(&self) -> impl FnOnce() -> io::Result<()> + Send + 'static {
        let file = self.lock().file.clone();
        move || match file {
            Some(file) => file.sync_data(),
            None => Ok(()),
        }
    }

    /// Withdraws the records from `at` on (a group whose flush or commit failed): the next
    /// group overwrites them, and their erased first header stops a recovery there meanwhile.
    pub fn withdraw(&self, plan: GroupPlan) {
        let GroupPlan::Append { at, first, .. } = plan else {
            return;
        };
        let mut st = self.lock();
        st.pending = None;
        if let Some(file) = &st.file
            && at <= st.end
        {
            erase(file, st.capacity, at);
            // Best effort: a flush failed once already.
            let _ = file.sync_data();
            st.end = at;
            st.next_seq = first;
            st.checkpoint_next = true;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Erases the record header at `at`: a recovery stops there.
fn erase(file: &File, capacity: u64, at: u64) {
    if at + HEADER <= capacity {
        let _ = file.write_all_at(&[0u8; HEADER as usize], at);
    }
}

fn head_of(key: &str, size: u64, crc32: u32, attached: &Attached) -> RecordHead {
    RecordHead {
        key: key.to_string(),
        size,
        crc32,
        attached: attached.0.clone(),
    }
}

/// Appends the record `seq` of `item` to `buf`.
fn encode_record(buf: &mut Vec<u8>, generation: u64, seq: u64, item: &ToJournal<'_>) -> Result<()> {
    let too_large = || Error::Internal("import journal: record too large".into());
    let head = head_of(item.key, item.bytes.len() as u64, item.crc32, item.attached);
    let head = serde_json::to_vec(&head)
        .map_err(|e| Error::Internal(format!("import journal: encode record: {e}")))?;
    let head_len = u32::try_from(head.len()).map_err(|_| too_large())?;
    let mut payload = Vec::with_capacity(4 + head.len() + item.bytes.len());
    payload.extend_from_slice(&head_len.to_le_bytes());
    payload.extend_from_slice(&head);
    payload.extend_from_slice(item.bytes);
    if payload.len() as u64 > MAX_PAYLOAD {
        return Err(too_large());
    }
    let len = u32::try_from(payload.len()).map_err(|_| too_large())?;
    buf.extend_from_slice(&MAGIC);
    buf.extend_from_slice(&generation.to_le_bytes());
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&crc(generation, seq, &payload).to_le_bytes());
    buf.extend_from_slice(&payload);
    Ok(())
}

/// The records of `generation` from offset 0, while each is whole and the next in sequence,
/// and where they end.
fn read_records(
    file: &File,
    capacity: u64,
    generation: u64,
) -> io::Result<(Vec<JournalRecord>, u64)> {
    let mut out = Vec::new();
    let mut at = 0u64;
    let mut expected = generation + 1;
    let mut header = [0u8; HEADER as usize];
    while at + HEADER <= capacity {
        file.read_exact_at(&mut header, at)?;
        let field = |from: usize, to: usize| header.get(from..to).unwrap_or_default();
        let u64_at =
            |from: usize| u64::from_le_bytes(field(from, from + 8).try_into().unwrap_or_default());
        let u32_at =
            |from: usize| u32::from_le_bytes(field(from, from + 4).try_into().unwrap_or_default());
        let (record_generation, seq) = (u64_at(4), u64_at(12));
        let (len, sum) = (u64::from(u32_at(20)), u32_at(24));
        if field(0, 4) != MAGIC
            || record_generation != generation
            || seq != expected
            || len > MAX_PAYLOAD
            || len > capacity - at - HEADER
        {
            break;
        }
        // The length is bounded by `MAX_PAYLOAD` and the file, checked above, before allocating.
        let mut payload = vec![0u8; len as usize];
        file.read_exact_at(&mut payload, at + HEADER)?;
        if crc(generation, seq, &payload) != sum {
            break;
        }
        let Some(record) = decode_payload(seq, payload) else {
            break;
        };
        out.push(record);
        at += HEADER + len;
        expected += 1;
    }
    Ok((out, at))
}

fn decode_payload(seq: u64, mut payload: Vec<u8>) -> Option<JournalRecord> {
    let head_len = u32::from_le_bytes(payload.get(..4)?.try_into().ok()?) as usize;
    let head_end = 4usize.checked_add(head_len)?;
    let head: RecordHead = serde_json::from_slice(payload.get(4..head_end)?).ok()?;
    let bytes = payload.split_off(head_end);
    Some(JournalRecord {
        seq,
        key: head.key,
        size: head.size,
        crc32: head.crc32,
        attached: Attached(head.attached),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPACITY: u64 = 64 << 10;

    fn open(path: &Path, generation: u64) -> (ImportJournal, Vec<JournalRecord>) {
        ImportJournal::open(path, CAPACITY, 1000, generation).expect("open")
    }

    fn item<'a>(key: &'a str, bytes: &'a [u8], attached: &'a Attached) -> ToJournal<'a> {
        ToJournal {
            key,
            crc32: crc32fast::hash(bytes),
            attached,
            bytes,
        }
    }

    /// Appends one group and flushes it, as a group commit does.
    fn append(j: &ImportJournal, items: &[ToJournal<'_>]) -> GroupPlan {
        let plan = j.plan(items).expect("plan");
        assert_eq!(j.take(), Some(plan));
        j.flush_job()().expect("flush");
        plan
    }

    #[test]
    fn records_come_back_with_their_bytes_and_metadata_in_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let (j, found) = open(&path, 0);
        assert!(found.is_empty());
        assert!(!path.exists(), "created by the first group");
        let attached = Attached::new().with(Level::Instance, "RemoteAET", "MODALITY");
        let none = Attached::new();
        let plan = append(
            &j,
            &[
                item("a", b"first file", &attached),
                item("b", b"second", &none),
            ],
        );
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), CAPACITY);
        assert_eq!(
            plan,
            GroupPlan::Append {
                at: 0,
                first: 1,
                last: 2
            }
        );
        append(&j, &[item("c", b"third", &none)]);
        drop(j);
        let (j, found) = open(&path, 0);
        let keys: Vec<(u64, &str)> = found.iter().map(|r| (r.seq, r.key.as_str())).collect();
        assert_eq!(keys, [(1, "a"), (2, "b"), (3, "c")]);
        assert_eq!(found[0].bytes, b"first file");
        assert_eq!(found[0].attached, attached);
        assert_eq!(found[0].size, 10);
        assert_eq!(found[0].crc32, crc32fast::hash(b"first file"));
        // Appends go on after the records found.
        let plan = append(&j, &[item("d", b"fourth", &none)]);
        assert!(
            matches!(plan, GroupPlan::Append { first: 4, .. }),
            "{plan:?}"
        );
        drop(j);
        assert_eq!(open(&path, 0).1.len(), 4);
    }

    #[test]
    fn a_torn_record_ends_the_journal() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let (j, _) = open(&path, 0);
        let none = Attached::new();
        append(&j, &[item("kept", b"whole", &none)]);
        let GroupPlan::Append { at, .. } = append(&j, &[item("torn", b"torn record", &none)])
        else {
            panic!("not appended");
        };
        append(&j, &[item("after", b"after it", &none)]);
        drop(j);
        // One byte of the second record's file never reached the disk.
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .expect("open");
        let len = std::fs::metadata(&path).expect("meta").len();
        let mut header = [0u8; HEADER as usize];
        f.read_exact_at(&mut header, at).expect("read");
        let end =
            at + HEADER + u64::from(u32::from_le_bytes(header[20..24].try_into().expect("4")));
        assert!(end <= len);
        f.write_all_at(b"X", end - 2).expect("tear");
        drop(f);
        let found = open(&path, 0).1;
        assert_eq!(
            found.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["kept"]
        );
    }

    #[test]
    fn after_a_reset_the_stale_records_further_on_are_ignored() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let (j, _) = open(&path, 0);
        let none = Attached::new();
        let long = vec![7u8; 300];
        for key in ["a", "b", "c", "d"] {
            append(&j, &[item(key, &long, &none)]);
        }
        // A checkpoint: generation 4; a short new record overwrites the start of the first.
        j.reset(j.last_seq());
        let plan = append(&j, &[item("new", b"x", &none)]);
        assert_eq!(
            plan,
            GroupPlan::Append {
                at: 0,
                first: 5,
                last: 5
            }
        );
        drop(j);
        let found = open(&path, 4).1;
        assert_eq!(
            found.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["new"]
        );
        // The old generation's records are settled: they do not replay as the old generation
        // either, once the first of them is overwritten.
        assert!(open(&path, 0).1.is_empty());
    }

    #[test]
    fn a_record_out_of_sequence_ends_the_journal() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let none = Attached::new();
        {
            let (j, _) = open(&path, 0);
            append(&j, &[item("one", b"1", &none)]);
            // A stale record, whole, of the right generation but not the next number.
            let mut buf = Vec::new();
            encode_record(&mut buf, 0, 3, &item("three", b"3", &none)).expect("encode");
            let st = j.lock();
            let file = st.file.as_ref().expect("created");
            file.write_all_at(&buf, st.end).expect("write");
        }
        let found = open(&path, 0).1;
        assert_eq!(
            found.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["one"]
        );
        // A journal whose first record is not generation + 1 is read as empty.
        assert!(open(&path, 1).1.is_empty());
    }

    #[test]
    fn a_withdrawn_group_never_replays_and_its_numbers_are_given_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let (j, _) = open(&path, 0);
        let none = Attached::new();
        append(&j, &[item("acknowledged", b"a", &none)]);
        let failed = append(&j, &[item("failed", b"f", &none)]);
        j.withdraw(failed);
        assert_eq!(j.last_seq(), 1);
        // The numbers are given again after a checkpoint (the undo of the withdrawn rows may
        // have recorded them durably as having rows).
        let next = [item("next", b"n", &none)];
        assert_eq!(
            j.plan(&next).expect("plan"),
            GroupPlan::Checkpoint { seq: 1 }
        );
        j.reset(1);
        let again = append(&j, &next);
        assert_eq!(
            again,
            GroupPlan::Append {
                at: 0,
                first: 2,
                last: 2
            }
        );
        drop(j);
        let found = open(&path, 1).1;
        let keys: Vec<&str> = found.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["next"]);
        assert!(open(&path, 0).1.is_empty(), "overwritten");
    }

    #[test]
    fn a_full_or_due_journal_asks_for_a_checkpoint() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("imports.journal");
        let none = Attached::new();
        let (j, _) = ImportJournal::open(&path, CAPACITY, 3, 0).expect("open");
        append(&j, &[item("a", b"a", &none), item("b", b"b", &none)]);
        append(&j, &[item("c", b"c", &none)]);
        // A fourth record passes `checkpoint_every`.
        assert_eq!(
            j.plan(&[item("d", b"d", &none)]).expect("plan"),
            GroupPlan::Checkpoint { seq: 3 }
        );
        assert_eq!(j.take(), Some(GroupPlan::Checkpoint { seq: 3 }));
        j.reset(3);
        // A group larger than the whole journal: a checkpoint too (its files are synced).
        let big = vec![0u8; CAPACITY as usize];
        assert_eq!(
            j.plan(&[item("big", &big, &none)]).expect("plan"),
            GroupPlan::Checkpoint { seq: 3 }
        );
        assert!(!j.has_records());
    }
}
