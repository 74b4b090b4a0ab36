//! The secret that keys consistent anonymization (`--consistent`, beyond Orthanc, issue 14):
//! with it instead of the job ID, the same source gives the same pseudonyms in every job. It
//! lives in the data home, made once from the system's random source, readable by its owner
//! only, and is never printed (an error names the file, not its content).

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Characters of the key: hex of two v4 UUIDs, 244 random bits.
const KEY_LEN: usize = 64;

/// The key at `path`, made first when absent. Made under a temporary name then linked into
/// place, so that two processes making it at once agree on one and no reader sees half of it.
pub fn load_or_create(path: &Path) -> Result<String> {
    if let Some(k) = read(path)? {
        return Ok(k);
    }
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(key.as_bytes())?;
            f.sync_all()
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path)?
            .ok_or_else(|| Error::Internal(format!("{}: vanished once made", path.display()))),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The key at `path`, `None` when there is none yet.
fn read(path: &Path) -> Result<Option<String>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let key = text.trim();
    if key.len() != KEY_LEN || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Invalid(format!(
            "{}: not an anonymization key ({KEY_LEN} hex digits); move it away to make a new one (earlier pseudonyms are then not given again)",
            path.display()
        )));
    }
    Ok(Some(key.to_string()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn made_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("anonymization.key");
        let a = load_or_create(&path).expect("made");
        assert_eq!(a.len(), KEY_LEN);
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(&path).expect("read"), a, "made once");
        assert_eq!(
            fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "no leftover"
        );
        fs::write(&path, "short").expect("write");
        let e = load_or_create(&path).expect_err("bad key");
        assert!(!e.to_string().contains("short"), "never printed: {e}");
    }
}
