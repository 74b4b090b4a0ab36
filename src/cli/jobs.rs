//! `jobs ls|show|wait|cancel|pause|resume|resubmit|output` and the hidden `debug sleep-job`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};

use super::Context;
use crate::backend::OutputDest;
use crate::error::{Error, Result};
use crate::jobs::{Action, JobInfo, JobSpec, JobState, SleepParams};
use crate::node::JobRequest;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Table of jobs (--json: Orthanc's /jobs?expand)
    Ls {
        /// Only jobs in these states (Pending, Running, Success, Failure, Paused, Retry)
        #[arg(long = "state", value_name = "S")]
        states: Vec<String>,
        /// Refresh the table in place until Ctrl-C (exit 130)
        #[arg(long, short = 'w')]
        watch: bool,
    },
    /// One job: a readable block on a terminal; Orthanc's GET /jobs/{id} when piped or --json
    Show {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
    },
    /// Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)
    Wait {
        #[arg(required = true, value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        ids: Vec<String>,
        /// Give up after this many seconds (exit 1, the job goes on)
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
    },
    /// Cancel a job (it ends in Failure)
    Cancel {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
    },
    /// Pause a job at its next step boundary
    Pause {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
    },
    /// Resume a paused job
    Resume {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
    },
    /// Run a failed job again
    Resubmit {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
    },
    /// Fetch a finished job's output (an archive); stdout when no -o and stdout is not a terminal
    Output {
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::jobs))]
        id: String,
        /// Where to write it ('-' for stdout)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Submit a job of N steps of M ms each (Type Sleep), for tests of the engine
    SleepJob(SleepJobArgs),
}

#[derive(Debug, Args)]
pub struct SleepJobArgs {
    #[arg(long, default_value_t = 1)]
    pub steps: u64,
    #[arg(long, default_value_t = 0)]
    pub step_ms: u64,
    /// The step that fails (for resubmit tests)
    #[arg(long, value_name = "K")]
    pub fail_at: Option<u64>,
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
    /// Print the job ID and return at once (needs a running daemon)
    #[arg(long = "async")]
    pub asynchronous: bool,
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn parse_state(s: &str) -> Result<JobState> {
    s.parse::<JobState>().map_err(|_| {
        Error::Invalid(format!(
            "unknown job state '{s}': expected Pending, Running, Success, Failure, Paused or Retry"
        ))
    })
}

/// A job that makes a resource (modify, anonymize, split, merge), as their commands print it:
/// with `asynchronous`, its ID (or Orthanc's `{ID, Path}` with `--json`); else, once done,
/// the Content's `answer_key` (the new resource), or the whole Content with `--json`. `made`
/// names what it did, for the error when it made nothing.
pub fn run_resource_job(
    ctx: &Context,
    req: crate::node::JobRequest,
    asynchronous: bool,
    answer_key: &str,
    made: &str,
) -> Result<()> {
    let backend = ctx.backend()?;
    if asynchronous {
        let id = backend.submit_job(req)?;
        if ctx.out.json {
            return ctx
                .out
                .json_value(&serde_json::json!({"ID": id, "Path": format!("/jobs/{id}")}));
        }
        return ctx.out.data(&format!("{id}\n"));
    }
    let bar = super::progress::JobBar::new(ctx.out.progress_allowed());
    let info = backend.run_job_watched(req, &mut |j| bar.update(j))?;
    bar.finish();
    finished(&info)?;
    if ctx.out.json {
        return ctx.out.json_value(&info.content);
    }
    match info.content[answer_key].as_str() {
        Some(id) => ctx.out.data(&format!("{id}\n")),
        None => Err(Error::Invalid(format!(
            "job {}: no instance was {made}",
            info.id
        ))),
    }
}

/// Exit status of a finished job: Failure is exit 1 with its reason.
pub fn finished(info: &JobInfo) -> Result<()> {
    match info.state {
        JobState::Success => Ok(()),
        JobState::Failure => Err(Error::Invalid(format!(
            "job {} failed: {}{}",
            info.id,
            info.error_description,
            if info.error_details.is_empty() {
                String::new()
            } else {
                format!(" ({})", info.error_details)
            }
        ))),
        other => Err(Error::Invalid(format!(
            "job {} is still {}",
            info.id,
            other.as_str()
        ))),
    }
}

pub fn run(ctx: &Context, cmd: JobsCommand) -> Result<()> {
    if let JobsCommand::Output { id, output } = cmd {
        return output_of(ctx, &id, output);
    }
    let backend = ctx.backend()?;
    let out = &ctx.out;
    match cmd {
        JobsCommand::Ls { states, watch } => {
            let wanted = states
                .iter()
                .map(|s| parse_state(s))
                .collect::<Result<Vec<_>>>()?;
            let keep = |s: &JobState| wanted.is_empty() || wanted.contains(s);
            if watch {
                return super::jobs_watch::run(ctx, backend.as_ref(), &keep);
            }
            if out.json {
                let jobs: Vec<JobInfo> = backend
                    .jobs()?
                    .into_iter()
                    .filter(|j| keep(&j.state))
                    .collect();
                return out.json_value(&jobs);
            }
            // The table needs no Content: fetch only its columns (10 000 jobs stay fast).
            let rows: Vec<_> = backend
                .job_rows()?
                .into_iter()
                .filter(|j| keep(&j.state))
                .collect();
            if out.for_person() {
                let now = crate::jobs::model::now_us();
                let width = super::job_views::terminal_width();
                return out.data_painted(&super::job_views::ls_table(out, &rows, width, now));
            }
            let rows = rows
                .into_iter()
                .map(|j| {
                    vec![
                        short(&j.id),
                        j.type_name,
                        j.state.as_str().to_string(),
                        j.priority.to_string(),
                        format!("{}%", j.progress),
                        crate::jobs::model::format_timestamp(j.creation_us)
                            .chars()
                            .take(15)
                            .collect(),
                        format!("{:.3}s", j.runtime_ms as f64 / 1000.0),
                    ]
                })
                .collect();
            out.data(&table(
                &[
                    "ID", "Type", "State", "Priority", "Progress", "Created", "Runtime",
                ],
                rows,
            ))
        }
        JobsCommand::Show { id } => {
            let info = backend.job(&id)?;
            if out.for_person() {
                let now = crate::jobs::model::now_us();
                return out.data_painted(&super::job_views::show_block(out, &info, now));
            }
            out.json_value(&info)
        }
        JobsCommand::Wait { ids, timeout } => {
            let timeout = timeout.map(|t| Duration::from_secs_f64(t.max(0.0)));
            if let [id] = ids.as_slice() {
                let info = wait_one(ctx, backend.as_ref(), id, timeout)?;
                if out.json {
                    out.json_value(&info)?;
                }
                return finished(&info);
            }
            let infos = super::jobs_watch::wait_all(ctx, backend.as_ref(), &ids, timeout)?;
            if out.json {
                out.json_value(&infos)?;
            }
            infos.iter().try_for_each(finished)
        }
        JobsCommand::Cancel { id } => control(ctx, backend.as_ref(), &id, Action::Cancel),
        JobsCommand::Pause { id } => control(ctx, backend.as_ref(), &id, Action::Pause),
        JobsCommand::Resume { id } => control(ctx, backend.as_ref(), &id, Action::Resume),
        JobsCommand::Resubmit { id } => control(ctx, backend.as_ref(), &id, Action::Resubmit),
        JobsCommand::Output { .. } => Ok(()), // handled above
    }
}

/// One job waited for, with its bar on a terminal (Ctrl-C through a daemon: exit 130).
fn wait_one(
    ctx: &Context,
    backend: &dyn crate::backend::Backend,
    id: &str,
    timeout: Option<Duration>,
) -> Result<JobInfo> {
    if !ctx.out.progress_allowed() {
        return backend.wait_job(id, timeout);
    }
    if backend.is_remote() {
        super::interrupt::catch();
    }
    let bar = super::progress::JobBar::new(true);
    let info = backend.wait_job_watched(id, timeout, &mut |j| {
        bar.update(j);
        !super::interrupt::interrupted()
    });
    bar.finish();
    if super::interrupt::interrupted() {
        super::interrupt::exit();
    }
    info
}

/// `jobs output ID [-o FILE]`: stdout when no `-o` and stdout is not a terminal.
fn output_of(ctx: &Context, id: &str, to: Option<PathBuf>) -> Result<()> {
    let to_stdout = match &to {
        Some(p) => p.as_path() == Path::new("-"),
        None if std::io::stdout().is_terminal() => {
            return Err(Error::Remote {
                kind: crate::error::ErrorKind::Failed,
                message: "refusing to write a ZIP to the terminal".into(),
                hint: Some("give -o FILE, or redirect stdout".into()),
            });
        }
        None => true,
    };
    if let Some(p) = to.as_deref().filter(|_| !to_stdout) {
        crate::atomic::check_destination(p)?;
    }
    let backend = ctx.backend()?;
    let size = match to.as_deref().filter(|_| !to_stdout) {
        Some(p) => backend.job_output(id, OutputDest::File(p))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            backend.job_output(id, OutputDest::Stream(&mut stdout))?
        }
    };
    if let Some(p) = to.as_deref().filter(|_| !to_stdout) {
        ctx.out.note(&format!(
            "wrote {} ({})",
            p.display(),
            crate::output::human_size(size)
        ));
    }
    Ok(())
}

fn control(
    ctx: &Context,
    backend: &dyn crate::backend::Backend,
    id: &str,
    action: Action,
) -> Result<()> {
    let info = backend.control_job(id, action)?;
    if ctx.out.json {
        ctx.out.json_value(&info)
    } else {
        ctx.out
            .note(&format!("job {} is {}", info.id, info.state.as_str()));
        Ok(())
    }
}

pub fn debug(ctx: &Context, cmd: DebugCommand) -> Result<()> {
    match cmd {
        DebugCommand::SleepJob(a) => {
            let spec = JobSpec::Sleep(SleepParams {
                steps: a.steps,
                step_ms: a.step_ms,
                fail_at: a.fail_at,
            });
            let req = JobRequest::new(spec, a.priority);
            let backend = ctx.backend()?;
            if a.asynchronous {
                let id = backend.submit_job(req)?;
                return ctx.out.data(&format!("{id}\n"));
            }
            let info = backend.run_job(req)?;
            if ctx.out.json {
                ctx.out.json_value(&info)?;
            } else {
                ctx.out.data(&format!("{}\n", info.id))?;
            }
            finished(&info)
        }
    }
}
