//! One request, one answer: what the daemon does with each `Request`, through the Node.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::jobs::JobInfo;
use crate::node::Node;
use crate::protocol::{Body, Request, Response, bad_body, create, split_body};
use crate::store::import::{ImportItem, ImportSource};

fn error_response(e: &Error) -> Response {
    Response::Error {
        kind: e.kind(),
        message: e.to_string(),
        hint: e.hint(),
    }
}

/// Answers a request; errors become `Response::Error` with the same kind and hint. A job's
/// output is answered as a file, streamed by the caller.
pub fn handle(node: &Node, req: Request, body: Vec<u8>, conn: &UnixStream) -> (Response, Body) {
    match dispatch(node, req, body, conn) {
        Ok(answer) => answer,
        // A disk-full error names the daemon's data home, as inline.
        Err(e) => (
            error_response(&e.in_home(node.home().root())),
            Body::Bytes(Vec::new()),
        ),
    }
}

/// One Node call per request.
fn dispatch(
    node: &Node,
    req: Request,
    body: Vec<u8>,
    conn: &UnixStream,
) -> Result<(Response, Body)> {
    // A waiting client sends nothing: one that left ends the wait.
    let mut still_there = |_: &JobInfo| {
        if client_connected(conn) {
            Ok(())
        } else {
            Err(Error::Invalid("client went away".into()))
        }
    };
    let answer = |r: Response| (r, Body::Bytes(Vec::new()));
    let job = |info: JobInfo| {
        answer(Response::Job {
            info: Box::new(info),
        })
    };
    Ok(match req {
        Request::Hello { .. } => answer(Response::Hello {
            version: crate::protocol::PROTOCOL_VERSION,
        }),
        Request::Store { labels, sizes } => answer(Response::Stored {
            results: node.import(store_items(labels, &sizes, body)?, &mut |_| {})?,
        }),
        Request::List(req) => answer(Response::Resources {
            items: node.list(&req)?,
        }),
        Request::Show { id } => answer(Response::Resource {
            item: Box::new(node.show(&id)?),
        }),
        Request::Tags { id } => node
            .instance_tags(&id)
            .map(|(json, text)| answer(Response::Tags { json, text }))?,
        Request::Remove { id } => node
            .remove(&id)
            .map(|(id, removed)| answer(Response::Removed { id, removed }))?,
        Request::CreateDicom(wire) => bytes(create::answers_to_wire(
            node.create_dicom(create::request_from_wire(wire, body)?)?,
        )),
        Request::Pdf { id } => (Response::Bytes, Body::Bytes(node.pdf_of(&id)?)),
        Request::RunJob(req) => job(node.run_job(req, &mut still_there)?),
        Request::SubmitJob(req) => answer(Response::JobId {
            id: node.submit_job(req)?,
        }),
        Request::Job { id } => job(node.job(&id)?),
        Request::Find(q) => answer(Response::Resources {
            items: node.find_views(&q)?,
        }),
        Request::Changes { since, limit } => answer(Response::Changes {
            page: node.changes(since, limit)?,
        }),
        Request::Network { which } => answer(Response::Network {
            entries: node.network_list(which),
        }),
        Request::Echo {
            modality,
            timeout_s,
        } => node
            .echo(&modality, timeout_s)
            .map(|()| answer(Response::Done))?,
        Request::JobRows => answer(Response::JobRows {
            rows: node.job_rows(),
        }),
        Request::Jobs => answer(Response::Jobs {
            list: node.list_jobs(),
        }),
        Request::ControlJob { id, action } => job(node.control_job(&id, action)?),
        Request::Metrics => answer(Response::Metrics {
            text: node.metrics_text()?,
        }),
        Request::MetricsSwitch => answer(Response::MetricsSwitch {
            switch: node.metrics_switch()?,
        }),
        Request::SetMetrics { enabled } => node
            .set_metrics_enabled(enabled)
            .map(|()| answer(Response::Done))?,
        Request::JobOutput { id } => (Response::Bytes, Body::Output(node.job_output(&id)?)),
        Request::TakeJobOutput { id } => {
            node.take_job_output(&id).map(|_| answer(Response::Done))?
        }
        Request::Status => answer(Response::Status {
            daemon: super::facts::get(&node.home().socket()),
            node: node.status()?,
        }),
        Request::WaitJob { id, timeout_ms } => {
            job(node.wait_job(&id, timeout_ms.map(Duration::from_millis), &mut still_there)?)
        }
    })
}

fn bytes((resp, body): (Response, Vec<u8>)) -> (Response, Body) {
    (resp, Body::Bytes(body))
}

/// The files of a `Store` request, cut from its body.
fn store_items(labels: Vec<String>, sizes: &[u64], body: Vec<u8>) -> Result<Vec<ImportItem>> {
    if labels.len() != sizes.len() {
        return Err(bad_body());
    }
    let parts = split_body(body, sizes).ok_or_else(bad_body)?;
    Ok(labels
        .into_iter()
        .zip(parts)
        .map(|(label, bytes)| ImportItem::new(label, ImportSource::Bytes(bytes)))
        .collect())
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
