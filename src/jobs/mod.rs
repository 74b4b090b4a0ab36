//! The jobs engine: Orthanc's job states and control matrix, persisted in redb so that no
//! acknowledged job is ever lost.
//!
//! `state` (the transition table) · `model` (the persisted record and the `JobInfo` view) ·
//! `kind` (what a job type implements) · `sleep` (the `Sleep` kind) · `queue` (the redb seam) ·
//! `batch` (group commit: batches and tickets) · `engine` (workers, scheduling, control,
//! recovery) · `archive` (the `Archive` and `Media` kinds) · `outputs` (their files in
//! `HOME/outputs/`).

pub mod archive;
mod batch;
pub mod engine;
pub mod kind;
pub mod model;
pub mod outputs;
pub mod queue;
pub mod sleep;
pub mod state;

#[cfg(test)]
mod tests;

pub use archive::{ArchiveJob, ArchiveParams};
pub use engine::{EngineConfig, JobsEngine};
pub use kind::{JobKind, Plan, StepContext, StepOutcome};
pub use model::{JobInfo, JobRecord, JobRow};
pub use outputs::JobOutputs;
pub use queue::JobQueue;
pub use sleep::Sleep;
pub use state::{Action, Event, Flags, JobState, Outcome, Refusal};
