//! The data home: where dicomq keeps its database, stored files, job outputs and socket.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `--home DIR` > `DICOMQ_HOME` > the platform data dir (e.g. `~/.local/share/dicomq`).
    /// The caller passes `DICOMQ_HOME` through clap's `env`, so only the default is resolved here.
    pub fn resolve(explicit: Option<&Path>) -> Result<Home> {
        let root = match explicit {
            Some(p) => p.to_path_buf(),
            None => directories::ProjectDirs::from("", "", "dicomq")
                .map(|d| d.data_dir().to_path_buf())
                .ok_or_else(|| Error::Home {
                    path: PathBuf::from("~"),
                    reason: "no home directory; pass --home or set DICOMQ_HOME".into(),
                })?,
        };
        Ok(Home { root })
    }

    pub fn at(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    /// Creates the home (mode 0700) and its sub-folders if needed.
    pub fn ensure(&self) -> Result<()> {
        let unusable = |e: std::io::Error| Error::Home {
            path: self.root.clone(),
            reason: e.to_string(),
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .map_err(unusable)?;
        for sub in [self.storage_dir(), self.outputs_dir()] {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&sub)
                .map_err(unusable)?;
        }
        // A home we cannot write to fails here, before anything is half-done.
        let meta = fs::metadata(&self.root).map_err(unusable)?;
        if meta.permissions().readonly() {
            return Err(Error::Home {
                path: self.root.clone(),
                reason: "not writable".into(),
            });
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn config_file(&self) -> PathBuf {
        self.root.join("config.json")
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("index.redb")
    }
    /// The job store's write-ahead journal (see `persist/redb/journal.rs`).
    pub fn jobs_journal(&self) -> PathBuf {
        self.root.join("jobs.journal")
    }
    /// The import journal of small imports (see `store/import_journal.rs`).
    pub fn imports_journal(&self) -> PathBuf {
        self.root.join("imports.journal")
    }
    /// Disk space kept for `rm` on a full disk (see `store::reserve`).
    pub fn space_reserve(&self) -> PathBuf {
        self.root.join("space.reserve")
    }
    pub fn storage_dir(&self) -> PathBuf {
        self.root.join("storage")
    }
    pub fn outputs_dir(&self) -> PathBuf {
        self.root.join("outputs")
    }
    /// The secret of consistent anonymization (`dicom/modify/key.rs`).
    pub fn anonymization_key(&self) -> PathBuf {
        self.root.join("anonymization.key")
    }
    pub fn socket(&self) -> PathBuf {
        self.root.join("daemon.sock")
    }
}

/// Restricts a file to its owner (used for the socket).
pub fn make_private(path: &Path) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| Error::io(path, e))
}
