//! Opening the files a user names (`store PATH`, the client side of a socket upload): regular
//! files only, opened without ever blocking, and read no further than the size they had when
//! opened.
//!
//! A FIFO blocks `open` until a writer comes, `/dev/zero` never ends, and a file that grows
//! while it is read (a log, another program writing) would be read for ever. So the file is
//! opened with `O_NONBLOCK` (no effect on a regular file; a FIFO swapped in after the walk looked
//! at it does not block), checked with `fstat` on the opened descriptor, and read through a
//! `take` of the size `fstat` reported.

use std::fs::{File, FileType};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// A regular file opened for reading, with its size when it was opened.
#[derive(Debug)]
pub struct InputFile {
    file: File,
    size: u64,
}

/// What a file that is not a regular file or a directory is, for messages.
pub fn kind_name(t: &FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The error for a file of the wrong type: `InvalidInput`, saying what it is.
fn not_regular(t: &FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", kind_name(t)),
    )
}

impl InputFile {
    /// Opens `path` if it is a regular file (symlinks followed); anything else is an
    /// `InvalidInput` error saying what it is, returned at once.
    pub fn open(path: &Path) -> io::Result<InputFile> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        let meta = file.metadata()?;
        if !meta.file_type().is_file() {
            return Err(not_regular(&meta.file_type()));
        }
        Ok(InputFile {
            file,
            size: meta.len(),
        })
    }

    /// The size the file had when it was opened: all that is ever read of it.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A reader of at most `size()` bytes.
    pub fn reader(self) -> io::Take<File> {
        let size = self.size;
        self.file.take(size)
    }

    /// The open file itself, for readers that seek (the DICOM scan); they bound what they read
    /// by `size()` or by what the file holds.
    pub fn into_file(self) -> File {
        self.file
    }

    /// Reads the file whole (at most `size()` bytes: a file that grows meanwhile is cut at the
    /// size it had when opened).
    pub fn read_all(self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        self.reader().read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// Reads a regular file whole, with the rules of [`InputFile`].
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    InputFile::open(path)?.read_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::{Duration, Instant};

    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL");
        // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    }

    #[test]
    fn a_fifo_without_writer_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        let started = Instant::now();
        let err = InputFile::open(&fifo).expect_err("a FIFO is refused");
        assert!(started.elapsed() < Duration::from_secs(2), "open blocked");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "not a regular file (a FIFO)");
    }

    #[test]
    fn devices_and_directories_are_refused() {
        let err = read_regular(Path::new("/dev/zero")).expect_err("a device is refused");
        assert_eq!(err.to_string(), "not a regular file (a character device)");
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_regular(dir.path()).expect_err("a directory is refused");
        assert_eq!(err.to_string(), "not a regular file (a directory)");
    }

    #[test]
    fn a_file_that_grows_after_open_is_read_up_to_its_size_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("growing");
        std::fs::write(&path, b"0123456789").expect("write");
        let input = InputFile::open(&path).expect("open");
        assert_eq!(input.size(), 10);
        let mut more = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("append");
        more.write_all(&[b'x'; 4096]).expect("grow");
        assert_eq!(input.read_all().expect("read"), b"0123456789");
    }
}
