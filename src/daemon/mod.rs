//! The daemon: serves a Node over the Unix socket until SIGTERM or SIGINT.
//!
//! tokio accepts connections and waits for signals; each connection is served on a blocking
//! thread (the Node's operations are blocking: redb, files, job waits).

mod handler;
mod heap;
pub mod socket;

use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::http::HttpOptions;
use crate::node::Node;
use crate::protocol::{self, FrameError, PROTOCOL_VERSION, Request, Response};

pub struct DaemonOptions {
    /// Do not recover nor run jobs (`--no-jobs`); nothing stored is erased.
    pub no_jobs: bool,
    pub lock_timeout: Duration,
    /// The REST API, when asked for.
    pub http: Option<HttpOptions>,
}

pub fn run(
    home: Home,
    config: Config,
    opts: DaemonOptions,
    on_wait: &mut dyn FnMut(&str),
) -> Result<()> {
    heap::keep_warm();
    home.ensure()?;
    let path = home.socket();
    socket::prepare(&path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the runtime: {e}")))?;
    // An HTTP address that cannot be used fails here, before the database is touched.
    let http = match &opts.http {
        Some(h) => Some((crate::http::bind(h)?, h.clone())),
        None => None,
    };
    let node = Arc::new(Node::open_waiting(
        home,
        config,
        opts.lock_timeout,
        on_wait,
    )?);
    node.metrics().start_serving();
    if !opts.no_jobs {
        node.recover_jobs()?;
        node.jobs().start_workers();
    }
    let listener = socket::bind(&path)?;
    tracing::info!("dicomq daemon listening on {}", path.display());
    if let Some((listener, options)) = http {
        tracing::info!("REST API on http://{}", options.addr);
        let app = crate::http::App {
            node: Arc::clone(&node),
            no_jobs: opts.no_jobs,
            options: Arc::new(options),
        };
        crate::http::spawn(listener, app, crate::parallel::cpus())?;
    }
    let served = runtime.block_on(serve(listener, Arc::clone(&node), opts.no_jobs));
    // Stop accepting first (the listener is gone), then let running jobs reach their next
    // step boundary and commit, then remove the socket.
    tracing::info!("stopping: waiting for running jobs to reach a step boundary");
    node.jobs().shutdown();
    let _ = std::fs::remove_file(&path);
    runtime.shutdown_timeout(Duration::from_millis(100));
    tracing::info!("dicomq daemon stopped");
    served
}

async fn serve(
    listener: std::os::unix::net::UnixListener,
    node: Arc<Node>,
    no_jobs: bool,
) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(format!("socket: {e}")))?;
    let listener = tokio::net::UnixListener::from_std(listener)
        .map_err(|e| Error::Internal(format!("socket: {e}")))?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut health = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
            // A failed database write (a full disk) leaves redb's handle unusable: stop with an
            // error (a non-zero exit, so that systemd restarts the daemon on a fresh handle).
            _ = health.tick() => if let Some(e) = node.database_broken() {
                tracing::error!("stopping: {e}");
                return Err(e);
            },
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        continue;
                    }
                };
                let uid = stream.peer_cred().map(|c| c.uid()).ok();
                if !uid.is_some_and(socket::peer_allowed) {
                    tracing::warn!("refused a connection from uid {uid:?}");
                    continue;
                }
                let Ok(std_stream) = stream.into_std() else { continue };
                let node = Arc::clone(&node);
                tokio::task::spawn_blocking(move || serve_connection(std_stream, &node, no_jobs));
            }
        }
    }
}

/// Serves one client until it hangs up; a malformed or oversized frame drops the connection.
fn serve_connection(stream: UnixStream, node: &Node, no_jobs: bool) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(&stream);
    let mut writer = std::io::BufWriter::new(&write_half);
    let mut greeted = false;
    loop {
        let (req, body) = match protocol::read_frame::<Request>(&mut reader) {
            Ok(frame) => frame,
            Err(FrameError::Closed) => return,
            Err(e) => {
                tracing::warn!("dropping a connection: {e}");
                return;
            }
        };
        if !greeted {
            match req {
                Request::Hello { version } if version == PROTOCOL_VERSION => greeted = true,
                Request::Hello { version } => {
                    let reply = Response::Error {
                        kind: crate::error::ErrorKind::Unavailable,
                        message: format!(
                            "protocol version mismatch: the daemon speaks {PROTOCOL_VERSION}, the client {version}"
                        ),
                        hint: Some("restart the daemon after upgrading dicomq".into()),
                    };
                    let _ = protocol::write_frame(&mut writer, &reply, &[]);
                    return;
                }
                _ => {
                    tracing::warn!("dropping a connection: no hello");
                    return;
                }
            }
        }
        let (resp, body) = handler::handle(node, no_jobs, req, body, &stream);
        let sent = match body {
            protocol::Body::Bytes(bytes) => protocol::write_frame(&mut writer, &resp, &bytes),
            protocol::Body::File(path) => send_file(&mut writer, &resp, &path),
        };
        if let Err(e) = sent {
            tracing::debug!("client went away: {e}");
            return;
        }
    }
}

/// Streams a file as a frame's body; a file that cannot be opened is answered as an error.
fn send_file(
    w: &mut impl std::io::Write,
    resp: &Response,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
    match opened {
        Ok((len, mut file)) => protocol::write_frame_streamed(w, resp, len, &mut file),
        Err(e) => {
            let err = Error::io(path, e);
            let reply = Response::Error {
                kind: err.kind(),
                message: err.to_string(),
                hint: None,
            };
            protocol::write_frame(w, &reply, &[])
        }
    }
}
