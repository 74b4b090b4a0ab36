//! `dicomq check`: compares the index with the files under the storage directory.
//!
//! Found: rows whose file is gone, files no row owns, and files whose bytes no longer parse.
//! `repair` indexes the readable files without a row and drops the rows without a file (with the
//! ancestors they leave empty) in one transaction; unreadable files are only reported, since
//! they may be all that is left of an instance and deleting them is the user's decision.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::Store;
use super::files::FileStorage;
use super::header::{ParsedHeader, parse_header};
use super::ids::Level;
use super::index::{Indexed, NewInstance, StoredFile};
use crate::error::{Error, Result};

/// An instance whose stored file is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub instance: String,
    pub file: PathBuf,
}

/// A stored file whose bytes do not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableFile {
    pub file: PathBuf,
    /// The instance that owns it, if any.
    pub instance: Option<String>,
    pub reason: String,
}

/// A readable file that no row owns.
#[derive(Debug)]
pub struct OrphanFile {
    pub file: PathBuf,
    pub header: ParsedHeader,
    pub size: u64,
}

/// What `check` found in the store.
#[derive(Debug, Default)]
pub struct StoreCheck {
    pub missing: Vec<MissingFile>,
    pub orphans: Vec<OrphanFile>,
    pub unreadable: Vec<UnreadableFile>,
}

/// What `repair` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StoreRepair {
    /// Orphan files now indexed (instance IDs).
    pub reindexed: Vec<String>,
    /// Rows dropped (instance IDs).
    pub dropped: Vec<String>,
    /// Orphan files left in place: their instance is already indexed with another file.
    pub duplicates: Vec<PathBuf>,
}

/// Whether `dir` holds at least one file, at any depth (stops at the first one).
pub fn holds_files(dir: &Path) -> bool {
    let mut any = false;
    walk_entries(dir, |_, _| {
        any = true;
        false
    });
    any
}

/// Every file under the storage (`incoming/` is settled by `Store::open` before this runs).
fn stored_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk_entries(root, |path, kind| {
        // Sockets, FIFOs, links: never stored by dicomq, never opened here. The storage's
        // identity is not a stored file either.
        let identity = path.parent() == Some(root)
            && path.file_name() == Some(crate::persist::storage_identity::FILE.as_ref());
        let shared_state =
            path.starts_with(root.join(crate::persist::storage_identity::SHARED_STATE));
        if kind.is_file() && !identity && !shared_state {
            out.push(path);
        }
        true
    });
    out.sort();
    out
}

/// Walks `root` without recursion, handing `found` every entry that is not a directory, until
/// it returns false. Unreadable directories are passed over.
fn walk_entries(root: &Path, mut found: impl FnMut(PathBuf, std::fs::FileType) -> bool) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) => {
                    if !found(e.path(), t) {
                        return;
                    }
                }
                Err(_) => {}
            }
        }
    }
}

fn read_header(path: &Path) -> std::result::Result<(ParsedHeader, u64), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let header = parse_header(BufReader::new(file))?;
    Ok((header, size))
}

impl Store {
    /// Compares the index with the storage; reads every stored file's header.
    pub fn check(&self) -> Result<StoreCheck> {
        let mut report = StoreCheck::default();
        let mut owned = std::collections::HashMap::new();
        for (id, rec) in self.index.list(Level::Instance)? {
            let Some(file) = rec.file else {
                report.missing.push(MissingFile {
                    instance: id,
                    file: PathBuf::new(),
                });
                continue;
            };
            let path = self.files.locate(&file.uuid);
            if path.is_file() {
                owned.insert(path, id);
            } else {
                report.missing.push(MissingFile {
                    instance: id,
                    file: path,
                });
            }
        }
        let files = stored_files(self.files.root());
        for path in files.into_iter().filter(|p| !self.files.is_spare(p)) {
            let instance = owned.get(&path).cloned();
            match read_header(&path) {
                Ok(_) if instance.is_some() => {}
                Ok((header, size)) => report.orphans.push(OrphanFile {
                    file: path,
                    header,
                    size,
                }),
                Err(reason) => report.unreadable.push(UnreadableFile {
                    file: path,
                    instance,
                    reason,
                }),
            }
        }
        Ok(report)
    }

    /// Indexes the orphans and drops the rows without files of `found`, in one committed
    /// transaction. An orphan outside the storage layout is first moved to a place of its own.
    pub fn repair(&self, found: &StoreCheck) -> Result<StoreRepair> {
        let mut adds = Vec::new();
        for o in &found.orphans {
            let uuid = match canonical_uuid(&self.files, &o.file) {
                Some(uuid) => uuid,
                None => {
                    let uuid = FileStorage::new_uuid();
                    let dest = self.files.path_of(&uuid);
                    if let Some(dir) = dest.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                    }
                    std::fs::rename(&o.file, &dest).map_err(|e| Error::io(&o.file, e))?;
                    uuid
                }
            };
            adds.push((o, uuid));
        }
        let news: Vec<NewInstance<'_>> = adds
            .iter()
            .map(|(o, uuid)| NewInstance {
                header: &o.header,
                file: StoredFile {
                    uuid: uuid.clone(),
                    size: o.size,
                    sop_class: o.header.sop_class.clone(),
                    transfer_syntax: o.header.transfer_syntax.clone(),
                    crc32: None,
                },
            })
            .collect();
        let drop: Vec<String> = found.missing.iter().map(|m| m.instance.clone()).collect();
        let indexed = self
            .index
            .repair(&news, &drop)
            .inspect_err(|e| self.note_broken(e))?;
        let mut done = StoreRepair {
            dropped: drop,
            ..StoreRepair::default()
        };
        for ((o, uuid), outcome) in adds.iter().zip(indexed) {
            match outcome {
                Indexed::Success => done.reindexed.push(o.header.ids.instance.clone()),
                Indexed::AlreadyStored => done.duplicates.push(self.files.path_of(uuid)),
                // `repair` keeps what is indexed.
                Indexed::Replaced { .. } => {
                    return Err(crate::error::Error::Internal(
                        "repair replaced an indexed instance".into(),
                    ));
                }
            }
        }
        Ok(done)
    }
}

/// The UUID of a file that sits where the storage puts the file of that UUID.
fn canonical_uuid(files: &FileStorage, path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let uuid = uuid::Uuid::parse_str(name).ok()?.to_string();
    (uuid == name && files.path_of(&uuid) == path).then_some(uuid)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use redb::Database;

    use super::*;
    use crate::metrics::Metrics;
    use crate::store::import::{ImportItem, ImportSource, ImportStatus};

    fn store_with(dir: &Path, n: u64) -> (Store, Vec<String>) {
        let db = Arc::new(Database::create(dir.join("index.redb")).expect("db"));
        let store =
            Store::open(db, dir.join("storage"), Arc::new(Metrics::default())).expect("open");
        let items = (0..n)
            .map(|i| {
                ImportItem::new(
                    format!("f{i}"),
                    ImportSource::Bytes(crate::testdata::small_instance(i, 2000)),
                )
            })
            .collect();
        let results = store.import(items, &mut |_| {}).expect("import");
        let ids = results
            .iter()
            .map(|r| {
                assert_eq!(r.status, ImportStatus::Success);
                r.ids.as_ref().expect("ids").instance.clone()
            })
            .collect();
        (store, ids)
    }

    /// Where the stored file of an instance is.
    fn file_of(store: &Store, id: &str) -> PathBuf {
        let rec = store.record(Level::Instance, id).expect("indexed");
        store.files.locate(&rec.file.expect("a file").uuid)
    }

    #[test]
    fn a_healthy_store_has_nothing_to_report() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = store_with(dir.path(), 3);
        let found = store.check().expect("check");
        assert!(found.missing.is_empty() && found.orphans.is_empty());
        assert!(found.unreadable.is_empty());
    }

    #[test]
    fn repair_reindexes_orphans_and_drops_rows_without_files_in_one_transaction() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, ids) = store_with(dir.path(), 4);
        // A row loses its file; a file loses its row (stored by hand, outside the layout too);
        // a stored file is overwritten with garbage.
        let gone = file_of(&store, &ids[0]);
        std::fs::remove_file(&gone).expect("rm");
        let garbage = file_of(&store, &ids[1]);
        std::fs::write(&garbage, b"not DICOM any more").expect("write");
        let orphan = store.files.path_of(&FileStorage::new_uuid());
        std::fs::create_dir_all(orphan.parent().expect("dir")).expect("mkdir");
        std::fs::write(&orphan, crate::testdata::small_instance(10, 2000)).expect("write");
        let stray = store.files.root().join("stray.dcm");
        std::fs::write(&stray, crate::testdata::small_instance(11, 2000)).expect("write");

        let found = store.check().expect("check");
        assert_eq!(
            found.missing,
            vec![MissingFile {
                instance: ids[0].clone(),
                file: gone.clone()
            }]
        );
        let mut orphans: Vec<&Path> = found.orphans.iter().map(|o| o.file.as_path()).collect();
        orphans.sort();
        let mut expected = vec![orphan.as_path(), stray.as_path()];
        expected.sort();
        assert_eq!(orphans, expected);
        assert_eq!(found.unreadable.len(), 1);
        assert_eq!(found.unreadable[0].file, garbage);
        assert_eq!(
            found.unreadable[0].instance.as_deref(),
            Some(ids[1].as_str())
        );

        let done = store.repair(&found).expect("repair");
        assert_eq!(done.dropped, vec![ids[0].clone()]);
        assert_eq!(done.reindexed.len(), 2);
        assert!(done.duplicates.is_empty());
        assert!(!store.index.contains(Level::Instance, &ids[0]).expect("get"));
        for id in &done.reindexed {
            let path = file_of(&store, id);
            assert!(path.is_file(), "{}", path.display());
        }
        assert!(!stray.exists(), "moved into the storage layout");
        let stats = store.index.statistics().expect("stats");
        assert_eq!(stats.instances, 5);
        // Only the unreadable file is left to report.
        let again = store.check().expect("check");
        assert!(again.missing.is_empty() && again.orphans.is_empty());
        assert_eq!(again.unreadable.len(), 1);
    }

    #[test]
    fn holds_files_looks_at_any_depth() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!holds_files(&dir.path().join("missing")));
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        assert!(!holds_files(dir.path()));
        std::fs::write(dir.path().join("a/b/f"), b"x").expect("write");
        assert!(holds_files(dir.path()));
    }
}
