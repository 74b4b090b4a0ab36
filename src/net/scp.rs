//! The C-ECHO and C-STORE SCP of the daemon (`daemon --dicom` or `DicomPort`): accepts TCP
//! connections on tokio, at most `MAX_ASSOCIATIONS` at once (beyond that, A-ASSOCIATE-RJ
//! transient), and serves each association in `association.rs`. An idle or half-open
//! connection holds a descriptor and a small task, no thread, and is closed after
//! `DicomScpTimeout`. With `DicomTlsEnabled` it is TLS-only, as Orthanc: a plain association
//! fails its handshake and is closed, the SCP goes on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::association;
use super::config::NetworkConfig;
use crate::error::{Error, Result};
use crate::node::Node;

/// Associations served at once (Orthanc has 4 threads; ours wait on tokio without one).
pub const MAX_ASSOCIATIONS: usize = 256;
/// Connections over the limit that are being refused at once; more are closed unanswered.
const MAX_REFUSING: usize = 1024;
/// How long a refused connection has to send its A-ASSOCIATE-RQ before it is closed.
const REFUSE_WAIT: Duration = Duration::from_secs(5);
/// The largest PDU taken before an association exists (an A-ASSOCIATE-RQ with many
/// presentation contexts is a few tens of KiB).
pub const MAX_ASSOCIATE_RQ: u32 = 256 << 10;

/// What every association of this SCP shares.
pub struct ScpContext {
    pub node: Arc<Node>,
    pub network: NetworkConfig,
    /// The largest data set taken in one C-STORE (`HttpBodyLimit`, as for an upload).
    pub data_limit: u64,
    /// The data set bytes all associations may hold at once.
    pub buffered: Budget,
    /// DICOM TLS (`DicomTlsEnabled`): every association is TLS, with the configuration in use
    /// when it is accepted (SIGHUP may replace it).
    pub tls: Option<Arc<super::dicom_tls::ScpTls>>,
}

impl ScpContext {
    pub fn new(
        node: Arc<Node>,
        network: NetworkConfig,
        data_limit: u64,
        tls: Option<Arc<super::dicom_tls::ScpTls>>,
    ) -> ScpContext {
        ScpContext {
            node,
            network,
            data_limit,
            buffered: Budget::new(MAX_BUFFERED.max(data_limit)),
            tls,
        }
    }
}

/// What every association may buffer together: 256 associations each sending a data set of
/// `HttpBodyLimit` would otherwise hold 64 GiB. A fragment waits for room (at most
/// `DicomScpTimeout`, then its association is aborted).
pub const MAX_BUFFERED: u64 = 1 << 30;

/// A byte budget counted in KiB permits.
pub struct Budget(Arc<Semaphore>);

impl Budget {
    pub fn new(bytes: u64) -> Budget {
        let kib = usize::try_from(bytes.div_ceil(1024)).unwrap_or(Semaphore::MAX_PERMITS);
        Budget(Arc::new(Semaphore::new(kib.min(Semaphore::MAX_PERMITS))))
    }

    /// Room for `bytes` more, released when the permit drops.
    pub async fn hold(
        &self,
        bytes: usize,
        wait: Duration,
    ) -> std::result::Result<tokio::sync::OwnedSemaphorePermit, String> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        match tokio::time::timeout(wait, Arc::clone(&self.0).acquire_many_owned(kib)).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(format!(
                "no room to buffer {bytes} more bytes within {}s (other associations hold the budget)",
                wait.as_secs()
            )),
        }
    }
}

/// `[ADDR:]PORT`: a port alone listens on every interface, as Orthanc's `DicomPort` does (a
/// DICOM port is meant for the modalities on the network).
pub fn parse_address(text: &str) -> std::result::Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    use std::net::ToSocketAddrs;
    text.to_socket_addrs()
        .ok()
        .and_then(|mut it| it.next())
        .ok_or_else(|| format!("{text}: not a port or an address like 0.0.0.0:4242"))
}

/// Binds the SCP's port (before the database is opened, so that a busy port fails first).
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| Error::Invalid(format!("cannot listen for DICOM on {addr}: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(format!("DICOM listener: {e}")))?;
    Ok(listener)
}

/// Accepts associations until the runtime stops.
pub async fn serve(listener: std::net::TcpListener, ctx: Arc<ScpContext>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("DICOM listener: {e}");
            return;
        }
    };
    let serving = Arc::new(Semaphore::new(MAX_ASSOCIATIONS));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors: pause rather than spin; idle connections time out.
                tracing::warn!("DICOM accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        match Arc::clone(&serving).try_acquire_owned() {
            Ok(permit) => {
                let ctx = Arc::clone(&ctx);
                tokio::spawn(async move {
                    association::serve(stream, peer, ctx).await;
                    drop(permit);
                });
            }
            Err(_) => {
                let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() else {
                    continue;
                };
                tracing::warn!(
                    "refusing an association from {peer}: {MAX_ASSOCIATIONS} are open already"
                );
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(REFUSE_WAIT, refuse_busy(stream)).await;
                    drop(permit);
                });
            }
        }
    }
}

/// A-ASSOCIATE-RJ (PS3.8 9.3.4): result 2 (rejected-transient), source 3 (service provider,
/// presentation related), reason 2 (local limit exceeded).
const RJ_TRANSIENT_LIMIT: [u8; 10] = [0x03, 0, 0, 0, 0, 4, 0, 2, 3, 2];

/// Reads the A-ASSOCIATE-RQ (a peer that has not finished sending might not read an answer)
/// and refuses it as transient: the peer may try again later.
async fn refuse_busy(mut stream: TcpStream) -> std::io::Result<()> {
    let mut head = [0u8; 6];
    stream.read_exact(&mut head).await?;
    let length = u32::from_be_bytes([head[2], head[3], head[4], head[5]]);
    if head[0] != 0x01 || length > MAX_ASSOCIATE_RQ {
        return Ok(());
    }
    let mut rest = (&mut stream).take(u64::from(length));
    tokio::io::copy(&mut rest, &mut tokio::io::sink()).await?;
    stream.write_all(&RJ_TRANSIENT_LIMIT).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_addresses() {
        assert_eq!(
            parse_address("4242").map(|a| a.to_string()),
            Ok("0.0.0.0:4242".into())
        );
        assert_eq!(
            parse_address("127.0.0.1:104").map(|a| a.to_string()),
            Ok("127.0.0.1:104".into())
        );
        assert!(parse_address("99999").is_err());
        assert!(parse_address("host:").is_err());
    }

    #[test]
    fn the_buffer_budget_makes_the_next_fragment_wait_then_refuses_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let budget = Budget::new(2048);
            let wait = Duration::from_millis(20);
            let held = budget.hold(2000, wait).await.expect("room");
            let e = budget.hold(1, wait).await.expect_err("no room");
            assert!(e.contains("no room to buffer 1 more bytes"), "{e}");
            drop(held);
            assert!(budget.hold(2048, wait).await.is_ok());
        });
    }
}
