//! `anonymize ID [--profile 2023b|2021b|2017c] [--keep Tag...] [--keep-private-tags]
//! [--replace Tag=Value...] [--remove Tag...] [--force] [--consistent] [--no-keep-source] [--async]
//! [--priority N]`: Orthanc's anonymize of a patient, study or series, as a
//! `ResourceModification` job with its `Anonymize` part.

use clap::Args;

use super::Context;
use super::modify::{replacements, submit};
use crate::dicom::modify::{AnonymizeRequest, ModifyRequest};
use crate::error::Result;
use crate::jobs::ModifyParams;

#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    /// The patient, study or series (ID or unique prefix of 8+ characters)
    #[arg(value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub id: String,
    /// The PS3.15 Table E.1-1 edition, as Orthanc's DicomVersion (2008 has no table here)
    #[arg(long, value_name = "NAME", default_value = "2023b")]
    pub profile: String,
    /// Leave a tag as it is (a kept sequence is kept whole); repeatable
    #[arg(long, value_name = "TAG")]
    pub keep: Vec<String>,
    /// Keep private tags (removed by default)
    #[arg(long)]
    pub keep_private_tags: bool,
    /// Then set a tag (keyword or gggg,eeee) to a value; repeatable
    #[arg(long, value_name = "TAG=VALUE")]
    pub replace: Vec<String>,
    /// Then remove a tag; repeatable
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
    /// Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID
    #[arg(long)]
    pub force: bool,
    /// The same source gets the same pseudonyms (UIDs, PatientID, PatientName) in every job,
    /// keyed by a secret made once in the data home (beyond Orthanc)
    #[arg(long)]
    pub consistent: bool,
    /// Delete the source once every anonymized instance is stored (it is kept by default)
    #[arg(long)]
    pub no_keep_source: bool,
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

pub fn run(ctx: &Context, a: AnonymizeArgs) -> Result<()> {
    let request = ModifyRequest {
        replace: replacements(&a.replace)?,
        remove: a.remove,
        keep: a.keep,
        remove_private_tags: false,
        force: a.force,
        private_creator: None,
        anonymize: Some(AnonymizeRequest {
            dicom_version: Some(a.profile),
            keep_private_tags: a.keep_private_tags,
            consistent: a.consistent,
        }),
    };
    let params = ModifyParams {
        resource: a.id,
        resources: Vec::new(),
        level: None,
        request,
        keep_source: !a.no_keep_source,
        permissive: false,
        step_delay_ms: a.step_delay_ms,
    };
    submit(ctx, params, a.priority, a.asynchronous)
}
