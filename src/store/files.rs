//! The stored files: the file implementation of `BlobStore`, in src/persist/fs_blob_store.rs.

pub use crate::persist::fs_blob_store::{FileStorage, StorageReader};
