//! What every `BlobStore` must do: staged blobs are listed as staged until published (and
//! readable meanwhile), recovery settles them, delete is idempotent, readers know their length.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::persist::blob_store::BlobStore;

/// Runs every check; `open` opens the store kept in a directory.
pub fn run(open: &dyn Fn(&Path) -> Arc<dyn BlobStore>) {
    staged_until_published(open);
    recovery_settles_what_is_staged(open);
    delete_is_idempotent(open);
    readers_know_length_and_label(open);
}

fn read_all(blobs: &dyn BlobStore, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    blobs
        .open(key)
        .expect("open")
        .read_to_end(&mut out)
        .expect("read");
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn staged_until_published(open: &dyn Fn(&Path) -> Arc<dyn BlobStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = open(dir.path());
    let keys = blobs.new_keys(3);
    assert_eq!(keys.len(), 3);
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(unique.len(), 3, "{keys:?}");
    assert!(blobs.staged().expect("staged").is_empty());
    blobs.stage(&keys[0], b"first").expect("stage");
    let n = blobs
        .stage_from(&keys[1], &mut &b"second blob"[..])
        .expect("stage_from");
    assert_eq!(n, 11);
    blobs.sync_staged(&[&keys[0], &keys[1]]).expect("sync");
    assert_eq!(
        sorted(blobs.staged().expect("staged")),
        sorted(keys[..2].to_vec())
    );
    // Between the index commit and its publication, a blob is read where it is.
    assert_eq!(read_all(blobs.as_ref(), &keys[0]), b"first");
    blobs.publish(&keys[0]).expect("publish");
    assert_eq!(blobs.staged().expect("staged"), vec![keys[1].clone()]);
    assert_eq!(read_all(blobs.as_ref(), &keys[0]), b"first");
    assert_eq!(read_all(blobs.as_ref(), &keys[1]), b"second blob");
    assert!(blobs.open(&keys[2]).is_err(), "never stored");
}

fn recovery_settles_what_is_staged(open: &dyn Fn(&Path) -> Arc<dyn BlobStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = {
        let blobs = open(dir.path());
        let keys = blobs.new_keys(2);
        blobs.stage(&keys[0], b"committed").expect("stage");
        blobs.stage(&keys[1], b"not committed").expect("stage");
        blobs.sync_staged(&[&keys[0], &keys[1]]).expect("sync");
        keys
        // A crash here: neither was published.
    };
    let blobs = open(dir.path());
    assert_eq!(
        sorted(blobs.staged().expect("staged")),
        sorted(keys.clone())
    );
    // What `Store::open` does: publish what the index owns, delete the rest.
    blobs.publish(&keys[0]).expect("publish");
    blobs.delete(&keys[1]).expect("delete");
    assert!(blobs.staged().expect("staged").is_empty());
    drop(blobs);
    let blobs = open(dir.path());
    assert!(blobs.staged().expect("staged").is_empty());
    assert_eq!(read_all(blobs.as_ref(), &keys[0]), b"committed");
    assert!(blobs.open(&keys[1]).is_err());
}

fn delete_is_idempotent(open: &dyn Fn(&Path) -> Arc<dyn BlobStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = open(dir.path());
    let keys = blobs.new_keys(2);
    blobs.stage(&keys[0], b"x").expect("stage");
    blobs.sync_staged(&[&keys[0]]).expect("sync");
    blobs.publish(&keys[0]).expect("publish");
    blobs.delete(&keys[0]).expect("delete");
    assert!(blobs.open(&keys[0]).is_err());
    blobs.delete(&keys[0]).expect("deleting twice is fine");
    blobs
        .delete(&keys[1])
        .expect("deleting what never was is fine");
    // A staged blob can be deleted too (a batch that failed).
    blobs.stage(&keys[1], b"y").expect("stage");
    blobs.delete(&keys[1]).expect("delete staged");
    assert!(blobs.staged().expect("staged").is_empty());
    assert!(blobs.open(&keys[1]).is_err());
}

fn readers_know_length_and_label(open: &dyn Fn(&Path) -> Arc<dyn BlobStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = open(dir.path());
    let key = blobs.new_keys(1).remove(0);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    blobs.stage(&key, &bytes).expect("stage");
    blobs.sync_staged(&[&key]).expect("sync");
    blobs.publish(&key).expect("publish");
    let mut r = blobs.open(&key).expect("open");
    assert_eq!(r.len(), bytes.len() as u64);
    assert!(!r.is_empty());
    assert!(r.label().display().contains(&key), "{}", r.label());
    assert_eq!(blobs.label(&key), *r.label());
    let mut head = [0u8; 4];
    r.read_exact(&mut head).expect("read");
    r.seek(SeekFrom::Start(65_536)).expect("seek");
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).expect("read");
    assert_eq!(rest, &bytes[65_536..]);
    let empty = blobs.new_keys(1).remove(0);
    blobs.stage(&empty, b"").expect("stage");
    let r = blobs.open(&empty).expect("open");
    assert!(r.is_empty());
}
