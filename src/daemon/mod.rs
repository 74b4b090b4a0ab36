//! The daemon: serves a Node over the Unix socket until SIGTERM or SIGINT.
//!
//! tokio accepts connections and waits for signals; each connection awaits its hello and its
//! requests on tokio, and each request is served on a blocking thread (the Node's operations
//! are blocking: redb, files, job waits): see `connection.rs`.

mod connection;
mod facts;
mod handler;
mod heap;
pub mod socket;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::http::HttpOptions;
use crate::node::Node;

pub struct DaemonOptions {
    /// Do not recover nor run jobs (`--no-jobs`); nothing stored is erased.
    pub no_jobs: bool,
    pub lock_timeout: Duration,
    /// The REST API, when asked for.
    pub http: Option<HttpOptions>,
    /// The DICOM SCP's address (`--dicom` or `DicomPort`), when asked for.
    pub dicom: Option<std::net::SocketAddr>,
}

pub fn run(
    home: Home,
    config: Config,
    opts: DaemonOptions,
    on_wait: &mut dyn FnMut(&str),
) -> Result<()> {
    heap::keep_warm();
    raise_open_files_limit();
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
    if let Some(warning) = opts.http.as_ref().and_then(HttpOptions::insecure_warning) {
        tracing::warn!("{warning}");
    }
    let dicom = opts.dicom.map(crate::net::scp::bind).transpose()?;
    // DICOM TLS files are read and checked now: a bad one stops the start, naming it.
    let dicom_tls = match &opts.dicom {
        Some(_) if config.network.dicom_tls.enabled => Some(Arc::new(
            crate::net::dicom_tls::ScpTls::load(&config.network.dicom_tls)?,
        )),
        _ => None,
    };
    let node = Arc::new(Node::open_waiting(
        home,
        config,
        opts.lock_timeout,
        on_wait,
    )?);
    node.serve(!opts.no_jobs)?;
    if let Some(listener) = dicom {
        // The address as bound (port 0 asks the system for one).
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("DICOM listener: {e}")))?;
        node.set_dicom_address(addr);
        tracing::info!(
            "DICOM SCP {} on {addr}{}",
            node.config().network.aet,
            if dicom_tls.is_some() {
                " (DICOM TLS only)"
            } else {
                ""
            }
        );
        let ctx = Arc::new(crate::net::scp::ScpContext::new(
            Arc::clone(&node),
            node.config().network.clone(),
            node.config().http_body_limit,
            dicom_tls.clone(),
        ));
        runtime.spawn(crate::net::scp::serve(listener, ctx));
    }
    let listener = socket::bind(&path)?;
    tracing::info!("dicomq daemon listening on {}", path.display());
    let url = http
        .as_ref()
        .map(|(_, options)| crate::http::facts::HttpFacts::of(options).url);
    facts::record(
        &path,
        url.clone(),
        node.dicom_address().map(|a| a.to_string()),
    );
    let mut tls = None;
    if let Some((bound, options)) = http {
        tracing::info!("REST API on {}", url.unwrap_or_default());
        tls = bound.tls.clone();
        let app = crate::http::App {
            node: Arc::clone(&node),
            options: Arc::new(options),
        };
        crate::http::spawn(bound, app, crate::parallel::cpus())?;
    }
    let served = runtime.block_on(serve(
        listener,
        Arc::clone(&node),
        Certificates {
            https: tls,
            dicom: dicom_tls,
        },
    ));
    // Stop accepting first (the listener is gone), then let running jobs reach their next
    // step boundary and commit, then remove the socket.
    tracing::info!("stopping: waiting for running jobs to reach a step boundary");
    node.stop();
    let _ = std::fs::remove_file(&path);
    runtime.shutdown_timeout(Duration::from_millis(100));
    tracing::info!("dicomq daemon stopped");
    served
}

/// After a failed accept (out of descriptors), the pause before the next one.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
const ACCEPT_WARN_EVERY: Duration = Duration::from_secs(10);

/// Raises the soft limit of open files to the hard one: each connection waiting for its hello
/// holds a descriptor (and no thread), and 1024 is a common soft limit.
fn raise_open_files_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed, which outlives them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// What SIGHUP reads again: the HTTPS and the DICOM TLS certificates in use.
#[derive(Clone)]
struct Certificates {
    https: Option<Arc<crate::http::tls::Tls>>,
    dicom: Option<Arc<crate::net::dicom_tls::ScpTls>>,
}

/// SIGHUP: the HTTPS and DICOM TLS certificates are read again; jobs and connections go on. A
/// bad new certificate keeps the one in use.
fn reload(certificates: &Certificates) {
    if certificates.https.is_none() && certificates.dicom.is_none() {
        return tracing::info!("SIGHUP: nothing to reload (no HTTPS, no DICOM TLS)");
    }
    if let Some(tls) = &certificates.https {
        match tls.reload() {
            Ok(()) => tracing::info!(
                "SIGHUP: reloaded the HTTPS certificate {}",
                tls.options().certificate.display()
            ),
            Err(e) => tracing::error!("SIGHUP: keeping the HTTPS certificate in use: {e}"),
        }
    }
    if let Some(tls) = &certificates.dicom {
        let file = tls
            .options()
            .certificate
            .as_deref()
            .unwrap_or(Path::new(""));
        match tls.reload() {
            Ok(()) => tracing::info!(
                "SIGHUP: reloaded the DICOM TLS certificate {}",
                file.display()
            ),
            Err(e) => tracing::error!("SIGHUP: keeping the DICOM TLS certificate in use: {e}"),
        }
    }
}

async fn serve(
    listener: std::os::unix::net::UnixListener,
    node: Arc<Node>,
    certificates: Certificates,
) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(format!("socket: {e}")))?;
    let listener = tokio::net::UnixListener::from_std(listener)
        .map_err(|e| Error::Internal(format!("socket: {e}")))?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| Error::Internal(e.to_string()))?;
    let serving = Arc::new(tokio::sync::Semaphore::new(connection::MAX_SERVING));
    let mut last_accept_warning = None;
    let mut health = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
            _ = hup.recv() => {
                let certificates = certificates.clone();
                // Files are read off the accepting threads.
                let _ = tokio::task::spawn_blocking(move || reload(&certificates)).await;
            },
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
                        // Out of descriptors (many idle clients): pause instead of spinning,
                        // and say so once in a while; idle clients are closed after the hello
                        // timeout.
                        let quiet_for = |t: Instant| t.elapsed() > ACCEPT_WARN_EVERY;
                        if last_accept_warning.is_none_or(quiet_for) {
                            tracing::warn!("accept failed: {e}");
                            last_accept_warning = Some(Instant::now());
                        }
                        tokio::time::sleep(ACCEPT_PAUSE).await;
                        continue;
                    }
                };
                let uid = stream.peer_cred().map(|c| c.uid()).ok();
                if !uid.is_some_and(socket::peer_allowed) {
                    tracing::warn!("refused a connection from uid {uid:?}");
                    continue;
                }
                tokio::spawn(connection::serve_client(
                    stream,
                    Arc::clone(&node),
                    Arc::clone(&serving),
                ));
            }
        }
    }
}
