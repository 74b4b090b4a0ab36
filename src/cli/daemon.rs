//! `dicomq daemon`: run the daemon in the foreground (systemd or a terminal keeps it alive).

use std::time::Duration;

use clap::Args;

use super::Context;
use crate::daemon::{self, DaemonOptions};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Do not recover nor run jobs; the stored jobs are kept as they are
    #[arg(long)]
    pub no_jobs: bool,
}

pub fn run(ctx: &Context, args: DaemonArgs) -> Result<()> {
    let home = ctx.home()?;
    home.ensure()?;
    let config = ctx.config(&home)?;
    let out = ctx.out.clone();
    daemon::run(
        home,
        config,
        DaemonOptions {
            no_jobs: args.no_jobs,
            lock_timeout: Duration::from_secs_f64(ctx.global.lock_timeout.max(0.0)),
        },
        &mut |msg| out.note(msg),
    )
}
