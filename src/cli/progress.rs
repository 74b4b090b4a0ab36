//! Progress bars on stderr for a person at a terminal (`Output::progress_allowed`): files
//! stored, and jobs by their progress. Redrawn by a steady tick, so a bar moves at least five
//! times a second whatever the work reports; never drawn for scripts.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::jobs::JobInfo;

/// How often the bar is redrawn (indicatif caps drawing at 20 a second).
const TICK: Duration = Duration::from_millis(100);

/// A bar drawing on `target` (hidden for a bar that a MultiProgress draws: drawn on its own
/// first, it would leave lines behind).
fn bar_with(len: u64, template: &str, target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), target);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Files imported: count, rate, ETA.
pub struct FilesBar(Option<ProgressBar>);

impl FilesBar {
    pub fn new(allowed: bool, total: u64) -> Self {
        FilesBar(allowed.then(|| {
            let bar = bar_with(
                total,
                "{spinner} [{bar:30}] {pos}/{len} files  {per_sec:.0}  ETA {eta}  {elapsed}",
                ProgressDrawTarget::stderr(),
            );
            bar.enable_steady_tick(TICK);
            bar
        }))
    }

    pub fn inc(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }

    /// Removes the bar: the summary line takes its place.
    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}

const JOB_TEMPLATE: &str = "{spinner} {prefix} [{bar:30}] {pos:>3}%  {msg}  ETA {eta}  {elapsed}";

fn job_bar(prefix: String, target: ProgressDrawTarget) -> ProgressBar {
    let bar = bar_with(100, JOB_TEMPLATE, target);
    bar.set_prefix(prefix);
    bar
}

fn show_job(bar: &ProgressBar, job: &JobInfo) {
    bar.set_position(u64::from(job.progress.min(100)));
    bar.set_message(format!("{} {}", job.type_name, job.state.as_str()));
}

/// One job's progress (a synchronous job command, `jobs wait ID`).
pub struct JobBar(Option<ProgressBar>);

impl JobBar {
    pub fn new(allowed: bool) -> Self {
        JobBar(allowed.then(|| {
            let bar = job_bar(String::new(), ProgressDrawTarget::stderr());
            bar.enable_steady_tick(TICK);
            bar
        }))
    }

    pub fn update(&self, job: &JobInfo) {
        if let Some(b) = &self.0 {
            if b.prefix().is_empty() {
                b.set_prefix(short_id(&job.id));
            }
            show_job(b, job);
        }
    }

    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}

/// Several jobs, one line each, redrawn in place (`jobs wait ID ID...`).
pub struct JobBars {
    multi: Option<MultiProgress>,
    bars: Vec<ProgressBar>,
}

impl JobBars {
    pub fn new(allowed: bool, ids: &[String]) -> Self {
        if !allowed {
            return JobBars {
                multi: None,
                bars: Vec::new(),
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let bars = ids
            .iter()
            .map(|id| {
                let bar = multi.add(job_bar(short_id(id), ProgressDrawTarget::hidden()));
                bar.enable_steady_tick(TICK);
                bar
            })
            .collect();
        JobBars {
            multi: Some(multi),
            bars,
        }
    }

    pub fn update(&self, index: usize, job: &JobInfo) {
        if let Some(b) = self.bars.get(index) {
            show_job(b, job);
        }
    }

    /// A finished job's line stays, frozen, until all are done.
    pub fn done(&self, index: usize, job: &JobInfo) {
        if let Some(b) = self.bars.get(index) {
            show_job(b, job);
            b.abandon();
        }
    }

    pub fn finish(self) {
        if let Some(multi) = self.multi {
            for b in &self.bars {
                b.finish_and_clear();
            }
            let _ = multi.clear();
        }
    }
}

fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}
