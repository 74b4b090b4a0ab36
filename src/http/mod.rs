//! The Orthanc-compatible REST API on the daemon (`daemon --http ADDR`), over the same Node as
//! the socket. hyper serves each connection on one of the API's threads; axum routes.
//!
//! `answer` (Orthanc's JSON and error bodies) · `auth` (access rules) · `body` (reading request
//! bodies with a limit and a timeout) · `tls` (HTTPS: certificates, reload; the certificate
//! files are read by the shared `crate::tls`)
//! · `facts` (what `status` may say of the API) · `resources`, `upload`, `content`, `frames`,
//! `jobs`, `tools` (the routes).

mod answer;
mod archive;
pub mod auth;
mod body;
mod changes;
mod content;
pub mod facts;
mod find;
mod frames;
mod hierarchy;
mod job_route;
pub mod jobs;
mod metadata;
mod modify;
mod network;
mod path;
mod resources;
mod split_merge;
pub mod tls;
mod tools;
mod upload;
pub mod upload_body;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::error::{Error, Result};
use crate::node::Node;
use answer::{ApiError, OrthancCode};

/// A client that sends its headers slower than this is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    pub remote_access_allowed: bool,
    pub authentication_enabled: bool,
    pub users: BTreeMap<String, String>,
    pub body_limit: u64,
    pub body_timeout: Duration,
    /// HTTPS (`SslEnabled`); None: plain HTTP.
    pub tls: Option<tls::TlsOptions>,
    /// Plain HTTP on a non-loopback address was asked for explicitly (`AllowInsecureRemote`).
    pub allow_insecure_remote: bool,
}

impl HttpOptions {
    /// Orthanc's rule, made safe: remote access without any registered user is refused unless
    /// authentication was explicitly disabled; plain HTTP on a non-loopback address is refused
    /// unless asked for explicitly.
    pub fn validate(&self) -> Result<()> {
        if self.remote_access_allowed && self.authentication_enabled && self.users.is_empty() {
            return Err(Error::Invalid(
                "RemoteAccessAllowed is true but RegisteredUsers is empty: refusing to serve without \
                 authentication (add users, or set AuthenticationEnabled to false explicitly)"
                    .into(),
            ));
        }
        if self.tls.is_none() && !self.addr.ip().is_loopback() && !self.allow_insecure_remote {
            return Err(Error::Remote {
                kind: crate::error::ErrorKind::Failed,
                message: format!(
                    "refusing to serve the REST API in plain HTTP on {}, beyond this machine: \
                     passwords and patient data would cross the network in clear",
                    self.addr
                ),
                hint: Some(
                    "set \"SslEnabled\": true and \"SslCertificate\" in the config (HTTPS), \
                     serve on 127.0.0.1 behind a TLS proxy, or set \"AllowInsecureRemote\": true \
                     to accept plain HTTP"
                        .into(),
                ),
            });
        }
        Ok(())
    }

    /// What the operator must hear at start: credentials or data that travel in clear.
    pub fn insecure_warning(&self) -> Option<String> {
        if self.tls.is_some() {
            return None;
        }
        if self.remote_access_allowed && self.authentication_enabled {
            return Some(format!(
                "RemoteAccessAllowed without SslEnabled: the REST API on http://{} takes HTTP Basic \
                 credentials in clear (set SslEnabled and SslCertificate for HTTPS)",
                self.addr
            ));
        }
        if !self.addr.ip().is_loopback() {
            return Some(format!(
                "AllowInsecureRemote: the REST API on http://{} serves patient data in clear",
                self.addr
            ));
        }
        None
    }
}

#[derive(Clone)]
pub struct App {
    pub node: Arc<Node>,
    pub options: Arc<HttpOptions>,
}

/// The client of one connection.
#[derive(Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// The bound address and, for HTTPS, the certificates read and checked.
pub struct Bound {
    pub listener: std::net::TcpListener,
    pub tls: Option<Arc<tls::Tls>>,
}

/// Checks the options, reads the certificates and binds the address (before anything else is
/// touched).
pub fn bind(options: &HttpOptions) -> Result<Bound> {
    options.validate()?;
    let tls = match &options.tls {
        Some(t) => Some(Arc::new(tls::Tls::load(t.clone())?)),
        None => None,
    };
    let cannot =
        |e: std::io::Error| Error::Invalid(format!("cannot listen on {}: {e}", options.addr));
    let listener = std::net::TcpListener::bind(options.addr).map_err(cannot)?;
    listener.set_nonblocking(true).map_err(cannot)?;
    Ok(Bound { listener, tls })
}

/// Serves the API on `threads` threads, each a single-threaded runtime accepting from the same
/// listening socket. A connection stays on the thread that accepted it, so a request is read,
/// answered and written without waking another thread: on 2 cores under wrk, GET /jobs/{id}
/// took about 10 % less CPU than on one runtime shared by two workers.
pub fn spawn(bound: Bound, app: App, threads: usize) -> Result<()> {
    app.node.start_http();
    facts::record(&app.options);
    let router = router(app);
    for i in 0..threads.max(1) {
        let listener = bound
            .listener
            .try_clone()
            .map_err(|e| Error::Internal(format!("cannot share the REST listener: {e}")))?;
        let router = router.clone();
        let tls = bound.tls.clone();
        std::thread::Builder::new()
            .name(format!("dicomq-http-{i}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => return tracing::error!("REST thread {i}: no runtime: {e}"),
                };
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => serve(l, router, tls).await,
                        Err(e) => tracing::error!("REST thread {i}: {e}"),
                    }
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start a REST thread: {e}")))?;
    }
    Ok(())
}

async fn serve(listener: tokio::net::TcpListener, router: Router, tls: Option<Arc<tls::Tls>>) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors, typically: wait instead of spinning on the error.
                tracing::warn!("http accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Answers are written whole or streamed (archives): without Nagle's delay, the last
        // segment of a streamed answer does not wait for the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let service = tower::ServiceExt::map_request(
            router.clone().layer(axum::Extension(Peer(addr))),
            path::normalize,
        );
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper_util::service::TowerToHyperService::new(service);
            let Some(tls) = tls else {
                return serve_connection(TokioIo::new(stream), service, addr).await;
            };
            // A client stalled in its handshake holds a task and a descriptor, until this.
            match tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, tls.acceptor().accept(stream)).await
            {
                Ok(Ok(stream)) => serve_connection(TokioIo::new(stream), service, addr).await,
                Ok(Err(e)) => tracing::debug!("TLS handshake from {addr} failed: {e}"),
                Err(_) => tracing::debug!("TLS handshake from {addr}: timed out"),
            }
        });
    }
}

/// HTTP/1.1 on one connection, plain or TLS.
async fn serve_connection<I, S>(io: I, service: S, addr: SocketAddr)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
        > + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service);
    if let Err(e) = conn.await {
        tracing::debug!("http connection from {addr}: {e}");
    }
}

/// The REST API: every path is written literally in the `routes()` of the file that serves it
/// (`resources.rs`, `content.rs`, `frames.rs`, `hierarchy.rs`, `changes.rs`, `find.rs`, `jobs.rs`, `tools.rs`, `archive.rs`).
fn router(app: App) -> Router {
    Router::new()
        .merge(resources::routes())
        .merge(content::routes())
        .merge(frames::routes())
        .merge(hierarchy::routes())
        .merge(changes::routes())
        .merge(find::routes())
        .merge(jobs::routes())
        .merge(tools::routes())
        .merge(archive::routes())
        .merge(modify::routes())
        .merge(split_merge::routes())
        .merge(metadata::routes())
        .merge(network::routes())
        .fallback(|| async { ApiError::unknown_resource() })
        .layer(middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

/// Around every request, in one layer: the REST metrics (`orthanc_rest_api_active_requests`,
/// `orthanc_rest_api_duration_ms`), the access rules, and Orthanc's error bodies.
async fn gate(State(app): State<App>, req: Request, next: Next) -> Response {
    let _active = app.node.rest_request();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let resp = match refusal(&app, &req) {
        Some(refused) => refused,
        None => next.run(req).await,
    };
    answer::with_error_body(resp, method.as_str(), uri.path())
}

/// Loopback only unless remote access is allowed; Basic authentication when enabled.
fn refusal(app: &App, req: &Request) -> Option<Response> {
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    let remote = peer.is_none_or(|p| !p.ip().is_loopback());
    let opts = &app.options;
    if remote && !opts.remote_access_allowed {
        return Some(ApiError::bare(StatusCode::FORBIDDEN).into_response());
    }
    if opts.authentication_enabled && (remote || !opts.users.is_empty()) {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        if !auth::authorized(header, &opts.users) {
            let mut r = ApiError::new(StatusCode::UNAUTHORIZED, OrthancCode::Unauthorized, "")
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"dicomq\""),
            );
            return Some(r);
        }
    }
    None
}

/// Runs blocking Node work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, ApiError> + Send + 'static,
) -> std::result::Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(ApiError::from(Error::Internal(format!("worker: {e}")))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    fn app(remote: bool, auth: bool, users: &[(&str, &str)]) -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().expect("tempdir");
        let node = Node::open(
            crate::home::Home::at(dir.path()),
            crate::config::Config::default(),
        )
        .expect("node");
        let options = HttpOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            remote_access_allowed: remote,
            authentication_enabled: auth,
            users: users
                .iter()
                .map(|(u, p)| (u.to_string(), p.to_string()))
                .collect(),
            body_limit: 1 << 20,
            body_timeout: Duration::from_secs(5),
            tls: None,
            allow_insecure_remote: false,
        };
        (
            dir,
            App {
                node: Arc::new(node),
                options: Arc::new(options),
            },
        )
    }

    async fn status(app: &App, peer: [u8; 4], auth: Option<&str>) -> axum::http::Response<Body> {
        let mut req = axum::http::Request::get("/system");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        router(app.clone())
            .layer(axum::Extension(Peer(SocketAddr::from((peer, 40000)))))
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("answer")
    }

    #[tokio::test]
    async fn remote_clients_are_refused_unless_allowed() {
        let (_d, a) = app(false, false, &[]);
        assert_eq!(
            status(&a, [127, 0, 0, 1], None).await.status(),
            StatusCode::OK
        );
        assert_eq!(
            status(&a, [10, 1, 2, 3], None).await.status(),
            StatusCode::FORBIDDEN
        );
    }

    #[tokio::test]
    async fn basic_authentication_when_remote_access_is_on() {
        let (_d, a) = app(true, true, &[("alice", "pw")]);
        let r = status(&a, [10, 1, 2, 3], None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_some());
        let wrong = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "alice:nope")
        );
        assert_eq!(
            status(&a, [10, 1, 2, 3], Some(&wrong)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let right = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "alice:pw")
        );
        assert_eq!(
            status(&a, [10, 1, 2, 3], Some(&right)).await.status(),
            StatusCode::OK
        );
    }

    #[test]
    fn plain_http_beyond_loopback_is_refused_unless_asked_for() {
        let (_d, a) = app(true, true, &[("alice", "pw")]);
        let mut o = (*a.options).clone();
        assert!(o.validate().is_ok(), "loopback");
        assert!(
            o.insecure_warning()
                .is_some_and(|w| w.contains("credentials in clear")),
            "remote access with credentials over plain HTTP is said"
        );
        o.addr = SocketAddr::from(([0, 0, 0, 0], 8042));
        let e = o.validate().expect_err("plain HTTP on every address");
        assert!(e.to_string().contains("0.0.0.0:8042"), "{e}");
        assert!(e.hint().is_some_and(|h| h.contains("AllowInsecureRemote")));
        o.allow_insecure_remote = true;
        assert!(o.validate().is_ok(), "asked for explicitly");
        o.remote_access_allowed = false;
        assert!(o.insecure_warning().is_some_and(|w| w.contains("in clear")));
        o.tls = Some(tls::TlsOptions {
            certificate: "/c.pem".into(),
            private_key: None,
            min_version: tls::MinVersion::Tls12,
            client_cas: None,
        });
        o.allow_insecure_remote = false;
        assert!(o.validate().is_ok() && o.insecure_warning().is_none());
    }

    #[test]
    fn remote_access_without_users_is_refused_at_start() {
        let (_d, a) = app(true, true, &[]);
        assert!(a.options.validate().is_err());
        let (_d, b) = app(true, false, &[]);
        assert!(
            b.options.validate().is_ok(),
            "explicitly disabled authentication"
        );
    }
}
