//! The client side of the daemon socket: connect, hello, and one call per request.

use std::io::{BufReader, BufWriter};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;

use crate::error::{Error, ErrorKind, Result};
use crate::protocol::{self, FrameError, PROTOCOL_VERSION, Request, Response};

/// How long a daemon has to answer the hello.
const HELLO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub struct Client {
    stream: Mutex<UnixStream>,
    socket: std::path::PathBuf,
}

impl Client {
    /// Connects and says hello; `Ok(None)` when no daemon answers on `socket`.
    pub fn connect(socket: &Path) -> Result<Option<Client>> {
        let stream = match UnixStream::connect(socket) {
            Ok(s) => s,
            Err(_) => return Ok(None),
        };
        // A daemon that is stopped or dying accepts the connection (the kernel does) but never
        // says hello: treat it as absent, so the caller falls back to the database lock.
        let _ = stream.set_read_timeout(Some(HELLO_TIMEOUT));
        let client = Client {
            stream: Mutex::new(stream),
            socket: socket.to_path_buf(),
        };
        let hello = Request::Hello {
            version: PROTOCOL_VERSION,
        };
        let answer = {
            let stream = client
                .stream
                .lock()
                .map_err(|_| Error::Internal("client lock".into()))?;
            protocol::write_frame(&mut BufWriter::new(&*stream), &hello, &[])
                .ok()
                .and_then(|()| protocol::read_frame::<Response>(&mut BufReader::new(&*stream)).ok())
        };
        let Some(answer) = answer else {
            tracing::warn!(
                "{} accepts connections but does not answer",
                socket.display()
            );
            return Ok(None);
        };
        match answer {
            (
                Response::Error {
                    kind,
                    message,
                    hint,
                },
                _,
            ) => Err(Error::Remote {
                kind,
                message,
                hint,
            }),
            (Response::Hello { version }, _) if version == PROTOCOL_VERSION => {
                if let Ok(s) = client.stream.lock() {
                    let _ = s.set_read_timeout(None);
                }
                Ok(Some(client))
            }
            (Response::Hello { version }, _) => Err(Error::Remote {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "protocol version mismatch: the daemon speaks {version}, this client {PROTOCOL_VERSION}"
                ),
                hint: Some("restart the daemon after upgrading dicomq".into()),
            }),
            (other, _) => Err(unexpected(&other)),
        }
    }

    /// Sends a request and reads its answer; a daemon error comes back as `Error::Remote`.
    pub fn call(&self, req: &Request, body: &[u8]) -> Result<(Response, Vec<u8>)> {
        self.call_parts(req, &[body])
    }

    /// `call` with a body given in parts, sent one after the other.
    pub fn call_parts(&self, req: &Request, body: &[&[u8]]) -> Result<(Response, Vec<u8>)> {
        let stream = self
            .stream
            .lock()
            .map_err(|_| Error::Internal("client lock".into()))?;
        let lost = |e: String| Error::Remote {
            kind: ErrorKind::Unavailable,
            message: format!("lost the daemon on {}: {e}", self.socket.display()),
            hint: None,
        };
        protocol::write_frame_parts(&mut BufWriter::new(&*stream), req, body)
            .map_err(|e| lost(e.to_string()))?;
        let (resp, body) = protocol::read_frame::<Response>(&mut BufReader::new(&*stream))
            .map_err(|e| match e {
                FrameError::Closed => lost("it closed the connection".into()),
                other => lost(other.to_string()),
            })?;
        match resp {
            Response::Error {
                kind,
                message,
                hint,
            } => Err(Error::Remote {
                kind,
                message,
                hint,
            }),
            other => Ok((other, body)),
        }
    }
}

impl Client {
    /// Sends a request whose answer's body is copied to `sink` as it arrives (a job output of
    /// any size, never held whole); returns the answer and the body's length.
    pub fn call_streamed(
        &self,
        req: &Request,
        sink: &mut dyn std::io::Write,
    ) -> Result<(Response, u64)> {
        let stream = self
            .stream
            .lock()
            .map_err(|_| Error::Internal("client lock".into()))?;
        let lost = |e: String| Error::Remote {
            kind: ErrorKind::Unavailable,
            message: format!("lost the daemon on {}: {e}", self.socket.display()),
            hint: None,
        };
        protocol::write_frame(&mut BufWriter::new(&*stream), req, &[])
            .map_err(|e| lost(e.to_string()))?;
        let mut reader = BufReader::new(&*stream);
        let (resp, len) =
            protocol::read_frame_head::<Response>(&mut reader).map_err(|e| lost(e.to_string()))?;
        if let Response::Error {
            kind,
            message,
            hint,
        } = resp
        {
            // Drain the (empty) body so the connection stays usable.
            let _ = std::io::copy(
                &mut std::io::Read::take(&mut reader, len),
                &mut std::io::sink(),
            );
            return Err(Error::Remote {
                kind,
                message,
                hint,
            });
        }
        let copied = std::io::copy(&mut std::io::Read::take(&mut reader, len), sink)
            .map_err(|e| Error::io("output", e))?;
        if copied != len {
            return Err(lost("the output ended early".into()));
        }
        Ok((resp, len))
    }
}

pub fn unexpected(resp: &Response) -> Error {
    Error::Internal(format!("unexpected answer from the daemon: {resp:?}"))
}
