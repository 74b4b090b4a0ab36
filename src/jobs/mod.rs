//! The jobs engine: Orthanc's job states and control matrix, persisted through a job store
//! (`persist::job_store`, redb today) so that no acknowledged job is ever lost.
//!
//! `state` (the transition table) · `model` (the persisted record and the `JobInfo` view) ·
//! `kind` (what a job type implements) · `sleep` (the `Sleep` kind) ·
//! `batch` (group commit: batches and tickets) · `engine` (workers, scheduling, control,
//! recovery; records are kept by a `persist::job_store::JobStore`) · `archive` (the `Archive` and `Media` kinds) · `outputs` (their files in
//! `HOME/outputs/`).

pub mod archive;
mod batch;
pub mod engine;
pub mod kind;
pub mod model;
pub mod outputs;
pub mod sleep;
pub mod state;

#[cfg(test)]
mod tests;

pub use archive::{ArchiveJob, ArchiveParams};
pub use engine::{EngineConfig, JobsEngine};
pub use kind::{JobKind, Plan, StepContext, StepOutcome};
pub use model::{JobInfo, JobRecord, JobRow};
pub use outputs::JobOutputs;
pub use sleep::Sleep;
pub use state::{Action, Event, Flags, JobState, Outcome, Refusal};
