//! `check [--repair]`: compares the index with the stored files and the job outputs.
//!
//! Runs inline only: it needs the database to itself, and it must work on a home whose
//! database is missing or empty (which the daemon refuses to open), so a running daemon is
//! refused with a hint instead of being asked.

use std::time::Duration;

use clap::Args;

use super::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::node::{CheckView, Node, database_lost, retry_while_busy};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Index the stored files that have no row, drop the rows whose file is gone (one
    /// transaction), and delete the outputs of jobs that no longer exist
    #[arg(long)]
    pub repair: bool,
}

pub fn run(ctx: &Context, args: CheckArgs) -> Result<()> {
    let home = ctx.home()?;
    home.ensure()?;
    let socket = home.socket();
    if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
        return Err(Error::Remote {
            kind: ErrorKind::Unavailable,
            message: format!(
                "dicomq check needs the database to itself, but a daemon answers on {}",
                socket.display()
            ),
            hint: Some(
                "stop the daemon (SIGTERM, or systemctl stop dicomq), run dicomq check, then start it again"
                    .into(),
            ),
        });
    }
    let config = ctx.config(&home)?;
    let out = ctx.out.clone();
    let db = home.database();
    let storage = config
        .storage_directory
        .clone()
        .unwrap_or_else(|| home.storage_dir());
    // A check without --repair leaves a lost database as it found it (missing or empty), so
    // that other commands keep refusing it: only --repair turns it into an index.
    let lost = (!args.repair && database_lost(&db, &storage)).then(|| db.exists());
    let node = retry_while_busy(
        &db,
        Duration::from_secs_f64(ctx.global.lock_timeout.max(0.0)),
        &mut |msg| out.note(msg),
        || Node::open_for_repair(home.clone(), config.clone()),
    )?;
    let view = node.check(args.repair);
    drop(node);
    if let Some(existed) = lost {
        let restored = if existed {
            std::fs::File::create(&db).map(drop)
        } else {
            std::fs::remove_file(&db)
        };
        restored.map_err(|e| Error::io(&db, e))?;
    }
    let view = view?;
    if ctx.out.json {
        ctx.out.json_value(&view)?;
    } else {
        ctx.out.data(&render(&view))?;
    }
    match view.remaining() {
        0 => Ok(()),
        problems => Err(Error::CheckFailed {
            problems,
            repaired: view.repaired.is_some(),
        }),
    }
}

/// The summary, then one line per problem and per repair (tab-separated, for scripts).
fn render(v: &CheckView) -> String {
    let mut s = String::new();
    let mut line = |parts: &[&str]| {
        let fields: Vec<String> = parts.iter().map(|p| visible(p)).collect();
        s.push_str(&fields.join("\t"));
        s.push('\n');
    };
    line(&[
        "rows without files",
        &v.rows_without_files.len().to_string(),
    ]);
    line(&[
        "files without rows",
        &v.files_without_rows.len().to_string(),
    ]);
    line(&["unreadable files", &v.unreadable_files.len().to_string()]);
    line(&["dead job outputs", &v.dead_job_outputs.len().to_string()]);
    for m in &v.rows_without_files {
        line(&["row without file", &m.instance, &m.file]);
    }
    for o in &v.files_without_rows {
        line(&["file without row", &o.file, &o.instance]);
    }
    for u in &v.unreadable_files {
        line(&["unreadable file", &u.file, &u.reason]);
    }
    for p in &v.dead_job_outputs {
        line(&["dead job output", p]);
    }
    if let Some(r) = &v.repaired {
        for id in &r.reindexed {
            line(&["reindexed", id]);
        }
        for id in &r.dropped_rows {
            line(&["dropped row", id]);
        }
        for p in &r.removed_outputs {
            line(&["removed output", p]);
        }
        for p in &r.duplicates {
            line(&["duplicate left in place", p]);
        }
        line(&[&format!(
            "repaired: {} file(s) reindexed, {} row(s) dropped, {} job output(s) removed",
            r.reindexed.len(),
            r.dropped_rows.len(),
            r.removed_outputs.len()
        )]);
    }
    s
}

/// A field with its control characters escaped: a file name or a parse error never reaches the
/// terminal raw, nor breaks the tab-separated columns.
fn visible(field: &str) -> String {
    field
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_names_are_escaped() {
        assert_eq!(visible("a\x1b]0;x\x07\tb"), "a\\u{1b}]0;x\\u{7}\\tb");
        assert_eq!(visible("storage/ab/cd/é"), "storage/ab/cd/é");
    }
}
