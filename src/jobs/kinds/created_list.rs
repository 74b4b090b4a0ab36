//! The instances a bulk modification has created so far, one ID per line in
//! `HOME/outputs/<job>.created`, appended and synced by the step that stored each one.
//!
//! They used to ride in the checkpoint, which the engine writes with every step: N steps wrote
//! O(N²) bytes. Here each step appends one line. A step run again after a crash (its
//! checkpoint was not yet durable) appends the same ID again, as the new UIDs derive from the
//! job and the source: `load` keeps the first of each.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Appends `id`, durably (the name of a file created here too).
pub fn append(path: &Path, id: &str) -> Result<()> {
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.write_all(format!("{id}\n").as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| Error::io(path, e))?;
    if created && let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// The IDs in the order first appended; a missing file is an empty list. A torn last line (a
/// crash in the middle of a write that was never acknowledged) is skipped.
pub fn load(path: &Path) -> Result<Vec<String>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let complete = match text.iter().rposition(|b| *b == b'\n') {
        Some(end) => &text[..end],
        None => return Ok(Vec::new()),
    };
    let mut seen = HashSet::new();
    Ok(String::from_utf8_lossy(complete)
        .lines()
        .filter(|l| !l.is_empty() && seen.insert(l.to_string()))
        .map(str::to_string)
        .collect())
}

/// Deletes the list (the job ended, was discarded or starts again).
pub fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot delete {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_keep_the_first_of_each_and_skip_a_torn_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.created");
        assert!(load(&path).expect("missing").is_empty());
        append(&path, "a").expect("a");
        append(&path, "b").expect("b");
        append(&path, "a").expect("a again (a step run twice)");
        assert_eq!(load(&path).expect("load"), ["a", "b"]);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"c-torn"))
            .expect("torn");
        assert_eq!(load(&path).expect("load"), ["a", "b"]);
        remove(&path);
        assert!(!path.exists());
        remove(&path);
    }
}
