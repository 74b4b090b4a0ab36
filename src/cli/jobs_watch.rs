//! Views that follow jobs: `jobs ls --watch` (the table redrawn in place until Ctrl-C) and
//! `jobs wait ID ID...` (one bar per job until all have ended).
//!
//! Cheap while nothing changes: between reads of the table, `--watch` asks only for the last
//! sequence number of the changes log (job submissions and ends are logged there, see
//! docs/ARCHITECTURE.md); the rows are read again when it moved, or while a job is pending or
//! running (its progress moves without a log entry).

use std::io::Write;
use std::time::{Duration, Instant};

use super::Context;
use super::interrupt;
use super::job_views::{fit, ls_table, terminal_height, terminal_width};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::jobs::{JobInfo, JobRow, JobState};

/// How often `--watch` looks for changes.
const WATCH_EVERY: Duration = Duration::from_millis(500);
/// How often a frame is built again when nothing changed (its relative times move).
const RENDER_EVERY: Duration = Duration::from_secs(1);
/// How often Ctrl-C is looked for while waiting.
const CTRL_C_EVERY: Duration = Duration::from_millis(50);
/// How often `jobs wait ID ID...` reads the jobs through a daemon.
const POLL_EVERY: Duration = Duration::from_millis(250);

fn active(rows: &[JobRow]) -> bool {
    rows.iter().any(|r| {
        matches!(
            r.state,
            JobState::Pending | JobState::Running | JobState::Retry
        )
    })
}

/// The changes log's last sequence number: one cheap request.
fn last_change(backend: &dyn Backend) -> Result<u64> {
    Ok(backend.changes(u64::MAX, 1)?.last)
}

/// Sleeps `d`, or exits 130 as soon as Ctrl-C is pressed.
fn sleep_or_exit(d: Duration) {
    let until = Instant::now() + d;
    loop {
        if interrupt::interrupted() {
            // The cursor is below the last frame: the prompt comes back on a clean line.
            interrupt::exit();
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(CTRL_C_EVERY));
    }
}

/// One frame: a headline (counts, what is shown) and the newest rows that fit `height`.
fn frame(ctx: &Context, rows: &[JobRow], keep: &dyn Fn(&JobState) -> bool) -> String {
    let (width, height) = if ctx.out.for_person() {
        (terminal_width(), terminal_height())
    } else {
        (120, usize::MAX)
    };
    let count = |s: JobState| rows.iter().filter(|r| r.state == s).count();
    let shown: Vec<&JobRow> = rows.iter().filter(|r| keep(&r.state)).collect();
    // The headline, the table's header and the cursor's line.
    let room = height.saturating_sub(3).max(1);
    let visible: Vec<JobRow> = shown[shown.len().saturating_sub(room)..]
        .iter()
        .map(|r| (*r).clone())
        .collect();
    let mut head = format!(
        "{} jobs: {} running, {} pending, {} paused, {} retrying, {} succeeded, {} failed",
        rows.len(),
        count(JobState::Running),
        count(JobState::Pending),
        count(JobState::Paused),
        count(JobState::Retry),
        count(JobState::Success),
        count(JobState::Failure),
    );
    if visible.len() < shown.len() {
        head.push_str(&format!(
            "; newest {} of {} shown",
            visible.len(),
            shown.len()
        ));
    }
    head.push_str(" (Ctrl-C quits)");
    let now = crate::jobs::model::now_us();
    format!(
        "{}\n{}",
        fit(&head, width),
        ls_table(&ctx.out, &visible, width, now)
    )
}

/// `jobs ls --watch`: redraws the table in place (a terminal) or prints each new table (a
/// pipe) until Ctrl-C, exit 130.
pub fn run(ctx: &Context, backend: &dyn Backend, keep: &dyn Fn(&JobState) -> bool) -> Result<()> {
    if ctx.out.json {
        return Err(Error::Invalid(
            "--watch draws a table: drop --json (scripts can poll `jobs ls --json`)".into(),
        ));
    }
    interrupt::catch();
    let in_place = ctx.out.for_person();
    let mut rows = backend.job_rows()?;
    let mut seen = last_change(backend)?;
    let mut drawn = String::new();
    let mut fresh = true;
    let mut rendered = Instant::now();
    loop {
        // A frame is built again when the rows were read again, or once a second for the
        // relative times; otherwise a tick costs one small request.
        if fresh || rendered.elapsed() >= RENDER_EVERY {
            let text = frame(ctx, &rows, keep);
            rendered = Instant::now();
            if text != drawn {
                draw(ctx, in_place, &drawn, &text)?;
                drawn = text;
            }
        }
        sleep_or_exit(WATCH_EVERY);
        let last = last_change(backend)?;
        fresh = last != seen || active(&rows);
        if fresh {
            rows = backend.job_rows()?;
            seen = last;
        }
    }
}

/// Replaces the frame drawn (`before`) by `text`: in place on a terminal (back to the first
/// line of the previous frame, each line overwritten and cleared to its end, whatever is left
/// below cleared: no flicker, no scrollback); appended otherwise.
fn draw(ctx: &Context, in_place: bool, before: &str, text: &str) -> Result<()> {
    let mut out = String::new();
    if in_place && !before.is_empty() {
        out.push_str(&format!("\x1b[{}F", before.lines().count()));
        for line in text.lines() {
            out.push_str(line);
            out.push_str("\x1b[K\n");
        }
        out.push_str("\x1b[J");
    } else {
        if !before.is_empty() {
            out.push('\n');
        }
        out.push_str(text);
    }
    ctx.out.data_painted(&out)
}

/// `jobs wait ID ID...`: every job to its end (or the timeout), one bar each on a terminal.
/// Through a daemon the jobs are read in turn a few times a second (Ctrl-C: exit 130); inline
/// each job runs in this process, one after the other.
pub fn wait_all(
    ctx: &Context,
    backend: &dyn Backend,
    ids: &[String],
    timeout: Option<Duration>,
) -> Result<Vec<JobInfo>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    // Full IDs first: a bad one fails before any wait.
    let mut infos = ids
        .iter()
        .map(|id| backend.job(id))
        .collect::<Result<Vec<_>>>()?;
    let full: Vec<String> = infos.iter().map(|j| j.id.clone()).collect();
    let bars = super::progress::JobBars::new(ctx.out.progress_allowed(), &full);
    if backend.is_remote() {
        interrupt::catch();
        loop {
            for (i, info) in infos.iter_mut().enumerate() {
                if !info.state.is_finished() {
                    *info = backend.job(&full[i])?;
                    if info.state.is_finished() {
                        bars.done(i, info);
                    } else {
                        bars.update(i, info);
                    }
                }
            }
            let over = left().is_some_and(|l| l.is_zero());
            if over || infos.iter().all(|j| j.state.is_finished()) {
                break;
            }
            let pause = left().map_or(POLL_EVERY, |l| l.min(POLL_EVERY));
            if interrupt::interrupted() {
                bars.finish();
                interrupt::exit();
            }
            std::thread::sleep(pause);
        }
    } else {
        for (i, id) in full.iter().enumerate() {
            infos[i] = backend.wait_job_watched(id, left(), &mut |j| {
                bars.update(i, j);
                true
            })?;
            bars.done(i, &infos[i]);
        }
    }
    bars.finish();
    let count = |s: JobState| infos.iter().filter(|j| j.state == s).count();
    let (ok, failed) = (count(JobState::Success), count(JobState::Failure));
    let other = infos.len() - ok - failed;
    let mut summary = format!("{} jobs: {ok} succeeded, {failed} failed", infos.len());
    if other > 0 {
        summary.push_str(&format!(", {other} not finished"));
    }
    ctx.out.note(&summary);
    let _ = std::io::stderr().flush();
    Ok(infos)
}
