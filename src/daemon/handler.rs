//! One request, one answer: what the daemon does with each `Request`, through the Node.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::dicom::create::{CreateItem, CreateSpec, Payload};
use crate::error::{Error, Result};
use crate::jobs::JobState;
use crate::node::{CreateRequest, Node};
use crate::protocol::{Body, Request, Response, WirePayload, split_body};
use crate::store::import::{ImportItem, ImportSource};

/// How often a `WaitJob` checks that its client is still there.
const WAIT_SLICE: Duration = Duration::from_millis(250);

fn error_response(e: &Error) -> Response {
    Response::Error {
        kind: e.kind(),
        message: e.to_string(),
        hint: e.hint(),
    }
}

/// Answers a request; errors become `Response::Error` with the same kind and hint. A job's
/// output is answered as a file, streamed by the caller.
pub fn handle(
    node: &Node,
    no_jobs: bool,
    req: Request,
    body: Vec<u8>,
    conn: &UnixStream,
) -> (Response, Body) {
    if let Request::JobOutput { id } = &req {
        return match node.job_output(id) {
            Ok(path) => (Response::Bytes, Body::File(path)),
            Err(e) => (error_response(&e), Body::Bytes(Vec::new())),
        };
    }
    match dispatch(node, no_jobs, req, body, conn) {
        Ok((resp, body)) => (resp, Body::Bytes(body)),
        // A disk-full error names the daemon's data home, as inline.
        Err(e) => (
            error_response(&e.in_home(node.home().root())),
            Body::Bytes(Vec::new()),
        ),
    }
}

fn bad_body() -> Error {
    Error::Invalid("the request body does not match the announced sizes".into())
}

fn dispatch(
    node: &Node,
    no_jobs: bool,
    req: Request,
    body: Vec<u8>,
    conn: &UnixStream,
) -> Result<(Response, Vec<u8>)> {
    let store = node.store();
    let none = Vec::new;
    Ok(match req {
        Request::Hello { .. } => (
            Response::Hello {
                version: crate::protocol::PROTOCOL_VERSION,
            },
            none(),
        ),
        Request::Store { labels, sizes } => {
            if labels.len() != sizes.len() {
                return Err(bad_body());
            }
            let parts = split_body(body, &sizes).ok_or_else(bad_body)?;
            let items = labels
                .into_iter()
                .zip(parts)
                .map(|(label, bytes)| ImportItem {
                    label,
                    source: ImportSource::Bytes(bytes),
                })
                .collect();
            let results = store.import(items, &mut |_| {})?;
            (Response::Stored { results }, none())
        }
        Request::List { level, parent } => {
            let parent = parent.map(|p| store.resolve(&p)).transpose()?;
            (
                Response::Resources {
                    items: store.list(level, parent)?,
                },
                none(),
            )
        }
        Request::Show { id } => {
            let (level, id) = store.resolve(&id)?;
            (
                Response::Resource {
                    item: Box::new(store.view(level, &id)?),
                },
                none(),
            )
        }
        Request::Tags { id } => {
            let (json, text) = node.instance_tags(&id)?;
            (Response::Tags { json, text }, none())
        }
        Request::Remove { id } => {
            let (level, id) = store.resolve(&id)?;
            let removed = store.remove(level, &id)?;
            (Response::Removed { id, removed }, none())
        }
        Request::CreateDicom {
            items,
            tags,
            private_creator,
            force,
            interpret_binary_tags,
            parent,
            store: keep,
            return_files,
        } => {
            let sizes: Vec<u64> = items
                .iter()
                .map(|i| match i.payload {
                    WirePayload::Pdf { size, .. } | WirePayload::Image { size } => size,
                    WirePayload::Empty => 0,
                })
                .collect();
            let parts = split_body(body, &sizes).ok_or_else(bad_body)?;
            let items = items
                .into_iter()
                .zip(parts)
                .map(|(item, bytes)| CreateItem {
                    payload: match item.payload {
                        WirePayload::Pdf { title, .. } => Payload::Pdf { bytes, title },
                        WirePayload::Image { .. } => Payload::Image { bytes },
                        WirePayload::Empty => Payload::Empty,
                    },
                    tags: item.tags,
                })
                .collect();
            let answers = node.create_dicom(CreateRequest {
                spec: CreateSpec {
                    items,
                    tags,
                    private_creator,
                    force,
                    interpret_binary_tags,
                },
                parent,
                store: keep,
                return_files,
            })?;
            let sizes = answers.iter().map(|a| a.bytes.len() as u64).collect();
            let body = answers
                .iter()
                .flat_map(|a| a.bytes.iter().copied())
                .collect();
            (Response::Created { answers, sizes }, body)
        }
        Request::Pdf { id } => (Response::Bytes, node.pdf_of(&id)?),
        Request::RunJob {
            type_name,
            params,
            priority,
        } => {
            refuse_if_no_jobs(no_jobs)?;
            let id = node.jobs().submit(&type_name, params, priority)?;
            let info = wait_while_connected(node, &id, None, conn)?;
            (
                Response::Job {
                    info: Box::new(info),
                },
                none(),
            )
        }
        Request::SubmitJob {
            type_name,
            params,
            priority,
        } => {
            refuse_if_no_jobs(no_jobs)?;
            let id = node.jobs().submit(&type_name, params, priority)?;
            (Response::JobId { id }, none())
        }
        Request::Job { id } => (
            Response::Job {
                info: Box::new(node.jobs().info(&id)?),
            },
            none(),
        ),
        Request::JobRows => (
            Response::JobRows {
                rows: node.jobs().rows(),
            },
            none(),
        ),
        Request::Jobs => (
            Response::Jobs {
                list: node.jobs().list(),
            },
            none(),
        ),
        Request::ControlJob { id, action } => (
            Response::Job {
                info: Box::new(node.jobs().control(&id, action)?),
            },
            none(),
        ),
        Request::Metrics => (
            Response::Metrics {
                text: node.metrics_text()?,
            },
            none(),
        ),
        Request::MetricsSwitch => (
            Response::MetricsSwitch {
                switch: node.metrics_switch()?,
            },
            none(),
        ),
        Request::SetMetrics { enabled } => {
            node.set_metrics_enabled(enabled)?;
            (Response::Done, none())
        }
        // Answered by `handle`, which streams the file.
        Request::JobOutput { id } => {
            node.job_output(&id)?;
            (Response::Bytes, none())
        }
        Request::TakeJobOutput { id } => {
            let path = node.job_output(&id)?;
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            node.forget_job_output(&id)?;
            (Response::Done, none())
        }
        Request::WaitJob { id, timeout_ms } => {
            let timeout = timeout_ms.map(Duration::from_millis);
            let info = wait_while_connected(node, &id, timeout, conn)?;
            (
                Response::Job {
                    info: Box::new(info),
                },
                none(),
            )
        }
    })
}

fn refuse_if_no_jobs(no_jobs: bool) -> Result<()> {
    if no_jobs {
        return Err(Error::Invalid(
            "the daemon runs with --no-jobs: it does not run jobs".into(),
        ));
    }
    Ok(())
}

/// Waits for a job to end, in slices, giving up when the client goes away.
fn wait_while_connected(
    node: &Node,
    id: &str,
    timeout: Option<Duration>,
    conn: &UnixStream,
) -> Result<crate::jobs::JobInfo> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(WAIT_SLICE),
            None => WAIT_SLICE,
        };
        let info = node.jobs().wait(id, Some(slice))?;
        let done = matches!(info.state, JobState::Success | JobState::Failure);
        if done || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(info);
        }
        if !client_connected(conn) {
            return Err(Error::Invalid("client went away".into()));
        }
    }
}

/// A client that waits sends nothing; end of stream means it left. The byte is peeked, never
/// consumed, so the stream stays intact whatever the client sent.
fn client_connected(conn: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = [0u8; 1];
    // SAFETY: recv writes at most one byte into `byte`, which outlives the call.
    let n = unsafe {
        libc::recv(
            conn.as_raw_fd(),
            byte.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    match n {
        0 => false,
        n if n > 0 => true,
        _ => std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock,
    }
}
