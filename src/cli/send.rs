//! Sending and the network configuration: `send MODALITY ID...` (a `DicomModalityStore` job),
//! `send --peer PEER ID...` (an `OrthancPeerStore` job), `echo MODALITY` (C-ECHO),
//! `modalities ls` and `peers ls`.

use clap::{Args, Subcommand};
use serde_json::Value;

use super::Context;
use crate::error::{Error, Result};
use crate::jobs::kinds::send_modality::ModalityStoreParams;
use crate::jobs::kinds::send_peer::PeerStoreParams;
use crate::jobs::{JobSpec, JobState};
use crate::node::{JobRequest, NetworkList};
use crate::output::{escape_controls, table};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The modality (a name of DicomModalities), then the patients, studies, series or
    /// instances (IDs or unique prefixes of 8+ characters); with --peer, only the IDs
    #[arg(value_name = "MODALITY|ID", required = true, num_args = 1..)]
    pub args: Vec<String>,
    /// Send to this Orthanc peer (a name of OrthancPeers) over HTTP instead
    #[arg(long, value_name = "PEER")]
    pub peer: Option<String>,
    /// Go on when an instance is refused (counted in FailedInstancesCount)
    #[arg(long)]
    pub permissive: bool,
    /// With --peer: gzip each instance (the peer must be Orthanc 1.6.0 or later)
    #[arg(long, requires = "peer")]
    pub compress: bool,
    /// Print the job ID and return at once (needs a running daemon)
    #[arg(long = "async")]
    pub asynchronous: bool,
    /// Job priority (higher runs first)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
    /// Test hook: sleep this long in every step
    #[arg(long, hide = true, default_value_t = 0)]
    pub step_delay_ms: u64,
}

#[derive(Debug, Args)]
pub struct EchoArgs {
    /// The modality (a name of DicomModalities)
    pub modality: String,
    /// Seconds to wait for the modality (default: its Timeout, else DicomScuTimeout)
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// List them (Orthanc's long form with --json)
    Ls,
}

pub fn send(ctx: &Context, a: SendArgs) -> Result<()> {
    let spec = match a.peer {
        Some(peer) => JobSpec::OrthancPeerStore(PeerStoreParams {
            peer,
            resources: a.args,
            compress: a.compress,
            permissive: a.permissive,
            step_delay_ms: a.step_delay_ms,
        }),
        None => {
            let mut args = a.args.into_iter();
            let modality = args.next().unwrap_or_default();
            let resources: Vec<String> = args.collect();
            if resources.is_empty() {
                return Err(Error::Invalid(format!(
                    "send {modality}: give the patients, studies, series or instances to send \
                     (or --peer PEER to send to an Orthanc peer)"
                )));
            }
            JobSpec::DicomModalityStore(ModalityStoreParams {
                modality,
                resources,
                local_aet: None,
                called_aet: None,
                host: None,
                port: None,
                timeout: None,
                permissive: a.permissive,
                step_delay_ms: a.step_delay_ms,
            })
        }
    };
    let req = JobRequest::new(spec, a.priority);
    let backend = ctx.backend()?;
    if a.asynchronous {
        let id = backend.submit_job(req)?;
        if ctx.out.json {
            return ctx
                .out
                .json_value(&serde_json::json!({"ID": id, "Path": format!("/jobs/{id}")}));
        }
        return ctx.out.data(&format!("{id}\n"));
    }
    // A remote that is down keeps the job in Retry (possibly for hours): say so, once per
    // new reason, rather than wait silently.
    let mut told = String::new();
    let info = backend.run_job_watched(req, &mut |j| {
        if j.state == JobState::Retry && j.error_details != told {
            told = j.error_details.clone();
            ctx.out.note(&format!(
                "job {} waits to retry (--async leaves it to the daemon): {}",
                j.id,
                escape_controls(&j.error_details)
            ));
        }
    })?;
    super::jobs::finished(&info)?;
    if ctx.out.json {
        return ctx.out.json_value(&info.content);
    }
    let count = info.content["InstancesCount"].as_u64().unwrap_or(0);
    let failed = info.content["FailedInstancesCount"].as_u64().unwrap_or(0);
    let to = info.content["RemoteAet"]
        .as_str()
        .or(info.content["Peer"]["Url"].as_str())
        .unwrap_or("?");
    if failed > 0 {
        ctx.out
            .warn(&format!("{failed} of {count} instances were not sent"));
    }
    ctx.out.data(&format!(
        "{} instances sent to {}\n",
        count - failed.min(count),
        escape_controls(to)
    ))
}

pub fn echo(ctx: &Context, a: EchoArgs) -> Result<()> {
    ctx.backend()?.echo(&a.modality, a.timeout)?;
    ctx.out.note(&format!("{}: C-ECHO succeeded", a.modality));
    Ok(())
}

pub fn list(ctx: &Context, which: NetworkList, _cmd: ListCommand) -> Result<()> {
    let entries = ctx.backend()?.network_list(which)?;
    if ctx.out.json {
        return ctx.out.json_value(&entries);
    }
    let Value::Object(map) = entries else {
        return Err(Error::Internal("network list is not an object".into()));
    };
    let text = |v: &Value| match v {
        Value::String(s) => escape_controls(s).into_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let (header, rows): (&[&str], Vec<Vec<String>>) = match which {
        NetworkList::Modalities => (
            &["NAME", "AET", "HOST", "PORT", "MANUFACTURER"],
            map.iter()
                .map(|(name, m)| {
                    vec![
                        escape_controls(name).into_owned(),
                        text(&m["AET"]),
                        text(&m["Host"]),
                        text(&m["Port"]),
                        text(&m["Manufacturer"]),
                    ]
                })
                .collect(),
        ),
        NetworkList::Peers => (
            &["NAME", "URL", "USERNAME"],
            map.iter()
                .map(|(name, p)| {
                    vec![
                        escape_controls(name).into_owned(),
                        text(&p["Url"]),
                        text(&p["Username"]),
                    ]
                })
                .collect(),
        ),
    };
    ctx.out.data(&table(header, rows))
}
