//! Dynamic shell completion of job and resource IDs (clap_complete's engine, enabled by
//! `source <(COMPLETE=bash dicomq)`): the shell runs dicomq again at each TAB, and these
//! completers ask the running daemon, or the home inline, for the IDs that start with what was
//! typed. A completion never prints an error or waits: anything that fails gives no candidates.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;

use crate::backend::{Backend, ConnectOptions};
use crate::config::Config;
use crate::home::Home;
use crate::store::ids::Level;

/// At most this many candidates: a shell shows no more usefully.
const MAX_CANDIDATES: usize = 200;

/// The home the command line being completed names (`--home DIR`, `--home=DIR`), else
/// `DICOMQ_HOME`, else the default.
fn home() -> Option<Home> {
    let args: Vec<String> = std::env::args().collect();
    let given = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--home=")
            .map(PathBuf::from)
            .or_else(|| (a == "--home").then(|| args.get(i + 1).map(PathBuf::from))?)
    });
    let explicit = given.or_else(|| std::env::var_os("DICOMQ_HOME").map(PathBuf::from));
    let home = Home::resolve(explicit.as_deref()).ok()?;
    // Never create a home while completing.
    home.root().is_dir().then_some(home)
}

fn backend() -> Option<Box<dyn Backend>> {
    crate::backend::connect(ConnectOptions {
        home: home()?,
        config: Config::default(),
        lock_timeout: Duration::from_millis(200),
        on_wait: Box::new(|_| {}),
    })
    .ok()
}

fn prefix(current: &OsStr) -> String {
    current.to_string_lossy().into_owned()
}

/// Job IDs, with their type and state as help.
pub fn jobs(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = prefix(current);
    let Some(rows) = backend().and_then(|b| b.job_rows().ok()) else {
        return Vec::new();
    };
    rows.into_iter()
        .filter(|r| r.id.starts_with(&typed))
        .take(MAX_CANDIDATES)
        .map(|r| {
            let help = format!("{} {:?}", r.type_name, r.state);
            CompletionCandidate::new(r.id).help(Some(help.into()))
        })
        .collect()
}

/// Patient, study and series IDs, with a main tag as help. (Not instances: listing 100 000 of
/// them at every TAB would make the shell wait.)
pub fn resources(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = prefix(current);
    let Some(backend) = backend() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for level in [Level::Patient, Level::Study, Level::Series] {
        let Ok(views) = backend.list(level, None) else {
            continue;
        };
        for view in views {
            if out.len() >= MAX_CANDIDATES {
                return out;
            }
            if !view.id().starts_with(&typed) {
                continue;
            }
            let tag = match level {
                Level::Patient => "PatientName",
                Level::Study => "StudyDescription",
                _ => "SeriesDescription",
            };
            let label = view.main_tags().get(tag).cloned().unwrap_or_default();
            let help =
                crate::output::escape_controls(&format!("{} {label}", level.name())).into_owned();
            out.push(CompletionCandidate::new(view.id().to_string()).help(Some(help.into())));
        }
    }
    out
}
