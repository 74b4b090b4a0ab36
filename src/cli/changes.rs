//! `changes [--since N] [--limit N] [--follow]`: the changes log, for cron jobs and shell loops
//! (Orthanc's `GET /changes`).

use std::time::Duration;

use clap::Args;

use super::Context;
use crate::error::{Error, Result};
use crate::node::ChangesPage;
use crate::store::index::Change;

/// How often `--follow` asks again.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Only the changes after this one (the `Last` of a previous call)
    #[arg(long, default_value_t = 0)]
    pub since: u64,
    /// At most this many changes (1 to 10000)
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Keep printing new changes as they come (until interrupted)
    #[arg(long, short = 'f')]
    pub follow: bool,
}

pub fn run(ctx: &Context, a: ChangesArgs) -> Result<()> {
    if !a.follow {
        let page = ctx.backend()?.changes(a.since, a.limit)?;
        return if ctx.out.json {
            ctx.out.json_value(&page)
        } else {
            print_changes(ctx, &page.changes)
        };
    }
    let mut since = a.since;
    loop {
        // A fresh connection each time: inline, the database is not held between polls.
        let page: ChangesPage = ctx.backend()?.changes(since, a.limit)?;
        if ctx.out.json {
            for c in &page.changes {
                let line = serde_json::to_string(c)
                    .map_err(|e| Error::Internal(format!("change {}: {e}", c.seq)))?;
                ctx.out.data(&format!("{line}\n"))?;
            }
        } else {
            print_changes(ctx, &page.changes)?;
        }
        since = page.last.max(since);
        if page.done {
            std::thread::sleep(FOLLOW_EVERY);
        }
    }
}

/// One line per change: `SEQ TYPE LEVEL ID DATE`.
fn print_changes(ctx: &Context, changes: &[Change]) -> Result<()> {
    let mut text = String::new();
    for c in changes {
        text.push_str(&format!(
            "{} {:?} {} {} {}\n",
            c.seq,
            c.change_type,
            c.resource_type.name(),
            c.id,
            c.date
        ));
    }
    ctx.out.data(&text)
}
