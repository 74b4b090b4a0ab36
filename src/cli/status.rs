//! `dicomq status`: is the daemon up (pid, since when, version, socket, HTTP and DICOM
//! addresses), jobs by state, store counts and sizes, free space, config file, metrics. Exit 0
//! when a daemon answers, 3 when none does (after printing what the home tells inline).
//!
//! `--json` fields are stable (documented in README.md, "dicomq status"): new ones may be
//! added, none renamed or removed.

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::node::NodeStatus;
use crate::protocol::DaemonFacts;

#[derive(Debug, Args)]
pub struct StatusArgs {}

#[derive(Serialize)]
struct StatusView {
    /// This binary's version.
    version: &'static str,
    home: String,
    /// The config file read (None: defaults, no file).
    config: Option<String>,
    daemon: DaemonView,
    /// None when the home could not be read (the error is on stderr).
    metrics_enabled: Option<bool>,
    free_bytes: Option<u64>,
    store: Option<StoreView>,
    jobs: Option<std::collections::BTreeMap<String, u64>>,
}

#[derive(Serialize)]
struct DaemonView {
    running: bool,
    socket: String,
    pid: Option<u32>,
    /// RFC 3339, UTC.
    started: Option<String>,
    uptime_seconds: Option<u64>,
    version: Option<String>,
    http: Option<String>,
    dicom: Option<String>,
    jobs_enabled: Option<bool>,
}

#[derive(Serialize)]
struct StoreView {
    patients: u64,
    studies: u64,
    series: u64,
    instances: u64,
    disk_size: u64,
    uncompressed_size: u64,
}

pub fn run(ctx: &Context, _args: StatusArgs) -> Result<()> {
    let home = ctx.home()?;
    let config = match &ctx.global.config {
        Some(p) => Some(p.clone()),
        None => Some(home.config_file()).filter(|p| p.is_file()),
    };
    let socket = home.socket();
    // Inline when no daemon answers: the home's counters (a daemon is not needed to count).
    let answer = ctx.backend().and_then(|b| b.status());
    let (node, facts, problem) = match answer {
        Ok((node, facts)) => (Some(node), facts, None),
        Err(e) => (None, None, Some(e)),
    };
    let now = crate::jobs::model::now_us();
    let view = StatusView {
        version: env!("CARGO_PKG_VERSION"),
        home: home.root().display().to_string(),
        config: config.map(|p| p.display().to_string()),
        daemon: daemon_view(&socket, facts.as_ref(), node.as_ref(), now),
        metrics_enabled: node.as_ref().map(|n| n.metrics_enabled),
        free_bytes: node.as_ref().map_or_else(
            || crate::store::reserve::available_bytes(home.root()),
            |n| n.free_bytes,
        ),
        store: node.as_ref().map(|n| StoreView {
            patients: n.store.patients,
            studies: n.store.studies,
            series: n.store.series,
            instances: n.store.instances,
            disk_size: n.store.disk_size,
            uncompressed_size: n.store.uncompressed_size,
        }),
        jobs: node.as_ref().map(|n| n.jobs.clone()),
    };
    if ctx.out.json {
        ctx.out.json_value(&view)?;
    } else {
        ctx.out
            .data_painted(&render(ctx, &view, facts.as_ref(), now))?;
    }
    if let Some(e) = problem {
        ctx.out.error_line(&e.to_string());
    }
    if facts.is_some() {
        return Ok(());
    }
    Err(Error::Remote {
        kind: ErrorKind::Unavailable,
        message: format!("no daemon answers on {}", socket.display()),
        hint: Some("start one with `dicomq daemon` (or `systemctl start dicomq`)".into()),
    })
}

fn daemon_view(
    socket: &std::path::Path,
    facts: Option<&DaemonFacts>,
    node: Option<&NodeStatus>,
    now: i64,
) -> DaemonView {
    DaemonView {
        running: facts.is_some(),
        socket: socket.display().to_string(),
        pid: facts.map(|f| f.pid),
        started: facts.and_then(|f| {
            chrono::DateTime::from_timestamp_micros(f.started_us)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }),
        uptime_seconds: facts.map(|f| (now.saturating_sub(f.started_us) / 1_000_000).max(0) as u64),
        version: facts.map(|f| f.version.clone()),
        http: facts.and_then(|f| f.http.clone()),
        dicom: facts.and_then(|f| f.dicom.clone()),
        jobs_enabled: facts.and(node.and_then(|n| n.jobs_enabled)),
    }
}

/// The readable view: a headline, then one aligned line per fact. Paths and addresses are
/// escaped here; the only escape sequences left are colours.
fn render(ctx: &Context, v: &StatusView, facts: Option<&DaemonFacts>, now: i64) -> String {
    let out = &ctx.out;
    let esc = |s: &str| crate::output::escape_controls(s).into_owned();
    let mut lines: Vec<(&str, String)> = Vec::new();
    let head = match facts {
        Some(f) => format!(
            "{} dicomq daemon {} (pid {}, version {})",
            out.paint_stdout("●", "32"),
            out.paint_stdout("running", "1;32"),
            f.pid,
            esc(&f.version)
        ),
        None => format!(
            "{} dicomq daemon {} (this view was read inline)",
            out.paint_stdout("○", "31"),
            out.paint_stdout("not running", "1;31"),
        ),
    };
    if let Some(f) = facts {
        lines.push((
            "since",
            format!(
                "{} ({})",
                crate::output::local_time(f.started_us),
                crate::output::ago(f.started_us, now)
            ),
        ));
    }
    lines.push(("socket", esc(&v.daemon.socket)));
    if facts.is_some() {
        lines.push(("HTTP", v.daemon.http.as_deref().map_or("off".into(), esc)));
        lines.push(("DICOM", v.daemon.dicom.as_deref().map_or("off".into(), esc)));
        if v.daemon.jobs_enabled == Some(false) {
            lines.push(("workers", "off (--no-jobs): jobs are kept, not run".into()));
        }
    }
    let free = v
        .free_bytes
        .map(|b| format!(" ({} free)", crate::output::human_bytes(b)))
        .unwrap_or_default();
    lines.push(("home", format!("{}{free}", esc(&v.home))));
    lines.push((
        "config",
        v.config.as_deref().map_or("none (defaults)".into(), esc),
    ));
    if let Some(m) = v.metrics_enabled {
        lines.push(("metrics", if m { "on" } else { "off" }.into()));
    }
    if let Some(s) = &v.store {
        lines.push((
            "store",
            format!(
                "{} patients, {} studies, {} series, {} instances; {} on disk ({} uncompressed)",
                s.patients,
                s.studies,
                s.series,
                s.instances,
                crate::output::human_bytes(s.disk_size),
                crate::output::human_bytes(s.uncompressed_size)
            ),
        ));
    }
    if let Some(jobs) = &v.jobs {
        let n = |s: &str| jobs.get(s).copied().unwrap_or(0);
        let failed = format!("{} failed", n("Failure"));
        let failed = if n("Failure") > 0 {
            out.paint_stdout(&failed, "31")
        } else {
            failed
        };
        lines.push((
            "jobs",
            format!(
                "{} running, {} pending, {} paused, {} retrying; {} succeeded, {failed}",
                n("Running"),
                n("Pending"),
                n("Paused"),
                n("Retry"),
                n("Success"),
            ),
        ));
    }
    let mut text = format!("{head}\n");
    for (label, value) in lines {
        text.push_str(&format!("  {label:<8} {value}\n"));
    }
    text
}
