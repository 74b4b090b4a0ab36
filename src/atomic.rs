//! Writing a file so that its destination never holds a partial file: a temporary in the same
//! directory, synced, then renamed over the destination.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes whatever `fill` produces to `dest` atomically; on error nothing is left behind.
pub fn write_with(dest: &Path, fill: impl FnOnce(&mut File) -> std::io::Result<()>) -> Result<()> {
    if dest.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: is a directory",
            dest.display()
        )));
    }
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: directory {} does not exist",
            dest.display(),
            dir.display()
        )));
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = File::create(&temp)?;
        fill(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        fs::rename(&temp, dest)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(dest, e));
    }
    Ok(())
}

pub fn write(dest: &Path, bytes: &[u8]) -> Result<()> {
    write_with(dest, |f| f.write_all(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_directory_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("nope/out.dcm");
        let e = super::write(&dest, b"x").expect_err("missing dir");
        assert!(e.to_string().contains("does not exist"), "{e}");
        super::write(&dir.path().join("ok.bin"), b"abc").expect("write");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ok.bin")]);
    }
}
