//! `archive ID... [-o FILE] [--media [--extended]] [--compression deflate|store]
//! [--ascii-names] [--async] [--priority N]`: Orthanc's create-archive and create-media.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::Context;
use super::jobs::finished;
use crate::archive::zip_writer::Compression;
use crate::backend::OutputDest;
use crate::error::{Error, Result};
use crate::jobs::{ArchiveParams, JobInfo, JobSpec};
use crate::node::JobRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressionArg {
    /// Deflate, level 6 (as Orthanc)
    Deflate,
    /// No compression: faster, larger
    Store,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Patients, studies, series or instances (IDs or unique prefixes of 8+ characters); merged
    /// without duplicates
    #[arg(value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub ids: Vec<String>,
    /// Where to write the ZIP ('-' for stdout; default: <first ID>.zip here)
    #[arg(short, long, value_name = "FILE", conflicts_with = "asynchronous")]
    pub output: Option<PathBuf>,
    /// DICOMDIR media: IMAGES/IM0... and a DICOMDIR (Type Media)
    #[arg(long)]
    pub media: bool,
    /// With --media: add SeriesDescription to the DICOMDIR's SERIES records
    #[arg(long, requires = "media")]
    pub extended: bool,
    /// How entries are stored
    #[arg(long, value_enum, default_value_t = CompressionArg::Deflate)]
    pub compression: CompressionArg,
    /// Drop non-ASCII characters from folder and file names (Orthanc's default)
    #[arg(long)]
    pub ascii_names: bool,
    /// Print the job ID and return at once (needs a running daemon); fetch the result with
    /// `jobs output ID -o FILE`
    #[arg(long = "async")]
    pub asynchronous: bool,
    /// Job priority (higher runs first)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
}

pub fn run(ctx: &Context, a: ArchiveArgs) -> Result<()> {
    let Some(first) = a.ids.first() else {
        return Err(Error::Invalid(
            "nothing to archive: give at least one patient, study, series or instance ID".into(),
        ));
    };
    let to_stdout = a.output.as_deref() == Some(Path::new("-"));
    let dest = match &a.output {
        Some(p) => p.clone(),
        None => PathBuf::from(format!("{first}.zip")),
    };
    if !a.asynchronous && !to_stdout {
        crate::atomic::check_destination(&dest)?;
    }
    let params = ArchiveParams {
        resources: a.ids.clone(),
        extended: a.extended,
        compression: match a.compression {
            CompressionArg::Deflate => Compression::Deflate,
            CompressionArg::Store => Compression::Store,
        },
        ascii_names: a.ascii_names,
        synchronous: !a.asynchronous,
        step_delay_ms: 0,
        filename: None,
    };
    let spec = if a.media {
        JobSpec::Media(params)
    } else {
        JobSpec::Archive(params)
    };
    let req = JobRequest::new(spec, a.priority);
    let backend = ctx.backend()?;
    if a.asynchronous {
        let id = backend.submit_job(req)?;
        return ctx.out.data(&format!("{id}\n"));
    }

    let mut bar = Progress::new(ctx.out.progress_allowed());
    let info = backend.run_job_watched(req, &mut |j| bar.update(j))?;
    bar.finish();
    finished(&info)?;
    let size = if to_stdout {
        let mut stdout = std::io::stdout().lock();
        backend.take_job_output(&info.id, OutputDest::Stream(&mut stdout))?
    } else {
        backend.take_job_output(&info.id, OutputDest::File(&dest))?
    };
    if ctx.out.json && !to_stdout {
        return ctx.out.json_value(&info);
    }
    let count = info.content["InstancesCount"].as_u64().unwrap_or(0);
    ctx.out.note(&format!(
        "{} instance{} archived to {} ({})",
        count,
        if count == 1 { "" } else { "s" },
        if to_stdout {
            "stdout".to_string()
        } else {
            dest.display().to_string()
        },
        crate::output::human_size(size)
    ));
    Ok(())
}

/// Instances and MB, on stderr, only on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(allowed: bool) -> Self {
        let bar = allowed.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} instances  {msg}  {elapsed}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar }
    }

    fn update(&mut self, job: &JobInfo) {
        let Some(bar) = &self.bar else { return };
        let count = job.content["InstancesCount"].as_u64().unwrap_or(0);
        let total_mb = job.content["UncompressedSizeMB"].as_u64().unwrap_or(0);
        let written_mb = job.content["ArchiveSizeMB"].as_u64().unwrap_or(0);
        bar.set_length(count);
        bar.set_position(count * u64::from(job.progress.min(100)) / 100);
        bar.set_message(format!(
            "{written_mb} MB written, {total_mb} MB in  {}",
            job.state.as_str()
        ));
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
