//! What `dicomq status` may tell of the REST API this daemon serves: its URL, whether it is
//! HTTPS, and the warning when credentials or data travel in clear. Recorded once when the API
//! starts; a process serves one API.

use std::sync::OnceLock;

use serde::Serialize;

use super::HttpOptions;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpFacts {
    /// `https://ADDR` or `http://ADDR`.
    pub url: String,
    pub https: bool,
    /// Clients must present a certificate (`SslVerifyPeers`).
    pub client_certificates_required: bool,
    /// Set when credentials or patient data cross the network in clear.
    pub insecure_warning: Option<String>,
}

impl HttpFacts {
    pub fn of(options: &HttpOptions) -> HttpFacts {
        let https = options.tls.is_some();
        HttpFacts {
            url: format!(
                "{}://{}",
                if https { "https" } else { "http" },
                options.addr
            ),
            https,
            client_certificates_required: options
                .tls
                .as_ref()
                .is_some_and(|t| t.client_cas.is_some()),
            insecure_warning: options.insecure_warning(),
        }
    }
}

static SERVING: OnceLock<HttpFacts> = OnceLock::new();

pub(super) fn record(options: &HttpOptions) {
    let _ = SERVING.set(HttpFacts::of(options));
}

/// The REST API served by this process, if any.
pub fn serving() -> Option<&'static HttpFacts> {
    SERVING.get()
}
