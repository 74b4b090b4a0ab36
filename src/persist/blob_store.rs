//! Blob storage: the stored DICOM files, by key. Callers get readers, never paths.
//!
//! A new blob is written staged (`stage`, `stage_from`), the whole batch is made durable at once
//! (`sync_staged` of its keys), the index commits it, and only then is the blob published to its
//! place. After a crash, whatever is still staged (`staged`) is either published (the index has it) or deleted,
//! so there is never a row without its blob nor a blob without its row (see `Store::open` in
//! src/store/mod.rs). A staged blob can already be read: between the index commit and its
//! publication, a reader that found its row must find its bytes. The file implementation is
//! src/persist/fs_blob_store.rs; src/persist/conformance/blob_store.rs is what any
//! implementation must pass.

use std::fmt;
use std::io::{self, Read, Seek};

pub trait BlobStore: Send + Sync {
    /// `n` new keys for blobs stored together. A key taken is staged, then synced or deleted:
    /// an implementation may prepare room for it ahead (`StagingPool`).
    fn new_keys(&self, n: usize) -> Vec<String>;

    /// Writes `bytes` as the staged blob `key`. Not durable until `sync_staged`.
    fn stage(&self, key: &str, bytes: &[u8]) -> io::Result<()>;

    /// Writes what `source` yields as the staged blob `key`; returns how many bytes. Not
    /// durable until `sync_staged`.
    fn stage_from(&self, key: &str, source: &mut dyn Read) -> io::Result<u64>;

    /// Makes the staged blobs `keys` durable, at once (publications need not be).
    fn sync_staged(&self, keys: &[&str]) -> io::Result<()>;

    /// Whether the staged blobs `keys` would be found by `staged` after a crash whatever
    /// `sync_staged` did by then (their names are durable; only their bytes are not). The
    /// import then lets their sync run beside the index commit (`store/group_commit.rs`).
    fn entries_durable(&self, _keys: &[&str]) -> bool {
        false
    }

    /// Moves a staged blob to its place, once the index committed it. Need not be durable: a
    /// publication lost in a crash leaves the blob staged, and the recovery publishes it again.
    fn publish(&self, key: &str) -> io::Result<()>;

    /// The keys of the blobs still staged (for the recovery at open).
    fn staged(&self) -> io::Result<Vec<String>>;

    /// Opens a blob, published or staged, for reading.
    fn open(&self, key: &str) -> io::Result<BlobReader>;

    /// Deletes a blob, published or staged; a missing one is fine.
    fn delete(&self, key: &str) -> io::Result<()>;

    /// Names the blob in messages (the file implementation: its path).
    fn label(&self, key: &str) -> BlobLabel;
}

/// What names a blob in messages. `display` mirrors `Path::display`, for error formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobLabel(pub String);

impl BlobLabel {
    pub fn display(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Anything a blob reader can wrap.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A blob being read: it knows its length and its label. Readers of DICOM files skip over
/// values instead of reading them, hence `Seek`.
pub struct BlobReader {
    inner: Box<dyn ReadSeek>,
    len: u64,
    label: BlobLabel,
}

impl BlobReader {
    pub fn new(inner: Box<dyn ReadSeek>, len: u64, label: BlobLabel) -> BlobReader {
        BlobReader { inner, len, label }
    }

    /// The blob's length in bytes, when it was opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn label(&self) -> &BlobLabel {
        &self.label
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}
