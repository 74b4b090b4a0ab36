//! `dicomq daemon`: run the daemon in the foreground (systemd or a terminal keeps it alive).

use std::time::Duration;

use clap::Args;

use super::Context;
use crate::daemon::{self, DaemonOptions};
use std::net::{SocketAddr, ToSocketAddrs};

use crate::error::{Error, Result};
use crate::http::HttpOptions;

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Do not recover nor run jobs; the stored jobs are kept as they are
    #[arg(long)]
    pub no_jobs: bool,
    /// Serve the Orthanc-compatible REST API on this address (e.g. 127.0.0.1:8042);
    /// default: HttpPort from the config, if set
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Receive from modalities: run the C-ECHO/C-STORE SCP on [ADDR:]PORT (a port alone
    /// listens on every interface, as Orthanc does); default: DicomPort from the config, if set
    #[arg(long, value_name = "[ADDR:]PORT")]
    pub dicom: Option<String>,
}

/// The SCP's address, from `--dicom` and the config's `DicomPort`.
fn dicom_address(arg: Option<&str>, config: &crate::config::Config) -> Result<Option<SocketAddr>> {
    match (arg, config.network.port) {
        (Some(a), _) => crate::net::scp::parse_address(a)
            .map(Some)
            .map_err(|e| Error::Invalid(format!("--dicom {e}"))),
        (None, Some(port)) => Ok(Some(SocketAddr::from(([0, 0, 0, 0], port)))),
        (None, None) => Ok(None),
    }
}

/// The REST API's address and access rules, from `--http` and the config.
fn http_options(arg: Option<&str>, config: &crate::config::Config) -> Result<Option<HttpOptions>> {
    let addr = match (arg, config.http_port) {
        (Some(a), _) => a
            .to_socket_addrs()
            .ok()
            .and_then(|mut it| it.next())
            .ok_or_else(|| {
                Error::Invalid(format!("--http {a}: not an address like 127.0.0.1:8042"))
            })?,
        (None, Some(port)) => {
            let ip = if config.remote_access_allowed {
                [0, 0, 0, 0]
            } else {
                [127, 0, 0, 1]
            };
            SocketAddr::from((ip, port))
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(HttpOptions {
        addr,
        remote_access_allowed: config.remote_access_allowed,
        authentication_enabled: config
            .authentication_enabled
            .unwrap_or(config.remote_access_allowed),
        users: config.registered_users.clone(),
        body_limit: config.http_body_limit,
        body_timeout: Duration::from_secs(30),
        tls: crate::http::tls::TlsOptions::from_config(&config.https)?,
        allow_insecure_remote: config.https.allow_insecure_remote,
    }))
}

pub fn run(ctx: &Context, args: DaemonArgs) -> Result<()> {
    let home = ctx.home()?;
    home.ensure()?;
    let config = ctx.config(&home)?;
    let out = ctx.out.clone();
    let http = http_options(args.http.as_deref(), &config)?;
    let dicom = dicom_address(args.dicom.as_deref(), &config)?;
    daemon::run(
        home,
        config,
        DaemonOptions {
            http,
            dicom,
            no_jobs: args.no_jobs,
            lock_timeout: Duration::from_secs_f64(ctx.global.lock_timeout.max(0.0)),
        },
        &mut |msg| out.note(msg),
    )
}
