//! One client connection on the daemon socket.
//!
//! The hello, and then each next request, is awaited on the tokio side: a connection that is
//! idle (that never says hello, or that waits between requests) holds no thread. The hello must
//! come within `HELLO_TIMEOUT`. Each request is then read and served on a blocking thread (the
//! Node's operations block: redb, files, job waits), at most `MAX_SERVING` at once; beyond that a
//! request waits `BUSY_WAIT` for its turn and is then refused with an error the client prints.
//! On the blocking thread every read and write must make progress within `STALL_TIMEOUT`, so a
//! client that stops in the middle of a frame cannot hold the thread. After an answer the
//! blocking thread looks for the next request for `LINGER` before handing the connection back:
//! a client that sends requests back to back (a script's loop, a burst of submits) is served
//! without the hand-over's wake-ups (tokio's readiness, a blocking thread's start).

use std::io::BufWriter;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

use super::handler;
use crate::error::ErrorKind;
use crate::node::Node;
use crate::protocol::{self, FrameError, PROTOCOL_VERSION, Request, Response};

/// How long a new connection has to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest first frame taken for a hello (a hello is a few bytes of JSON).
const MAX_HELLO: u32 = 4096;
/// A greeted connection with no request for this long is closed (it holds no thread meanwhile).
const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Longest wait for bytes in the middle of a frame, or for a client to take an answer's bytes.
const STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Requests served at once (each on a blocking thread).
pub const MAX_SERVING: usize = 128;
/// How long a request waits for one of the `MAX_SERVING` places before it is refused.
const BUSY_WAIT: Duration = Duration::from_secs(10);
/// How long a blocking thread waits for a client's next request after an answer (an idle
/// client costs its thread no longer than this).
const LINGER: Duration = Duration::from_millis(2);

/// Serves one client until it hangs up, stays silent too long or sends a bad frame.
pub async fn serve_client(
    mut stream: tokio::net::UnixStream,
    node: Arc<Node>,
    serving: Arc<Semaphore>,
) {
    match tokio::time::timeout(HELLO_TIMEOUT, read_hello(&mut stream)).await {
        Err(_) => {
            tracing::debug!("closing a connection: no hello within {HELLO_TIMEOUT:?}");
            return;
        }
        Ok(Err(e)) => {
            tracing::warn!("dropping a connection: {e}");
            return;
        }
        Ok(Ok(version)) if version != PROTOCOL_VERSION => {
            let reply = Response::Error {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "protocol version mismatch: the daemon speaks {PROTOCOL_VERSION}, the client {version}"
                ),
                hint: Some("restart the daemon after upgrading dicomq".into()),
            };
            let _ = write_async(&mut stream, &reply).await;
            return;
        }
        Ok(Ok(_)) => {
            let hello = Response::Hello {
                version: PROTOCOL_VERSION,
            };
            if write_async(&mut stream, &hello).await.is_err() {
                return;
            }
        }
    }
    loop {
        // Idle: nothing but this task waits for the next request.
        match tokio::time::timeout(IDLE_TIMEOUT, stream.readable()).await {
            Ok(Ok(())) => {}
            _ => return,
        }
        let permit =
            match tokio::time::timeout(BUSY_WAIT, Arc::clone(&serving).acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => {
                    tracing::warn!("refused a request: {MAX_SERVING} requests are being served");
                    let _ = write_async(&mut stream, &busy()).await;
                    return;
                }
            };
        let Ok(std_stream) = stream.into_std() else {
            return;
        };
        let node = Arc::clone(&node);
        let served = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            loop {
                if !serve_request(&std_stream, &node) {
                    return None;
                }
                if !readable_within(&std_stream, LINGER) {
                    return Some(std_stream);
                }
            }
        })
        .await;
        let Ok(Some(std_stream)) = served else {
            return;
        };
        stream = match std_stream
            .set_nonblocking(true)
            .and_then(|()| tokio::net::UnixStream::from_std(std_stream))
        {
            Ok(s) => s,
            Err(_) => return,
        };
    }
}

fn busy() -> Response {
    Response::Error {
        kind: ErrorKind::Unavailable,
        message: format!("the daemon is busy: {MAX_SERVING} requests are being served"),
        hint: Some("try again in a moment".into()),
    }
}

/// Reads the first frame, which must be a hello without a body; returns its version.
async fn read_hello(stream: &mut tokio::net::UnixStream) -> Result<u32, String> {
    let closed = |e: std::io::Error| format!("no hello: {e}");
    let hlen = stream.read_u32_le().await.map_err(closed)?;
    if hlen > MAX_HELLO {
        return Err(format!(
            "no hello: a first frame header of {hlen} bytes (a hello has at most {MAX_HELLO})"
        ));
    }
    let mut json = vec![0u8; hlen as usize];
    stream.read_exact(&mut json).await.map_err(closed)?;
    let blen = stream.read_u64_le().await.map_err(closed)?;
    match serde_json::from_slice::<Request>(&json) {
        Ok(Request::Hello { version }) if blen == 0 => Ok(version),
        Ok(_) => Err("no hello".into()),
        Err(e) => Err(format!("malformed frame: {e}")),
    }
}

async fn write_async(stream: &mut tokio::net::UnixStream, resp: &Response) -> std::io::Result<()> {
    let mut frame = Vec::new();
    protocol::write_frame(&mut frame, resp, &[])?;
    stream.write_all(&frame).await
}

/// Whether `stream` has bytes (or its end) to read within `wait`.
fn readable_within(stream: &UnixStream, wait: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, alive for the call; the descriptor is open (borrowed).
    let ready = unsafe { libc::poll(&mut fd, 1, ms) };
    ready == 1
}

/// Reads one request and answers it, on a blocking thread; false when the connection is over.
fn serve_request(stream: &UnixStream, node: &Node) -> bool {
    let timeouts = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_read_timeout(Some(STALL_TIMEOUT)))
        .and_then(|()| stream.set_write_timeout(Some(STALL_TIMEOUT)));
    if timeouts.is_err() {
        return false;
    }
    // Unbuffered: nothing past this frame is read, so the next one is seen by tokio.
    let (req, body) = match protocol::read_frame::<Request>(&mut &*stream) {
        Ok(frame) => frame,
        Err(FrameError::Closed) => return false,
        Err(e) => {
            tracing::warn!("dropping a connection: {e}");
            return false;
        }
    };
    let (resp, body) = handler::handle(node, req, body, stream);
    let mut writer = BufWriter::new(stream);
    let sent = match body {
        protocol::Body::Bytes(bytes) => protocol::write_frame(&mut writer, &resp, &bytes),
        protocol::Body::Output(mut out) => {
            protocol::write_frame_streamed(&mut writer, &resp, out.len, &mut out.file)
        }
    };
    match sent {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!("client went away: {e}");
            false
        }
    }
}
