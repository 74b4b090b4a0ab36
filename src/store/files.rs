//! File storage: stored DICOM files under `storage/ab/cd/<uuid>`, each written to a temporary
//! name then renamed, so a reader never sees a partial file under a final name; a batch is made
//! durable at once (`sync_filesystem`) before it is indexed.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStorage {
    root: PathBuf,
}

impl FileStorage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStorage { root: root.into() }
    }

    pub fn new_uuid() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// Where the file of `uuid` lives (`storage/ab/cd/abcd...`, as Orthanc lays it out).
    pub fn path_of(&self, uuid: &str) -> PathBuf {
        let a = uuid.get(0..2).unwrap_or("00");
        let b = uuid.get(2..4).unwrap_or("00");
        self.root.join(a).join(b).join(uuid)
    }

    fn temp_path_of(&self, uuid: &str) -> PathBuf {
        let mut p = self.path_of(uuid);
        p.set_extension("tmp");
        p
    }

    /// Writes `bytes` as the file of `uuid` (temp name, then rename). Not synced: the caller
    /// makes its whole batch durable with `sync_filesystem` before it indexes the batch.
    pub fn write_batched(&self, uuid: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_with(uuid, |f| f.write_all(bytes))
    }

    /// Makes every write and rename under the storage durable with one `syncfs(2)`: one
    /// journal commit per batch instead of an fsync per file and per directory.
    pub fn sync_filesystem(&self) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let root = File::open(&self.root)?;
        // SAFETY: syncfs only reads the descriptor, which `root` keeps open during the call.
        let rc = unsafe { libc::syncfs(root.as_raw_fd()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Copies the file at `source` (streamed, never held whole) as the file of `uuid`; not
    /// synced, like `write_batched`.
    pub fn copy_batched(&self, uuid: &str, source: &Path) -> io::Result<u64> {
        let mut copied = 0;
        self.write_with(uuid, |out| {
            let mut input = File::open(source)?;
            copied = io::copy(&mut input, out)?;
            Ok(())
        })?;
        Ok(copied)
    }

    fn write_with(
        &self,
        uuid: &str,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> io::Result<()> {
        let final_path = self.path_of(uuid);
        let temp = self.temp_path_of(uuid);
        if let Some(dir) = final_path.parent() {
            fs::create_dir_all(dir)?;
        }
        let result = (|| {
            let mut file = File::create(&temp)?;
            fill(&mut file)?;
            fs::rename(&temp, &final_path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    pub fn open(&self, uuid: &str) -> io::Result<File> {
        File::open(self.path_of(uuid))
    }

    pub fn read(&self, uuid: &str) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open(uuid)?.read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Removes the file of `uuid` and any temporary left by a crash; a missing file is fine.
    pub fn remove(&self, uuid: &str) -> io::Result<()> {
        for p in [self.path_of(uuid), self.temp_path_of(uuid)] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fs = FileStorage::new(dir.path());
        let uuid = FileStorage::new_uuid();
        fs.write_batched(&uuid, b"hello").expect("write");
        fs.sync_filesystem().expect("sync");
        assert_eq!(fs.read(&uuid).expect("read"), b"hello");
        assert!(
            fs.path_of(&uuid)
                .starts_with(dir.path().join(&uuid[0..2]).join(&uuid[2..4]))
        );
        assert!(!fs.temp_path_of(&uuid).exists());
        fs.remove(&uuid).expect("remove");
        assert!(!fs.path_of(&uuid).exists());
        fs.remove(&uuid).expect("removing twice is fine");
    }
}
