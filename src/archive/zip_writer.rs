//! Step-at-a-time ZIP writer with parallel deflate, following Orthanc's ZIP encoding
//! (`FW/Compression/ZipWriter.cpp`): ZIP64 decided once up front, no directory entries, a real
//! modification time, an archive comment.
//!
//! Entries are compressed by a small pool of worker threads (`deflate_pool.rs`) with zip's
//! [`ZipFileBuilder`](zip::write::ZipFileBuilder) and appended, **in call order**, with
//! [`ZipWriter::add_prepared_file`] on the caller's thread. Each [`ArchiveZipWriter::add_file`]
//! reads its entry (so the caller may close its source right after), submits it, and appends
//! every entry that is already compressed; it blocks only when the in-flight budget (bytes and
//! entries) is exhausted. [`ArchiveZipWriter::finish`] drains the pipeline.
//!
//! Memory is bounded by `max_in_flight_bytes` (uncompressed data held by the pipeline) plus the
//! compressed copies of the same entries. An entry larger than `max_buffered_entry` is not
//! buffered: the pipeline is drained and the entry is streamed through the ZIP writer on the
//! caller's thread.
//!
//! zip 9.8 sets the UTF-8 flag (bit 11) by itself exactly when a name is non-ASCII, like
//! minizip; with `default-features = false` it would date entries 1980-01-01, so the time is
//! set here from `chrono::Local::now()` (Orthanc uses local time too).

use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use zip::write::{PreparedZipFile, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::deflate_pool::Pool;

/// Orthanc's `IsZip64Required`: on from `2 GiB - 64 MiB` of uncompressed data...
pub const ZIP64_MIN_BYTES: u64 = (2 << 30) - (64 << 20);
/// ...or from `65535 - 10` entries.
pub const ZIP64_MIN_ENTRIES: u64 = 65_535 - 10;
/// Archive comment.
pub const ARCHIVE_COMMENT: &str = "Created by dicomq";
/// A single entry this large is always written with ZIP64 sizes, whatever the plan says
/// (deflate can expand incompressible data slightly, so keep a margin below 4 GiB).
const LARGE_ENTRY_BYTES: u64 = 0xF000_0000;

/// How entries are stored (`"deflate"` or `"store"` in a job's params).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Deflate at [`ZipPlan::level`] (Orthanc: always deflate, level 6).
    #[default]
    Deflate,
    /// No compression (method 0).
    Store,
}

/// What is known before writing: decides ZIP64 and tunes the pipeline.
#[derive(Debug, Clone)]
pub struct ZipPlan {
    /// Number of entries that will be added (including a final DICOMDIR).
    pub entries: u64,
    /// Sum of their uncompressed sizes.
    pub total_bytes: u64,
    /// Store or deflate.
    pub compression: Compression,
    /// Deflate level, 0..=9 (default 6).
    pub level: u8,
    /// Compression threads (default 2). 0 compresses on the caller's thread.
    pub threads: usize,
    /// Upper bound of uncompressed bytes held by the pipeline (default 64 MiB).
    pub max_in_flight_bytes: u64,
    /// Entries larger than this are streamed on the caller's thread (default 32 MiB).
    pub max_buffered_entry: u64,
    /// Entry modification time; `None` means now, in local time.
    pub modified: Option<DateTime>,
}

impl ZipPlan {
    /// A plan with the defaults above.
    pub fn new(entries: u64, total_bytes: u64, compression: Compression) -> Self {
        Self {
            entries,
            total_bytes,
            compression,
            level: 6,
            threads: 2,
            max_in_flight_bytes: 64 << 20,
            max_buffered_entry: 32 << 20,
            modified: None,
        }
    }

    /// Orthanc's rule: ZIP64 for every entry when either threshold is reached.
    pub fn needs_zip64(&self) -> bool {
        self.total_bytes >= ZIP64_MIN_BYTES || self.entries >= ZIP64_MIN_ENTRIES
    }
}

/// Errors of [`ArchiveZipWriter`].
#[derive(Debug, thiserror::Error)]
pub enum ZipWriteError {
    /// I/O error (reading an entry or writing the archive).
    #[error("archive I/O error: {0}")]
    Io(#[from] io::Error),
    /// Error from the zip crate.
    #[error("zip error: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The source gave fewer bytes than announced.
    #[error("entry {name}: expected {expected} bytes, read {actual}")]
    ShortRead {
        /// Entry name.
        name: String,
        /// Announced length.
        expected: u64,
        /// Bytes actually read.
        actual: u64,
    },
    /// A compression thread died.
    #[error("compression worker stopped unexpectedly")]
    WorkerGone,
    /// An earlier error left the archive unusable.
    #[error("the archive writer failed earlier and cannot be used")]
    Poisoned,
}

/// Streaming ZIP writer over a seekable target (a file).
pub struct ArchiveZipWriter<W: Write + Seek> {
    zip: Option<ZipWriter<CountingWriter<BufWriter<Fuse<W>>>>>,
    options: SimpleFileOptions,
    plan: ZipPlan,
    pool: Option<Pool>,
    written: Arc<AtomicU64>,
    uncompressed: u64,
    poisoned: bool,
    /// The fuse of the target (see `CountingWriter`).
    spent: Arc<AtomicBool>,
}

impl<W: Write + Seek> ArchiveZipWriter<W> {
    /// Starts an archive on `target`. ZIP64 is decided here from the plan.
    pub fn new(target: W, plan: ZipPlan) -> Result<Self, ZipWriteError> {
        let written = Arc::new(AtomicU64::new(0));
        let spent = Arc::new(AtomicBool::new(false));
        let counting = CountingWriter {
            inner: BufWriter::with_capacity(
                1 << 20,
                Fuse {
                    inner: target,
                    spent: Arc::clone(&spent),
                },
            ),
            pos: 0,
            end: Arc::clone(&written),
            spent: Arc::clone(&spent),
            pretended_end: 0,
        };
        let mut zip = ZipWriter::new(counting);
        zip.set_comment(ARCHIVE_COMMENT)?;
        let modified = plan.modified.unwrap_or_else(local_now);
        let (method, level) = match plan.compression {
            Compression::Deflate => (CompressionMethod::Deflated, Some(i64::from(plan.level))),
            Compression::Store => (CompressionMethod::Stored, None),
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .compression_level(level)
            .last_modified_time(modified)
            .unix_permissions(0o644)
            .large_file(plan.needs_zip64());
        let pool = (plan.compression == Compression::Deflate && plan.threads > 0)
            .then(|| Pool::new(plan.threads));
        Ok(Self {
            zip: Some(zip),
            options,
            plan,
            pool,
            written,
            uncompressed: 0,
            poisoned: false,
            spent,
        })
    }

    /// Whether entries are written with ZIP64 sizes.
    pub fn is_zip64(&self) -> bool {
        self.plan.needs_zip64()
    }

    /// Bytes of archive written so far (grows as compressed entries reach the target).
    pub fn archive_size(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// A handle on [`Self::archive_size`] that other threads can read.
    pub fn archive_size_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.written)
    }

    /// Uncompressed bytes accepted so far.
    pub fn uncompressed_size(&self) -> u64 {
        self.uncompressed
    }

    /// Adds one entry of `len` bytes read from `reader`. Names use `/` separators.
    ///
    /// Returns once the data has been read; compression may still be running. Exactly `len`
    /// bytes are read; fewer is an error ([`ZipWriteError::ShortRead`]).
    pub fn add_file<R: Read + ?Sized>(
        &mut self,
        name: &str,
        reader: &mut R,
        len: u64,
    ) -> Result<(), ZipWriteError> {
        if self.poisoned {
            return Err(ZipWriteError::Poisoned);
        }
        let result = self.add_file_inner(name, reader, len);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    /// Adds an entry from memory (e.g. the DICOMDIR).
    pub fn add_bytes(&mut self, name: &str, data: &[u8]) -> Result<(), ZipWriteError> {
        let mut reader = data;
        self.add_file(name, &mut reader, data.len() as u64)
    }

    fn add_file_inner<R: Read + ?Sized>(
        &mut self,
        name: &str,
        reader: &mut R,
        len: u64,
    ) -> Result<(), ZipWriteError> {
        let options = self.entry_options(len);
        let buffered = self.pool.is_some() && len <= self.plan.max_buffered_entry;
        if !buffered {
            self.drain()?;
            let zip = self.zip.as_mut().ok_or(ZipWriteError::Poisoned)?;
            zip.start_file(name, options)?;
            let copied = io::copy(&mut reader.take(len), zip)?;
            check_len(name, len, copied)?;
            self.uncompressed += copied;
            return Ok(());
        }

        let capacity = usize::try_from(len).map_err(|_| io::Error::other("entry too large"))?;
        let mut data = Vec::with_capacity(capacity);
        reader.take(len).read_to_end(&mut data)?;
        check_len(name, len, data.len() as u64)?;
        self.uncompressed += len;

        // Make room in the pipeline, then submit.
        loop {
            let pool = self.pool.as_mut().ok_or(ZipWriteError::Poisoned)?;
            if pool.has_room(len, self.plan.max_in_flight_bytes) {
                break;
            }
            let prepared = pool.next_blocking()?;
            self.append(prepared)?;
        }
        let pool = self.pool.as_mut().ok_or(ZipWriteError::Poisoned)?;
        pool.submit(name.to_string(), options, data)?;
        // Append whatever is already compressed, in order.
        loop {
            let pool = self.pool.as_mut().ok_or(ZipWriteError::Poisoned)?;
            match pool.next_ready()? {
                Some(prepared) => self.append(prepared)?,
                None => break,
            }
        }
        Ok(())
    }

    fn entry_options(&self, len: u64) -> SimpleFileOptions {
        if len >= LARGE_ENTRY_BYTES {
            self.options.large_file(true)
        } else {
            self.options
        }
    }

    fn append(&mut self, prepared: PreparedZipFile) -> Result<(), ZipWriteError> {
        let zip = self.zip.as_mut().ok_or(ZipWriteError::Poisoned)?;
        zip.add_prepared_file(prepared)?;
        Ok(())
    }

    /// Waits for every submitted entry and appends it.
    fn drain(&mut self) -> Result<(), ZipWriteError> {
        loop {
            let Some(pool) = self.pool.as_mut() else {
                return Ok(());
            };
            if pool.is_empty() {
                return Ok(());
            }
            let prepared = pool.next_blocking()?;
            self.append(prepared)?;
        }
    }

    /// Drains the pipeline, writes the central directory and returns the target.
    pub fn finish(mut self) -> Result<W, ZipWriteError> {
        if self.poisoned {
            return Err(ZipWriteError::Poisoned);
        }
        self.drain()?;
        let zip = self.zip.take().ok_or(ZipWriteError::Poisoned)?;
        let counting = zip.finish()?;
        if counting.is_spent() {
            return Err(ZipWriteError::Poisoned);
        }
        let end = counting.end;
        let mut buffered = counting.inner;
        buffered.flush()?;
        end.store(buffered.stream_position()?, Ordering::Relaxed);
        buffered
            .into_inner()
            .map(|fuse| fuse.inner)
            .map_err(|e| ZipWriteError::Io(e.into_error()))
    }
}

impl<W: Write + Seek> Drop for ArchiveZipWriter<W> {
    /// Abandoned unfinished (an error on the way): the zip crate's own finalising writes
    /// nothing and prints nothing (see `CountingWriter`).
    fn drop(&mut self) {
        if self.zip.is_some() {
            self.spent.store(true, Ordering::Relaxed);
        }
    }
}

fn check_len(name: &str, expected: u64, actual: u64) -> Result<(), ZipWriteError> {
    if actual == expected {
        Ok(())
    } else {
        Err(ZipWriteError::ShortRead {
            name: name.to_string(),
            expected,
            actual,
        })
    }
}

/// Now, in local time, as a DOS date (falls back to 1980-01-01 only if out of range).
pub fn local_now() -> DateTime {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now().naive_local();
    let narrow = |v: u32| u8::try_from(v).unwrap_or(0);
    u16::try_from(now.year())
        .ok()
        .and_then(|year| {
            DateTime::from_date_and_time(
                year,
                narrow(now.month()),
                narrow(now.day()),
                narrow(now.hour()),
                narrow(now.minute()),
                narrow(now.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Tracks the highest position written, for `ArchiveSize`.
///
/// It is also a fuse. A `ZipWriter` dropped unfinished finalises the archive in its `Drop` and
/// prints a failure to stderr itself (`ZipWriter::drop: failed to finalize archive: ...`). So once
/// a write, flush or seek has failed, or the archive is abandoned (dropped without `finish`),
/// nothing more reaches the target and every call succeeds: that finalising then writes into
/// the void and has nothing to print. The first error was returned to the caller; `finish`
/// refuses an archive whose writer failed.
struct CountingWriter<W> {
    inner: W,
    pos: u64,
    end: Arc<AtomicU64>,
    spent: Arc<AtomicBool>,
    /// The end of what was pretended written once spent (a seek to the end lands there).
    pretended_end: u64,
}

impl<W> CountingWriter<W> {
    fn is_spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }

    fn fuse<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if r.is_err() {
            self.spent.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.is_spent() {
            self.pos += buf.len() as u64;
            self.pretended_end = self.pretended_end.max(self.pos);
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        let n = self.fuse(r)?;
        self.pos += n as u64;
        self.end.fetch_max(self.pos, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.is_spent() {
            return Ok(());
        }
        let r = self.inner.flush();
        self.fuse(r)
    }
}

impl<W: Seek> Seek for CountingWriter<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if self.is_spent() {
            // Nothing is written any more: positions are only pretended.
            let end = self.pretended_end.max(self.end.load(Ordering::Relaxed));
            self.pos = match pos {
                SeekFrom::Start(n) => n,
                SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
                SeekFrom::End(d) => end.saturating_add_signed(d),
            };
            return Ok(self.pos);
        }
        let r = self.inner.seek(pos);
        self.pos = self.fuse(r)?;
        Ok(self.pos)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

/// The target under the buffer: once spent, what the buffer still holds when it is dropped is
/// not written either (see `CountingWriter`).
struct Fuse<W> {
    inner: W,
    spent: Arc<AtomicBool>,
}

impl<W: Write> Write for Fuse<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.spent.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.spent.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.inner.flush()
    }
}

impl<W: Seek> Seek for Fuse<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::path::Path;
    use std::process::Command;
    use std::sync::Mutex;

    pub(crate) fn require_validators() -> bool {
        std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1")
    }

    /// Runs a validator; `None` when the tool is missing and validators are optional.
    pub(crate) fn run_tool(program: &str, args: &[&str]) -> Option<std::process::Output> {
        match Command::new(program).args(args).output() {
            Ok(out) => Some(out),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !require_validators() => {
                eprintln!("skipping: {program} not installed");
                None
            }
            Err(e) => panic!("cannot run {program}: {e}"),
        }
    }

    fn sample(i: usize, len: usize) -> Vec<u8> {
        // Half compressible text, half pseudo-random bytes.
        let mut x: u32 = 0x9E37_79B9 ^ (i as u32);
        (0..len)
            .map(|k| {
                if k % 2 == 0 {
                    b'a' + (k % 7) as u8
                } else {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                }
            })
            .collect()
    }

    fn build(plan: ZipPlan, files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut w = ArchiveZipWriter::new(Cursor::new(Vec::new()), plan).unwrap();
        for (name, data) in files {
            w.add_file(name, &mut data.as_slice(), data.len() as u64)
                .unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn names() -> Vec<(String, Vec<u8>)> {
        let names = [
            "PATA - Müller^Jürgen/ACC - Brain MRI/1 - MR - T1/MR000001.dcm",
            "PATA - Müller^Jürgen/ACC - Brain MRI/1 - MR - T1/MR000002.dcm",
            "PATD - 山田^太郎/頭部 CT/2 - CT - CT シリーズ/CT000001.dcm",
            "ascii/only/00000000.dcm",
            "empty/00000001.dcm",
        ];
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let len = if n.starts_with("empty") {
                    0
                } else {
                    1000 + i * 70_001
                };
                (n.to_string(), sample(i, len))
            })
            .collect()
    }

    fn check_with_tools(path: &Path) {
        let p = path.to_str().unwrap();
        if let Some(out) = run_tool("unzip", &["-t", p]) {
            assert!(
                out.status.success(),
                "unzip -t failed: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        if let Some(out) = run_tool("python3", &["-m", "zipfile", "-t", p]) {
            assert!(
                out.status.success(),
                "python zipfile -t failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn deflate_round_trip_with_non_ascii_names_passes_validators() {
        let files = names();
        let bytes = build(ZipPlan::new(5, 0, Compression::Deflate), &files);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(archive.comment(), ARCHIVE_COMMENT.as_bytes());
        assert_eq!(archive.len(), files.len());
        for (i, (name, data)) in files.iter().enumerate() {
            let mut f = archive.by_index(i).unwrap();
            assert_eq!(f.name().unwrap(), name.as_str(), "order kept");
            assert_eq!(f.compression(), CompressionMethod::Deflated);
            let year = f.last_modified().map(|d| d.year()).unwrap_or(1980);
            assert!(year > 2020, "real mtime, got {year}");
            let mut back = Vec::new();
            f.read_to_end(&mut back).unwrap();
            assert_eq!(&back, data);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        std::fs::write(&path, &bytes).unwrap();
        check_with_tools(&path);
        // General-purpose flags: bit 11 exactly on the non-ASCII names, as minizip does.
        if let Some(out) = run_tool(
            "python3",
            &[
                "-c",
                "import sys,zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(hex(i.flag_bits), i.filename)",
                path.to_str().unwrap(),
            ],
        ) {
            let listing = String::from_utf8_lossy(&out.stdout).to_string();
            for line in listing.lines() {
                let non_ascii = !line.is_ascii();
                assert_eq!(line.starts_with("0x800 "), non_ascii, "{line}");
            }
            assert!(listing.contains("山田^太郎"), "{listing}");
        }
    }

    #[test]
    fn store_and_inline_large_entries() {
        let files = names();
        let bytes = build(ZipPlan::new(5, 0, Compression::Store), &files);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(
            archive.by_index(1).unwrap().compression(),
            CompressionMethod::Stored
        );

        // Entries above max_buffered_entry take the streamed path, in between pooled ones.
        let mut plan = ZipPlan::new(5, 0, Compression::Deflate);
        plan.max_buffered_entry = 50_000;
        plan.max_in_flight_bytes = 100_000;
        let bytes = build(plan, &files);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        for (i, (name, data)) in files.iter().enumerate() {
            let mut f = archive.by_index(i).unwrap();
            assert_eq!(f.name().unwrap(), name.as_str());
            let mut back = Vec::new();
            f.read_to_end(&mut back).unwrap();
            assert_eq!(&back, data);
        }
    }

    #[test]
    fn zero_threads_and_empty_archive() {
        let mut plan = ZipPlan::new(5, 0, Compression::Deflate);
        plan.threads = 0;
        let bytes = build(plan, &names());
        assert_eq!(zip::ZipArchive::new(Cursor::new(bytes)).unwrap().len(), 5);

        let bytes = build(ZipPlan::new(0, 0, Compression::Deflate), &[]);
        // End of central directory + comment only, like Orthanc's 40-byte empty archive.
        assert_eq!(bytes.len(), 22 + ARCHIVE_COMMENT.len());
    }

    /// A target that takes `room` bytes, then fails every call ("disk full"), counting the calls
    /// that come after its first failure.
    #[derive(Clone)]
    struct FullDisk(Arc<Mutex<Disk>>);

    struct Disk {
        data: Cursor<Vec<u8>>,
        room: usize,
        failed: bool,
        calls_after_failure: usize,
    }

    impl FullDisk {
        fn new(room: usize) -> Self {
            FullDisk(Arc::new(Mutex::new(Disk {
                data: Cursor::new(Vec::new()),
                room,
                failed: false,
                calls_after_failure: 0,
            })))
        }
        fn calls_after_failure(&self) -> usize {
            self.0.lock().unwrap().calls_after_failure
        }
        fn failed(&self) -> bool {
            self.0.lock().unwrap().failed
        }
        fn bytes(&self) -> Vec<u8> {
            self.0.lock().unwrap().data.get_ref().clone()
        }
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut d = self.0.lock().unwrap();
            if d.failed {
                d.calls_after_failure += 1;
                return Err(io::Error::other("no space left"));
            }
            if d.data.position() as usize + buf.len() > d.room {
                d.failed = true;
                return Err(io::Error::other("no space left"));
            }
            d.data.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Seek for FullDisk {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            let mut d = self.0.lock().unwrap();
            if d.failed {
                d.calls_after_failure += 1;
                return Err(io::Error::other("no space left"));
            }
            d.data.seek(pos)
        }
    }

    #[test]
    fn a_failed_write_leaves_nothing_for_the_zip_crate_to_finalize_on_drop() {
        // An entry larger than the buffer: the write fails in add_file, then the writer is
        // dropped. The zip crate's drop used to finalize again, fail, and print
        // `ZipWriter::drop: failed to finalize archive` on stderr.
        let disk = FullDisk::new(4096);
        let mut w =
            ArchiveZipWriter::new(disk.clone(), ZipPlan::new(1, 3 << 20, Compression::Store))
                .unwrap();
        let data = sample(1, 3 << 20);
        let err = w
            .add_file("big", &mut data.as_slice(), data.len() as u64)
            .unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        drop(w);
        assert!(disk.failed());
        assert_eq!(disk.calls_after_failure(), 0);

        // The failure comes in finish (the central directory): an error, and nothing after it.
        let disk = FullDisk::new(300);
        let mut w =
            ArchiveZipWriter::new(disk.clone(), ZipPlan::new(1, 200, Compression::Store)).unwrap();
        w.add_bytes("small", &[7u8; 200]).unwrap();
        assert!(w.finish().is_err());
        assert!(disk.failed());
        assert_eq!(disk.calls_after_failure(), 0);
    }

    #[test]
    fn an_abandoned_archive_gets_no_central_directory() {
        let disk = FullDisk::new(1 << 30);
        let mut w =
            ArchiveZipWriter::new(disk.clone(), ZipPlan::new(2, 200, Compression::Store)).unwrap();
        w.add_bytes("small", &[7u8; 200]).unwrap();
        drop(w);
        assert!(!disk.failed());
        let end_of_central_directory = b"PK\x05\x06";
        assert!(
            !disk
                .bytes()
                .windows(4)
                .any(|x| x == end_of_central_directory)
        );
    }

    #[test]
    fn short_read_is_an_error_and_poisons() {
        let mut w = ArchiveZipWriter::new(
            Cursor::new(Vec::new()),
            ZipPlan::new(2, 10, Compression::Deflate),
        )
        .unwrap();
        let err = w.add_file("a", &mut &b"abc"[..], 10).unwrap_err();
        assert!(matches!(err, ZipWriteError::ShortRead { .. }), "{err}");
        assert!(matches!(
            w.add_file("b", &mut &b"abc"[..], 3),
            Err(ZipWriteError::Poisoned)
        ));
    }

    #[test]
    fn archive_size_grows_and_matches_the_final_length() {
        let files = names();
        let mut w = ArchiveZipWriter::new(
            Cursor::new(Vec::new()),
            ZipPlan::new(5, 0, Compression::Deflate),
        )
        .unwrap();
        for (name, data) in &files {
            w.add_bytes(name, data).unwrap();
        }
        let handle = w.archive_size_handle();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(handle.load(Ordering::Relaxed), bytes.len() as u64);
    }

    #[test]
    fn zip64_plan_thresholds() {
        assert!(!ZipPlan::new(65_524, ZIP64_MIN_BYTES - 1, Compression::Deflate).needs_zip64());
        assert!(ZipPlan::new(65_525, 0, Compression::Deflate).needs_zip64());
        assert!(ZipPlan::new(1, ZIP64_MIN_BYTES, Compression::Store).needs_zip64());
    }

    #[test]
    fn zip64_with_more_than_65535_entries() {
        const N: u64 = 65_600;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.zip");
        let file = std::fs::File::create(&path).unwrap();
        let mut w =
            ArchiveZipWriter::new(file, ZipPlan::new(N, N * 4, Compression::Deflate)).unwrap();
        assert!(w.is_zip64());
        for i in 0..N {
            let data = (i as u32).to_le_bytes();
            w.add_file(&format!("d{}/f{i}", i % 100), &mut &data[..], 4)
                .unwrap();
        }
        w.finish().unwrap();
        let raw = std::fs::read(&path).unwrap();
        let tail = &raw[raw.len() - 200..];
        assert!(
            tail.windows(4).any(|w| w == [0x50, 0x4b, 0x06, 0x06]),
            "ZIP64 end of central directory record"
        );
        // Local header of the first entry carries a ZIP64 extra field (id 0x0001).
        let name_len = u16::from_le_bytes([raw[26], raw[27]]) as usize;
        assert_eq!(&raw[30 + name_len..32 + name_len], &[0x01, 0x00]);
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(archive.len() as u64, N);
        let mut last = archive.by_index((N - 1) as usize).unwrap();
        let mut back = Vec::new();
        last.read_to_end(&mut back).unwrap();
        assert_eq!(back, ((N - 1) as u32).to_le_bytes());
        drop(last);
        let p = path.to_str().unwrap();
        if let Some(out) = run_tool("unzip", &["-tqq", p]) {
            assert!(
                out.status.success(),
                "unzip: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        if let Some(out) = run_tool("python3", &["-m", "zipfile", "-t", p]) {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Throughput on a directory of files: `DICOMQ_BENCH_DIR=/path cargo test --release -- --ignored bench --nocapture`.
    #[test]
    #[ignore]
    fn bench_throughput() {
        let Ok(dir) = std::env::var("DICOMQ_BENCH_DIR") else {
            eprintln!("set DICOMQ_BENCH_DIR");
            return;
        };
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let total: u64 = files.iter().map(|p| p.metadata().unwrap().len()).sum();
        let out_dir = std::env::var("DICOMQ_BENCH_OUT").unwrap_or_else(|_| "/tmp".into());
        for (label, compression, threads) in [
            ("store", Compression::Store, 2),
            ("deflate-1-thread", Compression::Deflate, 0),
            ("deflate-2-threads", Compression::Deflate, 2),
        ] {
            let mut runs = Vec::new();
            let mut size = 0;
            for _ in 0..3 {
                let out = Path::new(&out_dir).join("dicomq-bench.zip");
                let start = std::time::Instant::now();
                let mut plan = ZipPlan::new(files.len() as u64, total, compression);
                plan.threads = threads;
                let mut w =
                    ArchiveZipWriter::new(std::fs::File::create(&out).unwrap(), plan).unwrap();
                for p in &files {
                    let mut f = std::fs::File::open(p).unwrap();
                    let len = f.metadata().unwrap().len();
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    w.add_file(&name, &mut f, len).unwrap();
                }
                let f = w.finish().unwrap();
                f.sync_all().unwrap();
                runs.push(start.elapsed().as_secs_f64());
                size = std::fs::metadata(&out).unwrap().len();
                std::fs::remove_file(&out).unwrap();
            }
            runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let median = runs[1];
            println!(
                "{label}: median {median:.3}s = {:.1} MB/s (runs {runs:?}), ratio {:.3}",
                total as f64 / 1e6 / median,
                size as f64 / total as f64
            );
        }
    }

    #[test]
    fn noisy_entries_are_stored_and_smooth_ones_deflated() {
        let mut state = 0x1234_5678_9abc_def0_u64;
        let noise: Vec<u8> = (0..512 << 10)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let smooth: Vec<u8> = (0..512u32 << 10).map(|i| (i / 4096) as u8).collect();
        assert!(crate::archive::deflate_pool::incompressible(&noise));
        assert!(!crate::archive::deflate_pool::incompressible(&smooth));
        assert!(
            !crate::archive::deflate_pool::incompressible(&noise[..1000]),
            "small entries are not probed"
        );
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = ArchiveZipWriter::new(
            &mut out,
            ZipPlan::new(2, (noise.len() + smooth.len()) as u64, Compression::Deflate),
        )
        .expect("writer");
        w.add_bytes("noise.dcm", &noise).expect("noise");
        w.add_bytes("smooth.dcm", &smooth).expect("smooth");
        w.finish().expect("finish");
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.into_inner())).expect("zip");
        assert_eq!(
            z.by_name("noise.dcm").expect("entry").compression(),
            CompressionMethod::Stored
        );
        assert_eq!(
            z.by_name("smooth.dcm").expect("entry").compression(),
            CompressionMethod::Deflated
        );
    }
}
