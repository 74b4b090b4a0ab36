//! A small pool of deflate worker threads with in-order reassembly: entries are submitted with a
//! sequence number, compressed in parallel with zip's [`ZipFileBuilder`], and handed back in
//! submission order. `zip_writer.rs` drives it and appends what comes back; the in-flight
//! accounting (`has_room`) lets the caller bound memory by bytes and entries.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use zip::CompressionMethod;
use zip::write::{PreparedZipFile, SimpleFileOptions, ZipFileBuilder};

use super::zip_writer::ZipWriteError;

struct Job {
    seq: u64,
    name: String,
    options: SimpleFileOptions,
    data: Vec<u8>,
}

type JobResult = (u64, zip::result::ZipResult<PreparedZipFile>);

/// Worker threads plus in-order reassembly of their results.
pub(super) struct Pool {
    jobs: Option<SyncSender<Job>>,
    results: Receiver<JobResult>,
    workers: Vec<JoinHandle<()>>,
    /// Results that arrived before their predecessors.
    parked: BTreeMap<u64, zip::result::ZipResult<PreparedZipFile>>,
    /// Uncompressed size of every submitted, not yet appended entry, by sequence number.
    in_flight: BTreeMap<u64, u64>,
    in_flight_bytes: u64,
    max_entries: usize,
    next_seq: u64,
    next_out: u64,
}

impl Pool {
    pub(super) fn new(threads: usize) -> Self {
        let max_entries = threads * 3;
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(max_entries);
        let (res_tx, res_rx) = mpsc::channel::<JobResult>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let workers = (0..threads)
            .map(|i| {
                let job_rx = Arc::clone(&job_rx);
                let res_tx = res_tx.clone();
                std::thread::Builder::new()
                    .name(format!("zip-deflate-{i}"))
                    .spawn(move || worker(&job_rx, &res_tx))
            })
            .filter_map(Result::ok)
            .collect();
        Self {
            jobs: Some(job_tx),
            results: res_rx,
            workers,
            parked: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            in_flight_bytes: 0,
            max_entries,
            next_seq: 0,
            next_out: 0,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    pub(super) fn has_room(&self, len: u64, max_bytes: u64) -> bool {
        self.in_flight.is_empty()
            || (self.in_flight.len() < self.max_entries
                && self.in_flight_bytes.saturating_add(len) <= max_bytes)
    }

    pub(super) fn submit(
        &mut self,
        name: String,
        options: SimpleFileOptions,
        data: Vec<u8>,
    ) -> Result<(), ZipWriteError> {
        if self.workers.is_empty() {
            return Err(ZipWriteError::WorkerGone);
        }
        let seq = self.next_seq;
        let len = data.len() as u64;
        let jobs = self.jobs.as_ref().ok_or(ZipWriteError::WorkerGone)?;
        jobs.send(Job {
            seq,
            name,
            options,
            data,
        })
        .map_err(|_| ZipWriteError::WorkerGone)?;
        self.next_seq += 1;
        self.in_flight.insert(seq, len);
        self.in_flight_bytes += len;
        Ok(())
    }

    fn take_parked(&mut self) -> Option<Result<PreparedZipFile, ZipWriteError>> {
        let result = self.parked.remove(&self.next_out)?;
        if let Some(len) = self.in_flight.remove(&self.next_out) {
            self.in_flight_bytes -= len;
        }
        self.next_out += 1;
        Some(result.map_err(ZipWriteError::from))
    }

    /// The next entry in order, if already compressed.
    pub(super) fn next_ready(&mut self) -> Result<Option<PreparedZipFile>, ZipWriteError> {
        loop {
            if let Some(r) = self.take_parked() {
                return r.map(Some);
            }
            match self.results.try_recv() {
                Ok((seq, r)) => {
                    self.parked.insert(seq, r);
                }
                Err(TryRecvError::Empty) => return Ok(None),
                Err(TryRecvError::Disconnected) => return Err(ZipWriteError::WorkerGone),
            }
        }
    }

    /// The next entry in order, waiting for it. Only call when something is in flight.
    pub(super) fn next_blocking(&mut self) -> Result<PreparedZipFile, ZipWriteError> {
        loop {
            if let Some(r) = self.take_parked() {
                return r;
            }
            let (seq, r) = self.results.recv().map_err(|_| ZipWriteError::WorkerGone)?;
            self.parked.insert(seq, r);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs.take(); // workers stop once the queue is empty
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(jobs: &Mutex<Receiver<Job>>, results: &mpsc::Sender<JobResult>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let options = if incompressible(&job.data) {
            job.options
                .compression_method(CompressionMethod::Stored)
                .compression_level(None)
        } else {
            job.options
        };
        let result = ZipFileBuilder::new(&job.name, options).and_then(|mut b| {
            b.write_all(&job.data)?;
            drop(job.data);
            b.finish()
        });
        if results.send((job.seq, result)).is_err() {
            return;
        }
    }
}

/// Entries at least this large are probed before they are deflated.
const PROBE_MIN: usize = 256 << 10;
/// The probe: the last 64 KiB (a DICOM file ends with its pixel data).
const PROBE_LEN: usize = 64 << 10;

/// Whether deflating `data` would gain less than 3 %: noisy or already compressed pixel data
/// (JPEG, JPEG 2000) is then stored, which costs nothing to read and saves the deflate time.
/// A fast level-1 pass over a sample decides.
pub(super) fn incompressible(data: &[u8]) -> bool {
    if data.len() < PROBE_MIN {
        return false;
    }
    let sample = &data[data.len() - PROBE_LEN..];
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(PROBE_LEN),
        flate2::Compression::fast(),
    );
    if enc.write_all(sample).is_err() {
        return false;
    }
    enc.finish()
        .is_ok_and(|out| out.len() * 100 >= sample.len() * 97)
}
