//! `dicomq check [--repair]` on a Node: the store's check, plus the job outputs whose job no
//! longer exists; and the JSON view of both (a wire format, like every `--json` output).

use serde::Serialize;

use super::Node;
use crate::error::Result;
use crate::store::check::{StoreCheck, StoreRepair};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MissingFileView {
    pub instance: String,
    pub file: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct OrphanFileView {
    pub file: String,
    pub instance: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct UnreadableFileView {
    pub file: String,
    /// The instance whose row points at it, if any.
    pub instance: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RepairView {
    /// Instances indexed from files that had no row.
    pub reindexed: Vec<String>,
    /// Instances whose row was dropped because their file is gone.
    pub dropped_rows: Vec<String>,
    /// Job outputs deleted because their job no longer exists.
    pub removed_outputs: Vec<String>,
    /// Files left in place: their instance is indexed with another file.
    pub duplicates: Vec<String>,
}

/// What `dicomq check` found, and what `--repair` did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CheckView {
    pub rows_without_files: Vec<MissingFileView>,
    pub files_without_rows: Vec<OrphanFileView>,
    pub unreadable_files: Vec<UnreadableFileView>,
    pub dead_job_outputs: Vec<String>,
    pub repaired: Option<RepairView>,
}

impl CheckView {
    /// Problems found by the check (before any repair).
    pub fn problems(&self) -> usize {
        self.rows_without_files.len()
            + self.files_without_rows.len()
            + self.unreadable_files.len()
            + self.dead_job_outputs.len()
    }

    /// Problems still there: all of them without `--repair`; with it, what it cannot fix
    /// (unreadable files, duplicates).
    pub fn remaining(&self) -> usize {
        match &self.repaired {
            None => self.problems(),
            Some(r) => self.unreadable_files.len() + r.duplicates.len(),
        }
    }
}

fn shown(p: &std::path::Path) -> String {
    p.display().to_string()
}

impl Node {
    /// Compares the index with the storage and the job outputs; with `repair`, indexes the
    /// orphan files and drops the rows without files (one transaction), then deletes the dead
    /// job outputs.
    pub fn check(&self, repair: bool) -> Result<CheckView> {
        let found: StoreCheck = self.store.check()?;
        let dead = self.outputs.dead(|id| self.jobs.exists(id));
        let mut view = CheckView {
            rows_without_files: found
                .missing
                .iter()
                .map(|m| MissingFileView {
                    instance: m.instance.clone(),
                    file: shown(&m.file),
                })
                .collect(),
            files_without_rows: found
                .orphans
                .iter()
                .map(|o| OrphanFileView {
                    file: shown(&o.file),
                    instance: o.header.ids.instance.clone(),
                })
                .collect(),
            unreadable_files: found
                .unreadable
                .iter()
                .map(|u| UnreadableFileView {
                    file: shown(&u.file),
                    instance: u.instance.clone(),
                    reason: u.reason.clone(),
                })
                .collect(),
            dead_job_outputs: dead.iter().map(|p| shown(p)).collect(),
            repaired: None,
        };
        if !repair {
            return Ok(view);
        }
        let done: StoreRepair = if found.missing.is_empty() && found.orphans.is_empty() {
            StoreRepair::default()
        } else {
            self.store.repair(&found)?
        };
        let mut removed = Vec::new();
        for p in &dead {
            match std::fs::remove_file(p) {
                Ok(()) => removed.push(shown(p)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => removed.push(shown(p)),
                Err(e) => tracing::warn!("cannot delete {}: {e}", p.display()),
            }
        }
        view.repaired = Some(RepairView {
            reindexed: done.reindexed,
            dropped_rows: done.dropped,
            removed_outputs: removed,
            duplicates: done.duplicates.iter().map(|p| shown(p)).collect(),
        });
        Ok(view)
    }
}
