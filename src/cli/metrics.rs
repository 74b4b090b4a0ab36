//! `metrics [--textfile FILE]` and `metrics enable|disable|status`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::error::Result;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MetricsArgs {
    /// Write the exposition to FILE atomically (for node_exporter's textfile collector)
    /// instead of stdout
    #[arg(long, value_name = "FILE")]
    pub textfile: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Option<MetricsAction>,
}

#[derive(Debug, Subcommand)]
pub enum MetricsAction {
    /// Collect and export metrics (kept across restarts; overrides MetricsEnabled)
    Enable,
    /// Stop collecting; the exposition becomes empty, as Orthanc's (kept across restarts)
    Disable,
    /// Print whether metrics are enabled
    Status,
}

/// `metrics status --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct StatusView {
    enabled: bool,
    /// `setting` (metrics enable|disable) or `config` (MetricsEnabled, the default).
    source: &'static str,
}

pub fn run(ctx: &Context, args: MetricsArgs) -> Result<()> {
    let backend = ctx.backend()?;
    let out = &ctx.out;
    match args.action {
        None => {
            let text = backend.metrics_text()?;
            match args.textfile {
                Some(path) => crate::atomic::write(&path, text.as_bytes()),
                None => out.data(&text),
            }
        }
        Some(action @ (MetricsAction::Enable | MetricsAction::Disable)) => {
            let enabled = matches!(action, MetricsAction::Enable);
            backend.set_metrics_enabled(enabled)?;
            out.note(if enabled {
                "metrics enabled"
            } else {
                "metrics disabled"
            });
            Ok(())
        }
        Some(MetricsAction::Status) => {
            let switch = backend.metrics_switch()?;
            if out.json {
                return out.json_value(&StatusView {
                    enabled: switch.enabled,
                    source: if switch.recorded { "setting" } else { "config" },
                });
            }
            out.data(if switch.enabled {
                "enabled\n"
            } else {
                "disabled\n"
            })
        }
    }
}
