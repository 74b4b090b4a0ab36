//! Every job kind, registered once. A kind is a module of this folder (its `JobKind` and its
//! typed parameters) plus one line of `kinds!` below, which gives:
//! - its Orthanc `Type`: the `JobSpec` variant's name, the type name persisted with the job and
//!   sent on the wire;
//! - its parameters, checked when a request is decoded (a bad request never becomes a job);
//! - how a Node builds it.
//!
//! The engine itself stays generic (`JobKind` trait objects found by type name): its tests run
//! kinds that are not registered here.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kind::JobKind;
use super::outputs::JobOutputs;
use crate::error::{Error, Result};
use crate::store::Store;

pub mod archive;
mod created_list;
pub mod merge;
pub mod modify;
mod plan_store;
mod rewrite;
pub mod send;
pub mod send_modality;
pub mod send_peer;
pub mod sleep;
pub mod split;
mod study_move;

/// What a Node gives its kinds when it builds them.
pub struct KindContext {
    pub store: Arc<Store>,
    pub outputs: Arc<JobOutputs>,
    /// The key file of consistent anonymization (`Home::anonymization_key`).
    pub anonymization_key: std::path::PathBuf,
    /// `DicomAet`, `DicomModalities`, `OrthancPeers`... for the send kinds.
    pub network: Arc<crate::net::NetworkConfig>,
}

macro_rules! kinds {
    ($($name:ident($params:ty) => $build:expr,)*) => {
        /// A job to run, typed: its kind (Orthanc's `Type`) and that kind's parameters. Encoded
        /// as `{"type_name": "<Type>", "params": {...}}`, as jobs are persisted.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type_name", content = "params")]
        pub enum JobSpec {
            $($name($params),)*
        }

        impl JobSpec {
            /// Every registered `Type`.
            pub const TYPE_NAMES: &[&str] = &[$(stringify!($name),)*];

            /// Orthanc's job `Type`.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(JobSpec::$name(_) => stringify!($name),)*
                }
            }

            /// The parameters as the job record keeps them.
            pub fn params(&self) -> Result<Value> {
                let encoded = match self {
                    $(JobSpec::$name(p) => serde_json::to_value(p),)*
                };
                encoded.map_err(|e| Error::Internal(format!("{} job: {e}", self.type_name())))
            }
        }

        /// Every registered kind, built for one Node.
        pub fn all(ctx: &KindContext) -> Vec<Arc<dyn JobKind>> {
            vec![$({
                let build: fn(&KindContext) -> Arc<dyn JobKind> = $build;
                build(ctx)
            },)*]
        }
    };
}

kinds! {
    Sleep(sleep::SleepParams) => |_| Arc::new(sleep::Sleep),
    Archive(archive::ArchiveParams) => |c| Arc::new(archive::ArchiveJob::new(false, c)),
    Media(archive::ArchiveParams) => |c| Arc::new(archive::ArchiveJob::new(true, c)),
    ResourceModification(modify::ModifyParams) => |c| Arc::new(modify::ModifyJob::new(c)),
    SplitStudy(split::SplitParams) => |c| Arc::new(study_move::MoveJob::<split::Split>::new(c)),
    MergeStudy(merge::MergeParams) => |c| Arc::new(study_move::MoveJob::<merge::Merge>::new(c)),
    DicomModalityStore(send_modality::ModalityStoreParams) => |c| Arc::new(send::SendJob::<send_modality::ModalityStore>::new(c)),
    OrthancPeerStore(send_peer::PeerStoreParams) => |c| Arc::new(send::SendJob::<send_peer::PeerStore>::new(c)),
}

/// A kind's parameters from the job record (written from a `JobSpec`, so an error means a
/// record damaged or written by another version).
pub fn params<T: DeserializeOwned>(type_name: &str, v: &Value) -> Result<T> {
    T::deserialize(v).map_err(|e| Error::Invalid(format!("{type_name} job: {e}")))
}

/// serde's `skip_serializing_if` for counters whose default is 0.
pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `kinds!` line and the kind's own `type_name` agree: the engine finds a kind by the
    /// name the spec carries.
    #[test]
    fn every_spec_finds_its_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let node = crate::node::Node::open(
            crate::home::Home::at(dir.path()),
            crate::config::Config::default(),
        )
        .expect("node");
        let mut names = node.job_types();
        names.sort_unstable();
        let mut specs = JobSpec::TYPE_NAMES.to_vec();
        specs.sort_unstable();
        assert_eq!(names, specs);
    }

    #[test]
    fn specs_keep_the_persisted_shape() {
        let spec = JobSpec::Sleep(sleep::SleepParams {
            steps: 3,
            step_ms: 0,
            fail_at: None,
        });
        assert_eq!(
            serde_json::to_value(&spec).expect("json"),
            serde_json::json!({"type_name": "Sleep", "params": {"Steps": 3}})
        );
        let back: JobSpec = serde_json::from_value(
            serde_json::json!({"type_name": "Archive", "params": {"Resources": ["a"]}}),
        )
        .expect("decode");
        let JobSpec::Archive(p) = back else {
            panic!("not an archive: {back:?}")
        };
        assert_eq!(p.resources, vec!["a".to_string()]);
        let back: JobSpec = serde_json::from_value(serde_json::json!({
            "type_name": "ResourceModification",
            "params": {"Resource": "abc", "Replace": {"PatientName": "X"}, "Force": true}
        }))
        .expect("decode");
        let JobSpec::ResourceModification(p) = back else {
            panic!("not a modification: {back:?}")
        };
        assert_eq!(p.request.replace["PatientName"], "X");
        assert!(p.request.force && p.keep_source && !p.permissive);
        let back: JobSpec = serde_json::from_value(serde_json::json!({
            "type_name": "SplitStudy",
            "params": {"Study": "abc", "Series": ["s"], "Replace": {"StudyID": "7"}}
        }))
        .expect("decode");
        let JobSpec::SplitStudy(p) = back else {
            panic!("not a split: {back:?}")
        };
        assert_eq!(p.series, vec!["s".to_string()]);
        assert!(!p.keep_source, "a split deletes its sources by default");
        let back: JobSpec = serde_json::from_value(serde_json::json!({
            "type_name": "MergeStudy",
            "params": {"Study": "abc", "Resources": ["r"]}
        }))
        .expect("decode");
        let JobSpec::MergeStudy(p) = back else {
            panic!("not a merge: {back:?}")
        };
        assert_eq!(p.resources, vec!["r".to_string()]);
        assert!(!p.keep_source, "a merge deletes its sources by default");
        let unknown = serde_json::from_value::<JobSpec>(
            serde_json::json!({"type_name": "Nope", "params": {}}),
        )
        .expect_err("unknown type");
        assert!(unknown.to_string().contains("Nope"), "{unknown}");
        let bad = serde_json::from_value::<JobSpec>(
            serde_json::json!({"type_name": "Archive", "params": {"Resources": 3}}),
        )
        .expect_err("bad params");
        assert!(bad.to_string().contains("invalid type"), "{bad}");
    }
}
