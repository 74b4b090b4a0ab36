//! `dicomq store PATH...`: import files and folders.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::store::import::{ImportItem, ImportResult, ImportSource, ImportStatus};

#[derive(Debug, Args)]
#[command(
    after_help = "On a terminal: a progress bar, the files that failed and a one-line \
summary (-v lists every file). Piped: one line per stored file (ID, status, path)."
)]
pub struct StoreArgs {
    /// DICOM files or folders (searched recursively; symlinks are followed, loops detected)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// One line of `store --json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StoreResultView<'a> {
    path: &'a str,
    status: ImportStatus,
    #[serde(rename = "ID")]
    id: Option<&'a str>,
    error: Option<&'a str>,
}

/// A file to import, or a path that could not be walked.
enum Found {
    File(PathBuf),
    Unreadable(PathBuf, String),
}

/// Walks the paths depth-first in name order; a directory seen twice (a symlink loop) is
/// skipped with a warning. Only regular files are imported: anything else (a FIFO, a device, a
/// socket) is skipped with a warning inside a folder, and is an error when named.
fn collect(paths: &[PathBuf], warn: &dyn Fn(&str)) -> Vec<Found> {
    let mut out = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        walk(p, true, &mut seen_dirs, &mut out, warn);
    }
    out
}

fn walk(
    path: &Path,
    named: bool,
    seen: &mut HashSet<(u64, u64)>,
    out: &mut Vec<Found>,
    warn: &dyn Fn(&str),
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            out.push(Found::Unreadable(path.to_path_buf(), e.to_string()));
            return;
        }
    };
    if meta.is_file() {
        out.push(Found::File(path.to_path_buf()));
        return;
    }
    if !meta.is_dir() {
        let kind = crate::input_file::kind_name(&meta.file_type());
        if named {
            out.push(Found::Unreadable(
                path.to_path_buf(),
                format!("not a regular file ({kind})"),
            ));
        } else {
            warn(&format!("{}: skipped, {kind}", path.display()));
        }
        return;
    }
    if !seen.insert((meta.dev(), meta.ino())) {
        warn(&format!(
            "{}: already visited (symlink loop), skipped",
            path.display()
        ));
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            out.push(Found::Unreadable(path.to_path_buf(), e.to_string()));
            return;
        }
    };
    entries.sort();
    for e in entries {
        walk(&e, false, seen, out, warn);
    }
}

pub fn run(ctx: &Context, args: StoreArgs) -> Result<()> {
    let started = Instant::now();
    let out = &ctx.out;
    let found = collect(&args.paths, &|m| out.warn(m));
    let mut results: Vec<ImportResult> = Vec::new();
    let mut items = Vec::new();
    for f in found {
        match f {
            Found::File(p) => items.push(ImportItem::new(
                p.display().to_string(),
                ImportSource::Path(p),
            )),
            Found::Unreadable(p, e) => results.push(ImportResult {
                label: p.display().to_string(),
                status: ImportStatus::Error,
                ids: None,
                error: Some(format!("cannot read: {e}")),
            }),
        }
    }
    let total = items.len() + results.len();
    let backend = ctx.backend()?;
    let bar = super::progress::FilesBar::new(out.progress_allowed() && total > 1, total as u64);
    let stored = backend.store(items, &mut |_r| bar.inc())?;
    bar.finish();
    results.extend(stored);

    let count = |s: ImportStatus| results.iter().filter(|r| r.status == s).count();
    let (ok, already, failed) = (
        count(ImportStatus::Success),
        count(ImportStatus::AlreadyStored),
        count(ImportStatus::Error),
    );
    for r in results.iter().filter(|r| r.status == ImportStatus::Error) {
        out.error_line(&format!(
            "{}: {}",
            r.label,
            r.error.as_deref().unwrap_or("failed")
        ));
    }
    if out.json {
        let views: Vec<StoreResultView> = results
            .iter()
            .map(|r| StoreResultView {
                path: &r.label,
                status: r.status,
                id: r.ids.as_ref().map(|i| i.instance.as_str()),
                error: r.error.as_deref(),
            })
            .collect();
        out.json_value(&views)?;
    } else if !out.for_person() || ctx.global.verbose > 0 {
        // A person sees the failures and the summary; scripts (and -v) every stored file.
        let mut text = String::new();
        for r in &results {
            if let (ImportStatus::Success | ImportStatus::AlreadyStored, Some(ids)) =
                (r.status, &r.ids)
            {
                let label = crate::output::escape_controls(&r.label);
                text.push_str(&format!("{}\t{:?}\t{label}\n", ids.instance, r.status));
            }
        }
        out.data(&text)?;
    }
    out.note(&format!(
        "stored {ok}, already stored {already}, failed {failed} ({} files in {:.2} s)",
        results.len(),
        started.elapsed().as_secs_f64()
    ));
    if failed > 0 {
        return Err(Error::Invalid(format!(
            "{failed} of {} file(s) could not be stored",
            results.len()
        )));
    }
    Ok(())
}
