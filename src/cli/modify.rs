//! `modify ID --replace Tag=Value... --remove Tag... [--keep Tag...] [--remove-private-tags]
//! [--force] [--keep-source|--no-keep-source] [--async] [--priority N]`: Orthanc's modify of a
//! patient, study or series, as a `ResourceModification` job.

use std::collections::BTreeMap;

use clap::Args;

use super::Context;
use crate::dicom::modify::ModifyRequest;
use crate::error::{Error, Result};
use crate::jobs::{JobSpec, ModifyParams};
use crate::node::JobRequest;

#[derive(Debug, Args)]
pub struct ModifyArgs {
    /// The patient, study or series (ID or unique prefix of 8+ characters)
    #[arg(value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub id: String,
    /// Set a tag (keyword or gggg,eeee) to a value, checked against its VR (a sequence in JSON: Tag=[{...}]); repeatable
    #[arg(long, value_name = "TAG=VALUE")]
    pub replace: Vec<String>,
    /// Remove a tag; repeatable
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
    /// Keep a tag as it is (with --force: a Study/Series/SOP Instance UID keeps its value)
    #[arg(long, value_name = "TAG")]
    pub keep: Vec<String>,
    /// Remove every private tag
    #[arg(long)]
    pub remove_private_tags: bool,
    /// Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID
    #[arg(long)]
    pub force: bool,
    /// Keep the source resource (the default)
    #[arg(long, overrides_with = "no_keep_source")]
    pub keep_source: bool,
    /// Delete the source once every modified instance is stored
    #[arg(long)]
    pub no_keep_source: bool,
    /// The private creator of private tags given by number
    #[arg(long, value_name = "CREATOR")]
    pub private_creator: Option<String>,
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

/// `Tag=Value` pairs as Orthanc's `Replace` object (a value starting with `[` is a sequence
/// in Orthanc's JSON, e.g. `RequestAttributesSequence=[{"RequestedProcedureID":"1"}]`).
pub(super) fn replacements(pairs: &[String]) -> Result<BTreeMap<String, serde_json::Value>> {
    let mut map = BTreeMap::new();
    for pair in pairs {
        let Some((tag, value)) = pair.split_once('=') else {
            return Err(Error::Invalid(format!(
                "--replace {pair}: expected TAG=VALUE (e.g. PatientName=DOE^JANE)"
            )));
        };
        let value = if value.trim_start().starts_with('[') {
            serde_json::from_str(value).map_err(|e| {
                Error::Invalid(format!(
                    "--replace {tag}: a value starting with [ is a sequence in JSON: {e}"
                ))
            })?
        } else {
            serde_json::Value::String(value.to_string())
        };
        if map.insert(tag.trim().to_string(), value).is_some() {
            return Err(Error::Invalid(format!("--replace: {tag} is given twice")));
        }
    }
    Ok(map)
}

pub fn run(ctx: &Context, a: ModifyArgs) -> Result<()> {
    let request = ModifyRequest {
        replace: replacements(&a.replace)?,
        remove: a.remove,
        keep: a.keep,
        remove_private_tags: a.remove_private_tags,
        force: a.force,
        private_creator: a.private_creator,
        anonymize: None,
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

/// Runs a `ResourceModification` job (modify or anonymize), or submits it with `asynchronous`:
/// prints the new resource's ID, or the job's.
pub fn submit(
    ctx: &Context,
    params: ModifyParams,
    priority: i32,
    asynchronous: bool,
) -> Result<()> {
    let req = JobRequest::new(JobSpec::ResourceModification(params), priority);
    super::jobs::run_resource_job(ctx, req, asynchronous, "ID", "modified")
}
