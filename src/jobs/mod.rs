//! The jobs engine: Orthanc's job states and control matrix, persisted through a job store
//! (`persist::job_store`, redb today) so that no acknowledged job is ever lost.
//!
//! `state` (the transition table) · `model` (the persisted record and the `JobInfo` view) ·
//! `kind` (what a job type implements) · `kinds` (every registered kind and `JobSpec`:
//! `Sleep`, `Archive` and `Media`) ·
//! `batch` (group commit: batches and tickets) · `engine` (workers, scheduling, control,
//! recovery; records are kept by a `persist::job_store::JobStore`) · `outputs` (the
//! kinds' output files in `HOME/outputs/`).

mod batch;
pub mod engine;
pub mod kind;
pub mod kinds;
pub mod model;
pub mod outputs;
pub mod state;

#[cfg(test)]
mod pg_tests;
#[cfg(test)]
mod tests;

pub use engine::{EngineConfig, JobChange, JobsEngine};
pub use kind::{JobKind, Plan, StepContext, StepOutcome};
pub use kinds::JobSpec;
pub use kinds::archive::{ArchiveJob, ArchiveParams};
pub use kinds::modify::{ModifyJob, ModifyParams};
pub use kinds::sleep::{Sleep, SleepParams};
pub use model::{JobInfo, JobRecord, JobRow};
pub use outputs::JobOutputs;
pub use state::{Action, Event, Flags, JobState, Outcome, Refusal};
