//! The job store's write-ahead journal (`HOME/jobs.journal`): a preallocated, zero-filled file
//! overwritten in place, so that making a record durable is one `fdatasync` of data blocks
//! that already exist (no metadata to write), much cheaper than a redb durable commit.
//!
//! A record is `magic, generation, payload length, CRC-32, payload`; records follow each other
//! from offset 0. The current generation is stored in the database (`job_store.rs`): when the
//! journaled changes have been written to the tables durably, the same commit raises the
//! generation and the journal starts again at offset 0, so records of an older generation left
//! further in the file are ignored. Reading stops at the first record that is not of the
//! current generation or whose checksum fails (a torn tail, never acknowledged).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};

/// Size of a new journal (a few hundred job changes): small, as every home has one; the job
/// store writes its changes to the tables before it fills.
pub const JOURNAL_BYTES: u64 = 256 << 10;

const MAGIC: [u8; 4] = *b"DQJ1";
/// Magic, generation, payload length, CRC-32.
const HEADER: u64 = 4 + 8 + 4 + 4;

pub struct Journal {
    file: File,
    path: PathBuf,
    capacity: u64,
    generation: u64,
    /// Where the next record goes.
    end: u64,
    /// Records before this offset are durable.
    synced_end: u64,
    /// When the oldest record written but not yet synced was written.
    unsynced: Option<Instant>,
}

fn crc(generation: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&generation.to_le_bytes());
    h.update(&(payload.len() as u32).to_le_bytes());
    h.update(payload);
    h.finalize()
}

impl Journal {
    /// Creates a journal at `path`, zero-filled.
    pub fn create(path: &Path) -> Result<()> {
        crate::atomic::create_zeroed(path, JOURNAL_BYTES).map_err(|e| Error::io(path, e))
    }

    /// Opens the journal at `path` and returns the payloads of `generation`'s records, oldest
    /// first. The journal then writes `generation` from its start; the caller replays the
    /// payloads and moves on to a new generation before it appends anything.
    pub fn open(path: &Path, generation: u64) -> Result<(Journal, Vec<Vec<u8>>)> {
        let io_err = |e: io::Error| Error::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        if len < JOURNAL_BYTES {
            // Shorter than expected (created by hand, or truncated): grow it once, durably.
            crate::atomic::write_zeros(&file, len, JOURNAL_BYTES).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
        }
        let journal = Journal {
            file,
            path: path.to_path_buf(),
            capacity: len.max(JOURNAL_BYTES),
            generation,
            end: 0,
            synced_end: 0,
            unsynced: None,
        };
        let records = journal.read_records().map_err(io_err)?;
        Ok((journal, records))
    }

    /// The valid records of the current generation from the start.
    fn read_records(&self) -> io::Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut at = 0u64;
        let mut header = [0u8; HEADER as usize];
        while at + HEADER <= self.capacity {
            self.file.read_exact_at(&mut header, at)?;
            let (magic, rest) = header.split_at(4);
            let (generation, rest) = rest.split_at(8);
            let (len, sum) = rest.split_at(4);
            let generation = u64::from_le_bytes(generation.try_into().unwrap_or_default());
            let len = u64::from(u32::from_le_bytes(len.try_into().unwrap_or_default()));
            let sum = u32::from_le_bytes(sum.try_into().unwrap_or_default());
            if magic != MAGIC || generation != self.generation || len > self.capacity - at - HEADER
            {
                break;
            }
            let mut payload = vec![0u8; len as usize];
            self.file.read_exact_at(&mut payload, at + HEADER)?;
            if crc(generation, &payload) != sum {
                break;
            }
            out.push(payload);
            at += HEADER + len;
        }
        Ok(out)
    }

    /// Whether a record of `len` payload bytes fits after the current ones.
    pub fn fits(&self, len: usize) -> bool {
        self.end + HEADER + len as u64 <= self.capacity
    }

    /// Bytes used by the current generation.
    pub fn used(&self) -> u64 {
        self.end
    }

    /// The generation records are written with.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Writes one record (not yet durable: see `sync`). The caller checked `fits`.
    pub fn append(&mut self, payload: &[u8]) -> Result<()> {
        let len = u32::try_from(payload.len())
            .map_err(|_| Error::Internal("jobs journal: record too large".into()))?;
        let mut record = Vec::with_capacity(HEADER as usize + payload.len());
        record.extend_from_slice(&MAGIC);
        record.extend_from_slice(&self.generation.to_le_bytes());
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&crc(self.generation, payload).to_le_bytes());
        record.extend_from_slice(payload);
        if let Err(e) = self.file.write_all_at(&record, self.end) {
            self.unwrite(self.end);
            return Err(Error::io(&self.path, e));
        }
        self.unsynced.get_or_insert_with(Instant::now);
        self.end += record.len() as u64;
        Ok(())
    }

    /// Makes every record written so far durable. On failure the records not known durable
    /// are withdrawn (their headers erased), so that a failed batch never replays later.
    pub fn sync(&mut self) -> Result<()> {
        if let Err(e) = self.file.sync_data() {
            self.unwrite(self.synced_end);
            return Err(Error::io(&self.path, e));
        }
        self.synced_end = self.end;
        self.unsynced = None;
        Ok(())
    }

    /// When the oldest record not yet synced was written.
    pub fn unsynced_since(&self) -> Option<Instant> {
        self.unsynced
    }

    /// Starts `generation` at the beginning of the file (the previous one is in the tables).
    pub fn reset(&mut self, generation: u64) {
        self.generation = generation;
        self.end = 0;
        self.synced_end = 0;
        self.unsynced = None;
    }

    /// Forgets the records from `from` on: the next append overwrites them, and the erased
    /// header stops a replay there meanwhile (best effort: the write already failed once).
    fn unwrite(&mut self, from: u64) {
        if from <= self.end && from + HEADER <= self.capacity {
            let _ = self.file.write_all_at(&[0u8; HEADER as usize], from);
        }
        self.end = self.end.min(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path, generation: u64) -> (Journal, Vec<Vec<u8>>) {
        if !path.exists() {
            Journal::create(path).expect("create");
        }
        Journal::open(path, generation).expect("open")
    }

    #[test]
    fn records_of_the_current_generation_come_back_in_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("jobs.journal");
        let (mut j, found) = open(&path, 7);
        assert!(found.is_empty(), "a new journal is empty");
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), JOURNAL_BYTES);
        j.append(b"one").expect("append");
        j.append(b"two").expect("append");
        j.sync().expect("sync");
        drop(j);
        assert_eq!(open(&path, 7).1, vec![b"one".to_vec(), b"two".to_vec()]);
        assert!(
            open(&path, 8).1.is_empty(),
            "another generation sees nothing"
        );
    }

    #[test]
    fn a_torn_record_ends_the_journal() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("jobs.journal");
        let (mut j, _) = open(&path, 1);
        j.append(b"kept").expect("append");
        let torn_at = j.used();
        j.append(b"torn record").expect("append");
        j.append(b"after it").expect("append");
        j.sync().expect("sync");
        drop(j);
        // One payload byte of the second record never reached the disk.
        let f = OpenOptions::new().write(true).open(&path).expect("open");
        f.write_all_at(b"X", torn_at + HEADER + 3).expect("write");
        drop(f);
        assert_eq!(open(&path, 1).1, vec![b"kept".to_vec()]);
    }

    #[test]
    fn after_a_reset_older_records_further_on_are_ignored() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("jobs.journal");
        let (mut j, _) = open(&path, 1);
        for r in [b"a-long-first-record".as_slice(), b"b", b"c"] {
            j.append(r).expect("append");
        }
        j.sync().expect("sync");
        j.reset(2);
        j.append(b"new").expect("append");
        j.sync().expect("sync");
        drop(j);
        assert_eq!(open(&path, 2).1, vec![b"new".to_vec()]);
    }

    #[test]
    fn an_unsynced_withdrawn_record_never_replays() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("jobs.journal");
        let (mut j, _) = open(&path, 1);
        j.append(b"acknowledged").expect("append");
        j.sync().expect("sync");
        let failed_at = j.used();
        j.append(b"failed batch").expect("append");
        j.unwrite(failed_at);
        assert_eq!(j.used(), failed_at);
        drop(j);
        assert_eq!(open(&path, 1).1, vec![b"acknowledged".to_vec()]);
    }

    #[test]
    fn a_short_journal_is_grown() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("jobs.journal");
        std::fs::write(&path, [0u8; 100]).expect("write");
        let (j, found) = open(&path, 0);
        assert!(found.is_empty());
        assert_eq!(j.capacity(), JOURNAL_BYTES);
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), JOURNAL_BYTES);
    }
}
