//! `split STUDY --series ID... --instances ID... [--replace Tag=Value...] [--remove Tag...]
//! [--keep-source]` and `merge TARGET_STUDY RESOURCE... [--keep-source]`: Orthanc's split and
//! merge of studies, as `SplitStudy` and `MergeStudy` jobs.

use clap::Args;

use super::Context;
use super::modify::replacements;
use crate::error::{Error, Result};
use crate::jobs::JobSpec;
use crate::jobs::kinds::merge::MergeParams;
use crate::jobs::kinds::split::SplitParams;
use crate::node::JobRequest;

#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The study to split (ID or unique prefix of 8+ characters)
    #[arg(value_name = "STUDY")]
    pub study: String,
    /// A series of the study to move to the new study; repeatable
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub series: Vec<String>,
    /// An instance of the study to move to the new study; repeatable
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub instances: Vec<String>,
    /// Set a Patient or General Study module tag of the new study; repeatable
    #[arg(long, value_name = "TAG=VALUE")]
    pub replace: Vec<String>,
    /// Remove a Patient or General Study module tag from the new study; repeatable
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
    #[command(flatten)]
    pub job: MoveJobArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The study to merge into (ID or unique prefix of 8+ characters)
    #[arg(value_name = "TARGET_STUDY")]
    pub study: String,
    /// Studies, series or instances of other studies to move into it
    #[arg(value_name = "RESOURCE", required = true)]
    pub resources: Vec<String>,
    #[command(flatten)]
    pub job: MoveJobArgs,
}

#[derive(Debug, Args)]
pub struct MoveJobArgs {
    /// Keep the sources (by default they are deleted once every moved instance is stored)
    #[arg(long)]
    pub keep_source: bool,
    /// Print the job ID and return at once (needs a running daemon)
    #[arg(long = "async")]
    pub asynchronous: bool,
    /// Job priority (higher runs first)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
    /// Test hook: sleep this long in every step
    #[arg(long, hide = true, default_value_t = 0)]
    pub step_delay_ms: u64,
}

pub fn split(ctx: &Context, a: SplitArgs) -> Result<()> {
    let params = SplitParams {
        study: a.study,
        series: a.series,
        instances: a.instances,
        replace: replacements(&a.replace)?,
        remove: a.remove,
        keep_source: a.job.keep_source,
        permissive: false,
        step_delay_ms: a.job.step_delay_ms,
    };
    if params.series.is_empty() && params.instances.is_empty() {
        return Err(Error::Invalid(
            "split: give the series (--series) and/or instances (--instances) to move".into(),
        ));
    }
    params.modification()?;
    run(ctx, JobSpec::SplitStudy(params), &a.job)
}

pub fn merge(ctx: &Context, a: MergeArgs) -> Result<()> {
    let params = MergeParams {
        study: a.study,
        resources: a.resources,
        keep_source: a.job.keep_source,
        permissive: false,
        step_delay_ms: a.job.step_delay_ms,
    };
    run(ctx, JobSpec::MergeStudy(params), &a.job)
}

/// Runs the job (or submits it with --async) and prints the target study's ID.
fn run(ctx: &Context, spec: JobSpec, a: &MoveJobArgs) -> Result<()> {
    let req = JobRequest::new(spec, a.priority);
    super::jobs::run_resource_job(ctx, req, a.asynchronous, "TargetStudy", "moved")
}
