//! The wire protocol between the CLI and the daemon, over the Unix socket.
//!
//! A frame is `u32 LE header length`, the header as JSON (a `Request` or a `Response`), then
//! `u64 LE body length` and the raw body (file contents, archive bytes; never base64). Sizes are
//! checked before anything is allocated. The first exchange is a `Hello` with the protocol
//! version; a mismatch is a clear error.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use crate::dicom::create::TagValue;
use crate::error::ErrorKind;
use crate::jobs::{Action, JobInfo, JobRow};
use crate::node::{ChangesPage, CreateAnswer, JobRequest, ListRequest, MetricsSwitch, NodeStatus};
use crate::store::find::FindQuery;
use crate::store::import::ImportResult;
use crate::store::views::{RemovedView, ResourceView};

pub mod create;

pub const PROTOCOL_VERSION: u32 = 1;
/// Largest JSON header accepted.
pub const MAX_HEADER: u32 = 16 << 20;
/// Largest body reserved before its bytes arrive.
const PREALLOCATE_MAX: u64 = 64 << 20;
/// Largest body held in memory at once.
pub const MAX_BODY: u64 = 4 << 30;

/// One payload of a create-dicom request; its bytes follow in the body, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum WirePayload {
    Pdf {
        size: u64,
        title: Option<String>,
    },
    Image {
        size: u64,
    },
    Empty,
    EncapsulatedJpeg {
        size: u64,
    },
    Model {
        size: u64,
        kind: crate::dicom::create::content::ModelKind,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireCreateItem {
    pub payload: WirePayload,
    /// Text values travel as JSON strings, as in the first frames; sequences as arrays.
    pub tags: Vec<(String, TagValue)>,
}

/// A create-dicom request on the wire (its files follow in the body, in order).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireCreate {
    pub items: Vec<WireCreateItem>,
    pub tags: Vec<(String, TagValue)>,
    pub private_creator: Option<String>,
    pub force: bool,
    pub interpret_binary_tags: bool,
    pub parent: Option<String>,
    pub store: bool,
    #[serde(default)]
    pub return_files: bool,
    /// Orthanc's legacy body (no `Tags`).
    #[serde(default)]
    pub legacy_v1: bool,
}

/// What a running daemon says of itself (`dicomq status`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DaemonFacts {
    pub pid: u32,
    /// When it started, microseconds since the Unix epoch.
    pub started_us: i64,
    pub version: String,
    pub socket: std::path::PathBuf,
    /// The REST API's address, when served.
    pub http: Option<String>,
    /// The DICOM listener's address (not served yet: always None).
    #[serde(default)]
    pub dicom: Option<String>,
}

/// The request's variants carry the Node's own request types where the Node takes one
/// (`ListRequest`, `JobRequest`); serde writes a newtype variant's fields beside the tag, so
/// the frame JSON is the one of protocol version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "Request")]
pub enum Request {
    Hello {
        version: u32,
    },
    /// Files to import; their bytes follow in the body, `sizes[i]` each.
    Store {
        labels: Vec<String>,
        sizes: Vec<u64>,
    },
    List(ListRequest),
    Show {
        id: String,
    },
    Tags {
        id: String,
    },
    Remove {
        id: String,
    },
    CreateDicom(WireCreate),
    Pdf {
        id: String,
    },
    RunJob(JobRequest),
    SubmitJob(JobRequest),
    Job {
        id: String,
    },
    Jobs,
    ControlJob {
        id: String,
        action: Action,
    },
    WaitJob {
        id: String,
        timeout_ms: Option<u64>,
    },
    Metrics,
    MetricsSwitch,
    SetMetrics {
        enabled: bool,
    },
    /// The `jobs ls` table rows (without Content).
    JobRows,
    /// A finished job's output: the answer's body, streamed.
    JobOutput {
        id: String,
    },
    /// The caller of a sync job took its output: delete what is left of it.
    TakeJobOutput {
        id: String,
    },
    /// `dicomq find`: answered with `Resources`.
    Find(FindQuery),
    /// A page of the changes log (`dicomq changes`).
    Changes {
        since: u64,
        limit: usize,
    },
    /// `dicomq status`: the daemon's facts and the Node's counters.
    Status,
    /// `DicomModalities` or `OrthancPeers` as the daemon's config has them.
    Network {
        which: crate::node::NetworkList,
    },
    /// C-ECHO to a modality of the daemon's config.
    Echo {
        modality: String,
        timeout_s: Option<u64>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "Response")]
pub enum Response {
    Hello {
        version: u32,
    },
    Error {
        kind: ErrorKind,
        message: String,
        hint: Option<String>,
    },
    Stored {
        results: Vec<ImportResult>,
    },
    Resources {
        items: Vec<ResourceView>,
    },
    Resource {
        item: Box<ResourceView>,
    },
    Tags {
        json: serde_json::Value,
        text: String,
    },
    Removed {
        id: String,
        removed: RemovedView,
    },
    /// The created files follow in the body, `sizes[i]` each.
    Created {
        answers: Vec<CreateAnswer>,
        sizes: Vec<u64>,
    },
    /// The body is the answer (a PDF).
    Bytes,
    Job {
        info: Box<JobInfo>,
    },
    Jobs {
        list: Vec<JobInfo>,
    },
    JobId {
        id: String,
    },
    Metrics {
        text: String,
    },
    JobRows {
        rows: Vec<JobRow>,
    },
    MetricsSwitch {
        switch: MetricsSwitch,
    },
    Done,
    Changes {
        page: ChangesPage,
    },
    Status {
        daemon: DaemonFacts,
        node: NodeStatus,
    },
    Network {
        entries: serde_json::Value,
    },
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("frame too large: {what} of {size} bytes (limit {limit})")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("malformed header: {0}")]
    Malformed(String),
}

/// A body to send: bytes in memory, or a job's output streamed from disk (never held whole).
pub enum Body {
    Bytes(Vec<u8>),
    Output(crate::node::JobOutput),
}

/// Writes a frame whose body is streamed from `body` (exactly `len` bytes).
pub fn write_frame_streamed<T: Serialize>(
    w: &mut impl Write,
    header: &T,
    len: u64,
    body: &mut impl Read,
) -> io::Result<()> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    w.write_all(&(json.len() as u32).to_le_bytes())?;
    w.write_all(&json)?;
    w.write_all(&len.to_le_bytes())?;
    let copied = io::copy(&mut body.take(len), w)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the body ended before its announced length",
        ));
    }
    w.flush()
}

/// Reads a frame's header and body length; the caller then reads exactly that many bytes.
pub fn read_frame_head<T: for<'de> Deserialize<'de>>(
    r: &mut impl Read,
) -> Result<(T, u64), FrameError> {
    let mut len = [0u8; 4];
    if let Err(e) = r.read_exact(&mut len) {
        return Err(if e.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::Closed
        } else {
            FrameError::Io(e)
        });
    }
    let hlen = u32::from_le_bytes(len);
    if hlen > MAX_HEADER {
        return Err(FrameError::TooLarge {
            what: "header",
            size: hlen.into(),
            limit: MAX_HEADER.into(),
        });
    }
    let mut json = vec![0u8; hlen as usize];
    r.read_exact(&mut json)?;
    let header = serde_json::from_slice(&json).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let mut blen = [0u8; 8];
    r.read_exact(&mut blen)?;
    Ok((header, u64::from_le_bytes(blen)))
}

pub fn write_frame<T: Serialize>(w: &mut impl Write, header: &T, body: &[u8]) -> io::Result<()> {
    write_frame_parts(w, header, &[body])
}

/// A frame whose body is the concatenation of `parts`, written without joining them first
/// (the files of a create-dicom request are sent from the buffers they were read into).
pub fn write_frame_parts<T: Serialize>(
    w: &mut impl Write,
    header: &T,
    parts: &[&[u8]],
) -> io::Result<()> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    let len: usize = parts.iter().map(|p| p.len()).sum();
    w.write_all(&(json.len() as u32).to_le_bytes())?;
    w.write_all(&json)?;
    w.write_all(&(len as u64).to_le_bytes())?;
    for part in parts {
        w.write_all(part)?;
    }
    w.flush()
}

pub fn read_frame<T: for<'de> Deserialize<'de>>(
    r: &mut impl Read,
) -> Result<(T, Vec<u8>), FrameError> {
    let (header, blen) = read_frame_head(r)?;
    if blen > MAX_BODY {
        return Err(FrameError::TooLarge {
            what: "body",
            size: blen,
            limit: MAX_BODY,
        });
    }
    // Room for the announced body up front (within a bound: a frame cannot make us reserve
    // gigabytes before its bytes arrive), so it is read in large chunks.
    let mut body = Vec::with_capacity(blen.min(PREALLOCATE_MAX) as usize);
    r.take(blen).read_to_end(&mut body)?;
    if body.len() as u64 != blen {
        return Err(FrameError::Closed);
    }
    Ok((header, body))
}

/// A request whose body does not add up to the sizes it announced.
pub fn bad_body() -> crate::error::Error {
    crate::error::Error::Invalid("the request body does not match the announced sizes".into())
}

/// Splits a body into consecutive parts of the given sizes; None if they do not add up.
pub fn split_body(body: Vec<u8>, sizes: &[u64]) -> Option<Vec<Vec<u8>>> {
    let total = sizes.iter().try_fold(0u64, |acc, &s| acc.checked_add(s))?;
    if total != body.len() as u64 {
        return None;
    }
    if sizes.len() == 1 {
        // One part (a single file): no copy.
        return Some(vec![body]);
    }
    let mut parts = Vec::with_capacity(sizes.len());
    let mut rest = body.as_slice();
    for &s in sizes {
        let (head, tail) = rest.split_at(s as usize);
        parts.push(head.to_vec());
        rest = tail;
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{JobSpec, SleepParams};
    use crate::store::ids::{InstanceIds, Level};
    use crate::store::import::ImportStatus;
    use crate::store::views::{AncestorView, RemovedView};

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        v: T,
        body: &[u8],
    ) {
        let mut buf = Vec::new();
        write_frame(&mut buf, &v, body).expect("write");
        let (back, b): (T, Vec<u8>) = read_frame(&mut buf.as_slice()).expect("read");
        assert_eq!(back, v);
        assert_eq!(b, body);
    }

    fn job_info() -> JobInfo {
        serde_json::from_value(serde_json::json!({
            "Content": {"Steps": 1}, "CreationTime": "20261128T100000.000001", "EffectiveRuntime": 0.5,
            "ErrorCode": 0, "ErrorDescription": "Success", "ErrorDetails": "", "ID": "0b7e7e4c-0000-4000-8000-000000000000",
            "Priority": -3, "Progress": 50, "State": "Running", "Timestamp": "20261128T100001.000001", "Type": "Sleep"
        }))
        .expect("JobInfo")
    }

    /// The Node's request types inside the variants leave the frame JSON as it was (protocol
    /// version 1): a daemon and a client of the previous build still understand each other.
    #[test]
    fn named_requests_keep_the_version_1_json() {
        let list = Request::List(ListRequest {
            level: Level::Study,
            parent: None,
        });
        assert_eq!(
            serde_json::to_value(&list).expect("json"),
            serde_json::json!({"Request": "List", "level": "Study", "parent": null})
        );
        let run = Request::RunJob(JobRequest::new(
            JobSpec::Sleep(SleepParams {
                steps: 1,
                ..SleepParams::default()
            }),
            2,
        ));
        assert_eq!(
            serde_json::to_value(&run).expect("json"),
            serde_json::json!({"Request": "RunJob", "type_name": "Sleep", "params": {"Steps": 1}, "priority": 2})
        );
    }

    #[test]
    fn every_request_round_trips() {
        let requests = vec![
            Request::Hello {
                version: PROTOCOL_VERSION,
            },
            Request::Store {
                labels: vec!["a.dcm".into()],
                sizes: vec![3],
            },
            Request::List(ListRequest {
                level: Level::Series,
                parent: Some("abcdef12".into()),
            }),
            Request::Show { id: "x".into() },
            Request::Tags { id: "x".into() },
            Request::Remove { id: "x".into() },
            Request::CreateDicom(WireCreate {
                items: vec![
                    WireCreateItem {
                        payload: WirePayload::Pdf {
                            size: 3,
                            title: Some("t".into()),
                        },
                        tags: vec![],
                    },
                    WireCreateItem {
                        payload: WirePayload::Image { size: 0 },
                        tags: vec![("A".into(), "b".into())],
                    },
                    WireCreateItem {
                        payload: WirePayload::Empty,
                        tags: vec![],
                    },
                ],
                tags: vec![
                    ("PatientID".into(), "7".into()),
                    ("PatientName".into(), TagValue::Null),
                    (
                        "ReferencedStudySequence".into(),
                        TagValue::Sequence(vec![vec![("StudyDescription".into(), "s".into())]]),
                    ),
                ],
                private_creator: Some("My Company".into()),
                force: true,
                interpret_binary_tags: false,
                parent: None,
                store: true,
                return_files: false,
                legacy_v1: true,
            }),
            Request::Pdf { id: "x".into() },
            Request::RunJob(JobRequest::new(
                JobSpec::Sleep(SleepParams::default()),
                i32::MIN,
            )),
            Request::SubmitJob(JobRequest {
                spec: JobSpec::Archive(crate::jobs::ArchiveParams {
                    resources: vec!["abcdef12".into()],
                    filename: Some("a.zip".into()),
                    ..Default::default()
                }),
                priority: i32::MAX,
                user_data: Some(serde_json::json!({"batch": [1, 2]})),
            }),
            Request::Job { id: "x".into() },
            Request::Jobs,
            Request::ControlJob {
                id: "x".into(),
                action: Action::Resubmit,
            },
            Request::WaitJob {
                id: "x".into(),
                timeout_ms: Some(10),
            },
            Request::Metrics,
            Request::MetricsSwitch,
            Request::SetMetrics { enabled: false },
            Request::JobRows,
            Request::Status,
            Request::JobOutput { id: "x".into() },
            Request::TakeJobOutput { id: "x".into() },
            Request::Changes {
                since: 7,
                limit: 100,
            },
            Request::Find(FindQuery {
                level: Level::Study,
                query: vec![("PatientName".into(), "DOE*".into())],
                case_sensitive: false,
                since: 2,
                limit: 10,
            }),
        ];
        for r in requests {
            round_trip(r, b"abc");
        }
    }

    #[test]
    fn every_response_round_trips() {
        let view: ResourceView = serde_json::from_value(serde_json::json!({
            "ID": "p", "IsStable": false, "LastUpdate": "20261128T100000",
            "MainDicomTags": {"PatientID": "7"}, "Studies": [], "Type": "Patient"
        }))
        .expect("view");
        let responses = vec![
            Response::Hello { version: 1 },
            Response::Error {
                kind: ErrorKind::Unavailable,
                message: "m".into(),
                hint: Some("h".into()),
            },
            Response::Stored {
                results: vec![crate::store::import::ImportResult {
                    label: "a".into(),
                    status: ImportStatus::AlreadyStored,
                    ids: Some(InstanceIds::compute("1", "2", "3", "4")),
                    error: None,
                }],
            },
            Response::Resources {
                items: vec![view.clone()],
            },
            Response::Resource {
                item: Box::new(view),
            },
            Response::Tags {
                json: serde_json::json!({"0010,0010": {}}),
                text: "t".into(),
            },
            Response::Removed {
                id: "x".into(),
                removed: RemovedView {
                    remaining_ancestor: Some(AncestorView {
                        id: "s".into(),
                        path: "/series/s".into(),
                        r#type: "Series".into(),
                    }),
                },
            },
            Response::Created {
                answers: vec![CreateAnswer {
                    id: "i".into(),
                    parent_patient: "p".into(),
                    parent_series: "s".into(),
                    parent_study: "t".into(),
                    path: "/instances/i".into(),
                    status: "Success".into(),
                    bytes: Vec::new(),
                    warnings: Vec::new(),
                }],
                sizes: vec![3],
            },
            Response::Bytes,
            Response::Job {
                info: Box::new(job_info()),
            },
            Response::Jobs {
                list: vec![job_info()],
            },
            Response::JobId { id: "x".into() },
            Response::Metrics {
                text: "orthanc_count_instances 5\n".into(),
            },
            Response::MetricsSwitch {
                switch: MetricsSwitch {
                    enabled: true,
                    recorded: false,
                },
            },
            Response::Done,
            Response::Changes {
                page: ChangesPage {
                    changes: vec![crate::store::index::Change {
                        change_type: crate::store::index::ChangeType::NewStudy,
                        date: "20261201T001500".into(),
                        id: "s".into(),
                        path: "/studies/s".into(),
                        resource_type: crate::store::index::ChangedResource::Study,
                        seq: 8,
                    }],
                    done: true,
                    last: 8,
                },
            },
            Response::JobRows {
                rows: vec![JobRow {
                    id: "x".into(),
                    type_name: "Sleep".into(),
                    state: crate::jobs::JobState::Paused,
                    priority: -1,
                    progress: 40,
                    creation_us: 1_800_000_000_000_000,
                    runtime_ms: 12,
                }],
            },
            Response::Status {
                daemon: DaemonFacts {
                    pid: 42,
                    started_us: 1_800_000_000_000_000,
                    version: "0.1.0".into(),
                    socket: "/h/daemon.sock".into(),
                    http: Some("127.0.0.1:8042".into()),
                    dicom: None,
                },
                node: NodeStatus {
                    jobs: [("Success".to_string(), 3)].into_iter().collect(),
                    store: crate::store::index::Statistics {
                        instances: 9,
                        ..Default::default()
                    },
                    free_bytes: Some(1 << 30),
                    metrics_enabled: true,
                    jobs_enabled: Some(false),
                },
            },
        ];
        for r in responses {
            round_trip(r, b"xyz");
        }
    }

    #[test]
    fn split_body_refuses_sizes_that_do_not_add_up() {
        assert_eq!(split_body(vec![1], &[u64::MAX, 2]), None);
        assert_eq!(split_body(vec![1, 2, 3], &[1, 1]), None);
        assert_eq!(
            split_body(vec![1, 2, 3], &[1, 2]),
            Some(vec![vec![1], vec![2, 3]])
        );
    }

    #[test]
    fn oversized_and_truncated_frames_are_refused_before_allocating() {
        let mut huge = (MAX_HEADER + 1).to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        assert!(matches!(
            read_frame::<Request>(&mut huge.as_slice()),
            Err(FrameError::TooLarge { what: "header", .. })
        ));
        let mut body_too_big = Vec::new();
        body_too_big.extend_from_slice(&(2u32).to_le_bytes());
        body_too_big.extend_from_slice(b"{}");
        body_too_big.extend_from_slice(&(MAX_BODY + 1).to_le_bytes());
        assert!(matches!(
            read_frame::<serde_json::Value>(&mut body_too_big.as_slice()),
            Err(FrameError::TooLarge { what: "body", .. })
        ));
        let mut short = Vec::new();
        write_frame(&mut short, &Request::Jobs, b"0123456789").expect("write");
        short.truncate(short.len() - 4);
        assert!(read_frame::<Request>(&mut short.as_slice()).is_err());
        assert!(matches!(
            read_frame::<Request>(&mut [].as_slice()),
            Err(FrameError::Closed)
        ));
        let mut bad = Vec::new();
        write_frame(&mut bad, &serde_json::json!({"Request": "Nope"}), b"").expect("write");
        assert!(matches!(
            read_frame::<Request>(&mut bad.as_slice()),
            Err(FrameError::Malformed(_))
        ));
    }

    #[test]
    fn a_body_in_parts_arrives_as_one() {
        let mut buf = Vec::new();
        write_frame_parts(&mut buf, &Request::Jobs, &[b"ab", b"", b"cde"]).expect("write");
        let (req, body) = read_frame::<Request>(&mut buf.as_slice()).expect("read");
        assert!(matches!(req, Request::Jobs));
        assert_eq!(body, b"abcde");
        let parts = split_body(body, &[2, 0, 3]).expect("split");
        assert_eq!(parts, vec![b"ab".to_vec(), Vec::new(), b"cde".to_vec()]);
    }
}
