//! Writing a file so that its destination never holds a partial file: a temporary in the same
//! directory, synced, then renamed over the destination.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Checks that `dest` can be written by [`write_with`]: not a directory, in an existing one.
/// Returns that directory.
pub fn check_destination(dest: &Path) -> Result<std::path::PathBuf> {
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
    Ok(dir)
}

/// Writes whatever `fill` produces to `dest` atomically; on error nothing is left behind.
pub fn write_with(dest: &Path, fill: impl FnOnce(&mut File) -> std::io::Result<()>) -> Result<()> {
    let dir = check_destination(dest)?;
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

/// Moves the (synced) file `src` to `dest` atomically: a rename when both are on the same
/// filesystem, else an atomic copy and then `src` is deleted.
pub fn move_file(src: &Path, dest: &Path) -> Result<()> {
    check_destination(dest)?;
    match fs::rename(src, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            copy_file(src, dest)?;
            fs::remove_file(src).map_err(|e| Error::io(src, e))
        }
        Err(e) => Err(Error::io(dest, e)),
    }
}

/// Copies `src` to `dest` atomically.
pub fn copy_file(src: &Path, dest: &Path) -> Result<()> {
    let mut from = File::open(src).map_err(|e| Error::io(src, e))?;
    write_with(dest, |f| std::io::copy(&mut from, f).map(|_| ()))
}

/// Creates `path` as `size` bytes of zeros, durably: written (not just allocated, so that later
/// overwrites in place change no extent state: a journal's `fdatasync` then flushes data only),
/// synced, renamed into place, its directory synced. A failure (a full disk) leaves nothing.
pub fn create_zeroed(path: &Path, size: u64) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = std::path::PathBuf::from(tmp);
    let written = File::create(&tmp).and_then(|file| {
        write_zeros(&file, 0, size)?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Writes zeros over `from..to` of `file`.
pub fn write_zeros(file: &File, from: u64, to: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let chunk = vec![0u8; 256 << 10];
    let mut at = from;
    while at < to {
        let n = (to - at).min(chunk.len() as u64) as usize;
        file.write_all_at(&chunk[..n], at)?;
        at += n as u64;
    }
    Ok(())
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
