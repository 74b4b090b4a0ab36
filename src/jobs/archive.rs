//! The `Archive` and `Media` kinds (Orthanc's `ArchiveJob`): one step per instance, then a
//! final step that writes the DICOMDIR (media), the central directory, and publishes
//! `HOME/outputs/<job>.zip`.
//!
//! Params: `{"Resources": [ids], "Extended": bool, "Compression": "deflate"|"store",
//! "AsciiNames": bool, "Synchronous": bool}` (`StepDelayMs`, for tests, slows every step).
//!
//! The ZIP writer lives in memory between steps (a map job ID → writer). A step that finds no
//! writer for its job at a position > 0 (the process that wrote the first part is gone: daemon
//! restart, or a job paused inline and resumed by another process) starts the archive over:
//! it rewinds `position` to 0, so the output is always complete.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::kind::{JobKind, Plan, StepContext, StepOutcome};
use super::model::{INTERNAL_ERROR, JobRecord};
use super::outputs::JobOutputs;
use crate::archive::dicomdir::DicomDirWriter;
use crate::archive::plan::{ArchivePlan, PlanRequest};
use crate::archive::zip_writer::{ArchiveZipWriter, Compression, ZipPlan};
use crate::error::{Error, Result};
use crate::orthanc_code::OrthancCode;
use crate::store::Store;

const CANNOT_WRITE_FILE: i32 = OrthancCode::CannotWriteFile.code();
const INEXISTENT_FILE: i32 = OrthancCode::InexistentFile.code();
/// What Orthanc's DICOMDIR writer throws for an instance it cannot describe.
const BAD_FILE_FORMAT: i32 = OrthancCode::BadFileFormat.code();
/// Plans of up to this many files are kept in the job's checkpoint rather than in
/// `<job>.plan.json` (which would cost a file write and its fsync on every submit).
const EMBEDDED_PLAN_FILES: usize = 32;
/// The checkpoint key of an embedded plan.
const PLAN_KEY: &str = "Plan";
/// Archives of less than this are compressed on the job's own thread.
const SMALL_ARCHIVE_BYTES: u64 = 256 << 10;
/// Media entries up to this size are read once, for both the DICOMDIR and the ZIP.
const READ_WHOLE_BELOW: u64 = 32 << 20;

/// The job's params.
#[derive(Debug, Clone, Default)]
pub struct ArchiveParams {
    pub resources: Vec<String>,
    pub extended: bool,
    pub compression: Compression,
    pub ascii_names: bool,
    /// A sync call: the caller takes the output away at once.
    pub synchronous: bool,
    /// Test hook: sleep this long in every step.
    pub step_delay_ms: u64,
    /// The name its output is downloaded under (`Filename` of Orthanc's REST body).
    pub filename: Option<String>,
}

impl ArchiveParams {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "Resources": self.resources,
            "Extended": self.extended,
            "Compression": match self.compression {
                Compression::Deflate => "deflate",
                Compression::Store => "store",
            },
            "AsciiNames": self.ascii_names,
            "Synchronous": self.synchronous,
        });
        if self.step_delay_ms > 0 {
            v["StepDelayMs"] = self.step_delay_ms.into();
        }
        if let Some(name) = &self.filename {
            v["Filename"] = name.as_str().into();
        }
        v
    }

    pub fn from_json(v: &Value) -> Result<ArchiveParams> {
        let bad = |what: &str| Error::Invalid(format!("archive job: {what}"));
        let resources = match v.get("Resources") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("Resources must be an array of IDs"))?,
            _ => return Err(bad("missing field Resources (an array of IDs)")),
        };
        let flag = |name: &str| -> Result<bool> {
            match v.get(name) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(bad(&format!("{name} must be a boolean"))),
            }
        };
        let compression = match v.get("Compression").and_then(Value::as_str) {
            None | Some("deflate") => Compression::Deflate,
            Some("store") => Compression::Store,
            Some(other) => {
                return Err(bad(&format!(
                    "unknown Compression '{other}' (deflate or store)"
                )));
            }
        };
        Ok(ArchiveParams {
            resources,
            extended: flag("Extended")?,
            compression,
            ascii_names: flag("AsciiNames")?,
            synchronous: flag("Synchronous")?,
            step_delay_ms: v.get("StepDelayMs").and_then(Value::as_u64).unwrap_or(0),
            filename: match v.get("Filename") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad("Filename must be a string")),
            },
        })
    }
}

/// What a job being written keeps in memory.
struct Run {
    plan: Arc<ArchivePlan>,
    writer: Option<Writer>,
    /// The step the writer expects next: a job that comes back at another position (its
    /// checkpoint was lost with a failed commit) starts its archive over.
    next: u64,
}

struct Writer {
    zip: ArchiveZipWriter<File>,
    dicomdir: Option<DicomDirWriter>,
}

pub struct ArchiveJob {
    media: bool,
    store: Arc<Store>,
    outputs: Arc<JobOutputs>,
    runs: Mutex<HashMap<String, Arc<Mutex<Run>>>>,
}

/// A failed step: an Orthanc error code and what the user needs to know.
struct StepError(i32, String);

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError(INTERNAL_ERROR, e.to_string())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ArchiveJob {
    /// `media`: the `Media` kind (`IMAGES/IMn` and a DICOMDIR), else `Archive`.
    pub fn new(media: bool, store: Arc<Store>, outputs: Arc<JobOutputs>) -> Self {
        ArchiveJob {
            media,
            store,
            outputs,
            runs: Mutex::new(HashMap::new()),
        }
    }

    /// The job's run: in memory, or its plan read back from its checkpoint or its file (a job
    /// planned by another process).
    fn run_of(&self, job: &str, checkpoint: &Value) -> Result<Arc<Mutex<Run>>> {
        if let Some(r) = lock(&self.runs).get(job) {
            return Ok(Arc::clone(r));
        }
        let plan = match checkpoint.get(PLAN_KEY) {
            Some(v) => ArchivePlan::deserialize(v).map_err(|e| {
                Error::Internal(format!("job {job}: the archive plan in its record: {e}"))
            })?,
            None => ArchivePlan::load(&self.outputs.plan(job))?,
        };
        let run = Arc::new(Mutex::new(Run {
            next: 0,
            plan: Arc::new(plan),
            writer: None,
        }));
        lock(&self.runs).insert(job.to_string(), Arc::clone(&run));
        Ok(run)
    }

    fn open_writer(&self, job: &str, plan: &ArchivePlan, p: &ArchiveParams) -> Result<Writer> {
        let path = self.outputs.partial(job);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let entries = plan.files.len() as u64 + u64::from(self.media);
        let mut zip_plan = ZipPlan::new(entries, plan.total_bytes(), p.compression);
        if entries <= 1 || plan.total_bytes() < SMALL_ARCHIVE_BYTES {
            // Starting and joining a compression pool costs more than it saves here.
            zip_plan.threads = 0;
        }
        let zip = ArchiveZipWriter::new(file, zip_plan)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok(Writer {
            zip,
            dicomdir: self.media.then(|| DicomDirWriter::new(p.extended)),
        })
    }

    fn add_instance(
        &self,
        w: &mut Writer,
        plan: &ArchivePlan,
        pos: usize,
    ) -> Result<(), StepError> {
        let f = &plan.files[pos];
        let cannot_read = |path: &dyn std::fmt::Display, e: std::io::Error| {
            StepError(
                INEXISTENT_FILE,
                format!(
                    "cannot read the stored file of instance {} ({path}): {e}",
                    f.instance
                ),
            )
        };
        let (path, mut file) = match self.store.open_instance(&f.instance) {
            Ok(opened) => opened,
            Err(Error::NotFound { .. }) => {
                return Err(StepError(
                    INEXISTENT_FILE,
                    format!(
                        "instance {} was deleted after the archive was submitted",
                        f.instance
                    ),
                ));
            }
            Err(Error::Io { path, source }) => return Err(cannot_read(&path.display(), source)),
            Err(e) => return Err(e.into()),
        };
        let missing = |e: std::io::Error| cannot_read(&path, e);
        let len = file.len();
        let write_error = |e: crate::archive::zip_writer::ZipWriteError| {
            StepError(
                CANNOT_WRITE_FILE,
                format!("writing instance {} as {}: {e}", f.instance, f.path),
            )
        };
        let Some(dicomdir) = w.dicomdir.as_mut() else {
            return w.zip.add_file(&f.path, &mut file, len).map_err(write_error);
        };
        let file_id: Vec<&str> = f.path.split('/').collect();
        let bad_file = |e: String| {
            StepError(
                BAD_FILE_FORMAT,
                format!(
                    "instance {} ({}): not a readable DICOM file: {e}",
                    f.instance,
                    path.display()
                ),
            )
        };
        let dicomdir_error = |e: crate::archive::dicomdir::DicomDirError| {
            use crate::archive::dicomdir::DicomDirError as D;
            let code = match e {
                D::MissingUid { .. } | D::InvalidId { .. } | D::ValueTooLong { .. } => {
                    BAD_FILE_FORMAT
                }
                D::Meta(_) | D::Io(_) => INTERNAL_ERROR,
            };
            StepError(
                code,
                format!(
                    "instance {} cannot be described in a DICOMDIR: {e}",
                    f.instance
                ),
            )
        };
        if len <= READ_WHOLE_BELOW {
            let mut data = Vec::with_capacity(len as usize);
            file.read_to_end(&mut data).map_err(missing)?;
            let parsed = crate::store::header::open_header(std::io::Cursor::new(data.as_slice()))
                .map_err(bad_file)?;
            dicomdir
                .add_instance(&parsed, &file_id)
                .map_err(dicomdir_error)?;
            w.zip.add_bytes(&f.path, &data).map_err(write_error)
        } else {
            let parsed = crate::store::header::open_header(std::io::BufReader::new(&mut file))
                .map_err(bad_file)?;
            dicomdir
                .add_instance(&parsed, &file_id)
                .map_err(dicomdir_error)?;
            file.seek(std::io::SeekFrom::Start(0)).map_err(missing)?;
            w.zip.add_file(&f.path, &mut file, len).map_err(write_error)
        }
    }

    fn finish(&self, job: &str, w: Writer, synchronous: bool) -> Result<u64, StepError> {
        let partial = self.outputs.partial(job);
        let write_error =
            |e: String| StepError(CANNOT_WRITE_FILE, format!("{}: {e}", partial.display()));
        let Writer { mut zip, dicomdir } = w;
        if let Some(d) = dicomdir {
            let bytes = d
                .to_bytes()
                .map_err(|e| StepError(INTERNAL_ERROR, format!("DICOMDIR: {e}")))?;
            zip.add_bytes("DICOMDIR", &bytes)
                .map_err(|e| write_error(e.to_string()))?;
        }
        let size_handle = zip.archive_size_handle();
        let file = zip.finish().map_err(|e| write_error(e.to_string()))?;
        file.sync_all().map_err(|e| write_error(e.to_string()))?;
        drop(file);
        self.outputs
            .publish(job, synchronous)
            .map_err(|e| write_error(format!("cannot publish the output: {e}")))?;
        Ok(size_handle.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn step_inner(&self, ctx: &mut StepContext) -> Result<StepOutcome, StepError> {
        let p = ArchiveParams::from_json(&ctx.params)?;
        if p.step_delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(p.step_delay_ms));
        }
        let run = self.run_of(&ctx.job_id, &ctx.checkpoint)?;
        let mut run = lock(&run);
        let plan = Arc::clone(&run.plan);
        if run.writer.is_some() && run.next != ctx.position {
            tracing::info!(
                job = %ctx.job_id,
                "the job came back at step {} but the archive is at step {}: starting it over",
                ctx.position,
                run.next
            );
            run.writer = None;
        }
        if run.writer.is_none() {
            if ctx.position > 0 {
                tracing::info!(
                    job = %ctx.job_id,
                    "the partial archive was lost with a previous process: starting it over"
                );
                ctx.position = 0;
            }
            run.writer = Some(self.open_writer(&ctx.job_id, &plan, &p)?);
        }
        let pos = ctx.position as usize;
        let size = if pos < plan.files.len() {
            let w = run
                .writer
                .as_mut()
                .ok_or_else(|| Error::Internal("archive writer vanished".into()))?;
            self.add_instance(w, &plan, pos)?;
            run.next = ctx.position + 1;
            run.writer.as_ref().map_or(0, |w| w.zip.archive_size())
        } else {
            let w = run
                .writer
                .take()
                .ok_or_else(|| Error::Internal("archive writer vanished".into()))?;
            drop(run);
            lock(&self.runs).remove(&ctx.job_id);
            self.finish(&ctx.job_id, w, p.synchronous)?
        };
        ctx.content["ArchiveSize"] = size.to_string().into();
        ctx.content["ArchiveSizeMB"] = (size >> 20).into();
        ctx.progress = Some((ctx.position + 1) as f64 / ctx.steps.max(1) as f64);
        Ok(StepOutcome::Continue)
    }
}

impl JobKind for ArchiveJob {
    fn type_name(&self) -> &'static str {
        if self.media { "Media" } else { "Archive" }
    }

    fn has_output(&self) -> bool {
        true
    }

    fn plan(&self, job_id: &str, params: &Value) -> Result<Plan> {
        let p = ArchiveParams::from_json(params)?;
        let plan = ArchivePlan::build(
            &self.store,
            &PlanRequest {
                resources: p.resources.clone(),
                media: self.media,
                ascii_names: p.ascii_names,
            },
        )?;
        // A small plan rides in the job record, durable with the submit's own commit; a large
        // one gets its own file (the record is rewritten at every step).
        let checkpoint = if plan.files.len() <= EMBEDDED_PLAN_FILES {
            json!({ PLAN_KEY: plan })
        } else {
            plan.save(&self.outputs.plan(job_id))?;
            Value::Null
        };
        let total = plan.total_bytes();
        let content = json!({
            "ArchiveSize": "0",
            "ArchiveSizeMB": 0,
            "Description": "dicomq",
            "InstancesCount": plan.files.len(),
            "UncompressedSize": total.to_string(),
            "UncompressedSizeMB": total >> 20,
            "Utf8": !p.ascii_names,
        });
        let steps = plan.files.len() as u64 + 1;
        lock(&self.runs).insert(
            job_id.to_string(),
            Arc::new(Mutex::new(Run {
                plan: Arc::new(plan),
                writer: None,
                next: 0,
            })),
        );
        Ok(Plan {
            steps,
            content,
            checkpoint,
        })
    }

    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        match self.step_inner(ctx) {
            Ok(o) => o,
            Err(StepError(code, details)) => {
                // The engine discards the partial output; drop the writer now.
                lock(&self.runs).remove(&ctx.job_id);
                StepOutcome::Fail { code, details }
            }
        }
    }

    /// Failure, cancel or eviction from the history: nothing of the job stays.
    fn discard_outputs(&self, job: &JobRecord) {
        lock(&self.runs).remove(&job.id);
        self.outputs.discard(&job.id);
    }
}

/// The name a job's request asked its output to be downloaded under (`Filename`), if any.
pub fn output_filename(job: &JobRecord) -> Option<String> {
    ArchiveParams::from_json(&job.params).ok()?.filename
}

/// Where a finished job's output is, or why there is none (for a kind with an output; the
/// Node refuses the others, src/node/jobs.rs).
pub fn output_path(outputs: &JobOutputs, job: &JobRecord) -> Result<PathBuf> {
    use super::state::JobState;
    match job.state {
        JobState::Success => {}
        JobState::Failure => {
            return Err(Error::Invalid(format!(
                "job {} failed, so it has no output{}",
                job.id,
                if job.error_details.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", job.error_details)
                }
            )));
        }
        other => {
            return Err(Error::Invalid(format!(
                "job {} is {}: its output is not ready yet (wait with `dicomq jobs wait {}`)",
                job.id,
                other.as_str(),
                job.id
            )));
        }
    }
    let synchronous = job
        .params
        .get("Synchronous")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let path = outputs.output(&job.id, synchronous);
    if path.is_file() {
        return Ok(path);
    }
    Err(Error::Invalid(if synchronous {
        format!(
            "job {} was a synchronous archive: its output went to the command that ran it",
            job.id
        )
    } else {
        format!(
            "the output of job {} was evicted: only the newest {} outputs are kept (MediaArchiveSize)",
            job.id,
            outputs.keep()
        )
    }))
}
